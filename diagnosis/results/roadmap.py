"""一企一策 roadmap: the gaps to the next level and the weak answers ranked by what one more step is
worth, weighted by the enterprise's own priorities (cost, quality, delivery, energy, safety).

Pure: spec, stored result (``ScoreResult.to_dict()``), frozen answers and priority weights in;
frozen dataclasses out; Decimal only.

Each recommendation is the *next* step on one question: the next option of a choice, up to three
missing options of a multi-select, the next band of a ratio (with how many more units that takes,
computed from the stored numerator and denominator), the next level of a scenario, the next
grade of a maturity requirement. It is ranked by::

    score = gain / steps × (1 + priority factor)

* ``gain``: points the step adds to the total. Scenarios score no points; their step counts as
  ``SpecRules.scenario_gap_points`` for each open scenario condition of the next level that
  lists the scenario (SME 2024: "any 6" and "3 constraint scenarios"), else ``scenario_points``
  (the equivalents are ours and the page says so).
  Requirements add their share of the level score they belong to (weight of the sub-domain over
  the weights in scope, divided by the requirements of that level), if that level counts.
* ``steps``: a rough effort count from the tables below (per option, band or level).
* priority factor: the highest weight (0–5) among the priorities the question serves, divided
  by 5; enablers that serve no single priority (planning, talent) take the mean weight.

Ties break on the question code, so the order never depends on dictionary order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from diagnosis.scoring import band_label
from diagnosis.spec import REQUIREMENT_KIND, SCENARIO_KIND, Grade, Item, Option, Spec

ZERO = Decimal(0)
CENT = Decimal("0.01")
MILL = Decimal("0.001")
DEFAULT_WEIGHT = 3
MAX_WEIGHT = 5
MAX_OPTIONS_PER_STEP = 3  # a multi-select step adds at most this many options: a manageable project


@dataclass(frozen=True, slots=True)
class Priority:
    code: str
    title: str
    title_en: str


PRIORITIES: tuple[Priority, ...] = (
    Priority("cost", "成本", "Cost"),
    Priority("quality", "质量", "Quality"),
    Priority("delivery", "交付", "Delivery"),
    Priority("energy", "能耗", "Energy"),
    Priority("safety", "安全", "Safety"),
)
PRIORITY_CODES = tuple(p.code for p in PRIORITIES)
_PRIORITY_INDEX = {p.code: p for p in PRIORITIES}


@dataclass(frozen=True, slots=True)
class Barrier:
    """Why SMEs stall (docs/sources.md): the tag tells the bureau which kind of support fits."""

    code: str
    title: str
    title_en: str


BARRIERS: Mapping[str, Barrier] = MappingProxyType({
    "unwilling": Barrier("unwilling", "不愿转", "Unwilling (awareness)"),
    "afraid": Barrier("afraid", "不敢转", "Afraid (cost and risk)"),
    "unskilled": Barrier("unskilled", "不会转", "Don't know how (skills and technology)"),
    "unable": Barrier("unable", "不能转", "Unable (infrastructure and data)"),
})
# Scenario levels and maturity grades follow the same ladder: start recording (awareness), adopt a
# system (money), integrate (know-how), model and predict (infrastructure and data).
_BARRIER_BY_LEVEL = {1: "unwilling", 2: "afraid", 3: "unskilled"}

# Effort per option step (choice), per added option (multi) and per band (ratio). Scenarios and
# requirements cost their target level: each level up is a bigger project than the last.
KIND_STEPS: Mapping[str, int] = MappingProxyType({"choice": 2, "multi": 1, "ratio": 2})


@dataclass(frozen=True, slots=True)
class OptionRule:
    serves: tuple[str, ...] = ()
    steps: int = 1


@dataclass(frozen=True, slots=True)
class Rule:
    """How to advise on one question (or every question under a dimension). ``hint`` is plain
    Chinese; a ratio hint may use {more} (units to add), {target} and {numerator}."""

    serves: tuple[str, ...] = ()
    barrier: str = ""
    steps: int | None = None
    hint: str = ""
    options: Mapping[str, OptionRule] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class SpecRules:
    items: Mapping[str, Rule]
    dimensions: Mapping[str, Rule]
    scenario_points: Decimal  # equivalent points of a scenario level no open condition needs
    scenario_gap_points: Decimal  # … per open scenario condition that needs it


def _rules(items=None, dimensions=None, *, scenario_points="1", scenario_gap_points="3") -> SpecRules:
    return SpecRules(MappingProxyType(dict(items or {})), MappingProxyType(dict(dimensions or {})),
                     Decimal(scenario_points), Decimal(scenario_gap_points))


def _options(serves_and_steps: Mapping[str, tuple[tuple[str, ...], int]]) -> Mapping[str, OptionRule]:
    return MappingProxyType({code: OptionRule(serves, steps) for code, (serves, steps) in serves_and_steps.items()})


_SAFETY_1 = (("safety",), 1)
_SAFETY_2 = (("safety",), 2)

RULES: Mapping[str, SpecRules] = MappingProxyType({
    # SME 2024 (primary): every scored item and scenario has its own rule.
    "sme-2024": _rules(items={
        "network": Rule(("delivery", "quality"), "unable", options=_options({
            "workshop-control": (("quality", "delivery"), 2), "enterprise-network": (("delivery",), 2),
            "industrial-5g": (("delivery",), 3), "full-coverage": (("delivery", "safety"), 3),
        })),
        "device-digitisation": Rule(("cost", "quality"), "unable", 3,
                                    "再对 {more} 台/套生产设备进行数字化改造（加装传感器、数控系统或更新为数字化设备）"),
        "device-networking": Rule(("quality", "delivery"), "unable", 2, "再将 {more} 台/套数字化设备接入企业网络"),
        "data-collection-links": Rule((), "unskilled", hint="优先在已上线信息系统的环节接入自动采集", options=_options({
            "product-design": (("quality",), 1), "process-design": (("quality", "cost"), 1),
            "marketing": (("delivery",), 1), "after-sales": (("quality",), 1), "planning": (("delivery",), 1),
            "production-control": (("delivery", "quality"), 1), "quality": (("quality",), 1),
            "equipment": (("cost", "quality"), 1), "safety": (("safety",), 1), "energy": (("energy",), 1),
            "procurement": (("cost",), 1), "warehousing": (("delivery", "cost"), 1),
            "finance": (("cost",), 1), "hr": (("cost",), 1),
        })),
        "it-coverage": Rule(("cost", "delivery"), "unable", 2,
                            "先在订单、库存、财务等核心环节用上本地或云端信息系统（可选轻量化SaaS）"),
        "network-security": Rule(("safety",), "afraid", options=_options({
            "policy": _SAFETY_1, "products": _SAFETY_2, "risk-assessment": _SAFETY_1, "boundary": _SAFETY_2,
        })),
        "data-security": Rule(("safety",), "afraid", options=_options({
            "policy": _SAFETY_1, "protection": _SAFETY_2, "risk-assessment": _SAFETY_1, "ledger": _SAFETY_2,
        })),
        "planning-implementation": Rule((), "unwilling", 1,
                                        "由主要负责人牵头，结合本次诊断结果明确转型目标、路径和投入"),
        "management-mechanisms": Rule((), "unwilling", options=_options({
            "leadership": ((), 1), "dedicated-team": ((), 2), "performance": ((), 1), "project-rules": ((), 1),
        })),
        "talent": Rule((), "unskilled", hint="可利用服务商和高校的培训资源", options=_options({
            "training": ((), 1), "recruitment": ((), 2), "incentives": ((), 1), "partnerships": ((), 1),
            "career-path": ((), 1),
        })),
        "funding": Rule((), "afraid", 3, "近三年年均数字化投入再增加约 {more} 万元（可申请数字化转型服务券等支持）"),
        "energy-intensity": Rule(("energy",), "", 3, "以能耗管理场景为抓手：分区域、分设备计量能耗，找出并改造高耗能环节"),
        "pass-rate": Rule(("quality",), "", 3, "以质量管理场景为抓手：电子化记录检验数据、开展质量追溯，减少不合格品"),
        "revenue-per-employee": Rule(("cost",), "", 3, "借助计划排程、生产管控场景减少等待和重复录入，提高人均产出"),
        "cost-per-revenue": Rule(("cost",), "", 3, "借助采购、仓储和设备管理场景压降库存、停机和采购成本"),
        "sc-product-design": Rule(("quality",)), "sc-process-design": Rule(("quality", "cost")),
        "sc-marketing": Rule(("delivery",)), "sc-after-sales": Rule(("quality",)),
        "sc-planning": Rule(("delivery",)), "sc-production-control": Rule(("delivery", "quality")),
        "sc-quality": Rule(("quality",)), "sc-equipment": Rule(("cost", "quality")),
        "sc-safety": Rule(("safety",)), "sc-energy": Rule(("energy",)),
        "sc-procurement": Rule(("cost",)), "sc-warehousing": Rule(("delivery", "cost")),
        "sc-finance": Rule(("cost",)), "sc-hr": Rule(("cost",)), "sc-office": Rule(()),
        "sc-decision": Rule(()),
    }),
    "gbt23020-2013": _rules(items={
        "automation-equipment-share": Rule(("cost", "quality"), "unable", 3),
        "it-om-share": Rule((), "afraid"), "it-department": Rule((), "unwilling", 1),
        "it-executive": Rule((), "unwilling", 1), "it-planning": Rule((), "unwilling", 1),
        "computers-per-100": Rule((), "unable"), "backbone-network": Rule(("delivery",), "unable"),
        "rd-tool-penetration": Rule(("quality",), "unskilled"),
        "cnc-key-process": Rule(("quality", "cost"), "unable", 3),
        "production-management": Rule(("delivery", "quality"), "unskilled"),
        "procurement-sales": Rule(("cost", "delivery"), "unskilled"), "finance-hr": Rule(("cost",), "unskilled"),
        "design-manufacturing": Rule(("quality", "delivery"), "unskilled", 3),
        "management-control": Rule(("delivery", "quality"), "unskilled", 3),
        "business-finance": Rule(("cost",), "unskilled", 3),
        "supply-chain-collaboration": Rule(("delivery", "cost"), "unskilled", 3),
        "e-commerce": Rule(("delivery",), "unwilling"), "e-commerce-sales-share": Rule(("delivery",)),
        "new-product-share": Rule(("quality",), "", 3), "on-time-delivery": Rule(("delivery",), "", 3),
        "quality-capability": Rule(("quality",), "unskilled"), "labour-productivity": Rule(("cost",), "", 3),
        "unit-cost": Rule(("cost",), "", 3), "energy-per-output": Rule(("energy",), "", 3),
    }),
    # GB/T 39116 requirements take the rule of their sub-domain; barrier and steps follow the level.
    "gbt39116-2020": _rules(dimensions={
        "strategy": Rule(()), "skills": Rule((), "unskilled"), "data": Rule(()),
        "integration": Rule(("delivery",)), "security": Rule(("safety",)), "equipment": Rule(("cost", "quality")),
        "network": Rule(("delivery",)), "product-design": Rule(("quality",)),
        "process-design": Rule(("quality", "cost")), "procurement": Rule(("cost",)),
        "planning-scheduling": Rule(("delivery",)), "production-operations": Rule(("delivery", "quality")),
        "equipment-management": Rule(("cost", "quality")), "warehousing-distribution": Rule(("delivery", "cost")),
        "safety-environment": Rule(("safety",)), "energy-management": Rule(("energy",)),
        "logistics": Rule(("delivery", "cost")), "sales": Rule(("delivery",)),
        "customer-service": Rule(("quality",)), "product-service": Rule(("quality",)),
    }),
})
_NO_RULES = _rules()


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recommendation:
    code: str
    title: str
    title_en: str
    kind: str
    current: str  # the scoring engine's reason: the answer now, in words
    next_step: str  # plain Chinese: what to do next
    gain: Decimal  # points added to the total (scenarios: equivalent points, see gain_is_points)
    gain_is_points: bool
    steps: int
    serves: tuple[Priority, ...]
    barrier: Barrier | None
    closes_gap: bool  # works on a condition of the next level or stage
    score: Decimal
    # The same step in English, from the spec's English titles (the Chinese-only hints left out).
    next_step_en: str = ""

    @property
    def gain_text(self) -> str:
        return _points_text(self.gain)


@dataclass(frozen=True, slots=True)
class GapNote:
    target: Grade | None  # the level or stage the gap belongs to
    kind: str
    message: str
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Roadmap:
    gaps: tuple[GapNote, ...]
    recommendations: tuple[Recommendation, ...]  # best first
    weights: Mapping[str, int]
    scenario_points: Decimal  # the equivalents used for scenario steps (shown with the ranking)
    scenario_gap_points: Decimal

    @property
    def has_scenarios(self) -> bool:
        return any(not r.gain_is_points for r in self.recommendations)


def priority_weights(stored: Mapping[str, Any] | None) -> dict[str, int]:
    """The five weights in canonical order; a missing or out-of-range value takes the default 3."""
    stored = stored or {}
    weights = {}
    for code in PRIORITY_CODES:
        value = stored.get(code)
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_WEIGHT
        weights[code] = value if valid else DEFAULT_WEIGHT
    return weights


def priority_factor(serves: Iterable[str], weights: Mapping[str, int]) -> Decimal:
    """0–1: the highest weight among ``serves`` over 5; the mean weight when it serves none."""
    served = [weights[code] for code in serves]
    if served:
        return Decimal(max(served)) / MAX_WEIGHT
    return Decimal(sum(weights.values())) / len(weights) / MAX_WEIGHT


def _points_text(value: Decimal) -> str:
    """1.5 → "1.50", 1.875 → "1.875", 0.0125 → "0.013": two decimals unless a third matters."""
    rounded = value.quantize(MILL, rounding=ROUND_HALF_UP)
    cents = rounded.quantize(CENT, rounding=ROUND_HALF_UP)
    return str(cents if cents == rounded else rounded)


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _with_unit(value: Decimal | str, unit: str) -> str:
    return f"{value}{unit}" if unit == "%" else f"{value} {unit}"


class _Planner:
    def __init__(self, spec: Spec, result: Mapping[str, Any], answers: Mapping[str, Any],
                 weights: Mapping[str, int]):
        self.spec = spec
        self.result = result
        self.answers = answers
        self.weights = weights
        self.rules = RULES.get(spec.code, _NO_RULES)
        self.rows = {row["code"]: row for row in result["items"]}
        self.parents = _dimension_parents(spec)
        gaps = result.get("gaps") or ()
        self.gap_scenarios = Counter(c for g in gaps if g["kind"] == "scenarios" for c in g["codes"])
        self.gap_dimensions = {c for g in gaps if g["kind"] == "dimension" for c in g["codes"]}
        self.gap_leaves = {c for g in gaps if g["kind"] == "level_score" for c in g["codes"]}
        counted = [s for s in result.get("level_scores") or () if s.get("counted")]
        self.stop_level = counted[-1]["level"] if counted else None
        self.in_scope_weight = sum(
            (d.points or ZERO for d in spec.dimension_index.values()
             if spec.method == "maturity" and not d.children and any(self._visible(i.code) for i in d.items)),
            ZERO,
        )

    def rule(self, item: Item) -> Rule:
        if item.code in self.rules.items:
            return self.rules.items[item.code]
        node = item.parent
        while node:
            if node in self.rules.dimensions:
                return self.rules.dimensions[node]
            node = self.parents.get(node, "")
        return Rule()

    def recommendations(self) -> list[Recommendation]:
        found = []
        for code, item in self.spec.items.items():
            row = self.rows.get(code)
            if row is None or not row["visible"] or code not in self.answers:
                continue  # hidden questions: the question that hid them carries the advice
            step = self._step(item, row, self.answers[code], self.rule(item))
            if step is not None:
                found.append(step)
        found.sort(key=lambda r: (-r.score, r.code))
        return found

    def _step(self, item: Item, row, answer, rule: Rule) -> Recommendation | None:
        if item.kind == "choice" and item.scored:
            return self._choice(item, row, answer, rule)
        if item.kind == "multi":
            return self._multi(item, row, answer, rule)
        if item.kind == "ratio":
            return self._ratio(item, row, answer, rule)
        if item.kind == SCENARIO_KIND:
            return self._scenario(item, row, rule)
        if item.kind == REQUIREMENT_KIND:
            return self._requirement(item, row, answer, rule)
        return None  # screening questions score nothing

    def _make(self, item: Item, row, *, next_step: str, gain: Decimal, steps: int, serves: tuple[str, ...],
              barrier: str, closes_gap: bool, gain_is_points: bool = True, next_step_en: str = "",
              ) -> Recommendation | None:
        if gain <= 0:
            return None
        ordered = tuple(code for code in PRIORITY_CODES if code in serves)
        score = gain / steps * (1 + priority_factor(ordered, self.weights))
        return Recommendation(
            code=item.code, title=item.title, title_en=item.title_en, kind=item.kind, current=row["reason"],
            next_step=next_step, gain=gain, gain_is_points=gain_is_points, steps=steps,
            serves=tuple(_PRIORITY_INDEX[code] for code in ordered),
            barrier=BARRIERS.get(barrier), closes_gap=closes_gap, score=score, next_step_en=next_step_en,
        )

    def _in_gap_dimension(self, item: Item) -> bool:
        node = item.parent
        while node:
            if node in self.gap_dimensions:
                return True
            node = self.parents.get(node, "")
        return False

    @staticmethod
    def _hint(rule: Rule) -> str:
        return f"；{rule.hint}" if rule.hint else ""

    def _choice(self, item: Item, row, answer, rule: Rule) -> Recommendation | None:
        current = item.option_index.get(answer)
        if current is None:
            return None
        better = _next_option(item.options, current)
        if better is None:
            return None
        return self._make(
            item, row, next_step=f"由「{current.title}」提升为「{better.title}」{self._hint(rule)}",
            next_step_en=f"From '{_en(current)}' to '{_en(better)}'",
            gain=(better.points or ZERO) - (current.points or ZERO), steps=rule.steps or KIND_STEPS["choice"],
            serves=rule.serves, barrier=rule.barrier, closes_gap=self._in_gap_dimension(item),
        )

    def _multi(self, item: Item, row, answer, rule: Rule) -> Recommendation | None:
        chosen = set(answer) if isinstance(answer, list | tuple) else set()
        missing = [o for o in item.options if not o.exclusive and o.code not in chosen and (o.points or ZERO) > 0]
        if not missing:
            return None

        def option_rule(option: Option) -> OptionRule:
            return rule.options.get(option.code) or OptionRule(rule.serves, rule.steps or KIND_STEPS["multi"])

        def value(option: Option) -> Decimal:
            own = option_rule(option)
            return (option.points or ZERO) / own.steps * (1 + priority_factor(own.serves, self.weights))

        order = {o.code: i for i, o in enumerate(item.options)}
        ranked = sorted(missing, key=lambda o: (-value(o), order[o.code]))
        picked = sorted(ranked[:MAX_OPTIONS_PER_STEP], key=lambda o: order[o.code])
        names = "、".join(f"{o.title}（+{_points_text(o.points or ZERO)} 分）" for o in picked)
        rest = len(missing) - len(picked)
        later = f"；其余 {rest} 项可在下一步补齐" if rest else ""
        names_en = "; ".join(f"{_en(o)} (+{_points_text(o.points or ZERO)} points)" for o in picked)
        later_en = f"; the other {rest} can follow in a later step" if rest else ""
        serves = {code for o in picked for code in option_rule(o).serves}
        return self._make(
            item, row, next_step=f"新增：{names}{later}{self._hint(rule)}", next_step_en=f"Add: {names_en}{later_en}",
            gain=sum((o.points or ZERO for o in picked), ZERO), steps=sum(option_rule(o).steps for o in picked),
            serves=tuple(serves), barrier=rule.barrier, closes_gap=self._in_gap_dimension(item),
        )

    def _ratio(self, item: Item, row, answer, rule: Rule) -> Recommendation | None:
        ratio = item.ratio
        if ratio is None or row["points"] is None or row["value"] is None:
            return None
        current_points = Decimal(row["points"])
        target = next((b for b in item.bands[1:] if (b.points or ZERO) > current_points), None)
        if target is None or target.lower is None:
            return None
        value = Decimal(row["value"])
        if isinstance(answer, Mapping):
            numerator, denominator = Decimal(str(answer["numerator"])), Decimal(str(answer["denominator"]))
            needed = _numerator_for(target.lower, target.lower_inclusive, denominator, ratio.scale, ratio.bounded)
            reached = (needed / denominator * ratio.scale).quantize(CENT, rounding=ROUND_HALF_UP)
            fields = {"more": _plain(needed - numerator), "target": _plain(needed), "numerator": _plain(numerator)}
            action = (rule.hint.format(**fields) if rule.hint
                      else f"将「{ratio.numerator}」由 {fields['numerator']} 提高到 {fields['target']}"
                           f"（再增加 {fields['more']}）")
            text = (f"{action}，{item.title}由 {_with_unit(value, ratio.unit)} 提高到 "
                    f"{_with_unit(reached, ratio.unit)}")
            text_en = (f"Raise the first figure from {fields['numerator']} to {fields['target']} (add {fields['more']}): "
                       f"{_en(item)} goes from {_with_unit(value, ratio.unit)} to {_with_unit(reached, ratio.unit)}")
        else:
            # A typed-in value without its parts: say which band to reach, not how many units.
            reached = target.lower if target.lower_inclusive else target.lower + CENT
            text = f"将{item.title}由 {_with_unit(value, ratio.unit)} 提高到 {band_label(item, reached)}"
            text_en = f"Raise {_en(item)} from {_with_unit(value, ratio.unit)} to {band_label(item, reached)}"
        text += f"，进入 {band_label(item, reached)} 档（{_points_text(target.points or ZERO)} 分）"
        text_en += f", into the {band_label(item, reached)} band ({_points_text(target.points or ZERO)} points)"
        return self._make(
            item, row, next_step=text, next_step_en=text_en, gain=(target.points or ZERO) - current_points,
            steps=rule.steps or KIND_STEPS["ratio"], serves=rule.serves, barrier=rule.barrier,
            closes_gap=self._in_gap_dimension(item),
        )

    def _scenario(self, item: Item, row, rule: Rule) -> Recommendation | None:
        level = row["level"] or 0
        if level >= len(item.level_descriptors):
            return None
        target = level + 1
        conditions = self.gap_scenarios[item.code]
        return self._make(
            item, row, next_step=f"由 {level} 级提升到 {target} 级：{item.level_descriptors[level]}{self._hint(rule)}",
            next_step_en=f"From level {level} to level {target}",
            gain=self.rules.scenario_gap_points * conditions if conditions else self.rules.scenario_points,
            gain_is_points=False, steps=(rule.steps or 1) * target, serves=rule.serves,
            barrier=rule.barrier or _BARRIER_BY_LEVEL.get(target, "unable"), closes_gap=bool(conditions),
        )

    def _requirement(self, item: Item, row, answer, rule: Rule) -> Recommendation | None:
        level = item.level or 0
        if self.stop_level is not None and level > self.stop_level:
            return None  # levels above the stop are not counted yet: no gain from them now
        current = item.option_index.get(answer)
        if current is None:
            return None
        better = _next_option(item.options, current)
        if better is None:
            return None
        titles = self.spec.maturity.level_titles if self.spec.maturity else ()
        level_title = f"「{titles[level - 1]}」" if 0 < level <= len(titles) else ""
        titles_en = self.spec.maturity.level_titles_en if self.spec.maturity else ()
        level_en = f" ({titles_en[level - 1]})" if 0 < level <= len(titles_en) and titles_en[level - 1] else ""
        return self._make(
            item, row,
            next_step=f"第 {level} 级{level_title}要求：由「{current.title}」提升为「{better.title}」{self._hint(rule)}",
            next_step_en=f"Level {level}{level_en} requirement: from '{_en(current)}' to '{_en(better)}'",
            gain=((better.points or ZERO) - (current.points or ZERO)) * self._requirement_share(item),
            steps=(rule.steps or 1) * max(level, 1), serves=rule.serves,
            barrier=rule.barrier or _BARRIER_BY_LEVEL.get(level, "unable"),
            closes_gap=item.parent in self.gap_leaves and level == self.stop_level,
        )

    def _requirement_share(self, item: Item) -> Decimal:
        # d(total)/d(requirement points): leaf weight over the in-scope weights, split over the
        # leaf's visible requirements of the same level (mirrors scoring._maturity_dimension).
        leaf = self.spec.dimension_index[item.parent]
        peers = sum(1 for i in leaf.items if i.level == item.level and self._visible(i.code))
        if not self.in_scope_weight or not peers:
            return ZERO
        return (leaf.points or ZERO) / self.in_scope_weight / peers

    def _visible(self, code: str) -> bool:
        row = self.rows.get(code)
        return bool(row and row["visible"])


def _en(node: Option | Item) -> str:
    return node.title_en or node.title


def _next_option(options: tuple[Option, ...], current: Option) -> Option | None:
    # One grade up, whatever order the spec lists the options in (the maturity scale runs
    # from "full" down to "none").
    better = [o for o in options if (o.points or ZERO) > (current.points or ZERO)]
    return min(better, key=lambda o: o.points or ZERO) if better else None


def _dimension_parents(spec: Spec) -> dict[str, str]:
    parents: dict[str, str] = {}
    stack = [(d, "") for d in spec.dimensions]
    while stack:
        dimension, parent = stack.pop()
        parents[dimension.code] = parent
        stack.extend((child, dimension.code) for child in dimension.children)
    return parents


def _numerator_for(lower: Decimal, inclusive: bool, denominator: Decimal, scale: Decimal, bounded: bool) -> Decimal:
    """The smallest whole numerator whose ratio, rounded to 0.01 as the engine rounds it, lies in
    the band starting at ``lower`` (a bounded ratio never needs more than the denominator)."""

    def reaches(numerator: Decimal) -> bool:
        value = (numerator / denominator * scale).quantize(CENT, rounding=ROUND_HALF_UP)
        return value > lower or (inclusive and value == lower)

    numerator = (lower * denominator / scale).to_integral_value(rounding=ROUND_FLOOR)
    while not reaches(numerator):
        numerator += 1
    return min(numerator, denominator) if bounded else numerator


def _grade(spec: Spec, code: str) -> Grade | None:
    return next((g for g in (*spec.levels, *spec.stages) if g.code == code), None)


def build_roadmap(spec: Spec, result: Mapping[str, Any], answers: Mapping[str, Any],
                  priorities: Mapping[str, Any] | None = None) -> Roadmap:
    """The roadmap of one scored assessment.

    ``result`` is the stored ``ScoreResult.to_dict()`` of ``spec``, ``answers`` the frozen
    (normalised) answers it was scored from, ``priorities`` the enterprise's stored weights
    (missing ones default to 3). Recommendations come best first; see the module docstring.
    """
    weights = priority_weights(priorities)
    gaps = tuple(
        GapNote(_grade(spec, g["target"]), g["kind"], g["message"], tuple(g["codes"]))
        for g in result.get("gaps") or ()
    )
    planner = _Planner(spec, result, answers, weights)
    return Roadmap(gaps=gaps, recommendations=tuple(planner.recommendations()), weights=MappingProxyType(weights),
                   scenario_points=planner.rules.scenario_points,
                   scenario_gap_points=planner.rules.scenario_gap_points)
