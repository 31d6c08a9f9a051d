"""Semantic checks of a parsed spec: ``validate_spec(spec) -> list[str]``. Pure module: stdlib only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from diagnosis.spec.types import (
    _KEY_RE,
    REQUIREMENT_KIND,
    SCENARIO_KIND,
    Condition,
    Dimension,
    Grade,
    Item,
    Spec,
)

# --- validation ------------------------------------------------------------------------------


def validate_spec(spec: Spec) -> list[str]:
    """Return the spec's semantic problems (empty when the spec is sound).

    Checks unique codes, points/weights of children summing to their parent, every option and
    band scored, scoring tables ordered so that a better answer never scores less, conditions
    and level rules naming existing items, scenarios, dimensions and context values.
    """
    problems = list(spec.load_problems)
    if not _KEY_RE.match(spec.key):
        problems.append(f"spec key '{spec.key}' must look like 'code@1.0' (lower-case code)")
    problems += _unique_codes(spec)
    if spec.method == "points":
        problems += _points_problems(spec)
    else:
        problems += _maturity_problems(spec)
    for item in spec.items.values():
        problems += _item_problems(spec, item)
    problems += _condition_problems(spec)
    problems += _scenario_set_problems(spec)
    problems += _grade_problems(spec, spec.levels, "level")
    problems += _grade_problems(spec, spec.stages, "stage")
    if not spec.levels and not spec.stages:
        problems.append("spec declares neither levels nor stages")
    problems += _mapping_problems(spec)
    return problems


def _iter_dimensions(dimensions: tuple[Dimension, ...]) -> Iterator[Dimension]:
    for dimension in dimensions:
        yield dimension
        yield from _iter_dimensions(dimension.children)


def _iter_items(spec: Spec) -> Iterator[Item]:
    yield from spec.screening
    for dimension in _iter_dimensions(spec.dimensions):
        yield from dimension.items
    yield from spec.scenarios


def _duplicates(codes: list[str]) -> list[str]:
    return sorted(code for code, count in Counter(codes).items() if count > 1)


def _unique_codes(spec: Spec) -> list[str]:
    # Dimensions, items and scenario groups share one namespace: answers, gaps and reasons name them.
    codes = [d.code for d in _iter_dimensions(spec.dimensions)]
    codes += [i.code for i in _iter_items(spec)] + [g.code for g in spec.scenario_groups]
    problems = [f"duplicate code '{code}'" for code in _duplicates(codes)]
    for kind, grades in (("level", spec.levels), ("stage", spec.stages)):
        problems += [f"duplicate {kind} code '{c}'" for c in _duplicates([g.code for g in grades])]
    problems += [f"duplicate scenario set '{c}'" for c in _duplicates([s.code for s in spec.scenario_sets])]
    for item in _iter_items(spec):
        problems += [
            f"item {item.code}: duplicate option code '{c}'"
            for c in _duplicates([o.code for o in item.options])
        ]
    return problems


def _sum_problem(label: str, expected: Decimal | None, parts: list[Decimal | None]) -> list[str]:
    if expected is None:
        return [f"{label}: missing points"]
    if any(part is None for part in parts):
        return []  # the part itself is reported as missing points
    total = sum(parts, Decimal(0))  # type: ignore[arg-type]
    if total != expected:
        return [f"{label}: children sum to {total}, expected {expected}"]
    return []


def _points_problems(spec: Spec) -> list[str]:
    problems = []
    if spec.maturity is not None:
        problems.append("points spec must not have a [maturity] table")
    problems += _sum_problem("spec max_total", spec.max_total, [d.points for d in spec.dimensions])
    for dimension in _iter_dimensions(spec.dimensions):
        parts = [c.points for c in dimension.children] + [i.points for i in dimension.items]
        if not parts:
            problems.append(f"dimension {dimension.code}: has neither children nor items")
            continue
        problems += _sum_problem(f"dimension {dimension.code}", dimension.points, parts)
    return problems


def _maturity_problems(spec: Spec) -> list[str]:
    maturity = spec.maturity
    if maturity is None:
        return ["maturity spec needs a [maturity] table"]
    problems = []
    if not maturity.level_titles:
        problems.append("maturity: level_titles is empty")
    if len(maturity.level_titles_en) != len(maturity.level_titles):
        problems.append("maturity: level_titles_en must match level_titles")
    if not Decimal(0) < maturity.threshold <= Decimal(1):
        problems.append("maturity: threshold must lie in (0, 1]")
    values = [o.points for o in maturity.scale]
    if not maturity.scale or any(v is None or not Decimal(0) <= v <= Decimal(1) for v in values):
        problems.append("maturity.scale: every option needs points between 0 and 1")
    elif max(values) != Decimal(1) or min(values) != Decimal(0):  # type: ignore[type-var]
        problems.append("maturity.scale: the scale must run from 0 to 1")
    problems += _sum_problem("spec max_total", spec.max_total, [d.points for d in spec.dimensions])
    levels = set(range(1, maturity.level_count + 1))
    for dimension in _iter_dimensions(spec.dimensions):
        if dimension.children:
            problems += _sum_problem(
                f"dimension {dimension.code}", dimension.points, [c.points for c in dimension.children]
            )
            if dimension.items:
                problems.append(f"dimension {dimension.code}: requirements belong on leaf dimensions only")
            continue
        if dimension.points is None or dimension.points <= 0:
            problems.append(f"dimension {dimension.code}: a leaf needs a positive weight")
        present = {i.level for i in dimension.items if i.kind == REQUIREMENT_KIND}
        if missing := sorted(levels - present):
            problems.append(f"dimension {dimension.code}: no requirements for level(s) {missing}")
        if extra := sorted(lvl for lvl in present - levels if lvl is not None):
            problems.append(f"dimension {dimension.code}: requirements for unknown level(s) {extra}")
        problems += [
            f"item {i.code}: maturity specs score requirements only"
            for i in dimension.items
            if i.kind != REQUIREMENT_KIND
        ]
    if spec.scenario_groups:
        problems.append("maturity specs have no scenarios")
    return problems


def _item_problems(spec: Spec, item: Item) -> list[str]:
    label = f"item {item.code}"
    if item.kind in (SCENARIO_KIND, REQUIREMENT_KIND):
        return []
    if item.parent == "":  # screening question: steers conditions, scores nothing
        problems = [
            f"{label}: screening options carry no points" for o in item.options if o.points is not None
        ]
        return problems if len(item.options) >= 2 else [*problems, f"{label}: needs at least two options"]
    if item.points is None:
        return [f"{label}: missing points"]
    if item.kind == "ratio":
        return _band_problems(item)
    problems = [f"{label}: option '{o.code}' has no points" for o in item.options if o.points is None]
    if len(item.options) < 2:
        problems.append(f"{label}: needs at least two options")
    if problems:
        return problems
    points = [o.points for o in item.options]
    if any(p < 0 for p in points):  # type: ignore[operator]
        problems.append(f"{label}: negative option points")
    if item.kind == "choice":
        if max(points) != item.points:  # type: ignore[type-var]
            problems.append(f"{label}: best option scores {max(points)}, item points are {item.points}")  # type: ignore[type-var]
        if points != sorted(points):  # type: ignore[type-var]
            problems.append(f"{label}: list options from lowest to highest points")
        if any(o.exclusive for o in item.options):
            problems.append(f"{label}: 'exclusive' only applies to multi-select items")
    else:
        exclusive = [o for o in item.options if o.exclusive]
        if len(exclusive) > 1:
            problems.append(f"{label}: at most one exclusive option")
        if any(o.points != 0 for o in exclusive):
            problems.append(f"{label}: the exclusive ('none') option must score 0")
        problems += _sum_problem(label, item.points, [o.points for o in item.options if not o.exclusive])
    return problems


def _band_problems(item: Item) -> list[str]:
    label = f"item {item.code}"
    ratio = item.ratio
    problems = []
    if ratio is not None and ratio.scale <= 0:
        problems.append(f"{label}: scale must be positive")
    if not item.bands:
        return [*problems, f"{label}: ratio items need bands"]
    if item.bands[0].lower is not None:
        problems.append(f"{label}: the first band has no lower bound (it starts at 0)")
    if any(b.lower is None for b in item.bands[1:]):
        problems.append(f"{label}: every band after the first needs 'over' or 'from'")
    if any(b.points is None for b in item.bands):
        return [*problems, f"{label}: every band needs points"]
    lowers = [b.lower for b in item.bands[1:] if b.lower is not None]
    if any(b <= a for a, b in zip(lowers, lowers[1:], strict=False)) or (lowers and lowers[0] < 0):
        problems.append(f"{label}: band bounds must be non-negative and strictly increasing")
    if ratio is not None and ratio.bounded and lowers and lowers[-1] >= ratio.scale:
        problems.append(f"{label}: band bound {lowers[-1]} is not below the maximum {ratio.scale}")
    points = [b.points for b in item.bands]
    if points != sorted(points) or points[0] < 0:  # type: ignore[type-var,operator]
        problems.append(f"{label}: band points must be non-negative and non-decreasing")
    if points[-1] != item.points:
        problems.append(f"{label}: top band scores {points[-1]}, item points are {item.points}")
    return problems


def _iter_conditions(condition: Condition) -> Iterator[Condition]:
    yield condition
    for sub in condition.any_of:
        yield from _iter_conditions(sub)


def _condition_problems(spec: Spec) -> list[str]:
    problems = []
    order = {code: index for index, code in enumerate(spec.items)}
    owners: list[tuple[str, Condition, int]] = []
    for code, item in spec.items.items():
        if item.show_if:
            owners.append((f"item {code}", item.show_if, order[code]))
    for dimension in _iter_dimensions(spec.dimensions):
        if dimension.show_if:
            # A dimension's condition may only look at questions asked before its first item.
            first = min((order[i.code] for i in _dimension_items(dimension) if i.code in order), default=0)
            owners.append((f"dimension {dimension.code}", dimension.show_if, first))
    for label, root, position in owners:
        for condition in _iter_conditions(root):
            for key, values in condition.context:
                declared = spec.contexts.get(key)
                if declared is None:
                    problems.append(f"{label}: show_if uses undeclared context '{key}'")
                    continue
                problems += [
                    f"{label}: context {key} has no value {v!r}"
                    for v in values
                    if not any(v == d and type(v) is type(d) for d in declared.values)
                ]
            answer = condition.answer
            if answer is None:
                continue
            target = spec.items.get(answer.item)
            if target is None:
                problems.append(f"{label}: show_if refers to missing item '{answer.item}'")
            elif target.kind not in ("choice", "multi"):
                problems.append(f"{label}: show_if can only look at choice or multi items")
            elif order[answer.item] >= position:
                problems.append(f"{label}: show_if must refer to an earlier item, not '{answer.item}'")
            else:
                problems += [
                    f"{label}: show_if names unknown option '{v}' of '{answer.item}'"
                    for v in answer.values
                    if v not in target.option_index
                ]
    return problems


def _dimension_items(dimension: Dimension) -> Iterator[Item]:
    yield from dimension.items
    for child in dimension.children:
        yield from _dimension_items(child)


def _scenario_set_problems(spec: Spec) -> list[str]:
    scenario_codes = {s.code for s in spec.scenarios}
    return [
        f"scenario set {s.code}: '{m}' is not a scenario"
        for s in spec.scenario_sets
        for m in s.members
        if m not in scenario_codes
    ] + [
        f"scenario set {s.code}: duplicate member '{m}'"
        for s in spec.scenario_sets
        for m in _duplicates(list(s.members))
    ]


def _grade_problems(spec: Spec, grades: tuple[Grade, ...], kind: str) -> list[str]:
    if not grades:
        return []
    problems = []
    if not grades[0].unconditional:
        problems.append(f"{kind} {grades[0].code}: the first (lowest) {kind} must have no conditions")
    problems += [
        f"{kind} {g.code}: only the first {kind} may be unconditional" for g in grades[1:] if g.unconditional
    ]
    totals = [g.min_total for g in grades if g.min_total is not None]
    if totals != sorted(totals):
        problems.append(f"{kind}s: min_total must not decrease from one {kind} to the next")
    scenarios = spec.scenarios
    max_level = max((len(s.level_descriptors) for s in scenarios), default=0)
    for grade in grades:
        label = f"{kind} {grade.code}"
        for rule in grade.dimension_rules:
            if rule.dimension not in spec.dimension_index:
                problems.append(f"{label}: refers to missing dimension '{rule.dimension}'")
            if not Decimal(0) <= rule.min_percent <= Decimal(100):
                problems.append(f"{label}: min_percent must lie in 0–100")
        for rule in grade.scenario_rules:
            pool = len(scenarios)
            if rule.scenario_set is not None:
                scenario_set = spec.scenario_set_index.get(rule.scenario_set)
                if scenario_set is None:
                    problems.append(f"{label}: refers to missing scenario set '{rule.scenario_set}'")
                    continue
                pool = len(scenario_set.members)
            if not 1 <= rule.min_level <= max_level:
                problems.append(f"{label}: scenario min_level {rule.min_level} outside 1–{max_level}")
            if not 1 <= rule.count <= pool:
                problems.append(f"{label}: scenario count {rule.count} outside 1–{pool}")
    return problems


def _mapping_problems(spec: Spec) -> list[str]:
    mapping = spec.mapping
    if mapping is None:
        return []
    problems = []
    if not _KEY_RE.match(mapping.from_key) or mapping.from_key == spec.key:
        problems.append(f"mapping: 'from' must name an earlier version, got '{mapping.from_key}'")
    targets = [t for t in mapping.items.values() if t]
    problems += [f"mapping: several items map onto '{t}'" for t in _duplicates(targets)]
    problems += [f"mapping: target item '{t}' does not exist" for t in targets if t not in spec.items]
    for old_code, options in mapping.options.items():
        target = spec.items.get(mapping.items.get(old_code, old_code))
        if target is None:
            problems.append(f"mapping: options given for '{old_code}', which maps to no item")
            continue
        problems += [
            f"mapping: option '{new}' does not exist on item '{target.code}'"
            for new in options.values()
            if new not in target.option_index
        ]
    return problems


