"""Ecosystem analysis for bureau staff: the published providers registered in the staff's region
(district staff: their district; city staff: the whole city), read as a handful of aggregate
queries over the listing tables, so the page stays fast at 10 k providers and 100 k apps.

Definitions (the page prints them under each table):
- capability coverage of an area: providers declaring the area ÷ providers in scope; the level
  split is the share of providers in scope at each declared level;
- weak areas: the areas with the lowest coverage, ties broken by the lower average level;
- industries served: provider–industry links per GB/T 4754 division ÷ all links (a provider
  serving three industries counts once in each), the figure the district survey reports;
- industry coverage: providers serving a division beside the enterprises registered in it in the
  same region, and enterprises per provider;
- pool health: among the active members of pools whose provider is in scope, qualifications that
  expire within 90 days (or have expired), re-checks past due, and suspended members.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils.translation import get_language

from portal.models import Enterprise, Region
from portal.reference import INDUSTRY_DIVISIONS
from portal.roles import staff_region_path
from providers.models import (
    Listing,
    ListingApp,
    ListingCapability,
    ListingIndustry,
    PoolMember,
    ProfileVersion,
)
from providers.taxonomy import (
    APP_CATEGORIES,
    CAPABILITY_AREAS,
    CAPABILITY_LEVELS,
    QUALIFICATION_KINDS,
    titles,
)

EXPIRY_WINDOW_DAYS = 90
WEAK_AREAS = 3
HUNDRED = Decimal(100)


def share(part: int, whole: int) -> Decimal:
    """part ÷ whole in percent, one decimal, 0 for an empty whole."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class AreaStat:
    code: str
    title: str
    providers: int
    coverage: Decimal  # % of providers in scope
    average_level: Decimal | None
    level_shares: tuple[Decimal, ...]  # % of providers in scope at level 1..5
    verified_cases: int


@dataclass(frozen=True)
class IndustryStat:
    division: str
    title: str
    providers: int
    link_share: Decimal  # % of all provider–industry links
    enterprises: int
    enterprises_per_provider: Decimal | None


@dataclass(frozen=True)
class AppStat:
    code: str
    title: str
    apps: int
    share: Decimal
    clients: int


@dataclass(frozen=True)
class HealthRow:
    provider_id: int
    provider: str
    pool: str
    detail: str  # qualification name, or the pool's re-check date / suspension reason
    due: dt.date | None


@dataclass(frozen=True)
class Ecosystem:
    region: Region | None
    providers: int  # published providers in scope
    apps: int
    solutions: int
    areas: tuple[AreaStat, ...]
    weak: tuple[AreaStat, ...]
    industries: tuple[IndustryStat, ...]
    industry_count: int
    apps_by_category: tuple[AppStat, ...]
    expiring: tuple[HealthRow, ...]
    overdue: tuple[HealthRow, ...]
    suspended: tuple[HealthRow, ...]
    active_members: int


def scope_path(user) -> str | None:
    """The region subtree the user analyses; None means no access (not bureau staff)."""
    return staff_region_path(user)


def ecosystem(user, *, today: dt.date) -> Ecosystem:
    path = scope_path(user)
    if path is None:
        raise ValueError("ecosystem analysis is for bureau staff only")
    listings = Listing.objects.filter(region_path__startswith=path)
    totals = listings.aggregate(n=Count("pk"), apps=Sum("app_count"), solutions=Sum("solution_count"))
    total = totals["n"] or 0

    # Capability distribution: one grouped query.
    per_level: dict[str, dict[int, int]] = {}
    verified: dict[str, int] = {}
    for row in (ListingCapability.objects.filter(listing__region_path__startswith=path)
                .values("area", "level").annotate(n=Count("pk"), v=Sum("verified_cases")).order_by()):
        per_level.setdefault(row["area"], {})[row["level"]] = row["n"]
        verified[row["area"]] = verified.get(row["area"], 0) + (row["v"] or 0)
    areas = []
    for term in CAPABILITY_AREAS:
        levels = per_level.get(term.code, {})
        declared = sum(levels.values())
        average = (Decimal(sum(level * n for level, n in levels.items())) / declared).quantize(Decimal("0.01")) \
            if declared else None
        areas.append(AreaStat(term.code, term.title, declared, share(declared, total), average,
                              tuple(share(levels.get(level, 0), total) for level in range(1, 6)),
                              verified.get(term.code, 0)))
    weak = tuple(sorted(areas, key=lambda a: (a.coverage, a.average_level or 0, a.code))[:WEAK_AREAS])

    # Industries served, and the enterprises of the same region per division.
    links = list(ListingIndustry.objects.filter(listing__region_path__startswith=path)
                 .values("division").annotate(n=Count("pk")).order_by())
    link_total = sum(row["n"] for row in links)
    enterprises = dict(Enterprise.objects.filter(region__path__startswith=path).exclude(industry_division="")
                       .values("industry_division").annotate(n=Count("pk")).order_by()
                       .values_list("industry_division", "n"))
    served = {row["division"]: row["n"] for row in links}
    industries = []
    for division in sorted(set(served) | set(enterprises)):
        providers, firms = served.get(division, 0), enterprises.get(division, 0)
        industries.append(IndustryStat(
            division, INDUSTRY_DIVISIONS.get(division, division), providers, share(providers, link_total), firms,
            (Decimal(firms) / providers).quantize(Decimal("0.1")) if providers else None))
    industries.sort(key=lambda i: (-i.providers, -i.enterprises, i.division))

    app_rows = {row["category"]: row for row in ListingApp.objects.filter(listing__region_path__startswith=path)
                .values("category").annotate(n=Count("pk"), clients=Sum("clients")).order_by()}
    app_total = sum(row["n"] for row in app_rows.values())
    apps_by_category = tuple(sorted(
        (AppStat(t.code, t.title, app_rows.get(t.code, {}).get("n", 0),
                 share(app_rows.get(t.code, {}).get("n", 0), app_total), app_rows.get(t.code, {}).get("clients") or 0)
         for t in APP_CATEGORIES), key=lambda a: (-a.apps, a.code)))

    expiring, overdue, suspended, active = _pool_health(path, today)
    return Ecosystem(
        region=Region.objects.filter(path=path).first(), providers=total, apps=totals["apps"] or 0,
        solutions=totals["solutions"] or 0, areas=tuple(areas), weak=weak, industries=tuple(industries),
        industry_count=len(served), apps_by_category=apps_by_category, expiring=expiring, overdue=overdue,
        suspended=suspended, active_members=active)


def _pool_health(path: str, today: dt.date):
    members = list(PoolMember.objects.filter(provider__region__path__startswith=path)
                   .exclude(status__in=[PoolMember.Status.REMOVED, PoolMember.Status.EXPIRED])
                   .select_related("pool", "provider").order_by("provider__name", "pool__name"))
    active = [m for m in members if m.status == PoolMember.Status.ACTIVE]
    overdue = tuple(HealthRow(m.provider_id, m.provider.name, m.pool.name, "", m.next_recheck)
                    for m in sorted(active, key=lambda m: (m.next_recheck, m.provider.name))
                    if m.next_recheck < today)
    suspended = tuple(HealthRow(m.provider_id, m.provider.name, m.pool.name, m.suspended_reason, None)
                      for m in members if m.status == PoolMember.Status.SUSPENDED)
    # Qualifications live in the published documents; only pool members' are read (tens to hundreds).
    pools_of: dict[int, list[str]] = {}
    for m in active:
        pools_of.setdefault(m.provider_id, []).append(m.pool.name)
    names = {m.provider_id: m.provider.name for m in active}
    kind_title = titles(QUALIFICATION_KINDS)
    limit = today + dt.timedelta(days=EXPIRY_WINDOW_DAYS)
    expiring = []
    for provider_id, document in (ProfileVersion.objects.filter(provider_id__in=list(pools_of),
                                                                status=ProfileVersion.Status.PUBLISHED)
                                  .values_list("provider_id", "document")):
        for entry in (document or {}).get("qualifications") or []:
            try:
                expires = dt.date.fromisoformat(str(entry.get("expires") or ""))
            except (ValueError, AttributeError):
                continue
            if expires <= limit:
                label = entry.get("name") or kind_title.get(entry.get("kind"), "")
                expiring.append(HealthRow(provider_id, names[provider_id], "、".join(pools_of[provider_id]),
                                          str(label)[:100], expires))
    expiring.sort(key=lambda r: (r.due, r.provider))
    return tuple(expiring), overdue, suspended, len(active)


def level_names() -> list[str]:
    return [f"L{t.code}" for t in CAPABILITY_LEVELS]


# --- The regional dashboards' panel: the providers serving a region ------------------------------

TOP_PROVIDERS = 5


@dataclass(frozen=True)
class ServingArea:
    code: str
    title: str
    providers: int  # published providers serving the region that declare the area
    members: int  # of which active pool members


@dataclass(frozen=True)
class TopProvider:
    provider_id: int
    name: str
    region: str
    verified_cases: int
    solutions: int
    areas: tuple[str, ...]  # titles of the declared capability areas
    member: bool  # an active member of a pool


@dataclass(frozen=True)
class RegionSupply:
    region: Region
    providers: int
    members: int
    areas: tuple[ServingArea, ...]
    top: tuple[TopProvider, ...]


def serving_listings(region: Region):
    """The published listings serving ``region``: their service regions name it, a region above it
    (a provider serving the whole city serves each of its districts) or a region below it."""
    from django.db.models import Q

    codes = set(region.path.strip("/").split("/"))
    codes |= set(Region.objects.filter(path__startswith=region.path).values_list("code", flat=True))
    match = Q()
    for code in sorted(codes):
        match |= Q(service_regions__contains=f",{code},")
    return Listing.objects.filter(match)


def region_supply(region: Region, *, today: dt.date, top: int = TOP_PROVIDERS) -> RegionSupply:
    """The dashboard panel's figures: providers and active pool members serving ``region`` per
    capability area, and the strongest of them (verified cases, then solutions); four queries."""
    listings = serving_listings(region)
    active = (PoolMember.objects.filter(status=PoolMember.Status.ACTIVE, valid_until__gte=today)
              .values_list("provider_id", flat=True))
    member_ids = set(listings.filter(provider_id__in=active).values_list("provider_id", flat=True))
    per_area: dict[str, list[int]] = {}
    for area, provider_id in (ListingCapability.objects.filter(listing__in=listings)
                              .values_list("area", "listing__provider_id").order_by()):
        per_area.setdefault(area, []).append(provider_id)
    english = get_language() == "en"
    areas = tuple(sorted((ServingArea(t.code, t.title_en if english else t.title, len(per_area.get(t.code, ())),
                                      sum(1 for p in per_area.get(t.code, ()) if p in member_ids))
                          for t in CAPABILITY_AREAS), key=lambda a: (-a.providers, a.code)))
    area_title = titles(CAPABILITY_AREAS, english=english)
    strongest = list(listings.select_related("region").defer("search_text", "service_regions")
                     .prefetch_related("capabilities")
                     .order_by("-verified_case_count", "-solution_count", "name", "pk")[:top])
    return RegionSupply(
        region=region, providers=listings.count(), members=len(member_ids), areas=areas,
        top=tuple(TopProvider(item.provider_id, item.name, item.region.name, item.verified_case_count,
                              item.solution_count, tuple(area_title.get(c.area, c.area) for c in item.capabilities.all()),
                              item.provider_id in member_ids) for item in strongest))
