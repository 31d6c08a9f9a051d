"""Provider rating by measured outcome (docs/outcome-rating.md).

For each engagement that reached "accepted" and whose client re-assessed on the same standard
afterwards, the uplift in the dimensions the engagement targeted is compared with the uplift of
peers from the same starting band who engaged nobody over the portal. The difference (the excess
uplift, in percentage points of the dimensions' score rates) is averaged per provider and per
capability area, with its sample size and a confidence indicator; below ``MIN_N`` engagements
nothing is shown.

Pure: plain data in, frozen dataclasses out, Decimal throughout; no Django. The selector
(providers/leads/selectors.py) reads the rows and calls ``rate``."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

MIN_N = 3  # engagements: below this a rating is not shown
MIN_PEERS = 3  # peer pairs: below this an engagement has no baseline and is not counted
BAND_WIDTH = Decimal(10)  # starting bands: 10 points of the total's score rate (0–10, 10–20, …)
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)

LOW, MEDIUM, HIGH = "low", "medium", "high"
# (confidence, minimum n, largest standard error in points), checked from the top.
CONFIDENCE_RULES: tuple[tuple[str, int, Decimal], ...] = ((HIGH, 10, Decimal(2)), (MEDIUM, 5, Decimal(4)))


@dataclass(frozen=True)
class Reading:
    """One counted assessment (submitted or approved) by its standing result: the verified one once
    approved, else the self-declared one."""

    assessment_id: int
    enterprise_id: int
    spec_code: str
    at: dt.datetime  # submitted
    total_percent: Decimal  # total / max_total × 100
    dimensions: Mapping[str, Decimal]  # every dimension node's score rate (percent), by code


@dataclass(frozen=True)
class Engagement:
    lead_id: int
    provider_id: int
    enterprise_id: int
    baseline_id: int  # the assessment the enterprise shared (T0)
    accepted_on: dt.date
    targets: tuple[str, ...]  # dimension codes the engagement targeted
    areas: tuple[str, ...]  # capability areas of the solution


@dataclass(frozen=True)
class Measured:
    """One engagement with its re-assessment: own uplift, the peers' uplift, and the difference."""

    lead_id: int
    provider_id: int
    areas: tuple[str, ...]
    band: str
    uplift: Decimal
    peer_uplift: Decimal
    peers: int
    excess: Decimal


@dataclass(frozen=True)
class OutcomeRating:
    provider_id: int
    area: str | None  # None: all of the provider's measured engagements
    n: int
    excess: Decimal  # mean excess uplift, points, one decimal
    uplift: Decimal  # mean own uplift
    peer_uplift: Decimal  # mean peer uplift of the same engagements
    std_error: Decimal | None  # of the mean excess; None below n = 2
    confidence: str  # low | medium | high

    @property
    def shown(self) -> bool:
        return self.n >= MIN_N


def band_of(total_percent: Decimal) -> str:
    """The starting band of a total score rate: "60-70" for 60 ≤ p < 70 (100 falls in 90-100)."""
    value = min(max(Decimal(total_percent), Decimal(0)), HUNDRED - Decimal("0.001"))
    low = (value / BAND_WIDTH).to_integral_value(rounding=ROUND_FLOOR) * BAND_WIDTH
    return f"{int(low)}-{int(low + BAND_WIDTH)}"


def uplift(before: Reading, after: Reading, targets: Sequence[str]) -> Decimal | None:
    """Mean change of the targeted dimensions' score rates (points); None when no target was
    scored in both."""
    changes = [after.dimensions[code] - before.dimensions[code]
               for code in targets if code in before.dimensions and code in after.dimensions]
    if not changes:
        return None
    return sum(changes, Decimal(0)) / len(changes)


def _std_error(values: Sequence[Decimal]) -> Decimal | None:
    n = len(values)
    if n < 2:
        return None
    mean = sum(values, Decimal(0)) / n
    variance = sum(((v - mean) ** 2 for v in values), Decimal(0)) / (n - 1)
    return (variance.sqrt() / Decimal(n).sqrt())


def confidence(n: int, std_error: Decimal | None) -> str:
    for label, min_n, max_se in CONFIDENCE_RULES:
        if n >= min_n and std_error is not None and std_error <= max_se:
            return label
    return LOW


def _series(readings: Iterable[Reading]) -> dict[tuple[int, str], list[Reading]]:
    series: dict[tuple[int, str], list[Reading]] = defaultdict(list)
    for reading in readings:
        series[(reading.enterprise_id, reading.spec_code)].append(reading)
    for rows in series.values():
        rows.sort(key=lambda r: (r.at, r.assessment_id))
    return series


def peer_pairs(readings: Iterable[Reading], engaged: frozenset[int]) -> dict[tuple[str, str], list[tuple]]:
    """Consecutive (T0, T1) readings of the same enterprise and standard, for enterprises that
    engaged no provider over the portal, keyed by (standard, starting band)."""
    pairs: dict[tuple[str, str], list[tuple[Reading, Reading]]] = defaultdict(list)
    for (enterprise_id, spec_code), rows in _series(readings).items():
        if enterprise_id in engaged:
            continue
        for before, after in zip(rows, rows[1:], strict=False):
            pairs[(spec_code, band_of(before.total_percent))].append((before, after))
    return pairs


def measure(engagements: Iterable[Engagement], readings: Iterable[Reading], engaged: frozenset[int], *,
            min_peers: int = MIN_PEERS) -> list[Measured]:
    """The engagements that can be measured: accepted, re-assessed on the same standard after the
    acceptance day, with at least ``min_peers`` peer pairs from the same starting band scored on
    the targeted dimensions. ``engaged``: enterprises excluded from the peers (any engagement)."""
    readings = list(readings)
    by_id = {r.assessment_id: r for r in readings}
    series = _series(readings)
    peers = peer_pairs(readings, engaged)
    peer_cache: dict[tuple, tuple[Decimal, int] | None] = {}
    measured = []
    for engagement in sorted(engagements, key=lambda e: e.lead_id):
        before = by_id.get(engagement.baseline_id)
        if before is None or not engagement.targets:
            continue
        after = next((r for r in series[(before.enterprise_id, before.spec_code)]
                      if r.at.date() > engagement.accepted_on and r.assessment_id != before.assessment_id), None)
        if after is None:
            continue
        own = uplift(before, after, engagement.targets)
        if own is None:
            continue
        band = band_of(before.total_percent)
        key = (before.spec_code, band, tuple(sorted(engagement.targets)))
        if key not in peer_cache:
            changes = [u for u in (uplift(p0, p1, engagement.targets) for p0, p1 in peers.get(key[:2], ()))
                       if u is not None]
            peer_cache[key] = (sum(changes, Decimal(0)) / len(changes), len(changes)) if len(changes) >= min_peers \
                else None
        baseline = peer_cache[key]
        if baseline is None:
            continue
        peer_mean, peer_n = baseline
        measured.append(Measured(engagement.lead_id, engagement.provider_id, engagement.areas, band, own, peer_mean,
                                 peer_n, own - peer_mean))
    return measured


def _one_place(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def aggregate(measured: Iterable[Measured]) -> dict[tuple[int, str | None], OutcomeRating]:
    """Per provider (area None) and per provider and capability area: every group, shown or not."""
    groups: dict[tuple[int, str | None], list[Measured]] = defaultdict(list)
    for m in measured:
        groups[(m.provider_id, None)].append(m)
        for area in sorted(set(m.areas)):
            groups[(m.provider_id, area)].append(m)
    ratings = {}
    for key in sorted(groups, key=lambda k: (k[0], k[1] or "")):
        rows = groups[key]
        n = len(rows)
        excesses = [m.excess for m in rows]
        se = _std_error(excesses)
        ratings[key] = OutcomeRating(
            provider_id=key[0], area=key[1], n=n,
            excess=_one_place(sum(excesses, Decimal(0)) / n),
            uplift=_one_place(sum((m.uplift for m in rows), Decimal(0)) / n),
            peer_uplift=_one_place(sum((m.peer_uplift for m in rows), Decimal(0)) / n),
            std_error=None if se is None else _one_place(se),
            confidence=confidence(n, se))
    return ratings


def rate(engagements: Iterable[Engagement], readings: Iterable[Reading], engaged: frozenset[int], *,
         min_n: int = MIN_N, min_peers: int = MIN_PEERS) -> dict[tuple[int, str | None], OutcomeRating]:
    """The ratings that may be shown (n ≥ ``min_n``), keyed by (provider id, area or None)."""
    ratings = aggregate(measure(engagements, readings, engaged, min_peers=min_peers))
    return {key: rating for key, rating in ratings.items() if rating.n >= min_n}


def percent(points: Decimal, max_points: Decimal) -> Decimal:
    if not max_points:
        return Decimal(0)
    return Decimal(points) * HUNDRED / Decimal(max_points)
