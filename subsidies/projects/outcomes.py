"""Points per yuan (pure): maturity points gained in the dimensions a project targeted, per ¥10 k
of subsidy, grouped by programme, district and provider with the sample size.

- A project's **gain** is Σ over its targeted dimensions of (T1 points − T0 points), the dimension
  scores of the standing results of its baseline (T0) and acceptance re-assessment (T1). A targeted
  dimension missing from either result is left out (a re-based standard may have renamed it) and
  counted in ``missing``; a loss counts as a negative gain.
- A group's figure is a ratio of sums: Σ gain ÷ (Σ subsidy ÷ 10 000), so a large project weighs
  what it cost, not the same as a small one. Projects without subsidy money are not counted.
- Rounded half up to two places; a group with fewer than ``SMALL_SAMPLE`` projects is marked, since
  one project then decides the figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TEN_THOUSAND = Decimal("10000")
TWO_PLACES = Decimal("0.01")
SMALL_SAMPLE = 5
GROUPINGS = ("programme", "district", "provider")


@dataclass(frozen=True)
class Gain:
    points: Decimal
    counted: tuple[str, ...]
    missing: tuple[str, ...]


def dimension_gain(t0: Mapping[str, Decimal], t1: Mapping[str, Decimal], targeted: Iterable[str]) -> Gain:
    points = Decimal(0)
    counted, missing = [], []
    for code in dict.fromkeys(targeted):  # each dimension once, in the given order
        if code in t0 and code in t1:
            points += Decimal(t1[code]) - Decimal(t0[code])
            counted.append(code)
        else:
            missing.append(code)
    return Gain(points, tuple(counted), tuple(missing))


@dataclass(frozen=True)
class ProjectOutcome:
    project_id: int
    programme: str
    district: str
    provider: str
    subsidy: Decimal  # yuan
    gain: Decimal  # points


@dataclass(frozen=True)
class OutcomeRow:
    grouping: str
    label: str
    n: int
    subsidy: Decimal
    points: Decimal
    points_per_10k: Decimal | None
    small_sample: bool


def points_per_10k(points: Decimal, subsidy: Decimal) -> Decimal | None:
    if subsidy <= 0:
        return None
    return (points / (subsidy / TEN_THOUSAND)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def table(outcomes: Iterable[ProjectOutcome], grouping: str) -> list[OutcomeRow]:
    """One row per programme, district or provider, largest sample first, then by label."""
    if grouping not in GROUPINGS:
        raise ValueError(f"unknown grouping {grouping!r}")
    groups: dict[str, list[ProjectOutcome]] = {}
    for outcome in outcomes:
        if outcome.subsidy > 0:
            groups.setdefault(getattr(outcome, grouping) or "", []).append(outcome)
    rows = []
    for label, members in groups.items():
        subsidy = sum((m.subsidy for m in members), Decimal(0))
        points = sum((m.gain for m in members), Decimal(0))
        rows.append(OutcomeRow(grouping, label, len(members), subsidy, points, points_per_10k(points, subsidy),
                               len(members) < SMALL_SAMPLE))
    return sorted(rows, key=lambda r: (-r.n, r.label))


def overall(outcomes: Iterable[ProjectOutcome]) -> OutcomeRow:
    members = [o for o in outcomes if o.subsidy > 0]
    subsidy = sum((m.subsidy for m in members), Decimal(0))
    points = sum((m.gain for m in members), Decimal(0))
    return OutcomeRow("all", "", len(members), subsidy, points, points_per_10k(points, subsidy),
                      len(members) < SMALL_SAMPLE)
