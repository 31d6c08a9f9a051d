"""Reads for the enterprise's side: its applications and the programme versions it may apply to."""

from django.db.models import QuerySet
from django.utils import timezone

from portal.models import Enterprise
from portal.roles import WRITE_ROLES
from subsidies.models import Application, ProgrammeVersion


def my_applications(user) -> QuerySet:
    return (Application.objects.visible_to(user)
            .select_related("version__programme", "enterprise").order_by("-created_at", "-pk"))


def my_enterprises(user) -> QuerySet:
    if not user.is_authenticated or user.staff_role:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(memberships__user=user, memberships__role__in=WRITE_ROLES).distinct()


def open_versions(enterprise: Enterprise | None = None) -> QuerySet:
    """Published versions taking applications today (in the enterprise's region when given)."""
    today = timezone.localdate()
    versions = (ProgrammeVersion.objects.filter(status=ProgrammeVersion.Status.PUBLISHED,
                                                applications_open__lte=today, applications_close__gte=today)
                .select_related("programme__region").order_by("applications_close", "pk"))
    if enterprise is not None:
        paths = _prefixes(enterprise.region.path)
        versions = versions.filter(programme__region__path__in=paths)
    return versions


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[:i]) for i in range(1, len(parts) + 1)]


def timeline(application: Application) -> list:
    return list(application.events.select_related("actor").order_by("at", "pk"))
