"""The gap map as the page and its export show it: labelled rows, withheld cells as "—", the same
figures in both (an export never shows what the page withholds)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diagnosis.models import NewMode
from diagnosis.scoring.regional import K_ANONYMITY
from providers.gaps.analysis import ABOVE, HIGH, PAR, GapCell, Level

WITHHELD = "—"
LEVEL_LABELS = {
    Level.UNCOVERED: gettext_lazy("Needs with no qualified provider"),
    Level.HIGH: gettext_lazy("Far above the city average (≥ %(x)s×)"),
    Level.ABOVE: gettext_lazy("Above the city average (%(low)s–%(high)s×)"),
    Level.PAR: gettext_lazy("About the city average"),
    Level.BELOW: gettext_lazy("Below the city average (< %(x)s×)"),
    Level.NONE: gettext_lazy("No needs stated"),
    Level.UNRATED: gettext_lazy("No city comparison (too few enterprises elsewhere to show the city average)"),
    Level.WITHHELD: gettext_lazy("Withheld (fewer than %(k)d enterprises, outside your jurisdiction)"),
}


def level_label(level: str) -> str:
    return str(LEVEL_LABELS[level]) % {"x": HIGH if level == Level.HIGH else PAR, "low": ABOVE, "high": HIGH,
                                       "k": K_ANONYMITY}


def legend() -> list[tuple[str, str]]:
    return [(level, level_label(level)) for level in Level.ORDER]


def category_label(code: str) -> str:
    return str(dict(NewMode.choices).get(code, code))


def times(value: Decimal | None) -> str:
    return WITHHELD if value is None else f"{value}×"


def needs_shown(cell: GapCell) -> Any:
    return f"<{K_ANONYMITY}" if cell.withheld else cell.needs


def ratio_shown(cell: GapCell) -> Any:
    if cell.withheld:
        return WITHHELD
    return cell.ratio if cell.ratio is not None else _("no provider")


def export_rows(gap_map) -> tuple[str, list[tuple[str, int]], list[list[Any]]]:
    table = gap_map.table
    title = _("Supply–demand gap map %(year)s · %(city)s") % {"year": gap_map.year, "city": gap_map.city.name}
    columns = [(_("District"), 14), (_("Need category"), 16), (_("Open needs (enterprises)"), 14),
               (_("Qualified providers"), 14), (_("Needs per provider"), 14), (_("City average"), 14),
               (_("Relative to the city average"), 16), (_("Gap"), 30)]
    averages = {a.category: a for a in table.averages}
    rows = []
    for district, cells in table.rows():
        for cell in cells:
            average = None if averages[cell.category].masked else averages[cell.category].ratio
            rows.append([district.name, category_label(cell.category), needs_shown(cell), cell.providers,
                         ratio_shown(cell), average if average is not None else WITHHELD,
                         times(cell.relative), level_label(cell.level)])
    for a in table.averages:
        shown = a.ratio is not None and not a.masked
        rows.append([_("City (all districts)"), category_label(a.category), WITHHELD if a.masked else a.needs,
                     a.providers, a.ratio if shown else WITHHELD, a.ratio if shown else WITHHELD,
                     "1.00×" if shown else WITHHELD, ""])
    return title, columns, rows


def not_a_district() -> str:
    return _("The gap map's cells are districts: choose a district.")
