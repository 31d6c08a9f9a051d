"""Reads of the supply–demand gap map (issue #10): the counts behind each district × need category
cell, read as three aggregate queries whatever the number of districts, firms or providers, and the
firms and providers behind one cell.

Demand is the regional demand map's population (``diagnosis.regional.selectors.demand``): enterprises
whose submitted or approved assessments of the year state the category, placed by the assessment's
region snapshot (a park counts with its district), counted once per district and category. A stated
need is *open* until an engagement on the diagnosis that stated it is accepted: a lead on that
assessment (providers/leads) that reached "accepted" and whose solution works in one of the
category's capability areas. Without accepted engagements the counts are the demand map's.

Capacity: a provider is *qualified* for a district when it is an active member (valid on the day)
of a resource pool whose region holds the district (the district's own pool, its city's or its
province's); it *serves* the district when its published listing's service regions name the
district or a region above it; it counts in a category when its listing declares one of the
category's capability areas (``providers.taxonomy.CATEGORY_AREAS``).

``gap_table(region, year)`` is the entry point for other pages (the regional analysis PDF).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from diagnosis.models import Assessment, Need, NewMode
from diagnosis.regional import selectors as regional
from diagnosis.regional.tables import districts_of
from diagnosis.results.selectors import COUNTED_STATUSES
from portal.models import Enterprise, Region
from providers.gaps.analysis import District, GapTable, analyse
from providers.models import Lead, Listing, ListingCapability, PoolMember
from providers.taxonomy import CAPABILITY_AREAS, CATEGORY_AREAS, titles

CATEGORIES = tuple(c.value for c in NewMode)


@dataclass(frozen=True)
class GapMap:
    city: Region
    year: int
    focus: Region | None  # the district the page was asked for (None for a city)
    table: GapTable
    names: dict[str, str]  # district code → name


def city_of(region: Region) -> Region | None:
    """The city a gap map is drawn for: the region itself, or the city above a district or park."""
    return region if region.level == Region.Level.CITY else region.ancestor_at(Region.Level.CITY)


def districts_in(city: Region) -> list[Region]:
    return list(Region.objects.filter(path__startswith=city.path, level=Region.Level.DISTRICT).order_by("path"))


def _chain(region: Region) -> tuple[str, ...]:
    """The codes of ``region`` and every region above it."""
    return tuple(region.path.strip("/").split("/"))


def _areas_q(areas) -> Q:
    match = Q()
    for area in areas:
        match |= Q(solution_areas__contains=f",{area},")
    return match


def covered_need() -> Q:
    """A ``Need`` row that an accepted engagement on its assessment covers (see the module's docstring)."""
    covered = Q(pk__in=[])
    for category, areas in CATEGORY_AREAS.items():
        covered |= Q(category=category) & Q(Exists(Lead.objects.filter(
            assessment_id=OuterRef("assessment_id"), stage=Lead.Stage.ACCEPTED).filter(_areas_q(areas))))
    return covered


def needs_counts(city: Region, year: int) -> dict[tuple[str, str], int]:
    """(district code, category) → enterprises with an open need: one grouped query over the demand
    map's population, leaving out needs an accepted engagement covers."""
    district_of = districts_of(regional.subtree(city))
    rows = (Need.objects.filter(assessment__year=year, assessment__status__in=COUNTED_STATUSES,
                                assessment__region_id__in=regional.area(city, viewer_path=None).ids)
            .exclude(covered_need()).order_by()
            .values_list("assessment__region_id", "category")
            .annotate(n=Count("assessment__enterprise", distinct=True)))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for region_id, category, n in rows:
        district = district_of.get(region_id)
        if district is not None:
            counts[(district.code, category)] += n
    return dict(counts)


def qualified(districts: list[Region], *, today: dt.date) -> dict[tuple[str, str], set[int]]:
    """(district code, category) → ids of the qualified providers serving it: one query over the
    active pool members and their listings' capability areas."""
    chains = {d.code: set(_chain(d)) for d in districts}
    codes = set().union(*chains.values()) if chains else set()
    areas = {area for areas in CATEGORY_AREAS.values() for area in areas}
    rows = (PoolMember.objects.filter(status=PoolMember.Status.ACTIVE, valid_until__gte=today,
                                      pool__region__code__in=codes,
                                      provider__listing__capabilities__area__in=areas)
            .order_by().values_list("provider_id", "pool__region__code", "provider__listing__service_regions",
                                    "provider__listing__capabilities__area").distinct())
    categories_of: dict[str, list[str]] = defaultdict(list)
    for category, category_areas in CATEGORY_AREAS.items():
        for area in category_areas:
            categories_of[area].append(category)
    out: dict[tuple[str, str], set[int]] = defaultdict(set)
    for provider_id, pool_code, service_regions, area in rows:
        served = set(filter(None, (service_regions or "").split(",")))
        for code, chain in chains.items():
            if pool_code in chain and served & chain:
                for category in categories_of[area]:
                    out[(code, category)].add(provider_id)
    return out


def gap_table(region: Region, year: int, *, viewer_path: str | None = None, today: dt.date | None = None) -> GapMap:
    """The gap map of ``region``'s city for ``year``. Districts inside ``viewer_path`` (the viewer's
    jurisdiction, ``portal.roles.staff_region_path``) are shown in full; the others follow the k rule
    (None: every district does, as on a public page)."""
    city = city_of(region)
    if city is None:
        raise ValueError("a gap map needs a region in a city")
    today = today or timezone.localdate()
    districts = districts_in(city)
    providers = {key: len(ids) for key, ids in qualified(districts, today=today).items()}
    table = analyse([District(d.code, d.name, own=viewer_path is not None and d.path.startswith(viewer_path))
                     for d in districts], CATEGORIES, needs_counts(city, year), providers)
    return GapMap(city, year, region if region.level == Region.Level.DISTRICT else None, table,
                  {d.code: d.name for d in districts})


def cell_firms(user, *, district: Region, category: str, year: int) -> QuerySet:
    """The enterprises with an open need behind one cell, among the assessments ``user`` may see."""
    ids = regional.area(district, viewer_path=None).ids
    open_needs = Need.objects.filter(category=category).exclude(covered_need())
    return (Enterprise.objects.filter(assessments__in=Assessment.objects.visible_to(user).filter(
        year=year, status__in=COUNTED_STATUSES, region_id__in=ids, needs__in=open_needs))
        .distinct().select_related("region").order_by("name", "pk"))


def cell_providers(*, district: Region, category: str, today: dt.date | None = None) -> list[Listing]:
    """The qualified providers serving one cell, strongest first, with their levels in the
    category's capability areas (``levels``: list of (area title, level))."""
    ids = qualified([district], today=today or timezone.localdate()).get((district.code, category), set())
    listings = list(Listing.objects.filter(provider_id__in=ids).select_related("region")
                    .defer("search_text", "service_regions").order_by("-verified_case_count", "name", "pk"))
    levels: dict[int, list[tuple[str, int]]] = defaultdict(list)
    area_titles = titles(CAPABILITY_AREAS, english=get_language() == "en")
    for listing_id, area, level in (ListingCapability.objects.filter(listing__in=listings,
                                                                     area__in=CATEGORY_AREAS[category])
                                    .order_by("area").values_list("listing_id", "area", "level")):
        levels[listing_id].append((area_titles.get(area, area), level))
    for listing in listings:
        listing.levels = levels.get(listing.pk, [])
    return listings
