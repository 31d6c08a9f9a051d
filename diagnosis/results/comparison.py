"""Re-assessment comparison: an earlier result (T0) against a later one (T1) of the same standard,
dimension by dimension and item by item. Pure: two stored ``ScoreResult.to_dict()`` in, frozen
dataclasses out, Decimal only.

When the two results use different versions of the standard, the caller passes T0's result
re-based onto T1's version (basis ``rebased``) if one was computed; otherwise only dimensions and
items whose codes exist in both versions are compared (basis ``common_codes``) and the totals are
not comparable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

SAME_VERSION = "same_version"
REBASED = "rebased"
COMMON_CODES = "common_codes"
BASES = (SAME_VERSION, REBASED, COMMON_CODES)


@dataclass(frozen=True, slots=True)
class Delta:
    """One dimension (``value`` = score rate in %) or scored item (``value`` = points)."""

    code: str
    title: str
    title_en: str
    depth: int  # dimensions: 0 for top-level; items: 0
    before: Decimal | None  # None: not applicable (hidden) at that time
    after: Decimal | None
    max_after: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class LevelDelta:
    """One scenario: the level answered at T0 and at T1."""

    code: str
    title: str
    title_en: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class GradeLabel:
    code: str
    title: str
    title_en: str


def _grade(value: Mapping[str, str] | None) -> GradeLabel | None:
    return None if value is None else GradeLabel(value["code"], value["title"], value["title_en"])


@dataclass(frozen=True, slots=True)
class Comparison:
    basis: str
    total_before: Decimal
    total_after: Decimal
    totals_comparable: bool
    level_before: GradeLabel | None
    level_after: GradeLabel | None
    dimensions: tuple[Delta, ...]  # tree order
    items: tuple[Delta, ...]  # largest gain first
    scenarios: tuple[LevelDelta, ...]  # largest gain first
    only_before: tuple[str, ...]  # codes T1's version no longer has (common_codes basis)
    only_after: tuple[str, ...]

    @property
    def total_change(self) -> Decimal:
        return self.total_after - self.total_before


def _flatten(dimensions: Iterable[Mapping[str, Any]], depth: int = 0):
    for node in dimensions:
        yield node, depth
        yield from _flatten(node["children"], depth + 1)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _sort_by_change(rows):
    # Largest gain first; rows without a change (not applicable at one time) last; then by code.
    return tuple(sorted(rows, key=lambda r: (r.change is None, -(r.change or 0), r.code)))


def compare_results(before: Mapping[str, Any], after: Mapping[str, Any], *, basis: str) -> Comparison:
    """Compare T0 (``before``) with T1 (``after``).

    ``basis`` says how ``before`` relates to ``after``'s version: ``same_version``, ``rebased``
    (``before`` was re-scored under ``after``'s version) or ``common_codes`` (different versions,
    matched by code only). Dimensions keep tree order; items and scenarios are sorted by change,
    largest gain first, ties by code. Dimension values are score rates, so they stay comparable
    when a dimension's maximum changed between versions.
    """
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}")
    dims_before = {node["code"]: node for node, _depth in _flatten(before["dimensions"])}
    dimensions = tuple(
        Delta(node["code"], node["title"], node["title_en"], depth,
              _decimal(dims_before[node["code"]]["percent"]) if dims_before[node["code"]]["visible"] else None,
              _decimal(node["percent"]) if node["visible"] else None, Decimal(100))
        for node, depth in _flatten(after["dimensions"])
        if node["code"] in dims_before
    )
    items_before = {row["code"]: row for row in before["items"]}
    items, scenarios = [], []
    for row in after["items"]:
        old = items_before.get(row["code"])
        if old is None or old["kind"] != row["kind"]:
            continue
        if row["kind"] == "scenario":
            scenarios.append(LevelDelta(row["code"], row["title"], row["title_en"],
                                        old["level"] or 0, row["level"] or 0))
        elif row["points"] is not None or old["points"] is not None:
            items.append(Delta(row["code"], row["title"], row["title_en"], 0,
                               _decimal(old["points"]) if old["visible"] else None,
                               _decimal(row["points"]) if row["visible"] else None, _decimal(row["max_points"])))
    after_codes = {row["code"] for row in after["items"]}
    return Comparison(
        basis=basis,
        total_before=Decimal(before["total"]),
        total_after=Decimal(after["total"]),
        totals_comparable=basis != COMMON_CODES,
        level_before=_grade(before.get("level")),
        level_after=_grade(after.get("level")),
        dimensions=dimensions,
        items=_sort_by_change(items),
        scenarios=_sort_by_change(scenarios),
        only_before=tuple(sorted(set(items_before) - after_codes)),
        only_after=tuple(sorted(after_codes - set(items_before))),
    )
