"""What the regional analysis report shows, as plain data (issue #12): 《XX区YYYY年重点企业数字化转型诊断分析报告》.

Every figure comes from the regional dashboards' own selectors and tables (diagnosis/regional: the
roll-up, the official-figure rule, the k rule), so the PDF says what the dashboard says. The report is
written for the region it covers: cells inside that region are shown as they are, cells outside it
(the other districts of a city, the province's slices) follow the k rule — whoever asks for it (the
district's officer or the city's) gets the same report. Charts are SVG (diagnosis.report.svgcharts),
sections other apps registered (diagnosis/extensions.py, RegionalReportSection) come after the demand
map. Texts are resolved under ``translation.override(language)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from diagnosis.extensions import regional_report_sections
from diagnosis.models import NewMode
from diagnosis.regional import selectors, tables
from diagnosis.regional.selectors import Area
from diagnosis.regional.tables import WITHHELD, Table
from diagnosis.report import svgcharts
from diagnosis.report.context import qr_svg
from diagnosis.results.charts import BRAND, EARLIER
from diagnosis.scoring.regional import K_ANONYMITY, Aggregate
from diagnosis.spec import Spec, get_spec
from diagnosis.spec.english import local_total_title
from portal.models import Region
from portal.reference import INDUSTRY_DIVISIONS

# Bump whenever the template, its stylesheet or this context change what a report shows.
TEMPLATE_VERSION = "1"
WEAKEST_ITEMS = 10
# Recommendations: the industries with the most assessed firms (at least k of them), every park.
RECOMMENDED_INDUSTRIES = 8
# The chapter's charts and tables show this many industry or cluster rows; the appendix has them all.
TOP_SLICES = 12
DEMAND_ROWS = 15
THIRD_SERIES = "#c98a1b"
# Chapters one to six are fixed; registered sections and the recommendations follow.
FIXED_CHAPTERS = 6
CHAPTER_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五")  # the province beside the region (brand) and the city (grey)

# What to do where a group is weakest, per top-level dimension of the standards (GB/T 23020, GB/T
# 39116, 中小企业数字化水平评测): phrased as the bureau's measure.
DIMENSION_ACTIONS = {
    "infrastructure": lambda: _("fund equipment networking, data collection and industrial network upgrades"),
    "single-application": lambda: _("promote proven single-point applications (MES, quality, energy, "
                                    "procurement) through demonstration lines"),
    "integration": lambda: _("support the integration of business systems and the connection of design, "
                             "production and management data"),
    "synergy": lambda: _("organise supply-chain collaboration and shared platforms along the chain"),
    "competitiveness": lambda: _("link digital projects to product quality, delivery and cost targets"),
    "benefit": lambda: _("measure the benefits of completed projects and spread the cases that paid off"),
}
NEED_ACTIONS = {
    NewMode.DIGITAL_MANAGEMENT: lambda: _("group procurement of management software (ERP, finance, HR)"),
    NewMode.SMART_MANUFACTURING: lambda: _("smart-workshop pilots with on-site diagnosis"),
    NewMode.NETWORKED_COLLABORATION: lambda: _("cloud and supply-chain collaboration platforms"),
    NewMode.PERSONALISED_CUSTOMISATION: lambda: _("customisation and flexible-production demonstrations"),
    NewMode.SERVICE_EXTENSION: lambda: _("remote operation and maintenance and service-oriented offerings"),
    NewMode.PLATFORM_DESIGN: lambda: _("digital design and simulation tools"),
}


def local_name(region: Region | None, language: str) -> str:
    if region is None:
        return ""
    return region.name_en if language == "en" and region.name_en else region.name


def _title(obj: Any, language: str) -> str:
    return obj.title_en if language == "en" and getattr(obj, "title_en", "") else obj.title


def report_title(region: Region, year: int, language: str) -> str:
    """《XX区YYYY年重点企业数字化转型诊断分析报告》 in the report's language."""
    with translation.override(language):
        return _("%(region)s %(year)s digital transformation diagnosis analysis report of key enterprises") % {
            "region": local_name(region, language), "year": year}


def verify_url(code: str) -> str:
    return settings.SITE_URL + reverse("regional:report-verify", args=[code])


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}"


def _mean(cell: Aggregate | None) -> Decimal | None:
    return cell.mean if cell is not None and cell.n else None


def _signed(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:+}"


def _zh() -> bool:
    return translation.get_language() != "en"


def _paren(text: Any) -> str:
    return f"（{text}）" if _zh() else f" ({text})"


def _sentences(parts: Sequence[str]) -> str:
    """Sentences run on without spaces in Chinese, with one in English."""
    return ("" if _zh() else " ").join(part for part in parts if part)


def _labelled(label: str, text: str) -> str:
    return f"{label}{'：' if _zh() else ': '}{text}"


def _rated(title: str, rate: Decimal | None) -> str:
    return f"“{title}”" + (_paren(f"{rate}%") if rate is not None else "")


@dataclass(frozen=True)
class Scope:
    """The report's region as areas: itself (its jurisdiction), its parent and the comparison lines."""

    region: Region
    area: Area
    parent: Area | None
    index_areas: list[Area]
    comparison: list[Area]  # the region, its city, its province
    language: str = "zh-hans"

    def name(self, a: Area) -> str:
        return local_name(a.region, self.language)

    def renamed(self, text: Any) -> Any:
        """Region names in text built by the dashboards' tables (which print the Chinese name) in the
        report's language."""
        if self.language != "en" or not isinstance(text, str):
            return text
        for a in self.index_areas:
            if a.region.name_en:
                text = text.replace(a.region.name, a.region.name_en)
        return text


def scope_of(region: Region, language: str = "zh-hans") -> Scope:
    path = region.path
    own = selectors.area(region, viewer_path=path)
    parent = selectors.area(region.parent, viewer_path=path) if region.parent else None
    lines = selectors.index_areas(region, viewer_path=path)
    comparison = [a for a in lines if a.region.pk == region.pk or region.path.startswith(a.region.path)]
    return Scope(region, own, parent, lines, comparison, language)


# --- charts -----------------------------------------------------------------------------------------

_COLOURS = (BRAND, EARLIER, THIRD_SERIES)


def _series(names: Sequence[str], columns: Sequence[Sequence[Decimal | None]]) -> tuple[svgcharts.Series, ...]:
    return tuple(svgcharts.Series(name, tuple(values), _COLOURS[i % len(_COLOURS)])
                 for i, (name, values) in enumerate(zip(names, columns, strict=True)))


def _bars(labels, names, columns, *, title: str, unit: str = "%"):
    if not labels:
        return None
    # Our own markup: svgcharts escapes every label and prints only formatted numbers.
    return mark_safe(svgcharts.bars_svg(labels, _series(names, columns), title=title, unit=unit))


# --- chapters ---------------------------------------------------------------------------------------


def _overview(spec: Spec, year: int, scope: Scope, index: list[Aggregate], change, verified: tuple[int, int],
              demand_shares) -> dict:
    own, parent_cell = next(c for a, c in zip(scope.index_areas, index, strict=True) if a.key == scope.area.key), None
    by_key = {a.key: cell for a, cell in zip(scope.index_areas, index, strict=True)}
    lines = [{"name": scope.name(a), "mean": _mean(by_key[a.key]), "firms": by_key[a.key].firms,
              "own": a.region.pk == scope.region.pk} for a in scope.comparison]
    if scope.parent is not None:
        parent_cell = by_key.get(scope.parent.key)
    mean, parent_mean = _mean(own), _mean(parent_cell)
    delta = change[0] if change else None
    change_before, change_after = (_mean(delta.before), _mean(delta.after)) if delta else (None, None)
    top_need = max(demand_shares, key=lambda s: s[1]) if demand_shares else None
    first_three = sum((s[2] for s in sorted(demand_shares, key=lambda s: -s[1])[:3]), Decimal(0)) \
        if demand_shares else None
    change_delta = (change_after - change_before) if change_after is not None and change_before is not None \
        else None
    parts = [_("In %(year)s, %(firms)s enterprises of %(region)s were assessed against %(spec)s (%(n)s counted "
               "assessments).") % {"year": year, "firms": own.firms, "region": scope.name(scope.area),
                                   "spec": _title(spec, translation.get_language()), "n": own.n}]
    if mean is not None:
        parts.append(_("Their mean score is %(mean)s") % {"mean": mean} + "".join(
            _(", against %(mean)s in %(name)s") % {"mean": line["mean"], "name": line["name"]}
            for line in lines if not line["own"] and line["mean"] is not None) + _("."))
    if delta is not None and delta.after.n and change_delta is not None:
        parts.append(_("The %(n)s enterprises assessed in both %(t0)s and this year moved from %(before)s to "
                       "%(after)s (%(delta)s).") % {"n": delta.after.n, "t0": year - 1, "before": change_before,
                                                   "after": change_after, "delta": f"{change_delta:+}"})
    if top_need:
        parts.append(_("The need stated most often is “%(need)s” (%(share)s%% of stated needs); the three most "
                       "frequent categories make up %(first)s%% of them.") % {
            "need": top_need[0], "share": top_need[2], "first": first_three})
    return {
        "paragraph": _sentences(parts),
        "mean": mean, "firms": own.firms, "assessments": own.n,
        "verified": verified[0], "counted": verified[1],
        "parent_mean": parent_mean,
        "gap": (mean - parent_mean) if mean is not None and parent_mean is not None else None,
        "lines": lines,
        "change_firms": delta.after.n if delta else 0,
        "change_before": change_before, "change_after": change_after,
        "change_delta": change_delta,
        "top_need": {"label": top_need[0], "firms": top_need[1], "share": top_need[2]} if top_need else None,
        "first_three_share": first_three,
        "total_title": local_total_title(spec, translation.get_language()),
    }


def _index_chapter(scope: Scope, index: list[Aggregate]) -> dict:
    labels = [scope.name(a) for a in scope.index_areas]
    means = [_mean(c) if (a.own or c.firms >= K_ANONYMITY) else None for a, c in zip(scope.index_areas, index,
                                                                                     strict=True)]
    return {"chart": _bars(labels, [_("Mean score")], [means], title=_("Mean score by region"), unit="")}


def _levels_chart(levels: Table, scope: Scope):
    labels = [name for name, _values in levels.chart_series]
    names = [scope.name(a) for a in scope.comparison]
    columns = [[values[i] for _name, values in levels.chart_series] for i in range(len(names))]
    return _bars(labels, names, columns, title=_("Level distribution (share of enterprises)"))


def _dimension_chapter(spec: Spec, year: int, scope: Scope, language: str) -> dict:
    data = selectors.dimensions(spec, year, scope.comparison)
    rows, names = [], [scope.name(a) for a in scope.comparison]
    for dimension in spec.dimensions:
        cells = data.get(dimension.code)
        if cells is None:
            continue
        rows.append({"code": dimension.code, "title": _title(dimension, language),
                     "rates": [_mean(c) for c in cells]})
    rows_sorted = sorted(rows, key=lambda r: (r["rates"][0] is None, r["rates"][0] or 0))
    labels = [r["title"] for r in rows]
    columns = [[r["rates"][i] for r in rows] for i in range(len(names))]
    radar = None
    if len(rows) >= 3:
        radar = mark_safe(svgcharts.radar_svg(labels, _series(names, columns), title=_("Dimension averages")))
    weakest = [r for r in rows_sorted[:2] if r["rates"][0] is not None]
    sentence = (_("The weakest dimensions are") + ("" if _zh() else " ")
                + _(", ").join(_rated(r["title"], r["rates"][0]) for r in weakest) + _(".")) if weakest else ""
    return {"rows": rows, "weakest": weakest, "sentence": sentence, "names": names, "radar": radar,
            "bars": _bars(labels, names, columns, title=_("Dimension averages"))}


def _weakest_items(spec: Spec, year: int, scope: Scope, language: str) -> dict:
    areas = [scope.area] + ([scope.parent] if scope.parent else [])
    data = selectors.item_rates(spec, year, areas)
    rows = []
    for code, cells in data.items():
        item = spec.items.get(code)
        if item is None or not cells[0].n:
            continue
        dimension = next((d for d in spec.dimensions if d.code == item.parent), None)
        parent_rate = _mean(cells[1]) if len(cells) > 1 else None
        rows.append({"code": code, "title": _title(item, language),
                     "dimension": _title(dimension, language) if dimension else "",
                     "rate": _mean(cells[0]), "n": cells[0].n, "parent_rate": parent_rate,
                     "gap": (_mean(cells[0]) - parent_rate) if parent_rate is not None else None})
    rows.sort(key=lambda r: (r["rate"], r["code"]))
    rows = rows[:WEAKEST_ITEMS]
    names = [scope.name(a) for a in areas]
    columns = [[r["rate"] for r in rows]] + ([[r["parent_rate"] for r in rows]] if scope.parent else [])
    return {"rows": rows, "names": names,
            "chart": _bars([r["title"] for r in rows], names, columns, title=_("Weakest items (score rate)"))}


def _slice_chapter(slice_table: Table, scope: Scope, *, limit: int = TOP_SLICES) -> dict:
    """A slice's rows (without the k roll-up line) with enough firms to say something, largest first."""
    rows = [r for r in slice_table.rows[:len(slice_table.rows) - slice_table.rollup_rows]
            if isinstance(r[2], int) and r[2] > 0]
    rows.sort(key=lambda r: (-r[2], str(r[0])))
    shown = rows[:limit]
    names = [scope.name(scope.area)] + ([scope.name(scope.parent)] if scope.parent else [])
    return {"table": _printed(replace(slice_table, rows=shown, rollup_rows=0), rename=scope.renamed), "more": len(rows) - len(shown),
            "names": names}


def _without_district(demand: Table) -> Table:
    """The demand table of a district lists one district on every row: its first column then says
    nothing, and the six categories need the width."""
    body = demand.rows[:-1]
    if len({row[0] for row in body}) > 1 or not body:
        return demand
    rows = [row[1:] for row in demand.rows]
    rows[-1][0] = demand.rows[-1][0]
    return replace(demand, columns=demand.columns[1:], rows=rows, links=[])


def _demand_chapter(demand: Table, scope: Scope) -> dict:
    shares = tables.demand_shares(demand)
    demand = _without_district(demand)
    body = demand.rows[:-1] if demand.rows else []
    chart = _bars([label for label, _n, _s in shares], [_("Share of stated needs")],
                  [[share for _l, _n, share in shares]], title=_("Demand by category"))
    total = demand.rows[-1:] if demand.rows else []
    return {"shares": shares, "table": demand, "more": max(0, len(body) - DEMAND_ROWS), "chart": chart,
            "printed": _printed(replace(demand, rows=body[:DEMAND_ROWS] + total), total_rows=len(total),
                                rename=scope.renamed)}


def _group_label(kind: str, key: str, labels: dict[str, str]) -> str:
    if kind == "industry":
        return f"{key} {INDUSTRY_DIVISIONS.get(key, '')}".strip() if key else _("Not stated")
    return labels.get(key, key)


def _recommendations(kind: str, spec: Spec, year: int, scope: Scope, scope_mean: Decimal | None,
                     language: str) -> list[dict]:
    """Per industry (the largest ones) or per park: its mean against the region's, its two weakest
    dimensions, the need most of its firms state, and the measures those point to."""
    groups = selectors.slice_by(kind, spec, year, [scope.area])
    dims = selectors.slice_dimensions(kind, spec, year, scope.area)
    needs = selectors.demand_by(kind, year, scope.area)
    titles = {d.code: _title(d, language) for d in spec.dimensions}
    keys = [k for k, cells in groups.items() if cells[0].firms >= K_ANONYMITY and (k or kind == "industry")]
    if kind == "park":
        keys = [k for k in keys if k]
        labels = dict(Region.objects.filter(pk__in=[int(k) for k in keys]).values_list("pk", "name"))
        labels = {str(pk): name for pk, name in labels.items()}
    else:
        labels = {}
        keys = sorted(keys, key=lambda k: (-groups[k][0].firms, k))[:RECOMMENDED_INDUSTRIES]
    out = []
    for key in keys:
        cell = groups[key][0]
        rates = sorted(((c.mean, code) for (k, code), c in dims.items() if k == key and c.n and code in titles),
                       key=lambda t: (t[0], t[1]))
        weakest = [{"title": titles[code], "rate": rate, "action": DIMENSION_ACTIONS.get(code, lambda: "")()}
                   for rate, code in rates[:2]]
        stated = needs.get(key, {})
        top = max(stated.items(), key=lambda kv: (kv[1], kv[0]), default=None)
        need = None
        if top is not None:
            mode = NewMode(top[0])
            need = {"label": str(mode.label), "firms": top[1],
                    "share": (Decimal(100 * top[1]) / cell.firms).quantize(Decimal("0.1")),
                    "action": NEED_ACTIONS[mode]()}
        mean = _mean(cell)
        lines = []
        if weakest:
            actions = [w["action"] for w in weakest if w["action"]]
            lines.append(_sentences([
                _labelled(_("Weakest"), _(", ").join(_rated(w["title"], w["rate"]) for w in weakest)) + _("."),
                _labelled(_("Recommended"), _("; ").join(actions)) + _(".") if actions else ""]))
        if need:
            lines.append(_sentences([
                _("Most stated need: “%(need)s” (%(n)s enterprises, %(share)s%%).") % {
                    "need": need["label"], "n": need["firms"], "share": need["share"]},
                _labelled(_("Recommended"), need["action"]) + _(".")]))
        out.append({"group": _group_label(kind, key, labels), "firms": cell.firms, "mean": mean,
                    "diff": _signed(mean - scope_mean) if mean is not None and scope_mean is not None else "—",
                    "weakest": weakest, "need": need, "lines": lines})
    return out


_NUMERIC = re.compile(r"^[-+<—]?[\d.,]*(（[\d.,%]+）)?%?$")


def _printed(table: Table, *, total_rows: int = 0, rename=lambda text: text) -> dict:
    """A table as the PDF prints it: each column right-aligned when every cell in it is a figure
    (numbers, shares, "—", "<5"), left-aligned when it holds text."""
    body = table.rows[:len(table.rows) - table.rollup_rows - total_rows] or table.rows
    numeric = [i > 0 and all(_NUMERIC.match(str(row[i])) for row in body if i < len(row))
               for i in range(len(table.columns))]
    return {"key": table.key, "title": table.title, "rollup_rows": table.rollup_rows, "total_rows": total_rows,
            "columns": [(rename(title), num) for (title, _w), num in zip(table.columns, numeric, strict=True)],
            "rows": [[(rename(cell), numeric[i] if i < len(numeric) else True) for i, cell in enumerate(row)]
                     for row in table.rows]}


def _appendix(scope: Scope, index: Table, levels: Table, dimensions: Table, trend: Table, change: Table,
              slices: list[Table], demand: Table) -> list[dict]:
    return [*(_printed(t, rename=scope.renamed) for t in (index, levels, dimensions, trend, change, *slices)),
            _printed(demand, total_rows=1 if demand.rows else 0, rename=scope.renamed)]


def _headline(overview: dict) -> dict:
    """The figures stored on the row and stated by the public verification page."""
    return {"mean": None if overview["mean"] is None else str(overview["mean"]), "firms": overview["firms"],
            "assessments": overview["assessments"], "verified": overview["verified"]}


def build_regional_report_context(region: Region, *, year: int, spec_key: str, language: str,
                                  verification_code: str, issued_at: datetime) -> dict[str, Any]:
    """Everything the regional report template shows, in ``language``. ``verification_code`` and
    ``issued_at`` come from the report row."""
    spec = get_spec(spec_key)
    with translation.override(language):
        scope = scope_of(region, language)
        index_cells = selectors.index(spec, year, scope.index_areas)
        index = tables.index_table(spec, year, scope.index_areas)
        levels = tables.levels_table(spec, year, scope.comparison)
        dimensions = tables.dimensions_table(spec, year, scope.comparison)
        trend = tables.trend_table(spec, scope.comparison)
        change_rows = selectors.change(spec, year, [scope.area])
        change = tables.change_table(spec, year, scope.comparison)
        slices = {kind: tables.slice_table(kind, spec, year, scope.area, scope.parent) for kind in selectors.SLICES}
        demand = tables.demand_table(year, scope.area, link=lambda *_args: None)
        demand_chapter = _demand_chapter(demand, scope)
        overview = _overview(spec, year, scope, index_cells, change_rows,
                             selectors.verified_share(spec, year, scope.area), demand_chapter["shares"])
        extension_sections = []
        for section in regional_report_sections():
            data = section.build_context(region, year, spec_key, language)
            if data:
                extension_sections.append({"key": section.key, "title": str(section.title),
                                           "template": section.template, "context": data})
        numbers = [CHAPTER_NUMERALS[i] if language != "en" else str(i + 1)
                   for i in range(len(CHAPTER_NUMERALS))]
        for position, section in enumerate(extension_sections):
            section["number"] = numbers[FIXED_CHAPTERS + position]
        url = verify_url(verification_code)
        verification = {"code": verification_code, "url": url, "qr": qr_svg(url)}
        return {
            "language": language,
            "issued_at": issued_at,
            "title": report_title(region, year, language),
            "region": {"name": local_name(region, language), "level": region.level,
                       "parent": local_name(region.parent, language)},
            "year": year,
            "spec": {"key": spec.key, "title": _title(spec, language), "version": spec.version},
            "verification": verification,
            "k": K_ANONYMITY,
            "withheld": WITHHELD,
            "overview": overview,
            "headline": _headline(overview),
            "index": {**_index_chapter(scope, index_cells), "table": _printed(index, rename=scope.renamed)},
            "levels": {"table": _printed(levels, rename=scope.renamed), "chart": _levels_chart(levels, scope)},
            "dimensions": _dimension_chapter(spec, year, scope, language),
            "items": _weakest_items(spec, year, scope, language),
            "trend": _printed(trend, rename=scope.renamed),
            "change": _printed(change, rename=scope.renamed),
            "industry": _slice_chapter(slices["industry"], scope),
            "cluster": _slice_chapter(slices["cluster"], scope),
            "park": _slice_chapter(slices["park"], scope),
            "demand": demand_chapter,
            "extension_sections": extension_sections,
            "recommendations_number": numbers[FIXED_CHAPTERS + len(extension_sections)],
            "recommendations": {
                "industry": _recommendations("industry", spec, year, scope, overview["mean"], language),
                "park": _recommendations("park", spec, year, scope, overview["mean"], language),
            },
            "appendix": _appendix(scope, index, levels, dimensions, trend, change, list(slices.values()),
                                  demand_chapter["table"]),
        }


def headline_facts(region: Region, *, year: int, spec_key: str) -> dict:
    """The headline figures alone (for a row whose context was not built here)."""
    spec = get_spec(spec_key)
    scope = scope_of(region)
    cell = selectors.index(spec, year, [scope.area])[0]
    verified, _counted = selectors.verified_share(spec, year, scope.area)
    return {"mean": None if _mean(cell) is None else str(_mean(cell)), "firms": cell.firms, "assessments": cell.n,
            "verified": verified}
