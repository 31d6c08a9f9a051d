"""The supply–demand gap map (issue #10): per district × need category, the open diagnosed needs
against the qualified provider capacity, and how that ratio compares with the city's.

Pure: plain counts in, frozen dataclasses out, no Django. Definitions (the page prints them):

- needs of a cell: enterprises of the district stating the category (the demand map's count);
- providers of a cell: qualified providers serving the district in a capability area of the
  category (providers/gaps/selectors.py says which count);
- ratio: needs per provider, needs ÷ providers, two places, half up; none when no provider serves
  a cell that has needs (an *uncovered* need) and 0 when it has no needs;
- the city average of a category: the city's needs ÷ the sum of its districts' providers, i.e. the
  capacity-weighted mean of the district ratios (a provider serving three districts counts in
  each, as it does in their cells);
- relative: the cell's ratio ÷ the city average, two places; above 1 a district has more needs
  per provider than the city as a whole (under-served), below 1 fewer.

The k rule: cells of districts outside the viewer's jurisdiction (``own`` False) resting on fewer
than k enterprises are withheld, with the secondary suppression of the regional dashboards
(``diagnosis.scoring.regional.suppress_small``), per category, so the city total gives nothing
away by subtraction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from diagnosis.scoring.regional import K_ANONYMITY, Aggregate, suppress_small

CENT = Decimal("0.01")
# Bands of the relative figure the heat map colours by (ours, [P]): within ±10 % of the city
# average reads as "at par", from 1.5 times it as a marked gap.
HIGH = Decimal("1.5")
ABOVE = Decimal("1.1")
PAR = Decimal("0.9")


class Level:
    NONE = "none"  # no needs stated
    UNCOVERED = "uncovered"  # needs, but no qualified provider serves the district
    HIGH = "high"  # relative ≥ 1.5
    ABOVE = "above"  # 1.1 ≤ relative < 1.5
    PAR = "par"  # 0.9 ≤ relative < 1.1
    BELOW = "below"  # relative < 0.9
    UNRATED = "unrated"  # the city average is withheld (see ``CategoryAverage.masked``)
    WITHHELD = "withheld"  # outside the jurisdiction and under the k rule

    ORDER = (UNCOVERED, HIGH, ABOVE, PAR, BELOW, NONE, UNRATED, WITHHELD)


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name: str
    own: bool = True  # inside the viewer's jurisdiction (no k rule)


@dataclass(frozen=True, slots=True)
class GapCell:
    district: str
    category: str
    needs: int
    providers: int
    ratio: Decimal | None
    relative: Decimal | None
    level: str

    @property
    def withheld(self) -> bool:
        return self.level == Level.WITHHELD


@dataclass(frozen=True, slots=True)
class CategoryAverage:
    category: str
    needs: int
    providers: int  # the sum of the districts' providers
    ratio: Decimal | None
    # The withheld cells of the category add up to fewer than k enterprises: the city's figures
    # would give their sum away by subtraction, so the city average (and every relative figure,
    # which implies it) is withheld too.
    masked: bool = False


@dataclass(frozen=True, slots=True)
class GapTable:
    districts: tuple[District, ...]
    categories: tuple[str, ...]
    cells: tuple[GapCell, ...]  # district by district, categories in order
    averages: tuple[CategoryAverage, ...]

    def cell(self, district: str, category: str) -> GapCell:
        return self.cells[[d.code for d in self.districts].index(district) * len(self.categories)
                          + self.categories.index(category)]

    def rows(self) -> list[tuple[District, tuple[GapCell, ...]]]:
        width = len(self.categories)
        return [(d, self.cells[i * width:(i + 1) * width]) for i, d in enumerate(self.districts)]

    def largest_gaps(self, count: int = 3) -> tuple[GapCell, ...]:
        """The shown cells most short of providers: uncovered needs first (most needs first), then
        the highest relative figure above the city average."""
        uncovered = sorted((c for c in self.cells if c.level == Level.UNCOVERED), key=lambda c: (-c.needs, c.district))
        above = sorted((c for c in self.cells if c.level in (Level.HIGH, Level.ABOVE)),
                       key=lambda c: (-(c.relative or 0), -c.needs, c.district, c.category))
        return tuple((uncovered + above)[:count])


def _ratio(needs: int, providers: int) -> Decimal | None:
    if not needs:
        return Decimal("0.00")
    if not providers:
        return None
    return (Decimal(needs) / Decimal(providers)).quantize(CENT, ROUND_HALF_UP)


def _relative(needs: int, providers: int, city_needs: int, city_providers: int) -> Decimal | None:
    """(needs ÷ providers) ÷ (city needs ÷ city providers), from the exact counts."""
    if not providers or not city_needs or not city_providers:
        return None
    return (Decimal(needs * city_providers) / Decimal(providers * city_needs)).quantize(CENT, ROUND_HALF_UP)


def _level(needs: int, providers: int, relative: Decimal | None) -> str:
    if not needs:
        return Level.NONE
    if not providers:
        return Level.UNCOVERED
    if relative is None:
        return Level.PAR
    if relative >= HIGH:
        return Level.HIGH
    if relative >= ABOVE:
        return Level.ABOVE
    if relative >= PAR:
        return Level.PAR
    return Level.BELOW


def _withheld(districts: Sequence[District], categories: Sequence[str], needs: Mapping[tuple[str, str], int],
              k: int) -> tuple[set[tuple[str, str]], set[str]]:
    """The withheld cells, and the categories whose withheld cells add up to fewer than k."""
    out: set[tuple[str, str]] = set()
    masked: set[str] = set()
    outside = [d.code for d in districts if not d.own]
    for category in categories:
        cells = [Aggregate(code, Decimal(0), needs.get((code, category), 0), needs.get((code, category), 0))
                 for code in outside if needs.get((code, category), 0)]
        result = suppress_small(cells, k=k)
        out |= {(code, category) for code in result.withheld}
        if result.rollup is not None and not result.rollup_shown:
            masked.add(category)
    return out, masked


def analyse(districts: Sequence[District], categories: Sequence[str], needs: Mapping[tuple[str, str], int],
            providers: Mapping[tuple[str, str], int], *, k: int = K_ANONYMITY) -> GapTable:
    """The gap table of ``districts`` (one city's) over ``categories``; ``needs`` and ``providers``
    are keyed (district code, category), missing keys count 0. Negative counts are refused."""
    for name, counts in (("needs", needs), ("providers", providers)):
        if any(v < 0 for v in counts.values()):
            raise ValueError(f"{name} counts must not be negative")
    codes = {d.code for d in districts}
    withheld, masked = _withheld(districts, categories, needs, k)
    averages = []
    for category in categories:
        n = sum(needs.get((code, category), 0) for code in codes)
        p = sum(providers.get((code, category), 0) for code in codes)
        averages.append(CategoryAverage(category, n, p, _ratio(n, p) if n else None, category in masked))
    by_category = {a.category: a for a in averages}
    cells = []
    for d in districts:
        for category in categories:
            n, p = needs.get((d.code, category), 0), providers.get((d.code, category), 0)
            if (d.code, category) in withheld:
                # The count itself never leaves this module: a withheld cell carries no needs figure.
                cells.append(GapCell(d.code, category, 0, p, None, None, Level.WITHHELD))
                continue
            city = by_category[category]
            if city.masked:
                level = Level.NONE if not n else Level.UNCOVERED if not p else Level.UNRATED
                cells.append(GapCell(d.code, category, n, p, _ratio(n, p), None, level))
                continue
            relative = _relative(n, p, city.needs, city.providers) if n else (Decimal("0.00") if city.needs else None)
            cells.append(GapCell(d.code, category, n, p, _ratio(n, p), relative, _level(n, p, relative)))
    return GapTable(tuple(districts), tuple(categories), tuple(cells), tuple(averages))
