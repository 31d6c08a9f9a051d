"""Reads of the resource pools: scoped lists for staff, experts and providers, and the public
notice and member lists."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from portal.models import Provider, Region
from portal.roles import StaffRole, staff_region_path
from providers.models import (
    Appeal,
    Complaint,
    ExpertScore,
    Objection,
    Pool,
    PoolApplication,
    PoolMember,
    Recheck,
)
from providers.pools import workflow

QUEUE_ORDER = ("submitted", "expert_review", "notice", "returned", "admitted", "refused", "withdrawn")


def managed_pools(user) -> QuerySet:
    return (Pool.objects.managed_by(user).select_related("region")
            .annotate(pending=Count("applications", filter=Q(applications__status__in=PoolApplication.ACTIVE)),
                      member_count=Count("members", filter=Q(members__status=PoolMember.Status.ACTIVE),
                                         distinct=True)))


def jurisdiction_regions(user) -> QuerySet:
    """Where the user may create pools: their district, or their city and its districts."""
    path = staff_region_path(user)
    if path is None:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=path, level__in=[Region.Level.CITY, Region.Level.DISTRICT])


@dataclass(frozen=True)
class QueueGroup:
    status: str
    label: str
    rows: list


def queue(pool: Pool, today: dt.date) -> list[QueueGroup]:
    """The pool's applications by status, oldest first, each with its age in days."""
    labels = dict(PoolApplication.Status.choices)
    grouped: dict[str, list] = {s: [] for s in QUEUE_ORDER}
    rows = pool.applications.select_related("provider").order_by("submitted_at", "pk")
    for application in rows:
        application.age_days = (today - application.submitted_at.date()).days
        grouped.setdefault(application.status, []).append(application)
    return [QueueGroup(s, labels[s], grouped[s]) for s in QUEUE_ORDER if grouped[s]]


def pending_applications(user) -> QuerySet:
    return PoolApplication.objects.filter(pool__in=Pool.objects.managed_by(user),
                                          status__in=[PoolApplication.Status.SUBMITTED,
                                                      PoolApplication.Status.EXPERT_REVIEW,
                                                      PoolApplication.Status.NOTICE])


def due_rechecks(user, today: dt.date) -> QuerySet:
    return (PoolMember.objects.filter(pool__in=Pool.objects.managed_by(user), status=PoolMember.Status.ACTIVE,
                                      next_recheck__lte=today)
            .select_related("pool", "provider").order_by("next_recheck", "pk"))


def open_appeals(user) -> QuerySet:
    return (Appeal.objects.filter(member__pool__in=Pool.objects.managed_by(user), status=Appeal.Status.OPEN)
            .select_related("member__provider", "member__pool"))


def staff_complaints(user) -> QuerySet:
    return Complaint.objects.visible_to(user).select_related("provider", "enterprise").order_by("status", "-filed_at")


def expert_tasks(user) -> QuerySet:
    if user.staff_role != StaffRole.EXPERT:
        return ExpertScore.objects.none()
    return (ExpertScore.objects.filter(expert=user)
            .select_related("application__pool", "application__provider")
            .order_by("submitted_at", "-assigned_at"))


def pending_sheets(user) -> QuerySet:
    return expert_tasks(user).filter(submitted_at__isnull=True, conflict_declared=False,
                                     application__status=PoolApplication.Status.EXPERT_REVIEW)


def sheets_of(application: PoolApplication) -> list:
    return list(application.expert_scores.select_related("expert", "assigned_by"))


def objections_of(application: PoolApplication) -> list:
    return list(application.objections.select_related("filed_by", "resolved_by"))


def expert_pool(application: PoolApplication) -> QuerySet:
    from portal.models import User

    return (User.objects.filter(staff_role=StaffRole.EXPERT, is_active=True)
            .exclude(pk__in=application.expert_scores.values("expert")).order_by("username"))


def my_providers(user) -> QuerySet:
    if not user.is_authenticated or user.staff_role:
        return Provider.objects.none()
    return Provider.objects.filter(memberships__user=user).distinct()


def open_calls(today: dt.date) -> QuerySet:
    return (Pool.objects.filter(status=Pool.Status.OPEN, call_opens__lte=today, call_closes__gte=today)
            .select_related("region"))


def provider_applications(user) -> QuerySet:
    return (PoolApplication.objects.filter(provider__in=my_providers(user))
            .select_related("pool", "provider", "profile_version").order_by("-submitted_at"))


def provider_memberships(user) -> QuerySet:
    return (PoolMember.objects.filter(provider__in=my_providers(user)).select_related("pool", "provider")
            .prefetch_related("appeals", "rechecks"))


def timeline(application: PoolApplication) -> list[tuple[str, object]]:
    """The steps an application went through, as (label, date) — only the steps reached."""
    steps = [(_("Submitted"), application.submitted_at), (_("Form check"), application.checked_at),
             (_("Public notice"), application.notice_starts), (_("Decision"), application.decided_at)]
    return [(step, when) for step, when in steps if when]


def public_pools() -> QuerySet:
    return Pool.objects.exclude(status=Pool.Status.DRAFT).select_related("region").annotate(
        member_count=Count("members", filter=Q(members__status=PoolMember.Status.ACTIVE), distinct=True))


def notice_rows(pool: Pool, today: dt.date) -> QuerySet:
    """Applications of the pool whose public notice is running (or ended and awaiting the decision)."""
    return (pool.applications.filter(status=PoolApplication.Status.NOTICE).select_related("provider")
            .annotate(open_objections=Count("objections", filter=Q(objections__status=Objection.Status.OPEN)))
            .order_by("notice_ends", "provider__name"))


def public_members(pool: Pool) -> QuerySet:
    return PoolMember.objects.public().filter(pool=pool).select_related("provider").order_by("provider__name")


def rechecks_of(member: PoolMember) -> QuerySet:
    return Recheck.objects.filter(member=member).order_by("-year")


def band_label(score) -> str:
    return workflow.band_of(score)


@dataclass(frozen=True)
class ProfileSummary:
    summary: str
    capabilities: list  # (area title, declared level)
    qualifications: list  # (name, expires "YYYY-MM-DD" or "", expired)
    cases: int


def profile_summary(version, today: dt.date) -> ProfileSummary:
    """What reviewers need at a glance from the published profile the application was made with
    (read from its stored document; entries of an unexpected shape are skipped)."""
    from providers.taxonomy import CAPABILITY_AREAS, titles

    document = version.document if isinstance(version.document, dict) else {}
    areas = titles(CAPABILITY_AREAS)
    facts = document.get("facts") if isinstance(document.get("facts"), dict) else {}
    capabilities = [(areas.get(str(c.get("area")), str(c.get("area"))), c.get("level"))
                    for c in document.get("capabilities") or [] if isinstance(c, dict)]
    qualifications = []
    for q in document.get("qualifications") or []:
        if not isinstance(q, dict):
            continue
        expires = str(q.get("expires") or "")
        try:
            expired = bool(expires) and dt.date.fromisoformat(expires) < today
        except ValueError:
            expired = False
        qualifications.append((str(q.get("name") or ""), expires, expired))
    return ProfileSummary(str(facts.get("summary") or ""), capabilities, qualifications,
                          len([c for c in document.get("cases") or [] if isinstance(c, dict)]))
