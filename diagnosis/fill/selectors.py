"""Reads for assessments, always through the scoping functions."""

from diagnosis.models import Assessment
from portal.models import Enterprise, OrgStatus


def assessments_for_member(user):
    return (Assessment.objects.visible_to(user).select_related("enterprise")
            .order_by("enterprise__name", "-created_at"))


def startable_enterprises(user):
    """Verified enterprises where the user may start assessments (owner or editor)."""
    return Enterprise.objects.writable_by(user).filter(status=OrgStatus.VERIFIED)
