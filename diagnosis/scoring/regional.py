"""Regional 两化融合 figures (pure, stdlib only).

Two different regional metrics exist (docs/sources.md, Regional metrics), and they must not be
mixed in the UI:

* ``regional_mean``: a district's 发展水平 built from its enterprises' assessment scores. The
  official aggregation was not found; the simple mean of valid submissions with the sample
  size shown is our provisional default [P].
* ``ccid_composite``: the CCID (赛迪) composite index from its three sub-indices, weighted
  25 / 50 / 25. The weights are inferred [I]: they reproduce every published figure.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CompositeWeight:
    code: str
    title: str
    title_en: str
    weight: Decimal
    provenance: str


CCID_WEIGHTS: tuple[CompositeWeight, ...] = (
    CompositeWeight("basic_env", "基础环境", "Basic environment", Decimal("0.25"), "I"),
    CompositeWeight("industrial_app", "工业应用", "Industrial application", Decimal("0.50"), "I"),
    CompositeWeight("app_benefit", "应用效益", "Application benefit", Decimal("0.25"), "I"),
)
REGIONAL_MEAN_PROVENANCE = "P"


@dataclass(frozen=True, slots=True)
class RegionalIndex:
    mean: Decimal | None  # None when there is no valid score
    n: int


def _decimal(value: object, what: str) -> Decimal:
    # Floats are refused: regional figures come from Decimal columns or typed-in strings, and a
    # binary float would make a published x.xx5 round the wrong way.
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"{what} must be a Decimal, int or str, got {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise ValueError(f"{what} must be a non-negative number, got {value!r}")
    return number


def regional_mean(scores: Iterable[Decimal | None], *, places: Decimal = CENT) -> RegionalIndex:
    """Mean of the valid enterprise scores of a region, with the sample size.

    ``None`` entries (no valid submission) are skipped; an empty sample gives ``mean=None, n=0``.
    The mean is rounded half up to ``places``.
    """
    values = [_decimal(score, "score") for score in scores if score is not None]
    if not values:
        return RegionalIndex(mean=None, n=0)
    mean = sum(values, Decimal(0)) / len(values)
    return RegionalIndex(mean=mean.quantize(places, rounding=ROUND_HALF_UP), n=len(values))


def ccid_composite(
    basic_env: Decimal | int | str,
    industrial_app: Decimal | int | str,
    app_benefit: Decimal | int | str,
    *,
    places: Decimal = CENT,
) -> Decimal:
    """CCID regional 两化融合 index: 0.25·基础环境 + 0.50·工业应用 + 0.25·应用效益.

    Sub-indices are benchmark-normalised and may exceed 100. The result is rounded half up to
    ``places`` (the published series uses 0.01 for 2014 and 0.1 from 2015).
    """
    values = (
        _decimal(basic_env, "basic_env"),
        _decimal(industrial_app, "industrial_app"),
        _decimal(app_benefit, "app_benefit"),
    )
    total = sum((w.weight * v for w, v in zip(CCID_WEIGHTS, values, strict=True)), Decimal(0))
    return total.quantize(places, rounding=ROUND_HALF_UP)


# --- The CCID composite from the enterprise survey (provisional parameter set) -----------------------
# The published CCID index rests on 23 indicators, 15 of them public statistics the portal does not hold,
# and its sub-indices are benchmark-normalised. What the portal can compute where the standard applies
# (GB/T 23020 assessments) is the same three-category, 25/50/25 composite over the enterprises' dimension
# score rates: each category the weighted mean of the dimensions mapped to it (weights: the component
# weights proposed in docs/sources.md §1.5 [P]). The mapping and the within-category weights are ours
# [P]; the set is versioned so a published figure can say which one it used.


@dataclass(frozen=True, slots=True)
class CompositeCategory:
    weight: CompositeWeight
    dimensions: tuple[tuple[str, Decimal], ...]  # (dimension code, weight within the category)


@dataclass(frozen=True, slots=True)
class CompositeParameters:
    version: str
    spec_codes: frozenset[str]
    provenance: str
    categories: tuple[CompositeCategory, ...]


CCID_SURVEY_COMPOSITE = CompositeParameters(
    version="ccid-survey-2026.1",
    spec_codes=frozenset({"gbt23020-2013"}),
    provenance="P",
    categories=(
        CompositeCategory(CCID_WEIGHTS[0], (("infrastructure", Decimal(25)),)),
        CompositeCategory(CCID_WEIGHTS[1], (("single-application", Decimal(25)), ("integration", Decimal(15)),
                                            ("synergy", Decimal(10)))),
        CompositeCategory(CCID_WEIGHTS[2], (("competitiveness", Decimal("12.5")), ("benefit", Decimal("12.5")))),
    ),
)


@dataclass(frozen=True, slots=True)
class SurveyComposite:
    sub_indices: tuple[Decimal | None, ...]  # per category, in the parameter set's order
    composite: Decimal | None  # None when a category lacks a figure


def survey_composite(rates: dict[str, Decimal | None],
                     params: CompositeParameters = CCID_SURVEY_COMPOSITE) -> SurveyComposite:
    """The composite from mean dimension score rates (%, code → rate; None where withheld or missing):
    each category the weighted mean of its dimensions (None if any is missing), then 25/50/25, rounded
    half up to 0.1."""
    subs: list[Decimal | None] = []
    for category in params.categories:
        values = [rates.get(code) for code, _w in category.dimensions]
        if any(v is None for v in values):
            subs.append(None)
            continue
        weight = sum((w for _c, w in category.dimensions), Decimal(0))
        total = sum((_decimal(v, code) * w for (code, w), v in zip(category.dimensions, values, strict=True)),
                    Decimal(0))
        subs.append((total / weight).quantize(ONE_PLACE, rounding=ROUND_HALF_UP))
    if any(v is None for v in subs):
        return SurveyComposite(tuple(subs), None)
    composite = ccid_composite(*subs, places=ONE_PLACE)
    return SurveyComposite(tuple(subs), composite)


# --- Aggregates computed in the database, and the k-anonymity rule --------------------------------

# Figures shown outside the bureau's own jurisdiction, and on the public regional index, never rest on
# fewer than this many enterprises (issue #12).
K_ANONYMITY = 5
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Aggregate:
    """One cell as the database returns it: the sum of the counted scores, how many scores, and
    how many distinct enterprises stand behind them (the k-anonymity count)."""

    key: str
    total: Decimal
    n: int
    firms: int

    @property
    def mean(self) -> Decimal | None:
        return mean_of(self.total, self.n)


def mean_of(total: Decimal | int | str | None, n: int, *, places: Decimal = ONE_PLACE) -> Decimal | None:
    """``regional_mean``'s rule over a database sum: total ÷ n rounded half up to ``places``
    (0.1, as the published regional index); None for an empty sample."""
    if not n:
        return None
    return (_decimal(total or 0, "total") / n).quantize(places, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A table after the k rule: the cells shown as they are, and the roll-up of every cell that
    was withheld (None when nothing was). ``rollup_shown`` is False when even the roll-up rests on
    fewer than k enterprises: then only its existence is shown, no figure."""

    shown: tuple[Aggregate, ...]
    rollup: Aggregate | None
    withheld: tuple[str, ...]

    @property
    def rollup_shown(self) -> bool:
        return self.rollup is not None and self.rollup.firms >= K_ANONYMITY


def suppress_small(cells: Iterable[Aggregate], *, k: int = K_ANONYMITY, rollup_key: str = "other") -> Suppressed:
    """Withhold every cell resting on fewer than ``k`` enterprises and roll them up into one
    ``rollup_key`` cell. When the roll-up itself would rest on fewer than ``k`` (one small cell,
    whose figure the table's total would give away by subtraction), the smallest shown cells join
    it until it reaches ``k`` (secondary suppression); order is otherwise kept."""
    cells = list(cells)
    small = {c.key for c in cells if c.firms < k}
    if small:
        by_size = sorted((c for c in cells if c.key not in small), key=lambda c: (c.firms, c.key))
        while sum(c.firms for c in cells if c.key in small) < k and by_size:
            small.add(by_size.pop(0).key)
    withheld = tuple(c.key for c in cells if c.key in small)
    rollup = None
    if withheld:
        rolled = [c for c in cells if c.key in small]
        rollup = Aggregate(rollup_key, sum((c.total for c in rolled), Decimal(0)), sum(c.n for c in rolled),
                           sum(c.firms for c in rolled))
    return Suppressed(tuple(c for c in cells if c.key not in small), rollup, withheld)
