"""The "服务商生态 / Provider ecosystem" chapter of the regional analysis report (issue #12), registered
with ``diagnosis.extensions.RegionalReportSection`` from ``providers.ecosystem.wiring``.

It says, for the report's region (a district or a city) and year, with published data only:
- the providers and active pool members serving the region per capability area
  (``providers.ecosystem.selectors.region_supply``, the regional dashboards' panel);
- the supply–demand gap table of the region's city, the region's rows highlighted
  (``providers.gaps.selectors.gap_table`` with the region as the viewer's jurisdiction, so the other
  districts follow the k rule exactly as on the gap map, and ``providers.gaps.tables.export_rows``);
- the region's largest gaps in plain words, and the strongest providers serving it.

The chapter is left out (an empty mapping) while no published provider serves the region's city: its
tables would then describe an empty registry, not the region. ``fingerprint`` folds in what the
chapter reads, so a report is built afresh when a profile is published or a pool member changes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Count, Max, Sum
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diagnosis.models import Need
from diagnosis.report import svgcharts
from diagnosis.results.charts import BRAND, EARLIER
from diagnosis.results.selectors import COUNTED_STATUSES
from diagnosis.scoring.regional import K_ANONYMITY
from portal.models import RecordHistory, Region
from providers.ecosystem.selectors import region_supply, serving_listings, share
from providers.gaps import tables as gap_tables
from providers.gaps.analysis import Level
from providers.gaps.selectors import city_of, gap_table
from providers.models import Lead, PoolMember

KEY = "provider-ecosystem"
TITLE = gettext_lazy("Provider ecosystem")
TEMPLATE = "providers/ecosystem/report_section.html"
LARGEST_GAPS = 3
TOP_PROVIDERS = 5


def _english() -> bool:
    return translation.get_language() == "en"


def _renamer(city: Region):
    """District names as the report's language prints them (the gap tables print the Chinese name)."""
    if not _english():
        return lambda text: text
    names = {r.name: r.name_en for r in Region.objects.filter(path__startswith=city.path) if r.name_en}
    return lambda text: names.get(text, text) if isinstance(text, str) else text


def _gap_sentence(cell, district: str) -> str:
    category = gap_tables.category_label(cell.category)
    if cell.level == Level.UNCOVERED:
        return _("%(district)s · “%(category)s”: %(needs)s enterprises state an open need and no qualified provider "
                 "serves them.") % {"district": district, "category": category, "needs": cell.needs}
    return _("%(district)s · “%(category)s”: %(needs)s enterprises with open needs for %(providers)s qualified "
             "providers (%(ratio)s per provider), %(relative)s times the city average.") % {
        "district": district, "category": category, "needs": cell.needs, "providers": cell.providers,
        "ratio": cell.ratio, "relative": cell.relative}


def build_context(region: Region, year: int, spec_key: str, language: str) -> dict[str, Any]:
    """The chapter's data (runs with ``language`` active); empty while no provider serves the city."""
    city = city_of(region)
    if city is None or not serving_listings(city).exists():
        return {}
    today = timezone.localdate()
    rename = _renamer(city)
    supply = region_supply(region, today=today, top=TOP_PROVIDERS)
    areas = [a for a in supply.areas if a.providers]
    chart = None
    if areas:
        chart = mark_safe(svgcharts.bars_svg(  # our own markup: svgcharts escapes every label
            [a.title for a in areas],
            [svgcharts.Series(_("Providers serving the region"),
                              tuple(share(a.providers, supply.providers) for a in areas), BRAND),
             svgcharts.Series(_("Pool members among them"),
                              tuple(share(a.members, supply.providers) for a in areas), EARLIER)],
            title=_("Capability areas of the providers serving the region")))

    gap_map = gap_table(region, year, viewer_path=region.path, today=today)
    title, _columns, rows = gap_tables.export_rows(gap_map)
    district_paths = dict(Region.objects.filter(code__in=list(gap_map.names)).values_list("code", "path"))
    own_codes = {code for code, path in district_paths.items() if path.startswith(region.path)}
    # The export's rows (one per district and category, then the city's) pivoted into one line per
    # district: a row per district fits a page where sixty rows would fill three.
    width = len(gap_map.table.categories)
    cells = [cell for _district, row_cells in gap_map.table.rows() for cell in row_cells]
    matrix = []
    for start in range(0, len(cells), width):
        district = cells[start].district
        matrix.append({
            "name": rename(rows[start][0]),
            # A city's report covers every district: nothing to single out.
            "own": region.level != Region.Level.CITY and district in own_codes,
            "cells": [{"counts": f"{row[2]} / {row[3]}", "relative": row[6],
                       "short": cell.level in (Level.UNCOVERED, Level.HIGH)}
                      for cell, row in zip(cells[start:start + width], rows[start:start + width], strict=True)]})
    city_total = {"name": rename(rows[len(cells)][0]) if len(rows) > len(cells) else "",
                  "cells": [{"counts": f"{row[2]} / {row[3]}", "ratio": row[4]} for row in rows[len(cells):]]}
    gaps = [c for c in gap_map.table.largest_gaps(count=len(gap_map.table.cells))
            if c.district in own_codes][:LARGEST_GAPS]
    largest = [_gap_sentence(c, rename(gap_map.names[c.district])) for c in gaps]
    needs_total = sum(c.needs for c in gap_map.table.cells
                      if c.district in own_codes)

    region_name = region.name_en if _english() and region.name_en else region.name
    return {
        "region": region_name,
        "city": city.name_en if _english() and city.name_en else city.name,
        "year": year,
        "k": K_ANONYMITY,
        "providers": supply.providers,
        "members": supply.members,
        "areas": areas,
        "uncovered_areas": (", " if _english() else "、").join(a.title for a in supply.areas if not a.providers),
        "chart": chart,
        "gap_title": title.replace(city.name, city.name_en) if _english() and city.name_en else title,
        "categories": [gap_tables.category_label(c) for c in gap_map.table.categories],
        "gap_rows": matrix,
        "gap_total": city_total,
        "highlight": any(row["own"] for row in matrix),
        "largest": largest,
        "open_needs": needs_total,
        "top": [{"name": p.name, "region": rename(p.region), "cases": p.verified_cases, "solutions": p.solutions,
                 "areas": ("、" if not _english() else ", ").join(p.areas), "member": p.member}
                for p in supply.top],
    }


def fingerprint(region: Region, year: int, spec_key: str) -> str:
    """Counts and last changes of what the chapter reads: the published listings serving the region's
    city, the pool members (count per status, valid today, last change), the accepted engagements and
    the needs stated in the city that year."""
    city = city_of(region)
    if city is None:
        return ""
    today = timezone.localdate()
    listings = serving_listings(city).aggregate(n=Count("pk"), last=Max("published_at"),
                                                cases=Sum("verified_case_count"), solutions=Sum("solution_count"))
    members = sorted(PoolMember.objects.order_by().values_list("status").annotate(n=Count("pk"),
                                                                                   v=Sum("state_version")))
    valid = PoolMember.objects.filter(status=PoolMember.Status.ACTIVE, valid_until__gte=today).count()
    changed = RecordHistory.objects.filter(table_name__in=["providers_poolmember", "providers_lead"]).aggregate(
        last=Max("changed_at"))["last"]
    accepted = Lead.objects.filter(stage=Lead.Stage.ACCEPTED).count()
    # The gap map reads the needs of the whole city; the report's own fingerprint covers its region's.
    needs = Need.objects.filter(assessment__year=year, assessment__status__in=COUNTED_STATUSES,
                                assessment__region__path__startswith=city.path).aggregate(
        n=Count("pk"), last=Max("updated_at"))
    data = [listings, [list(m) for m in members], valid, changed, accepted, needs, year]
    digest = hashlib.sha256(json.dumps(data, default=str, sort_keys=True).encode()).hexdigest()[:16]
    return f"{listings['n']}:{valid}:{accepted}:{digest}"


def section():
    from diagnosis.extensions import RegionalReportSection

    return RegionalReportSection(key=KEY, title=TITLE, template=TEMPLATE, build_context=build_context,
                                 fingerprint=fingerprint, order=50)
