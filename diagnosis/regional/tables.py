"""The regional dashboards' tables: selector aggregates → labelled rows, with the k rule applied to
every cell outside the viewer's jurisdiction (and to every cell of the public page). The page and its
Excel export use the same ``Table``, so an export never shows what the page withholds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from diagnosis.models import NewMode
from diagnosis.regional import selectors
from diagnosis.regional.selectors import Area
from diagnosis.scoring.regional import (
    CCID_SURVEY_COMPOSITE,
    K_ANONYMITY,
    Aggregate,
    suppress_small,
    survey_composite,
)
from diagnosis.spec import Spec
from portal.models import Enterprise, Region
from portal.reference import CLUSTERS, INDUSTRY_DIVISIONS

WITHHELD = "—"


def _title(obj) -> str:
    return obj.title_en if get_language() == "en" and getattr(obj, "title_en", "") else obj.title


def rollup_label() -> str:
    return _("Others (fewer than %(k)d enterprises)") % {"k": K_ANONYMITY}


@dataclass
class Table:
    key: str
    title: str
    columns: list[tuple[str, int]]
    rows: list[list[Any]] = field(default_factory=list)
    # Per row: a drill-down link per cell index (demand map only).
    links: list[dict[int, str]] = field(default_factory=list)
    rollup_rows: int = 0  # how many trailing rows are k roll-ups
    # What the chart beside the table draws: only figures the table shows (None where withheld).
    chart_kind: str = ""  # bar | group | hgroup (horizontal) | stack | line
    chart_unit: str = "%"  # the value axis' suffix (score rates and shares); "" for scores
    chart_x: list[str] = field(default_factory=list)
    chart_series: list[tuple[str, list[Decimal | None]]] = field(default_factory=list)

    def linked_rows(self) -> list[list[tuple[Any, str | None]]]:
        """Rows as (value, drill-down address or None) pairs."""
        return [[(value, (self.links[i] if i < len(self.links) else {}).get(j)) for j, value in enumerate(row)]
                for i, row in enumerate(self.rows)]


def _number(value: Any) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


def _visible(cell: Aggregate, own: bool) -> bool:
    return own or cell.firms >= K_ANONYMITY


def _mean(cell: Aggregate, own: bool) -> Any:
    if not cell.n:
        return WITHHELD
    return cell.mean if _visible(cell, own) else WITHHELD


def _count(cell: Aggregate, own: bool) -> Any:
    return cell.firms if _visible(cell, own) else f"<{K_ANONYMITY}"


def area_label(a: Area) -> str:
    return a.label or a.region.name


# --- the regional index page ---------------------------------------------------------------------------


def index_table(spec: Spec, year: int, areas: Sequence[Area], cells: Sequence[Aggregate] | None = None) -> Table:
    cells = selectors.index(spec, year, areas) if cells is None else cells
    table = Table("index", _("Regional index %(year)s: mean score") % {"year": year},
                  [(_("Region"), 24), (_("Mean score"), 12), (_("Enterprises"), 12), (_("Assessments"), 12)])
    for a, cell in zip(areas, cells, strict=True):
        table.rows.append([area_label(a), _mean(cell, a.own), _count(cell, a.own),
                           cell.n if _visible(cell, a.own) else f"<{K_ANONYMITY}"])
    table.chart_kind, table.chart_unit, table.chart_x = "bar", "", [area_label(a) for a in areas]
    table.chart_series = [(_("Mean score"), [_number(row[1]) for row in table.rows])]
    return table


def _grades(spec: Spec):
    return list(spec.levels) + [s for s in spec.stages if s.code not in {g.code for g in spec.levels}]


def levels_table(spec: Spec, year: int, areas: Sequence[Area], data: dict | None = None) -> Table:
    """Grades × areas: enterprises per grade and share. Outside columns: cells under k are rolled up."""
    data = selectors.levels(spec, year, areas) if data is None else data
    grades = [(g.code, _title(g)) for g in _grades(spec)]
    known = {code for code, _t in grades}
    grades += [(code, code or _("No grade")) for code in sorted(data) if code not in known]
    table = Table("levels", _("Level distribution %(year)s") % {"year": year},
                  [(_("Level"), 20)] + [(area_label(a), 18) for a in areas])
    return _share_table(table, grades, areas, data)


def _share_table(table: Table, labelled: Sequence[tuple[str, str]], areas: Sequence[Area], data: dict) -> Table:
    """Rows ``labelled`` (key, label) × areas: enterprises and share of the column; outside columns
    withhold cells under k and roll them up."""
    columns = []
    for i, a in enumerate(areas):
        cells = {code: replace(data[code][i], key=code) for code in data}
        total = sum(c.firms for c in cells.values())
        result = None if a.own else suppress_small([c for c in cells.values() if c.firms], rollup_key="other")
        columns.append((cells, result, total))
    for code, label in labelled:
        row = [label]
        for cells, result, total in columns:
            cell = cells.get(code)
            if result is not None and code in result.withheld:
                row.append(WITHHELD)
            else:
                row.append(_share(cell.firms, total) if cell is not None and cell.firms else "0")
        table.rows.append(row)
        table.chart_series.append((label, [
            None if result is not None and code in result.withheld or not total or code not in cells
            else Decimal(100 * cells[code].firms / total).quantize(Decimal("0.1"))
            for cells, result, total in columns]))
    table.chart_kind, table.chart_x = "stack", [area_label(a) for a in areas]
    if any(result is not None and result.rollup is not None for _c, result, _t in columns):
        row = [rollup_label()]
        for _cells, result, total in columns:
            if result is None or result.rollup is None:
                row.append("")
            else:
                row.append(_share(result.rollup.firms, total) if result.rollup_shown else WITHHELD)
        table.rows.append(row)
        table.rollup_rows = 1
    return table


def _share(firms: int, total: int) -> str:
    return f"{firms}（{Decimal(100 * firms / total).quantize(Decimal('0.1'))}%）" if total else str(firms)


def dimensions_table(spec: Spec, year: int, areas: Sequence[Area], data: dict | None = None) -> Table:
    data = selectors.dimensions(spec, year, areas) if data is None else data
    table = Table("dimensions", _("Dimension averages %(year)s (score rate, %%)") % {"year": year},
                  [(_("Dimension"), 24)] + [(area_label(a), 18) for a in areas])
    for dimension in spec.dimensions:
        cells = data.get(dimension.code)
        if cells is None:
            continue
        table.rows.append([_title(dimension)] + [_mean(c, a.own) for a, c in zip(areas, cells, strict=True)])
    table.chart_kind, table.chart_x = "group", [row[0] for row in table.rows]
    table.chart_series = [(area_label(a), [_number(row[1 + i]) for row in table.rows]) for i, a in enumerate(areas)]
    return table


def composite_applies(spec: Spec) -> bool:
    return spec.code in CCID_SURVEY_COMPOSITE.spec_codes


def composite_table(spec: Spec, year: int, areas: Sequence[Area], data: dict | None = None) -> Table:
    """The CCID-style composite (基础环境 25 % / 工业应用 50 % / 应用效益 25 %) over the dimension
    averages each column shows (withheld → withheld), with the parameter set's version."""
    data = selectors.dimensions(spec, year, areas) if data is None else data
    params = CCID_SURVEY_COMPOSITE
    table = Table("composite", _("CCID-style composite %(year)s (provisional, parameter set %(version)s)") % {
        "year": year, "version": params.version}, [(_("Category (weight)"), 28)] + [(area_label(a), 16) for a in areas])
    results = []
    for i, a in enumerate(areas):
        rates = {}
        for code, cells in data.items():
            value = _mean(cells[i], a.own)
            rates[code] = value if isinstance(value, Decimal) else None
        results.append(survey_composite(rates, params))
    for j, category in enumerate(params.categories):
        w = category.weight
        label = w.title_en if get_language() == "en" else w.title
        table.rows.append([f"{label}（{(w.weight * 100).normalize()}%）"]
                          + [r.sub_indices[j] if r.sub_indices[j] is not None else WITHHELD for r in results])
    table.rows.append([_("Composite")] + [r.composite if r.composite is not None else WITHHELD for r in results])
    table.chart_kind, table.chart_unit, table.chart_x = "bar", "", [area_label(a) for a in areas]
    table.chart_series = [(_("Composite"), [r.composite for r in results])]
    return table


def trend_table(spec: Spec, areas: Sequence[Area]) -> Table:
    data = selectors.trend(spec, areas)
    table = Table("trend", _("Trend by year: mean score (enterprises)"),
                  [(_("Year"), 10)] + [(area_label(a), 18) for a in areas])
    means = []
    for year, cells in data.items():
        table.rows.append([year] + [f"{_mean(c, a.own)}（{_count(c, a.own)}）" if c.n else WITHHELD
                                    for a, c in zip(areas, cells, strict=True)])
        means.append([_number(_mean(c, a.own)) for a, c in zip(areas, cells, strict=True)])
    table.chart_kind, table.chart_unit, table.chart_x = "line", "", [str(year) for year in data]
    table.chart_series = [(a.region.name, [m[i] for m in means]) for i, a in enumerate(areas)]
    return table


def change_table(spec: Spec, year: int, areas: Sequence[Area]) -> Table:
    table = Table("change", _("T0 → T1: enterprises assessed in %(t0)s and %(t1)s") % {"t0": year - 1, "t1": year},
                  [(_("Region"), 24), (_("Enterprises"), 12), (_("Mean T0"), 12), (_("Mean T1"), 12),
                   (_("Change in the mean"), 12)])
    for a, c in zip(areas, selectors.change(spec, year, areas), strict=True):
        before, after = _mean(c.before, a.own), _mean(c.after, a.own)
        delta = (after - before) if isinstance(after, Decimal) and isinstance(before, Decimal) else WITHHELD
        table.rows.append([area_label(a), _count(c.after, a.own), before, after,
                           f"{delta:+}" if isinstance(delta, Decimal) else delta])
    return table


# --- slices ------------------------------------------------------------------------------------------

SLICE_TITLES = {
    "industry": lambda: _("By industry (GB/T 4754 division)"),
    "size": lambda: _("By size (revenue band)"),
    "scale": lambda: _("Above designated size (规上) or not"),
    "cluster": lambda: _("By strategic cluster (20 clusters)"),
    "park": lambda: _("By park"),
    "chain": lambda: _("By industry chain"),
}


def _slice_labels(kind: str, keys: Sequence[str]) -> dict[str, str]:
    if kind == "industry":
        return {k: f"{k} {INDUSTRY_DIVISIONS.get(k, '')}".strip() if k else _("Not stated") for k in keys}
    if kind == "size":
        bands = dict(Enterprise.RevenueBand.choices)
        return {k: str(bands.get(k, k)) if k else _("Not stated") for k in keys}
    if kind == "scale":
        return {"true": _("Above designated size (规上)"), "false": _("Below designated size"), "": _("Not stated")}
    if kind == "cluster":
        names = {code: name for code, name, _kind in CLUSTERS}
        return {k: names.get(k, k) if k else _("No cluster") for k in keys}
    if kind == "chain":
        return {k: k or _("No chain stated") for k in keys}
    parks = dict(Region.objects.filter(pk__in=[int(k) for k in keys if k.isdigit()]).values_list("pk", "name"))
    return {k: parks.get(int(k), k) if k.isdigit() else _("Not in a park") for k in keys}


def slice_label(kind: str, key: str) -> str:
    return _slice_labels(kind, [key]).get(key, key)


def slice_table(kind: str, spec: Spec, year: int, scope: Area, parent: Area | None, *, link=None) -> Table:
    """One slice: each value's mean in the scope beside the same value in the parent region; parent
    cells outside the jurisdiction under k are rolled up."""
    areas = [scope] + ([parent] if parent else [])
    data = selectors.slice_by(kind, spec, year, areas)
    labels = _slice_labels(kind, list(data))
    columns = [(_("Group"), 30), (_("Mean score · %(region)s") % {"region": scope.region.name}, 14),
               (_("Enterprises"), 10)]
    if parent:
        columns += [(_("Mean score · %(region)s") % {"region": parent.region.name}, 14), (_("Enterprises"), 10),
                    (_("Difference"), 10)]
    table = Table(f"slice-{kind}", SLICE_TITLES[kind](), columns)
    keys = list(data)
    parent_shown, rollup = None, None
    if parent is not None and not parent.own:
        result = suppress_small([replace(data[k][1], key=k) for k in keys if data[k][1].firms])
        parent_shown = {c.key for c in result.shown}
        rollup = result
    rows_out = []
    for k in keys:
        address = link(kind, k) if link is not None and k else None
        table.links.append({0: address} if address else {})
        own_cell = data[k][0]
        if not scope.own and own_cell.firms < K_ANONYMITY:
            own_mean, own_count = WITHHELD, f"<{K_ANONYMITY}"
        else:
            own_mean, own_count = own_cell.mean if own_cell.n else WITHHELD, own_cell.firms
        row = [labels.get(k, k), own_mean, own_count]
        if parent:
            p = data[k][1]
            if parent_shown is not None and k not in parent_shown:
                row += [WITHHELD, f"<{K_ANONYMITY}" if p.firms else 0, WITHHELD]
            else:
                pm = p.mean if p.n else WITHHELD
                diff = own_mean - pm if isinstance(own_mean, Decimal) and isinstance(pm, Decimal) else WITHHELD
                row += [pm, p.firms, f"{diff:+}" if isinstance(diff, Decimal) else diff]
        rows_out.append(row)
    table.rows = rows_out
    table.chart_kind, table.chart_unit, table.chart_x = "hgroup", "", [str(row[0]) for row in rows_out]
    table.chart_series = [(scope.region.name, [_number(row[1]) for row in rows_out])]
    if parent:
        table.chart_series.append((parent.region.name, [_number(row[3]) for row in rows_out]))
    if rollup is not None and rollup.rollup is not None:
        r = rollup.rollup
        table.rows.append([rollup_label(), "", "", r.mean if rollup.rollup_shown else WITHHELD,
                           r.firms if rollup.rollup_shown else f"<{K_ANONYMITY}", ""])
        table.rollup_rows = 1
    return table


# --- demand map ----------------------------------------------------------------------------------------


def districts_of(regions: Sequence[Region]) -> dict[int, Region]:
    """Region id → its district (itself for a district; the district above a park)."""
    districts = [r for r in regions if r.level == Region.Level.DISTRICT]
    out = {}
    for r in regions:
        for d in districts:
            if r.path.startswith(d.path):
                out[r.pk] = d
                break
    return out


def demand_table(year: int, scope: Area, *, link) -> Table:
    """District × industry rows, the six categories as columns (enterprises stating the need);
    ``link(district, division, category)`` gives each non-empty cell its drill-down address."""
    rows = selectors.demand(year, scope)
    district_of = districts_of(selectors.subtree(scope.region))
    grid: dict[tuple[int, str], dict[str, int]] = {}
    for region_id, division, category, n in rows:
        district = district_of.get(region_id)
        key = (district.pk if district else region_id, division or "")
        grid.setdefault(key, {}).setdefault(category, 0)
        grid[key][category] += n
    names = {r.pk: r.name for r in district_of.values()}
    categories = list(NewMode)
    table = Table("demand", _("Demand map %(year)s: enterprises stating a need") % {"year": year},
                  [(_("District"), 14), (_("Industry"), 30)] + [(str(c.label), 12) for c in categories]
                  + [(_("All needs"), 10)])
    for (district_id, division), counts in sorted(grid.items(), key=lambda kv: -sum(kv[1].values())):
        row = [names.get(district_id, ""), f"{division} {INDUSTRY_DIVISIONS.get(division, '')}".strip()]
        links = {}
        for i, c in enumerate(categories):
            n = counts.get(c.value, 0)
            row.append(n)
            if n:
                links[2 + i] = link(district_id, division, c.value)
        row.append(sum(counts.values()))
        table.rows.append(row)
        table.links.append(links)
    totals = [sum(r[2 + i] for r in table.rows) for i in range(len(categories))]
    if table.rows:
        table.rows.append([_("All needs"), ""] + totals + [sum(totals)])
        table.links.append({})
    return table


def demand_shares(table: Table) -> list[tuple[str, int, Decimal]]:
    """(category, enterprises, share %) from the demand table's total row."""
    if not table.rows:
        return []
    totals = table.rows[-1][2:-1]
    grand = sum(totals) or 1
    return [(str(c.label), n, Decimal(100 * n / grand).quantize(Decimal("0.1")))
            for c, n in zip(NewMode, totals, strict=True)]


# --- the public regional index ----------------------------------------------------------------------


def public_tables(spec: Spec, year: int, province: Region) -> list[Table]:
    """Anonymous, aggregates only, every cell under the k rule: the province and its cities, then
    every district with the small ones rolled up."""
    regions = selectors.subtree(province)
    cities = [r for r in regions if r.level == Region.Level.CITY]
    districts = [r for r in regions if r.level == Region.Level.DISTRICT]

    def area_of(region):
        return Area(region, tuple(r.pk for r in regions if r.path.startswith(region.path)), own=False)

    lines = [area_of(province)] + [area_of(c) for c in cities]
    overview = index_table(spec, year, lines)
    overview.key, overview.title = "public-overview", _("%(region)s %(year)s: mean score") % {
        "region": province.name, "year": year}
    district_areas = [area_of(d) for d in districts]
    cells = selectors.index(spec, year, district_areas) if district_areas else []
    result = suppress_small([c for c in cells if c.firms])
    by_code = {a.key: a for a in district_areas}
    table = Table("public-districts", _("By district (county) %(year)s") % {"year": year},
                  [(_("Region"), 24), (_("Mean score"), 12), (_("Enterprises"), 12)])
    for c in result.shown:
        a = by_code[c.key]
        table.rows.append([f"{a.region.parent.name if a.region.parent else ''} · {a.region.name}", c.mean, c.firms])
    if result.rollup is not None:
        r = result.rollup
        table.rows.append([rollup_label(), r.mean if result.rollup_shown else WITHHELD,
                           r.firms if result.rollup_shown else f"<{K_ANONYMITY}"])
        table.rollup_rows = 1
    return [overview, table]



# --- one slice group: 一行一策 / 一园一策 / 一链一策 --------------------------------------------------

POLICY_KINDS = {
    "industry": lambda: _("One industry, one plan (一行一策)"),
    "park": lambda: _("One park, one plan (一园一策)"),
    "chain": lambda: _("One chain, one plan (一链一策)"),
}
WEAKEST_DIMENSIONS = 3
WEAKEST_ITEMS = 10


@dataclass(frozen=True)
class Column:
    """One column of a slice group's page: an area, and the group (or every enterprise: None)."""

    area: Area
    part: selectors.Slice | None


def policy_columns(part: selectors.Slice, scope: Area, parent: Area | None) -> list[Column]:
    """The group in the scope; for an industry or chain the same group in the parent region and every
    enterprise of the scope; for a park (inside one district) every enterprise of the scope and of
    the parent region."""
    group = slice_label(part.kind, part.key)

    def named(a: Area, label: str) -> Area:
        return replace(a, label=label)

    everyone = _("All enterprises · %(region)s")
    if part.kind == "park":
        columns = [Column(named(scope, group), part), Column(named(scope, everyone % {"region": scope.region.name}),
                                                             None)]
        if parent is not None:
            columns.append(Column(named(parent, everyone % {"region": parent.region.name}), None))
        return columns
    this = _("This industry · %(region)s") if part.kind == "industry" else _("This chain · %(region)s")
    columns = [Column(named(scope, this % {"region": scope.region.name}), part)]
    if parent is not None:
        columns.append(Column(named(parent, this % {"region": parent.region.name}), part))
    columns.append(Column(named(scope, everyone % {"region": scope.region.name}), None))
    return columns


def _by_column(fetch, columns: Sequence[Column]) -> dict[str, list[Aggregate]]:
    """``fetch(areas, part)`` per distinct group, merged into key → one cell per column."""
    out: dict[str, list[Aggregate | None]] = {}
    groups: dict[Any, list[int]] = {}
    for i, c in enumerate(columns):
        groups.setdefault(c.part, []).append(i)
    for part, indices in groups.items():
        for key, cells in fetch([columns[i].area for i in indices], part).items():
            row = out.setdefault(key, [None] * len(columns))
            for i, cell in zip(indices, cells, strict=True):
                row[i] = cell
    return {key: [cell or Aggregate(columns[i].area.key, Decimal(0), 0, 0) for i, cell in enumerate(row)]
            for key, row in out.items()}


def policy_tables(spec: Spec, year: int, part: selectors.Slice, scope: Area, parent: Area | None) -> list[Table]:
    """The page of one slice group: index with samples, level mix, dimension averages, the weakest
    dimensions and items, needs by category — each beside the comparison columns, k rule outside."""
    columns = policy_columns(part, scope, parent)
    areas = [c.area for c in columns]
    index_cells = _by_column(lambda a, p: {"": selectors.index(spec, year, a, p)}, columns).get("")
    index = index_table(spec, year, areas, cells=index_cells)
    index.key, index.title = "policy-index", _("Index %(year)s: mean score and sample") % {"year": year}
    index.columns[0] = (_("Compared"), 30)
    levels = levels_table(spec, year, areas, data=_by_column(lambda a, p: selectors.levels(spec, year, a, p), columns))
    levels.key = "policy-levels"
    dimension_data = _by_column(lambda a, p: selectors.dimensions(spec, year, a, p), columns)
    dims = dimensions_table(spec, year, areas, data=dimension_data)
    dims.key = "policy-dimensions"
    item_data = _by_column(lambda a, p: selectors.items(spec, year, a, p), columns)
    weakest = weakest_table(spec, year, areas, dimension_data, item_data)
    need_data = _by_column(lambda a, p: selectors.needs(year, a, p), columns)
    needs = Table("policy-needs", _("Needs by category %(year)s: enterprises stating each (share of the needs "
                                    "stated)") % {"year": year},
                  [(_("Need category"), 24)] + [(area_label(a), 18) for a in areas])
    _share_table(needs, [(c.value, str(c.label)) for c in NewMode], areas, need_data)
    needs.chart_kind = "stack"
    return [index, levels, dims, weakest, needs]


def weakest_table(spec: Spec, year: int, areas: Sequence[Area], dimension_data: dict, item_data: dict) -> Table:
    """The group's weakest dimensions and items (lowest mean score rate in the first column, among the
    figures it may show), with the other columns beside them."""
    columns = [(_("Dimension or item"), 36), (_("Part of"), 16)] + [(area_label(a), 14) for a in areas]
    if len(areas) > 1:
        columns.append((_("Difference from %(column)s") % {"column": area_label(areas[1])}, 12))
    table = Table("policy-weakest", _("Weakest dimensions and items %(year)s (score rate, %%)") % {"year": year},
                  columns)
    names = {d.code: _title(d) for d in spec.dimensions}
    own = areas[0].own

    def ranked(data, limit):
        found = [(cells[0].mean, key) for key, cells in data.items()
                 if cells[0].n and (own or cells[0].firms >= K_ANONYMITY)]
        return [key for _m, key in sorted(found)[:limit]]

    def row(label, part_of, cells):
        means = [_mean(c, a.own) for a, c in zip(areas, cells, strict=True)]
        out = [label, part_of, *means]
        if len(areas) > 1:
            out.append(f"{means[0] - means[1]:+}" if all(isinstance(m, Decimal) for m in means[:2]) else WITHHELD)
        return out

    for code in ranked({k: v for k, v in dimension_data.items() if k in names}, WEAKEST_DIMENSIONS):
        table.rows.append(row(names[code], _("Dimension"), dimension_data[code]))
    for code in ranked({k: v for k, v in item_data.items() if k in spec.items}, WEAKEST_ITEMS):
        item = spec.items[code]
        table.rows.append(row(_title(item), names.get(_top_dimension(spec, code), ""), item_data[code]))
    # Long item names are cut on the chart's axis (the table beside it gives them whole), so the bars
    # keep their width on a phone.
    table.chart_kind = "hgroup"
    short = [label if len(label) <= 14 else f"{label[:13]}…" for label in (str(r[0]) for r in table.rows)]
    table.chart_x = short if len(set(short)) == len(short) else [str(r[0]) for r in table.rows]
    table.chart_series = [(area_label(a), [_number(r[2 + i]) for r in table.rows]) for i, a in enumerate(areas)]
    return table


def _top_dimension(spec: Spec, item_code: str) -> str:
    """The top-level dimension an item sits under (its parent chain upwards)."""
    parents = {}
    stack = [(d, d.code) for d in spec.dimensions]
    while stack:
        node, top = stack.pop()
        parents[node.code] = top
        for item in getattr(node, "items", ()) or ():
            parents[getattr(item, "code", item)] = top
        stack.extend((child, top) for child in getattr(node, "children", ()) or ())
    return parents.get(item_code) or parents.get(spec.items[item_code].parent, "")
