"""Reads for the regional dashboards (issue #12): the regional index, level mix, dimension averages,
trend and T0 → T1 change, slices, and the demand map — every figure aggregated in PostgreSQL
(GROUP BY / FILTER over one scan), never by looping over assessment rows in Python.

Population: the submitted and approved assessments (``COUNTED_STATUSES``) of one standard version and
year, placed by their region snapshot. Official figures follow ``verified_result``'s rule: the verified
total (and verified result) of approved assessments that have one, else the self-declared one
(``standing_total`` and its JSON twin ``standing_result``). Each query runs over the Django queryset's
own SQL (``query.sql_with_params``), so the filters and that rule exist once.

The figures are read from the roll-up (``diagnosis.regional.rollup``: a few hundred ``RegionalCell`` rows
kept in step with every submission and review) whenever it accounts for every counted assessment of the
standard; after a bulk load that bypassed it they are grouped from the assessments directly, as the same
numbers, until ``manage.py regional_rebuild`` runs. T0 → T1 pairs enterprises and reads the assessments.

Scoping is the caller's: views pass regions inside ``staff_region_path(user)`` as the scope and mark
which areas lie outside it (``Area.own``), whose cells the k rule then suppresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, JSONField, Max, Q, QuerySet, When

from diagnosis.models import Assessment, Need, RegionalCell
from diagnosis.regional import rollup
from diagnosis.results.selectors import COUNTED_STATUSES, standing_total
from diagnosis.scoring.regional import Aggregate
from diagnosis.spec import Spec
from portal.models import Enterprise, Region

DEFAULT_SPEC_KEY = "gbt23020-2013@1.0"  # the 两化融合 standard the regional index is published for


def standing_result():
    """``verified_result``'s rule for the whole result document (JSON), as ``standing_total`` is for
    the total: the verified result of approved assessments that have one, else the declared one."""
    return Case(When(status=Assessment.Status.APPROVED, verified_result__isnull=False, then=F("verified_result")),
                default=F("result"), output_field=JSONField())


@dataclass(frozen=True)
class Area:
    """A region a figure is computed for: its id and those of every region below it; ``own`` when
    it lies inside the viewer's jurisdiction (no k rule)."""

    region: Region
    ids: tuple[int, ...]
    own: bool
    label: str = ""  # the column heading when it is not the region's name (a slice group's columns)

    @property
    def key(self) -> str:
        return self.region.code


@dataclass(frozen=True)
class Slice:
    """One group of a slice kind (an industry division, a park id, a chain name): the population of
    the 一行一策 / 一园一策 / 一链一策 pages."""

    kind: str
    key: str

    @property
    def lookup(self) -> dict[str, str]:
        return {SLICES[self.kind]: self.key}


def subtree(region: Region) -> list[Region]:
    return list(Region.objects.filter(path__startswith=region.path).order_by("path"))


def area(region: Region, *, viewer_path: str | None) -> Area:
    ids = tuple(Region.objects.filter(path__startswith=region.path).values_list("pk", flat=True))
    return Area(region, ids, own=viewer_path is not None and region.path.startswith(viewer_path))


def index_areas(scope: Region, *, viewer_path: str | None) -> list[Area]:
    """The lines of the regional index: a city's districts (when the scope is a city), the scope,
    then its city and province."""
    regions = subtree(scope)
    lines = []
    if scope.level in (Region.Level.CITY, Region.Level.PROVINCE):
        child_level = Region.Level.DISTRICT if scope.level == Region.Level.CITY else Region.Level.CITY
        for child in (r for r in regions if r.parent_id == scope.pk and r.level == child_level):
            ids = tuple(r.pk for r in regions if r.path.startswith(child.path))
            lines.append(Area(child, ids, own=viewer_path is not None and child.path.startswith(viewer_path)))
    lines.append(Area(scope, tuple(r.pk for r in regions),
                      own=viewer_path is not None and scope.path.startswith(viewer_path)))
    node = scope.parent
    while node is not None:
        lines.append(area(node, viewer_path=viewer_path))
        node = node.parent
    return lines


def counted(spec: Spec, *, year: int | None = None) -> QuerySet:
    rows = Assessment.objects.filter(spec_code=spec.code, spec_version=spec.version, status__in=COUNTED_STATUSES)
    return rows if year is None else rows.filter(year=year)


def latest_year(spec: Spec, ids: Sequence[int]) -> int | None:
    """The newest year with counted assessments in the regions: from the roll-up's few cells when it
    is current (a scan of the assessments costs more than the page at a million rows)."""
    if rollup.is_current_cached(spec.code, spec.version):
        return (RegionalCell.objects.filter(spec_code=spec.code, spec_version=spec.version, kind="all",
                                            region_id__in=list(ids), n__gt=0).aggregate(y=Max("year"))["y"])
    return counted(spec).filter(region_id__in=ids).aggregate(y=Max("year"))["y"]


def _grouped(queryset: QuerySet, areas: Sequence[Area], *, key: str = "''", total: str = "s.standing",
             lateral: str = "", distinct: bool = True) -> dict[Any, list[Aggregate]]:
    """Key → per-area (sum of ``total``, rows, distinct enterprises). The database groups by (key,
    region) — one hash/sort aggregate over the rows, no per-row area tests — and the handful of
    (key, region) sums are added up per area here. An enterprise counts once per region; one that moved
    between two regions of an area within the year would count twice there. ``distinct=False`` takes
    the row count as the enterprise count (one row per assessment: dimension rates)."""
    firms = "COUNT(DISTINCT s.enterprise_id)" if distinct else "COUNT(*)"
    inner, inner_params = queryset.order_by().query.sql_with_params()
    sql = (f"SELECT {key} AS key, s.region_id, SUM({total}), COUNT(*), {firms} FROM ({inner}) s {lateral} "
           "GROUP BY 1, 2")
    with connection.cursor() as cursor:
        cursor.execute(sql, inner_params)
        rows = cursor.fetchall()
    return _sum_areas(rows, areas)


def _sum_areas(rows, areas: Sequence[Area]) -> dict[Any, list[Aggregate]]:
    members = [frozenset(a.ids) for a in areas]
    sums: dict[Any, list[list]] = {}
    for k, region_id, total_sum, n, firm_count in rows:
        cells = sums.setdefault(k, [[Decimal(0), 0, 0] for _a in areas])
        for cell, ids in zip(cells, members, strict=True):
            if region_id in ids:
                cell[0] += total_sum or 0
                cell[1] += n
                cell[2] += firm_count
    return {k: [Aggregate(a.key, t, n, f) for a, (t, n, f) in zip(areas, cells, strict=True)]
            for k, cells in sums.items()}


def _rolled(spec: Spec, year: int | None, areas: Sequence[Area], kind: str, *,
            key: str = "key") -> dict[Any, list[Aggregate]] | None:
    """``_grouped``'s answer from the roll-up cells of ``kind`` (key → per-area sums), or None when the
    roll-up is behind the assessments (a bulk load since the last regional_rebuild)."""
    if not rollup.is_current_cached(spec.code, spec.version):
        return None
    cells = RegionalCell.objects.filter(spec_code=spec.code, spec_version=spec.version, kind=kind,
                                        region_id__in=sorted({pk for a in areas for pk in a.ids}))
    if year is not None:
        cells = cells.filter(year=year)
    rows = cells.values_list(key, "region_id", "total_cents", "n", "firms")
    return _sum_areas(((k, r, Decimal(t).scaleb(-2), n, f) for k, r, t, n, f in rows), areas)


def _base(spec: Spec, year: int | None, areas: Sequence[Area], *fields: str, **extra) -> QuerySet:
    ids = sorted({pk for a in areas for pk in a.ids})
    return (counted(spec, year=year).filter(region_id__in=ids)
            .annotate(standing=standing_total())
            .values("enterprise_id", "region_id", "standing", *fields, **extra))


def index(spec: Spec, year: int, areas: Sequence[Area], part: Slice | None = None) -> list[Aggregate]:
    """Mean score with its sample per area (one scan, one aggregate per area); of one slice group's
    enterprises only with ``part`` (read from the slice's roll-up cells)."""
    empty = [Aggregate(a.key, Decimal(0), 0, 0) for a in areas]
    if part is not None:
        rows = _rolled(spec, year, areas, part.kind)
        if rows is None:
            rows = _grouped(_base(spec, year, areas).filter(**part.lookup), areas)
            return next(iter(rows.values()), empty)
        return rows.get(part.key, empty)
    rows = _rolled(spec, year, areas, "all")
    if rows is None:
        rows = _grouped(_base(spec, year, areas), areas)
    return next(iter(rows.values()), empty)


def verified_share(spec: Spec, year: int, scope: Area) -> tuple[int, int]:
    """(verified, counted) assessments of the scope: how many figures rest on the bureau's verification."""
    rows = _rolled(spec, year, [scope], "basis")
    if rows is not None:
        verified = rows["verified"][0].n if "verified" in rows else 0
        return verified, verified + (rows["declared"][0].n if "declared" in rows else 0)
    figures = counted(spec, year=year).filter(region_id__in=scope.ids).aggregate(
        verified=Count("pk", filter=Q(status=Assessment.Status.APPROVED, verified_result__isnull=False)),
        n=Count("pk"))
    return figures["verified"], figures["n"]


def levels(spec: Spec, year: int, areas: Sequence[Area], part: Slice | None = None) -> dict[str, list[Aggregate]]:
    """Grade (level, else stage, of the standing result) → per-area firm counts, in area order; of one
    slice group only with ``part`` (grouped from the assessments: the roll-up keeps no grade per group)."""
    grade = "COALESCE(s.standing_result -> 'level' ->> 'code', s.standing_result -> 'stage' ->> 'code', '')"
    rolled = _rolled(spec, year, areas, "level") if part is None else None
    if rolled is not None:
        return rolled
    return _grouped(_sliced(_base(spec, year, areas, standing_result=standing_result()), part), areas, key=grade,
                    total="0")


def _sliced(queryset: QuerySet, part: Slice | None) -> QuerySet:
    return queryset if part is None else queryset.filter(**part.lookup)


def dimensions(spec: Spec, year: int, areas: Sequence[Area], part: Slice | None = None,
               ) -> dict[str, list[Aggregate]]:
    """Top-level dimension code → per-area (sum of score rates %, count, firms); of one slice group only
    with ``part``."""
    rolled = _rolled(spec, year, areas, "dimension") if part is None else None
    if rolled is not None:
        return rolled
    return _grouped(_sliced(_base(spec, year, areas, standing_result=standing_result()), part), areas,
                    key="d ->> 'code'",
                    total="(d ->> 'percent')::numeric", distinct=False,
                    lateral="CROSS JOIN LATERAL jsonb_array_elements(s.standing_result -> 'dimensions') d")


def items(spec: Spec, year: int, areas: Sequence[Area], part: Slice | None = None) -> dict[str, list[Aggregate]]:
    """Scored item code → per-area (sum of the items' score rates %, count, count): how far the
    enterprises got on each scored question (unscored and hidden questions left out)."""
    rate = "(i ->> 'points')::numeric * 100 / (i ->> 'max_points')::numeric"
    return _grouped(_sliced(_base(spec, year, areas, standing_result=standing_result()), part), areas,
                    key="i ->> 'code'", total=rate, distinct=False,
                    lateral="CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(s.standing_result "
                            "-> 'items') = 'array' THEN s.standing_result -> 'items' ELSE '[]'::jsonb END) i "
                            "WHERE i ->> 'points' IS NOT NULL AND (i ->> 'max_points')::numeric > 0")


def needs(year: int, areas: Sequence[Area], part: Slice | None = None) -> dict[str, list[Aggregate]]:
    """Need category → per-area enterprises stating it (counted assessments of ``year``, every standard
    together, as on the demand map); of one slice group only with ``part``."""
    rows = Need.objects.filter(assessment__year=year, assessment__status__in=COUNTED_STATUSES,
                               assessment__region_id__in=sorted({pk for a in areas for pk in a.ids}))
    if part is not None:
        rows = rows.filter(**{f"assessment__{SLICES[part.kind]}": part.key})
    grouped = (rows.order_by().values_list("category", "assessment__region_id")
               .annotate(n=Count("assessment__enterprise", distinct=True)))
    return _sum_areas(((category, region_id, 0, n, n) for category, region_id, n in grouped), areas)


def slice_firms(user, *, spec: Spec, year: int, region_ids: Sequence[int], part: Slice) -> QuerySet:
    """The enterprises of one slice group counted in the scope (assessments ``user`` may see)."""
    return (Enterprise.objects.filter(
        assessments__in=Assessment.objects.visible_to(user).filter(
            spec_code=spec.code, spec_version=spec.version, year=year, status__in=COUNTED_STATUSES,
            region_id__in=region_ids, **part.lookup))
        .distinct().select_related("region").order_by("name", "pk"))


def chains(ids: Sequence[int]) -> list[str]:
    """The industry chains named by the enterprises of the regions ``ids``, alphabetically."""
    return list(Enterprise.objects.filter(region_id__in=ids).exclude(chain="").order_by("chain")
                .values_list("chain", flat=True).distinct())


def trend(spec: Spec, areas: Sequence[Area]) -> dict[int, list[Aggregate]]:
    """Year → per-area mean score samples, every year with data."""
    rolled = _rolled(spec, None, areas, "all", key="year")
    if rolled is None:
        rolled = _grouped(_base(spec, None, areas, "year"), areas, key="s.year")
    return dict(sorted(rolled.items()))


@dataclass(frozen=True)
class Change:
    """Enterprises assessed in both years: their mean at T0 and at T1 (per area)."""

    key: str
    before: Aggregate
    after: Aggregate


def change(spec: Spec, year: int, areas: Sequence[Area]) -> list[Change]:
    """T0 (``year`` − 1) → T1 (``year``) for the enterprises counted in both, placed by their T1 region;
    an enterprise with several assessments in a year counts with their mean (in the roll-up rounded to
    hundredths, half up)."""
    before = _rolled(spec, year, areas, "change0", key="kind")
    if before is not None:
        after = _rolled(spec, year, areas, "change1", key="kind")
        empty = [Aggregate(a.key, Decimal(0), 0, 0) for a in areas]
        return [Change(a.key, b, c) for a, b, c in zip(areas, before.get("change0", empty),
                                                       after.get("change1", empty), strict=True)]
    inner, inner_params = (_base(spec, None, areas, "year").filter(year__in=(year - 1, year))
                           .order_by().query.sql_with_params())
    sql = ("SELECT p.rid, SUM(p.s0), SUM(p.s1), COUNT(*) FROM (SELECT s.enterprise_id, "
           "MAX(s.region_id) FILTER (WHERE s.year = %s) rid, AVG(s.standing) FILTER (WHERE s.year = %s) s0, "
           f"AVG(s.standing) FILTER (WHERE s.year = %s) s1 FROM ({inner}) s GROUP BY s.enterprise_id) p "
           "WHERE p.s0 IS NOT NULL AND p.s1 IS NOT NULL GROUP BY p.rid")
    with connection.cursor() as cursor:
        cursor.execute(sql, [year, year - 1, year, *inner_params])
        rows = cursor.fetchall()
    out = []
    for a in areas:
        ids = frozenset(a.ids)
        mine = [r for r in rows if r[0] in ids]
        n = sum(r[3] for r in mine)
        out.append(Change(a.key, Aggregate(a.key, sum((r[1] for r in mine), Decimal(0)), n, n),
                          Aggregate(a.key, sum((r[2] for r in mine), Decimal(0)), n, n)))
    return out


# --- slices -----------------------------------------------------------------------------------------

SLICES = {
    "industry": "enterprise__industry_division",
    "size": "enterprise__revenue_band",
    "scale": "enterprise__above_scale",
    "cluster": "enterprise__cluster",
    "park": "enterprise__park_id",
    "chain": "enterprise__chain",
}


def slice_by(kind: str, spec: Spec, year: int, areas: Sequence[Area]) -> dict[str, list[Aggregate]]:
    """Slice key (as text; '' for none) → per-area samples, grouped in the database."""
    rolled = _rolled(spec, year, areas, kind)
    if rolled is None:
        rolled = _grouped(_base(spec, year, areas, slice_key=F(SLICES[kind])), areas,
                          key="COALESCE(s.slice_key::text, '')")
    return dict(sorted(rolled.items()))


# --- demand map ---------------------------------------------------------------------------------------


def demand(year: int, scope: Area) -> list[tuple[int, str, str, int]]:
    """(region id, industry division, category, enterprises stating it) of the counted assessments of
    ``year`` in the scope, every standard together (needs are stated once per assessment)."""
    return list(
        Need.objects.filter(assessment__year=year, assessment__status__in=COUNTED_STATUSES,
                            assessment__region_id__in=scope.ids)
        .order_by()
        .values_list("assessment__region_id", "assessment__enterprise__industry_division", "category")
        .annotate(n=Count("assessment__enterprise", distinct=True))
    )


def demand_firms(user, *, year: int, region_ids: Sequence[int], division: str, category: str) -> QuerySet:
    """The enterprises behind one demand-map cell, among the assessments ``user`` may see."""
    return (Enterprise.objects.filter(
        Q(assessments__in=Assessment.objects.visible_to(user).filter(
            year=year, status__in=COUNTED_STATUSES, region_id__in=region_ids,
            enterprise__industry_division=division, needs__category=category)))
        .distinct().select_related("region").order_by("name", "pk"))


# --- the regional analysis report (diagnosis/regional_report) ----------------------------------------

_SCORED_ITEMS = ("CROSS JOIN LATERAL jsonb_array_elements(s.standing_result -> 'items') i "
                 "WHERE (i ->> 'visible')::boolean AND i ->> 'points' IS NOT NULL "
                 "AND COALESCE((i ->> 'max_points')::numeric, 0) > 0")


def item_rates(spec: Spec, year: int, areas: Sequence[Area]) -> dict[str, list[Aggregate]]:
    """Scored item code → per-area (sum of score rates %, assessments answering it): the weakest items
    of the report. Grouped in PostgreSQL from the standing results (the roll-up holds no items)."""
    return _grouped(_base(spec, year, areas, standing_result=standing_result()), areas, key="i ->> 'code'",
                    total="(i ->> 'points')::numeric * 100 / (i ->> 'max_points')::numeric", distinct=False,
                    lateral=_SCORED_ITEMS)


def slice_dimensions(kind: str, spec: Spec, year: int, scope: Area) -> dict[tuple[str, str], Aggregate]:
    """(slice key as text, top-level dimension code) → the scope's (sum of score rates %, count): where
    each industry's or park's firms are weakest."""
    rows = _grouped(_base(spec, year, [scope], standing_result=standing_result(), slice_key=F(SLICES[kind])),
                    [scope], key="COALESCE(s.slice_key::text, '') || '|' || (d ->> 'code')",
                    total="(d ->> 'percent')::numeric", distinct=False,
                    lateral="CROSS JOIN LATERAL jsonb_array_elements(s.standing_result -> 'dimensions') d")
    return {tuple(k.split("|", 1)): cells[0] for k, cells in rows.items()}


def demand_by(kind: str, year: int, scope: Area) -> dict[str, dict[str, int]]:
    """Slice key as text → need category → enterprises stating it (counted assessments of ``year``)."""
    field = SLICES[kind].replace("enterprise__", "assessment__enterprise__")
    rows = (Need.objects.filter(assessment__year=year, assessment__status__in=COUNTED_STATUSES,
                                assessment__region_id__in=scope.ids)
            .order_by().values_list(field, "category").annotate(n=Count("assessment__enterprise", distinct=True)))
    out: dict[str, dict[str, int]] = {}
    for key, category, n in rows:
        out.setdefault("" if key is None else str(key), {})[category] = n
    return out
