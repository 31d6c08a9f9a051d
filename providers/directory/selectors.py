"""Reads of the public directory, the solution map (解决方案图谱) and the provider portrait.

Everything here reads the published projection (``Listing*``), never a draft, and is public by
design: anonymous visitors see the same lists as signed-in users. Filters are ``Exists``
sub-queries on indexed columns, so a filtered list is one query plus its count, whatever the
size of the registry; tag columns (",a,b,") are matched with ``contains`` so PostgreSQL and
SQLite answer alike.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import CharField, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, Window
from django.db.models.functions import Cast, RowNumber

from diagnosis.results.needs import CATEGORIES, CATEGORY_CODES
from portal.models import Region
from portal.reference import INDUSTRY_DIVISIONS
from providers.models import (
    CaseConfirmation,
    Listing,
    ListingApp,
    ListingCapability,
    ListingIndustry,
    ListingSolution,
    PoolMember,
    SolutionItem,
)
from providers.profiles.document import parse
from providers.taxonomy import (
    APP_CATEGORIES,
    CAPABILITY_AREAS,
    CAPABILITY_LEVELS,
    DEPLOYMENTS,
    NEW_TECHNOLOGIES,
    QUALIFICATION_KINDS,
    titles,
)

EXPIRY_WARNING_DAYS = 90
SEARCH_MAX = 50  # characters of a keyword; longer input is cut, never an error


@dataclass(frozen=True)
class DirectoryFilters:
    """What a directory, solution or app list is narrowed to. Empty means "any"."""

    q: str = ""
    category: str = ""  # need category code (diagnosis.results.needs)
    item: tuple[str, str] | None = None  # (spec code, item code)
    industry: str = ""  # GB/T 4754 division
    area: str = ""  # capability area code
    region: Region | None = None  # its subtree
    pool: int | None = None  # pool id: active members only
    app_category: str = ""

    def as_audit(self) -> dict:
        return {"q": self.q, "category": self.category, "item": ":".join(self.item) if self.item else "",
                "industry": self.industry, "area": self.area, "region": self.region.code if self.region else "",
                "pool": self.pool or "", "app_category": self.app_category}


def _tag(code: str) -> str:
    return f",{code},"


def _keyword(q: str) -> str:
    # search_text is stored lower-cased (projection), so one case-sensitive LIKE serves both backends.
    return q.strip()[:SEARCH_MAX].lower()


def _active_member(provider_ref: str, pool_id: int):
    return Exists(PoolMember.objects.filter(provider_id=OuterRef(provider_ref), pool_id=pool_id,
                                            status=PoolMember.Status.ACTIVE))


def listings(filters: DirectoryFilters) -> QuerySet[Listing]:
    """Published providers matching every filter, in a stable order (name, pk)."""
    # The page never shows the wide search and region columns: leave them out of the sort.
    qs = Listing.objects.public().select_related("region").defer("search_text", "service_regions")
    if q := _keyword(filters.q):
        qs = qs.filter(search_text__contains=q)
    if filters.category:
        qs = qs.filter(Exists(ListingSolution.objects.filter(listing=OuterRef("pk"),
                                                             categories__contains=_tag(filters.category))))
    if filters.item:
        spec, item = filters.item
        qs = qs.filter(Exists(SolutionItem.objects.filter(solution__listing=OuterRef("pk"), spec_code=spec,
                                                          item_code=item)))
    if filters.industry:
        qs = qs.filter(Exists(ListingIndustry.objects.filter(listing=OuterRef("pk"), division=filters.industry)))
    if filters.area:
        qs = qs.filter(Exists(ListingCapability.objects.filter(listing=OuterRef("pk"), area=filters.area)))
    if filters.app_category:
        qs = qs.filter(Exists(ListingApp.objects.filter(listing=OuterRef("pk"), category=filters.app_category)))
    if filters.region is not None:
        qs = qs.filter(region_path__startswith=filters.region.path)
    if filters.pool:
        qs = qs.filter(_active_member("provider_id", filters.pool))
    return qs.order_by("name", "pk")


def solutions(filters: DirectoryFilters) -> QuerySet[ListingSolution]:
    """Published solutions matching every filter; the provider's own filters (region, pool) apply
    through its listing."""
    qs = ListingSolution.objects.select_related("listing")
    if q := _keyword(filters.q):
        qs = qs.filter(search_text__contains=q)
    if filters.category:
        qs = qs.filter(categories__contains=_tag(filters.category))
    if filters.item:
        spec, item = filters.item
        qs = qs.filter(Exists(SolutionItem.objects.filter(solution=OuterRef("pk"), spec_code=spec, item_code=item)))
    if filters.industry:
        qs = qs.filter(industries__contains=_tag(filters.industry))
    if filters.area:
        qs = qs.filter(areas__contains=_tag(filters.area))
    if filters.region is not None:
        qs = qs.filter(listing__region_path__startswith=filters.region.path)
    if filters.pool:
        qs = qs.filter(_active_member("listing__provider_id", filters.pool))
    return qs.order_by("title", "pk")


def apps(filters: DirectoryFilters) -> QuerySet[ListingApp]:
    """Published industrial apps; keyword on the app's name, the rest through its provider."""
    qs = ListingApp.objects.select_related("listing")
    if q := filters.q.strip()[:SEARCH_MAX]:
        qs = qs.filter(name__icontains=q)
    if filters.app_category:
        qs = qs.filter(category=filters.app_category)
    if filters.industry:
        qs = qs.filter(Exists(ListingIndustry.objects.filter(listing=OuterRef("listing_id"),
                                                             division=filters.industry)))
    if filters.area:
        qs = qs.filter(Exists(ListingCapability.objects.filter(listing=OuterRef("listing_id"), area=filters.area)))
    if filters.region is not None:
        qs = qs.filter(listing__region_path__startswith=filters.region.path)
    if filters.pool:
        qs = qs.filter(_active_member("listing__provider_id", filters.pool))
    return qs.order_by("name", "pk")


# ─── List rows ─────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ListingRow:
    listing: Listing
    areas: tuple[tuple[str, int], ...]  # (area title, level), strongest first


def listing_rows(page_listings) -> list[ListingRow]:
    """The page's listings with their capability areas: one query for the page, not one per row."""
    page_listings = list(page_listings)
    area_title = titles(CAPABILITY_AREAS)
    by_listing: dict[int, list[tuple[str, int]]] = {}
    for listing_id, area, level in (ListingCapability.objects.filter(listing__in=page_listings)
                                    .order_by("-level", "area").values_list("listing_id", "area", "level")):
        by_listing.setdefault(listing_id, []).append((area_title.get(area, area), level))
    return [ListingRow(listing, tuple(by_listing.get(listing.pk, ()))) for listing in page_listings]


def tag_titles(tags: str, names: dict[str, str]) -> list[str]:
    return [names.get(code, code) for code in tags.strip(",").split(",") if code]


# ─── Solution map ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class MapCell:
    category: str
    area: str
    count: int


@dataclass(frozen=True)
class SolutionMap:
    categories: tuple[tuple[str, str], ...]  # (code, title)
    areas: tuple[tuple[str, str], ...]
    rows: tuple[tuple[tuple[str, str], tuple[MapCell, ...], int], ...]  # (category, cells, row total)
    column_totals: tuple[int, ...]
    total: int


def solution_map(filters: DirectoryFilters) -> SolutionMap:
    """Solutions counted per need category × capability area in one aggregate query (a solution
    with two categories and two areas counts in four cells); totals count each solution once."""
    base = solutions(DirectoryFilters(industry=filters.industry, region=filters.region, pool=filters.pool,
                                      item=filters.item, q=filters.q))
    aggregates = {"total": Count("pk")}
    for c in CATEGORY_CODES:
        aggregates[f"c:{c}"] = Count("pk", filter=Q(categories__contains=_tag(c)))
        for a in (t.code for t in CAPABILITY_AREAS):
            aggregates[f"{c}|{a}"] = Count("pk", filter=Q(categories__contains=_tag(c), areas__contains=_tag(a)))
    for a in (t.code for t in CAPABILITY_AREAS):
        aggregates[f"a:{a}"] = Count("pk", filter=Q(areas__contains=_tag(a)))
    counts = base.order_by().aggregate(**aggregates)
    categories = tuple((c.code, c.title) for c in CATEGORIES)
    areas = tuple((t.code, t.title) for t in CAPABILITY_AREAS)
    rows = tuple(
        ((code, title), tuple(MapCell(code, a, counts[f"{code}|{a}"]) for a, _t in areas), counts[f"c:{code}"])
        for code, title in categories)
    return SolutionMap(categories, areas, rows, tuple(counts[f"a:{a}"] for a, _t in areas), counts["total"])


# ─── Portrait ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class AreaRow:
    code: str
    title: str
    level: int  # 0 when not declared
    level_title: str
    cases: int
    verified_cases: int
    solutions: int


@dataclass(frozen=True)
class QualificationRow:
    kind: str
    name: str
    number: str
    issuer: str
    expires: dt.date | None
    state: str  # "valid", "expiring", "expired", "open" (no expiry date)


@dataclass(frozen=True)
class CaseRow:
    client_name: str
    industry: str
    scope: str
    year: int | None
    after: str


@dataclass(frozen=True)
class AppRow:
    name: str
    category: str  # titles, not codes: the page shows them as they are
    deployment: str
    clients: int


@dataclass(frozen=True)
class SolutionRow:
    title: str
    summary: str
    light: bool


@dataclass(frozen=True)
class PoolRow:
    name: str
    status: str
    status_title: str
    valid_until: dt.date


@dataclass
class Portrait:
    listing: Listing
    areas: list[AreaRow]
    industries: list[tuple[str, str, int]]  # (division, title, clients)
    app_categories: list[tuple[str, int]]  # (category title, apps)
    apps: list[AppRow]
    solutions: list[SolutionRow]
    new_tech: list[str]
    pools: list[PoolRow]
    qualifications: list[QualificationRow]
    verified_cases: list[CaseRow]
    case_count: int
    website: str = ""
    extra: dict = field(default_factory=dict)


def portrait_listing(provider_pk: int) -> Listing | None:
    # The wide search and region columns are never shown: leave them in the table.
    return (Listing.objects.select_related("region", "version").defer("search_text", "service_regions")
            .filter(provider_id=provider_pk).order_by().first())


def _qualification_state(expires: dt.date | None, today: dt.date) -> str:
    if expires is None:
        return "open"
    if expires < today:
        return "expired"
    if expires <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


_TEXT, _NUMBER = CharField(), IntegerField()
_ROW = ("kind", "t1", "t2", "t3", "n1", "n2", "n3", "n4", "rank")


def _part(queryset, kind: str, *, texts=(), numbers=(), order=None):
    """One branch of the portrait's UNION ALL: (kind, three texts, four numbers, rank), where the
    rank is the row's place in the database's own order (its collation sorts the names)."""
    texts = [F(t) if isinstance(t, str) else t for t in texts]
    numbers = [F(n) if isinstance(n, str) else n for n in numbers]
    texts += [Value("", output_field=_TEXT)] * (3 - len(texts))
    numbers += [Value(0, output_field=_NUMBER)] * (4 - len(numbers))
    rank = Window(RowNumber(), order_by=order) if order else Value(0, output_field=_NUMBER)
    columns = dict(zip(_ROW, [Value(kind, output_field=_TEXT), *texts, *numbers, rank], strict=True))
    return queryset.order_by().annotate(**columns).values_list(*_ROW)


# Stand-ins compiled into the portrait's SQL once per process and swapped for the real ids on
# each call: building six annotated querysets costs more CPU than the query itself.
_LISTING_MARK, _PROVIDER_MARK = -7_340_001, -7_340_002
_PORTRAIT_SQL: dict[str, tuple[str, tuple]] = {}


def _portrait_union():
    parts = [
        _part(ListingCapability.objects.filter(listing_id=_LISTING_MARK), "capability", texts=["area"],
              numbers=["level", "cases", "verified_cases", "solutions"]),
        _part(ListingIndustry.objects.filter(listing_id=_LISTING_MARK), "industry", texts=["division"],
              numbers=["clients"], order=[F("clients").desc(), F("division").asc()]),
        _part(ListingApp.objects.filter(listing_id=_LISTING_MARK), "app", texts=["name", "category", "deployment"],
              numbers=["clients"], order=[F("clients").desc(), F("name").asc(), F("pk").asc()]),
        _part(ListingSolution.objects.filter(listing_id=_LISTING_MARK), "solution", texts=["title", "summary"],
              numbers=[Cast("light", _NUMBER)], order=[F("title").asc(), F("pk").asc()]),
        _part(CaseConfirmation.objects.filter(provider_id=_PROVIDER_MARK, status=CaseConfirmation.Status.CONFIRMED),
              "case", texts=["case_key"]),
        _part(PoolMember.objects.filter(provider_id=_PROVIDER_MARK).exclude(status=PoolMember.Status.REMOVED),
              "pool", texts=["pool__name", "status", Cast("valid_until", _TEXT)],
              order=[F("pool__tier").asc(), F("pool__name").asc()]),
    ]
    return parts[0].union(*parts[1:], all=True)


def _portrait_rows(listing: Listing) -> dict[str, list[tuple]]:
    """The listing's capabilities, industries, apps, solutions, confirmed cases and pool
    memberships in one round trip (a UNION ALL), each kind in its page order."""
    alias = Listing.objects.db
    if alias not in _PORTRAIT_SQL:
        _PORTRAIT_SQL[alias] = _portrait_union().query.get_compiler(alias).as_sql()
    sql, marked = _PORTRAIT_SQL[alias]
    ids = {_LISTING_MARK: listing.pk, _PROVIDER_MARK: listing.provider_id}
    params = [ids.get(p, p) if isinstance(p, int) and not isinstance(p, bool) else p for p in marked]
    rows: dict[str, list[tuple]] = {}
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        for kind, t1, t2, t3, n1, n2, n3, n4, rank in cursor.fetchall():
            rows.setdefault(kind, []).append((rank, t1, t2, t3, n1, n2, n3, n4))
    return {kind: [row[1:] for row in sorted(found, key=lambda row: row[0])] for kind, found in rows.items()}


def portrait(listing: Listing, *, today: dt.date, app_limit: int = 20) -> Portrait:
    """Everything the portrait page shows, in two queries (the listing and one UNION ALL of its
    rows), as plain rows with their display titles: the template only prints them (the bench
    measures it)."""
    rows = _portrait_rows(listing)
    level_title = {int(t.code): t.title for t in CAPABILITY_LEVELS}
    declared = {area: (level, cases, verified, solutions)
                for area, _t2, _t3, level, cases, verified, solutions in rows.get("capability", ())}
    areas = []
    for term in CAPABILITY_AREAS:
        level, cases, verified, solutions = declared.get(term.code, (0, 0, 0, 0))
        areas.append(AreaRow(term.code, term.title, level, level_title.get(level, "") if level else "", cases,
                             verified, solutions))
    industries = [(division, INDUSTRY_DIVISIONS.get(division, division), clients)
                  for division, _t2, _t3, clients, *_n in rows.get("industry", ())]
    category_title, deployment_title = titles(APP_CATEGORIES), titles(DEPLOYMENTS)
    all_apps = [(name, category, deployment, clients)
                for name, category, deployment, clients, *_n in rows.get("app", ())]
    per_category = Counter(category for _name, category, _deployment, _clients in all_apps)
    app_categories = [(category_title.get(code, code), n)
                      for code, n in sorted(per_category.items(), key=lambda item: (-item[1], item[0]))]
    apps = [AppRow(name, category_title.get(category, category), deployment_title.get(deployment, deployment),
                   clients) for name, category, deployment, clients in all_apps[:app_limit]]
    parsed = parse(listing.version.document, today=today, categories=CATEGORY_CODES).profile
    kind_title = titles(QUALIFICATION_KINDS)
    qualifications = [QualificationRow(kind_title.get(q.kind, q.kind), q.name, q.number, q.issuer, q.expires,
                                       _qualification_state(q.expires, today))
                      for q in sorted(parsed.qualifications, key=lambda q: (q.expires is None, q.expires or today))]
    confirmed = {key for key, *_rest in rows.get("case", ())}
    verified_cases = [CaseRow(c.client_name, INDUSTRY_DIVISIONS.get(c.division, c.division), c.scope, c.year,
                              c.after) for c in parsed.cases if c.key in confirmed]
    tech_title = titles(NEW_TECHNOLOGIES)
    member_title = dict(PoolMember.Status.choices)
    pools = [PoolRow(name, status, member_title.get(status, status), dt.date.fromisoformat(str(valid_until)[:10]))
             for name, status, valid_until, *_n in rows.get("pool", ())]
    return Portrait(
        listing=listing, areas=areas, industries=industries, app_categories=app_categories, apps=apps,
        solutions=[SolutionRow(title, summary, bool(light)) for title, summary, _t3, light, *_n in rows.get("solution", ())],
        new_tech=tag_titles(listing.new_tech, tech_title), pools=pools,
        qualifications=qualifications, verified_cases=verified_cases, case_count=len(parsed.cases),
        website=parsed.facts.website,
    )


# ─── Choices for the filter forms ──────────────────────────────────────────────────────────────


_REGION_CHOICES: dict = {"until": 0.0, "choices": []}
REGION_CHOICES_TTL = 60.0  # seconds; regions are reference data that changes a few times a year


def region_choices() -> list[tuple[str, str]]:
    """Cities and their districts as (code, name), districts indented under their city. Kept for
    a minute in the process: every directory page shows the list."""
    now = time.monotonic()
    if _REGION_CHOICES["until"] < now:
        regions = Region.objects.filter(level__in=[Region.Level.CITY, Region.Level.DISTRICT]).order_by("path")
        _REGION_CHOICES["choices"] = [(r.code, ("— " if r.level == Region.Level.DISTRICT else "") + r.name)
                                      for r in regions]
        _REGION_CHOICES["until"] = now + REGION_CHOICES_TTL
    return list(_REGION_CHOICES["choices"])
