"""Reads for assessments, always through the scoping functions."""

from diagnosis.models import Assessment
from portal.models import Enterprise, OrgStatus
from portal.roles import WRITE_ROLES


def assessments_for_member(user):
    return (Assessment.objects.visible_to(user).select_related("enterprise")
            .order_by("enterprise__name", "-created_at"))


def startable_enterprises(user):
    """Verified enterprises where the user may start assessments (owner or editor)."""
    return (Enterprise.objects.visible_to(user)
            .filter(status=OrgStatus.VERIFIED, memberships__user=user, memberships__role__in=WRITE_ROLES)
            .distinct())
