"""Reads of the matchmaking events feature: the events a bureau officer sees, the enterprises that
may be invited (with the needs of their latest submitted or approved assessment), the pool
providers that may be invited, the pairings and the funnel of an event."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from diagnosis.models import Assessment, Need
from diagnosis.results.selectors import COUNTED_STATUSES
from portal.models import Enterprise, Region
from providers.models import (
    EventParticipant,
    EventProvider,
    MatchEvent,
    Pairing,
    PairingJob,
    Pool,
    PoolMember,
)


def events_for(user) -> QuerySet:
    return MatchEvent.objects.visible_to(user).select_related("region", "park")


def latest_assessment_id():
    """Subquery: the enterprise's latest submitted or approved assessment (by submission time)."""
    return Subquery(Assessment.objects.filter(enterprise_id=OuterRef("pk"), status__in=COUNTED_STATUSES)
                    .order_by("-submitted_at", "-pk").values("pk")[:1])


def scope_enterprises(event: MatchEvent) -> QuerySet:
    """Enterprises in the event's scope: its region's subtree, its park or cluster when it has one."""
    qs = Enterprise.objects.filter(region__path__startswith=event.region.path)
    if event.park_id:
        qs = qs.filter(park_id=event.park_id)
    if event.cluster:
        qs = qs.filter(cluster=event.cluster)
    return qs


def candidates(event: MatchEvent, *, category: str = "", district: Region | None = None, cluster: str = "",
               park: Region | None = None) -> QuerySet:
    """Enterprises of the event's scope with a submitted or approved assessment, not yet invited,
    filtered by a need category of their latest such assessment, district, cluster and park."""
    qs = (scope_enterprises(event).annotate(latest=latest_assessment_id()).filter(latest__isnull=False)
          .exclude(pk__in=EventParticipant.objects.filter(event=event).values("enterprise_id")))
    if category:
        qs = qs.filter(Exists(Need.objects.filter(assessment_id=OuterRef("latest"), category=category)))
    if district is not None:
        qs = qs.filter(region__path__startswith=district.path)
    if cluster:
        qs = qs.filter(cluster=cluster)
    if park is not None:
        qs = qs.filter(park=park)
    return qs.select_related("region", "park").order_by("name", "pk")


def need_categories(assessment_ids) -> dict[int, list[str]]:
    """Need categories by assessment id."""
    result: dict[int, list[str]] = {}
    for assessment_id, category in (Need.objects.filter(assessment_id__in=list(assessment_ids))
                                    .order_by("category").values_list("assessment_id", "category")):
        result.setdefault(assessment_id, []).append(category)
    return result


def districts(event: MatchEvent) -> QuerySet:
    return Region.objects.filter(path__startswith=event.region.path, level=Region.Level.DISTRICT).order_by("code")


def parks(event: MatchEvent) -> QuerySet:
    return Region.objects.filter(path__startswith=event.region.path, level=Region.Level.PARK).order_by("code")


def eligible_pools(event: MatchEvent) -> QuerySet:
    """Pools covering the event's region: those of its region or a region above it (a city pool
    for a district event), and those of the districts inside it (a city event)."""
    region = event.region
    above = [region.path[:end] for end in range(1, len(region.path) + 1)]
    return Pool.objects.filter(Q(region__path__in=above) | Q(region__path__startswith=region.path))


def eligible_members(event: MatchEvent) -> QuerySet:
    """Active members of the eligible pools, one row per membership."""
    return (PoolMember.objects.filter(pool__in=eligible_pools(event), status=PoolMember.Status.ACTIVE)
            .select_related("provider", "pool", "pool__region").order_by("provider__name", "pool__tier", "pk"))


def uninvited_members(event: MatchEvent) -> list[PoolMember]:
    """One eligible membership per provider not yet invited."""
    invited = set(EventProvider.objects.filter(event=event).values_list("provider_id", flat=True))
    seen, rows = set(), []
    for member in eligible_members(event):
        if member.provider_id in invited or member.provider_id in seen:
            continue
        seen.add(member.provider_id)
        rows.append(member)
    return rows


def participants(event: MatchEvent) -> QuerySet:
    return EventParticipant.objects.filter(event=event).select_related("enterprise__region", "enterprise__park")


def event_providers(event: MatchEvent) -> QuerySet:
    return EventProvider.objects.filter(event=event).select_related("provider", "member__pool")


def pairings(event: MatchEvent, *, status: str = "") -> QuerySet:
    qs = Pairing.objects.filter(event=event).select_related("enterprise", "provider")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("enterprise__name", "enterprise_id", "rank", "pk")


def latest_job(event: MatchEvent) -> PairingJob | None:
    return PairingJob.objects.filter(event=event).order_by("-created_at", "-pk").first()


# ─── funnel ──────────────────────────────────────────────────────────────────────────────────

MET = (Pairing.Status.MEETING, Pairing.Status.AGREED)


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    count: int


def lead_model():
    """The leads feature's model when it is installed (providers.Lead), else None."""
    try:
        return apps.get_model("providers", "Lead")
    except LookupError:
        return None


def funnel(event: MatchEvent) -> list[Stage]:
    """Invited enterprises → those that met a provider → those that agreed with one; then, when the
    leads feature is installed, leads between the event's enterprises and providers made since
    the event opened, by the stage they reached."""
    pairs = Pairing.objects.filter(event=event)
    stages = [
        Stage("invited", str(_("Invited")), EventParticipant.objects.filter(event=event).count()),
        Stage("met", str(_("Met a provider")),
              pairs.filter(Q(status__in=MET) | Q(meeting_at__isnull=False)).values("enterprise_id").distinct().count()),
        Stage("agreed", str(_("Agreed")),
              pairs.filter(status=Pairing.Status.AGREED).values("enterprise_id").distinct().count()),
    ]
    return stages + lead_stages(event)


LEAD_STAGES = (
    # (key, title, the lead's date field that says it got there)
    ("lead_contacted", _("Leads: contacted"), "contacted_on"),
    ("lead_contract", _("Leads: contract"), "contract_on"),
    ("lead_accepted", _("Leads: accepted"), "accepted_on"),
)


def event_leads(event: MatchEvent) -> QuerySet | None:
    """Leads between the event's enterprises and providers requested since the event opened (None
    when the leads feature is not installed or the event has not opened)."""
    Lead = lead_model()
    if Lead is None or event.opened_at is None:
        return None
    return Lead.objects.filter(
        enterprise_id__in=EventParticipant.objects.filter(event=event).values("enterprise_id"),
        provider_id__in=EventProvider.objects.filter(event=event).values("provider_id"),
        requested_at__gte=event.opened_at)


def lead_stages(event: MatchEvent) -> list[Stage]:
    """Leads that reached each stage (its date is set: a lead declined after a contract still
    counts as contacted and contracted), in one query."""
    leads = event_leads(event)
    if leads is None:
        return []
    counts = leads.aggregate(**{key: Count("pk", filter=Q(**{f"{field}__isnull": False}))
                                for key, _title, field in LEAD_STAGES})
    return [Stage(key, str(title), counts[key] or 0) for key, title, _field in LEAD_STAGES]
