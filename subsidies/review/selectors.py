"""Reads for staff queues, expert tasks and the budget consumption page."""

from django.db.models import Count, Q, QuerySet, Sum

from portal.roles import staff_region_path
from subsidies import workflow
from subsidies.models import Application, BudgetLine, ExpertReview, ProgrammeVersion


def queue(user, *, stage: str = "", version: str = "", q: str = "", district: str = "") -> QuerySet:
    rows = (Application.objects.visible_to(user).exclude(status=workflow.DRAFT)
            .select_related("version__programme", "enterprise", "region").order_by("submitted_at", "pk"))
    if stage in workflow.QUEUES:
        rows = rows.filter(status=workflow.QUEUES[stage])
    elif stage in workflow.STATUSES:
        rows = rows.filter(status=stage)
    if version.isdigit() and len(version) < 10:
        rows = rows.filter(version_id=int(version))
    if district.isdigit() and len(district) < 13:
        rows = rows.filter(region__code=district)
    q = q.strip()[:60].replace("\x00", "")
    if q:
        rows = rows.filter(Q(reference__icontains=q) | Q(enterprise__name__icontains=q) | Q(project_title__icontains=q))
    return rows


def districts_in_scope(user) -> QuerySet:
    from portal.models import Region

    path = staff_region_path(user)
    if path is None:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=path, level=Region.Level.DISTRICT).order_by("code")


def stage_counts(user) -> dict[str, int]:
    counts = dict(Application.objects.visible_to(user).values_list("status").annotate(n=Count("pk")))
    return {stage: counts.get(status, 0) for stage, status in workflow.QUEUES.items()}


def versions_in_scope(user) -> QuerySet:
    return (ProgrammeVersion.objects.filter(applications__in=Application.objects.visible_to(user)).distinct()
            .select_related("programme").order_by("programme__code", "-number"))


def expert_tasks(user) -> QuerySet:
    return (ExpertReview.objects.filter(expert=user).select_related("application__version__programme",
                                                                     "application__enterprise")
            .order_by("submitted_at", "-assigned_at"))


def expert_pool(application: Application):
    from portal.models import User
    from portal.roles import StaffRole

    return (User.objects.filter(staff_role=StaffRole.EXPERT, is_active=True)
            .exclude(pk__in=application.expert_reviews.values("expert")).order_by("username"))


def budget_rows(user) -> list[dict]:
    """Per programme version and line: allocated, reserved, disbursed, for lines the user's region
    covers (its districts' lines and the totals of programmes reaching into it)."""
    path = staff_region_path(user)
    if path is None:
        return []
    lines = (BudgetLine.objects.select_related("version__programme__region", "region")
             .filter(Q(region__path__startswith=path)
                     | Q(region__isnull=True, version__programme__region__path__startswith=path)
                     | Q(region__isnull=True, version__applications__region__path__startswith=path))
             .distinct().order_by("version__programme__code", "-version__number", "region__code"))
    rows = []
    for line in lines:
        rows.append({"programme": line.version.programme.name, "version": line.version.number,
                     "line": line.region.name if line.region else "", "allocated": line.allocated,
                     "reserved": line.reserved, "disbursed": line.disbursed,
                     "free": line.allocated - line.reserved})
    return rows


def decided_totals(user) -> QuerySet:
    return (Application.objects.visible_to(user).filter(decided_amount__isnull=False)
            .values("version__programme__name", "region__name").annotate(total=Sum("decided_amount"))
            .order_by("version__programme__name", "region__name"))
