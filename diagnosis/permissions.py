"""Object rules for assessments: `can_<verb>_<entity>(user, obj) -> bool`, no request."""

from portal.roles import WRITE_ROLES


def can_edit_assessment(user, assessment) -> bool:
    """Owners and editors of the enterprise, while the assessment is a draft or returned."""
    return assessment.is_editable and assessment.enterprise.memberships.filter(
        user=user, role__in=WRITE_ROLES).exists()


def is_enterprise_member(user, assessment) -> bool:
    return assessment.enterprise.memberships.filter(user=user).exists()
