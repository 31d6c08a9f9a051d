"""Object rules for assessments: `can_<verb>_<entity>(user, obj) -> bool`, no request. Views pass
their results to templates as flags; templates never test roles themselves."""

from portal.permissions import can_write_for, is_member_of
from portal.roles import is_bureau_staff, is_expert


def can_edit_assessment(user, assessment) -> bool:
    """Owners and editors of the enterprise, while the assessment is a draft or returned."""
    return assessment.is_editable and can_write_for(user, assessment.enterprise)


def is_enterprise_member(user, assessment) -> bool:
    return is_member_of(user, assessment.enterprise)


def can_request_report(user, assessment) -> bool:
    """The enterprise's members and bureau staff issue its diagnosis report; experts see assigned
    assessments to give an opinion, and the report is not theirs to issue."""
    return is_bureau_staff(user) or is_enterprise_member(user, assessment)


def can_see_provenance(user) -> bool:
    """Bureau staff and experts read where each provisional value comes from (spec codes, tags,
    sources, notes); enterprises and the PDF get the plain notice with the affected items only."""
    return is_bureau_staff(user) or is_expert(user)
