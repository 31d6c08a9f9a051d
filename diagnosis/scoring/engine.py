"""Pure scoring engine for maturity specs (see diagnosis/spec/ and docs/spec-format.md).

Plain data in, frozen dataclasses out; stdlib only. Every number is a ``Decimal``: item points
and ratio values are quantised to 0.01 with ROUND_HALF_UP *before* they are compared with a band
edge, so what a report shows is exactly what was judged. Maturity level scores (GB/T 39117) are
the exception: the standard compares each level score with the threshold (0.8) as computed, so
they stay exact, the total is their exact sum, and both are rounded only for display
(``to_dict``, the gap texts) — 0.7975 stops the level-sum even though it shows as 0.80.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Context, Decimal, InvalidOperation, localcontext
from functools import cache
from typing import Any

from diagnosis.spec import (
    REQUIREMENT_KIND,
    SCENARIO_KIND,
    Band,
    Condition,
    Dimension,
    Grade,
    Item,
    Option,
    Provenance,
    Spec,
)

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
DEFAULT_THRESHOLD = Decimal("0.8")
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)


class AnswerError(ValueError):
    """An answer is missing, unknown or out of range. ``item_code`` names the question.

    ``kind`` names the problem and ``params`` holds its values as plain strings (a parameter that
    is a spec text comes with its English twin, ``<name>_en``), so the message can be put in any
    language at the edge; ``chinese`` is the engine's own Chinese text. The engine knows no
    language setting: ``message`` (and ``str()``) is the Chinese text unless the application sets
    ``AnswerError.localise`` to a function giving the message in its active language (the
    diagnosis app does, in ``diagnosis.scoring.messages``)."""

    localise: Callable[[AnswerError], str] | None = None

    def __init__(self, item_code: str, message: str, *, kind: str = "", params: Mapping[str, str] | None = None):
        self.item_code = item_code
        self.chinese = message
        self.kind = kind
        self.params = dict(params or {})
        super().__init__(f"{item_code}: {message}")

    @property
    def message(self) -> str:
        localise = AnswerError.localise
        return localise(self) if localise is not None else self.chinese

    def __str__(self) -> str:
        return f"{self.item_code}: {self.message}"


class ContextError(AnswerError):
    """The enterprise context lacks a value a condition needs, or has an undeclared value."""

    def __init__(self, key: str, message: str, *, kind: str = "", params: Mapping[str, str] | None = None):
        super().__init__(f"context.{key}", message, kind=kind, params=params)


def quantize(value: Decimal) -> Decimal:
    """Round to 0.01, half up: the one rounding rule of the engine."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GradeResult:
    code: str
    title: str
    title_en: str


@dataclass(frozen=True, slots=True)
class ItemScore:
    code: str
    title: str
    title_en: str
    kind: str
    parent: str
    visible: bool
    points: Decimal | None  # None for unscored questions (scenarios, screening)
    max_points: Decimal | None
    value: Decimal | None  # ratio items: the quantised value in the item's unit
    level: int | None  # scenario items: the level answered
    reason: str


@dataclass(frozen=True, slots=True)
class DimensionScore:
    """Points method: ``points`` sum up the tree. Maturity method: ``points`` is the node's own
    maturity score (level-sum rule over ``level_scores``) out of ``max_points`` levels."""

    code: str
    title: str
    title_en: str
    points: Decimal
    max_points: Decimal
    percent: Decimal
    visible: bool
    level_scores: tuple[Decimal, ...]
    children: tuple[DimensionScore, ...]
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LevelScore:
    level: int
    title: str
    score: Decimal
    counted: bool  # part of the level-sum total


@dataclass(frozen=True, slots=True)
class Gap:
    """One unmet condition of the next level or stage. ``codes`` lists the dimensions,
    scenarios or sub-domains to work on."""

    target: str
    kind: str  # total | dimension | scenarios | level_score
    message: str
    required: Decimal | int
    actual: Decimal | int
    shortfall: Decimal | int
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScoreResult:
    spec_code: str
    spec_version: str
    spec_title: str
    method: str
    total: Decimal
    max_total: Decimal
    total_title: str
    level: GradeResult | None
    stage: GradeResult | None
    dimensions: tuple[DimensionScore, ...]
    items: tuple[ItemScore, ...]
    level_scores: tuple[LevelScore, ...]
    gaps: tuple[Gap, ...]
    provisional: bool
    provisional_reasons: tuple[Provenance, ...]

    @property
    def spec_key(self) -> str:
        return f"{self.spec_code}@{self.spec_version}"

    def item(self, code: str) -> ItemScore:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def dimension(self, code: str) -> DimensionScore:
        stack = list(self.dimensions)
        while stack:
            node = stack.pop()
            if node.code == code:
                return node
            stack.extend(node.children)
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: Decimals become strings with two decimals, tuples become lists."""
        data = _jsonable(self)
        data["spec_key"] = self.spec_key
        return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, Decimal):
        return str(quantize(value))
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return {name: _jsonable(getattr(value, name)) for name in _field_names(type(value))}


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


# --- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ratio:
    value: Decimal  # quantised, in the item's unit
    raw: Decimal | None  # plain value as given
    numerator: Decimal | None
    denominator: Decimal | None


def _number(code: str, value: object, what: str, what_en: str = "") -> Decimal:
    params = {"what": what, "what_en": what_en or what, "value": repr(value)}
    if isinstance(value, bool):
        raise AnswerError(code, f"{what}应为数字，收到 {value!r}", kind="not_a_number", params=params)
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))  # the shortest decimal that round-trips: what was typed
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            raise AnswerError(code, f"{what}应为数字，收到 {value!r}", kind="not_a_number", params=params)
    except InvalidOperation:
        raise AnswerError(code, f"{what}应为数字，收到 {value!r}", kind="not_a_number", params=params) from None
    if not number.is_finite():
        raise AnswerError(code, f"{what}应为有限数字，收到 {value!r}", kind="not_finite", params=params)
    if number < 0:
        raise AnswerError(code, f"{what}不能为负数：{value}", kind="negative", params={**params, "value": str(value)})
    return number


def _parse_choice(item: Item, value: object) -> Option:
    option = item.option_index.get(value) if isinstance(value, str) else None
    if option is None:
        codes = "、".join(o.code for o in item.options)
        raise AnswerError(item.code, f"未知选项 {value!r}（可选：{codes}）", kind="unknown_option",
                          params={"value": repr(value), "codes": codes, "codes_en": ", ".join(o.code for o in item.options)})
    return option


def _parse_multi(item: Item, value: object) -> tuple[Option, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise AnswerError(item.code, "多选题的答案应为选项代码列表", kind="multi_not_a_list")
    chosen = list(value)
    if not chosen:
        raise AnswerError(item.code, "至少选择一项；都不具备时请选择排他选项（如「以上均无」）", kind="multi_empty")
    if len(set(map(repr, chosen))) != len(chosen):
        raise AnswerError(item.code, "选项重复", kind="multi_duplicate")
    options = {_parse_choice(item, code).code for code in chosen}
    exclusive = [o for o in item.options if o.exclusive and o.code in options]
    if exclusive and len(options) > 1:
        raise AnswerError(item.code, f"「{exclusive[0].title}」不能与其他选项同时选择", kind="multi_exclusive",
                          params={"option": exclusive[0].title, "option_en": exclusive[0].title_en or exclusive[0].title})
    return tuple(o for o in item.options if o.code in options)


def _parse_ratio(item: Item, value: object) -> _Ratio:
    ratio = item.ratio
    assert ratio is not None  # guaranteed by the loader for kind == "ratio"
    if isinstance(value, Mapping):
        if set(value) != {"numerator", "denominator"}:
            raise AnswerError(item.code, "比例题的答案应为 {numerator, denominator} 或一个数值", kind="ratio_shape")
        title_en = item.title_en or item.title
        numerator_en, denominator_en = f"{title_en}: the first figure", f"{title_en}: the second figure"
        numerator = _number(item.code, value["numerator"], ratio.numerator, numerator_en)
        denominator = _number(item.code, value["denominator"], ratio.denominator, denominator_en)
        if denominator == 0:
            raise AnswerError(item.code, f"{ratio.denominator}不能为 0", kind="ratio_zero_denominator",
                              params={"denominator": ratio.denominator, "denominator_en": denominator_en})
        if ratio.bounded and numerator > denominator:
            raise AnswerError(
                item.code,
                f"{ratio.numerator}（{_plain(numerator)}）不能大于{ratio.denominator}（{_plain(denominator)}）",
                kind="ratio_numerator_above",
                params={"numerator": ratio.numerator, "numerator_en": numerator_en, "n": _plain(numerator),
                        "denominator": ratio.denominator, "denominator_en": denominator_en, "d": _plain(denominator)},
            )
        return _Ratio(quantize(numerator / denominator * ratio.scale), None, numerator, denominator)
    raw = _number(item.code, value, item.title, item.title_en)
    if ratio.bounded and raw > ratio.scale:
        raise AnswerError(item.code, f"数值应在 0–{_plain(ratio.scale)}{ratio.unit} 之间，收到 {_plain(raw)}",
                          kind="ratio_out_of_range",
                          params={"top": _plain(ratio.scale), "unit": ratio.unit, "value": _plain(raw)})
    return _Ratio(quantize(raw), raw, None, None)


def _parse_scenario(item: Item, value: object) -> int:
    top = len(item.level_descriptors)
    level: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        level = value
    elif isinstance(value, str) and value.strip().isdigit():
        level = int(value)
    if level is None or not 0 <= level <= top:
        raise AnswerError(item.code, f"场景等级应为 0–{top} 的整数（0 = 未开展），收到 {value!r}",
                          kind="scenario_level", params={"top": str(top), "value": repr(value)})
    return level


def _parse_requirement(item: Item, value: object) -> Option:
    if isinstance(value, str) and value in item.option_index:
        return item.option_index[value]
    try:
        number = _number(item.code, value, "满足程度", "The degree of fulfilment")
    except AnswerError:
        number = None
    for option in item.options:
        if number is not None and option.points == number:
            return option
    allowed = " / ".join(f"{o.code}={_plain(o.points or ZERO)}" for o in item.options)
    raise AnswerError(item.code, f"满足程度应为 {allowed}，收到 {value!r}", kind="requirement_value",
                      params={"allowed": allowed, "value": repr(value)})


def _parse(item: Item, value: object) -> Any:
    if item.kind == "choice":
        return _parse_choice(item, value)
    if item.kind == "multi":
        return _parse_multi(item, value)
    if item.kind == "ratio":
        return _parse_ratio(item, value)
    if item.kind == SCENARIO_KIND:
        return _parse_scenario(item, value)
    return _parse_requirement(item, value)


def _plain(number: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 10 → "10", 1.50 → "1.5"."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _normalised(item: Item, parsed: Any) -> Any:
    if item.kind in ("choice", REQUIREMENT_KIND):
        return parsed.code
    if item.kind == "multi":
        return [o.code for o in parsed]
    if item.kind == "ratio":
        if parsed.raw is not None:
            return _plain(parsed.raw)
        return {"numerator": _plain(parsed.numerator), "denominator": _plain(parsed.denominator)}
    return parsed


def validate_answer(spec: Spec, item_code: str, value: object) -> Any:
    """Check one answer and return it in normalised, JSON-safe form (the form to store).

    Option codes stay strings, multi-selects become a list in spec order, numbers become
    strings, scenario levels ints, satisfaction numbers their option code. Raises ``AnswerError``.
    """
    item = spec.items.get(item_code)
    if item is None:
        raise AnswerError(item_code, "未知题目", kind="unknown_item")
    return _normalised(item, _parse(item, value))


# --- visibility ------------------------------------------------------------------------------


def _check_context(spec: Spec, context: Mapping[str, object] | None) -> Mapping[str, object]:
    context = context or {}
    for key, declared in spec.contexts.items():
        if key in context and not any(
            context[key] == value and type(context[key]) is type(value) for value in declared.values
        ):
            allowed = "、".join(map(str, declared.values))
            raise ContextError(key, f"{declared.title}取值应为 {allowed}，收到 {context[key]!r}", kind="context_value",
                               params={"title": declared.title, "title_en": key, "allowed": allowed,
                                       "allowed_en": ", ".join(map(str, declared.values)),
                                       "value": repr(context[key])})
    return context


def _holds(condition: Condition, parsed: Mapping[str, Any], context: Mapping[str, object]) -> bool:
    for key, allowed in condition.context:
        if key not in context:
            raise ContextError(key, "缺少企业情境信息，无法判断题目是否适用", kind="context_missing")
        value = context[key]
        if not any(value == a and type(value) is type(a) for a in allowed):
            return False
    answer = condition.answer
    if answer is not None:
        chosen = parsed.get(answer.item)
        if chosen is None:  # unanswered (or hidden) questions satisfy no condition
            return False
        codes = {o.code for o in chosen} if isinstance(chosen, tuple) else {chosen.code}
        if bool(codes.intersection(answer.values)) == answer.negate:
            return False
    return not condition.any_of or any(_holds(c, parsed, context) for c in condition.any_of)


def _resolve(
    spec: Spec, answers: Mapping[str, object], context: Mapping[str, object] | None
) -> tuple[dict[str, Any], dict[str, bool], Mapping[str, object]]:
    """Walk the questions in order, deciding visibility and parsing the visible answers.

    Conditions only look at earlier questions, so one pass suffices. Answers to hidden questions
    are ignored (they may be left over from an earlier choice), unknown codes are errors.
    """
    for code in sorted(answers):
        if code not in spec.items:
            raise AnswerError(code, f"未知题目（{spec.key} 中没有此代码）", kind="unknown_item_in_spec",
                              params={"spec": spec.key})
    context = _check_context(spec, context)
    parsed: dict[str, Any] = {}
    visible: dict[str, bool] = {}
    for code, item in spec.items.items():
        shown = all(_holds(c, parsed, context) for c in spec.item_conditions[code])
        visible[code] = shown
        if shown and code in answers:
            parsed[code] = _parse(item, answers[code])
    return parsed, visible, context


def visible_items(
    spec: Spec, answers: Mapping[str, object], context: Mapping[str, object] | None = None
) -> list[str]:
    """Codes of the questions to show, in questionnaire order, given the answers so far."""
    _parsed, visible, _context = _resolve(spec, answers, context)
    return [code for code, shown in visible.items() if shown]


def missing_items(
    spec: Spec, answers: Mapping[str, object], context: Mapping[str, object] | None = None
) -> list[str]:
    """Visible questions that still lack an answer, in questionnaire order."""
    return [code for code in visible_items(spec, answers, context) if code not in answers]


# --- scoring ---------------------------------------------------------------------------------


def score(
    spec: Spec, answers: Mapping[str, object], context: Mapping[str, object] | None = None
) -> ScoreResult:
    """Score a complete set of answers against ``spec``.

    ``answers`` maps question codes to option codes, lists of option codes, numbers or
    ``{"numerator", "denominator"}`` mappings, scenario levels, or satisfaction codes/numbers.
    ``context`` carries enterprise facts that conditions look at (e.g. ``production_type``).
    Raises ``AnswerError`` for any unknown, invalid or missing answer; nothing is guessed.
    """
    with localcontext(_CONTEXT):
        parsed, visible, context = _resolve(spec, answers, context)
        missing = [code for code, shown in visible.items() if shown and code not in parsed]
        if missing:
            more = f"（共 {len(missing)} 题未作答）" if len(missing) > 1 else ""
            raise AnswerError(missing[0], f"未作答{more}", kind="unanswered", params={"count": str(len(missing))})
        return _Scorer(spec, parsed, visible, context).run()


class _Scorer:
    def __init__(self, spec: Spec, parsed: dict[str, Any], visible: dict[str, bool], context):
        self.spec = spec
        self.parsed = parsed
        self.visible = visible
        self.context = context
        self.used: set[Provenance] = set()  # provenance of every value the result depends on

    def run(self) -> ScoreResult:
        spec = self.spec
        items = {code: self._item(item) for code, item in spec.items.items()}
        level_scores: tuple[LevelScore, ...] = ()
        if spec.method == "points":
            dimensions = tuple(self._points_dimension(d, items) for d in spec.dimensions)
            total = sum((d.points for d in dimensions), ZERO)
            max_total = spec.max_total or ZERO
        else:
            assert spec.maturity is not None
            maturity = spec.maturity
            self.used.add(maturity.provenance)
            nodes = [self._maturity_dimension(d) for d in spec.dimensions]
            dimensions = tuple(node for node, _weighted, _weight in nodes)
            root = _root_level_scores(nodes, maturity.level_count)
            counted = _counted_levels(root, maturity.threshold)
            level_scores = tuple(
                LevelScore(n, maturity.level_titles[n - 1], s, n <= counted)
                for n, s in enumerate(root, start=1)
            )
            total = cmmm_total(root, threshold=maturity.threshold)
            max_total = Decimal(maturity.level_count)
        scenario_levels = {
            code: (self.parsed[code] if self.visible[code] else 0)
            for code, item in spec.items.items()
            if item.kind == SCENARIO_KIND
        }
        facts = _Facts(total, self._percents(dimensions), scenario_levels)
        level, level_gaps = self._grade(spec.levels, facts, dimensions, level_scores)
        stage, stage_gaps = self._grade(spec.stages, facts, dimensions, level_scores)
        reasons = tuple(sorted((p for p in self.used if p.provisional), key=lambda p: (p.source, p.tag)))
        return ScoreResult(
            spec_code=spec.code,
            spec_version=spec.version,
            spec_title=spec.title,
            method=spec.method,
            total=quantize(total),
            max_total=quantize(max_total),
            total_title=spec.total_title,
            level=level,
            stage=stage,
            dimensions=dimensions,
            items=tuple(items.values()),
            level_scores=level_scores,
            gaps=level_gaps + stage_gaps,
            provisional=bool(reasons),
            provisional_reasons=reasons,
        )

    # items

    def _item(self, item: Item) -> ItemScore:
        spec = self.spec
        conditions = spec.item_conditions[item.code]
        if item.scored or item.kind in (SCENARIO_KIND, REQUIREMENT_KIND):
            self.used.update(c.provenance for c in conditions)
        base = {
            "code": item.code,
            "title": item.title,
            "title_en": item.title_en,
            "kind": item.kind,
            "parent": item.parent,
            "max_points": item.points if item.kind != REQUIREMENT_KIND else Decimal(1),
            "value": None,
            "level": None,
        }
        if not self.visible[item.code]:
            failed = next(c for c in conditions if not _holds(c, self.parsed, self.context))
            outcome = "计 0 分" if item.scored else "不计入评分"
            return ItemScore(
                **base,
                visible=False,
                points=ZERO if item.scored else None,
                reason=f"{item.title}：仅当{_describe(spec, failed)}时作答，本次不适用，{outcome}",
            )
        answer = self.parsed[item.code]
        points: Decimal | None = None
        if item.kind == SCENARIO_KIND:
            base["level"] = answer
            text = item.level_descriptors[answer - 1] if answer else "未开展"
            reason = f"{item.title}：{answer} 级（{text}）"
        elif not item.scored and item.kind == "choice":  # screening question
            reason = f"{item.title}：{answer.title}"
        elif item.kind in ("choice", REQUIREMENT_KIND):
            self.used.add(answer.provenance)
            points = quantize(answer.points)
            if item.kind == "choice":
                self.used.add(item.provenance)
                reason = f"{item.title}：选择「{answer.title}」，得 {points} 分"
            else:
                reason = f"{item.title}：{answer.title}（{points}）"
        elif item.kind == "multi":
            self.used.add(item.provenance)
            self.used.update(o.provenance for o in answer)
            points = quantize(sum((o.points for o in answer), ZERO))
            if answer[0].exclusive:
                reason = f"{item.title}：选择「{answer[0].title}」，得 {points} 分"
            elif len(answer) == sum(1 for o in item.options if not o.exclusive):
                reason = f"{item.title}：选择全部 {len(answer)} 项，得 {points} 分"
            else:
                names = "、".join(o.title for o in answer)
                reason = f"{item.title}：选择 {len(answer)} 项（{names}），得 {points} 分"
        else:
            band_index = _band_index(item, answer.value)
            band = item.bands[band_index]
            self.used.update((item.provenance, band.provenance))
            points = quantize(band.points)
            base["value"] = answer.value
            reason = _ratio_reason(item, answer, band_index, points)
        return ItemScore(**base, visible=True, points=points, reason=reason)

    # dimensions

    def _points_dimension(self, dimension: Dimension, items: Mapping[str, ItemScore]) -> DimensionScore:
        self.used.add(dimension.provenance)
        children = tuple(self._points_dimension(c, items) for c in dimension.children)
        points = sum((c.points for c in children), ZERO) + sum(
            (items[i.code].points for i in dimension.items), ZERO
        )
        maximum = dimension.points or ZERO
        return DimensionScore(
            code=dimension.code,
            title=dimension.title,
            title_en=dimension.title_en,
            points=points,
            max_points=maximum,
            percent=quantize(points / maximum * HUNDRED) if maximum else ZERO,
            visible=self._dimension_visible(dimension),
            level_scores=(),
            children=children,
            items=tuple(i.code for i in dimension.items),
        )

    def _dimension_visible(self, dimension: Dimension) -> bool:
        return all(
            _holds(c, self.parsed, self.context) for c in self.spec.dimension_conditions[dimension.code]
        )

    def _maturity_dimension(self, dimension: Dimension) -> tuple[DimensionScore, list[Decimal], Decimal]:
        """Score a maturity node; also return Σ weight·score per level and Σ weight over the
        in-scope leaves below it, so parents re-normalise over exactly those leaves."""
        maturity = self.spec.maturity
        assert maturity is not None
        count = maturity.level_count
        in_scope = self._dimension_visible(dimension)
        weighted = [ZERO] * count
        weight = ZERO
        children = []
        if in_scope and not dimension.children:
            self.used.add(dimension.provenance)
            weight = dimension.points or ZERO
            for level in range(1, count + 1):
                scores = [
                    self.parsed[i.code].points
                    for i in dimension.items
                    if i.level == level and self.visible[i.code]
                ]
                weighted[level - 1] = weight * sum(scores, ZERO) / len(scores)
        for child in dimension.children:
            child_score, child_weighted, child_weight = self._maturity_dimension(child)
            children.append(child_score)
            weighted = [a + b for a, b in zip(weighted, child_weighted, strict=True)]
            weight += child_weight
        if weight and dimension.children:
            self.used.add(dimension.provenance)
        # Exact: compared with the threshold as computed, rounded only for display.
        level_scores = tuple(w / weight for w in weighted) if weight else ()
        points = cmmm_total(level_scores, threshold=maturity.threshold) if level_scores else ZERO
        node = DimensionScore(
            code=dimension.code,
            title=dimension.title,
            title_en=dimension.title_en,
            points=points,
            max_points=Decimal(count),
            percent=quantize(points / count * HUNDRED),
            visible=bool(weight),
            level_scores=level_scores,
            children=tuple(children),
            items=tuple(i.code for i in dimension.items),
        )
        return node, weighted, weight

    @staticmethod
    def _percents(dimensions: Iterable[DimensionScore]) -> dict[str, Decimal]:
        percents: dict[str, Decimal] = {}
        stack = list(dimensions)
        while stack:
            node = stack.pop()
            percents[node.code] = node.percent
            stack.extend(node.children)
        return percents

    # levels and stages

    def _grade(
        self,
        grades: tuple[Grade, ...],
        facts: _Facts,
        dimensions: tuple[DimensionScore, ...],
        level_scores: tuple[LevelScore, ...],
    ) -> tuple[GradeResult | None, tuple[Gap, ...]]:
        if not grades:
            return None, ()
        self.used.update(g.provenance for g in grades)
        for grade in grades:
            for rule in grade.scenario_rules:
                if rule.scenario_set is not None:
                    self.used.add(self.spec.scenario_set_index[rule.scenario_set].provenance)
        index = _reached_index(self.spec, grades, facts)
        reached = grades[index]
        gaps: tuple[Gap, ...] = ()
        if index + 1 < len(grades):
            target = grades[index + 1]
            gaps = tuple(_unmet(self.spec, target, facts))
            if level_scores:
                gaps += self._maturity_gap(target, level_scores, dimensions)
        return GradeResult(reached.code, reached.title, reached.title_en), gaps

    def _maturity_gap(
        self, target: Grade, level_scores: tuple[LevelScore, ...], dimensions: tuple[DimensionScore, ...]
    ) -> tuple[Gap, ...]:
        maturity = self.spec.maturity
        assert maturity is not None
        stop = next((s for s in level_scores if s.score < maturity.threshold), None)
        if stop is None:
            return ()
        lagging = []
        stack = list(dimensions)
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.visible and not node.children and node.level_scores[stop.level - 1] < maturity.threshold:
                lagging.append(node)
        order = {code: i for i, code in enumerate(self.spec.dimension_index)}
        lagging.sort(key=lambda n: (n.level_scores[stop.level - 1], order[n.code]))
        threshold = maturity.threshold
        names = "、".join(f"{n.title} {shown_score(n.level_scores[stop.level - 1], threshold)}" for n in lagging)
        return (
            Gap(
                target=target.code,
                kind="level_score",
                message=(
                    f"第 {stop.level} 级（{stop.title}）得分 {shown_score(stop.score, threshold)} 低于 "
                    f"{quantize(threshold)}，"
                    f"更高各级不计入总分；该级得分较低的能力子域：{names}"
                ),
                required=maturity.threshold,
                actual=stop.score,
                shortfall=maturity.threshold - stop.score,
                codes=tuple(n.code for n in lagging),
            ),
        )


def _root_level_scores(nodes, level_count: int) -> tuple[Decimal, ...]:
    # Level scores of the whole enterprise: the weighted mean over every in-scope leaf, summed
    # from the unrounded node sums (not from rounded element scores) and kept exact, since the
    # standard compares them with the threshold before any rounding.
    weighted = [ZERO] * level_count
    weight = ZERO
    for _node, node_weighted, node_weight in nodes:
        weighted = [a + b for a, b in zip(weighted, node_weighted, strict=True)]
        weight += node_weight
    return tuple(w / weight if weight else ZERO for w in weighted)


FOUR_PLACES = Decimal("0.0001")


def shown_score(value: Decimal, threshold: Decimal) -> Decimal:
    """A level score as printed: to 0.01, except when that rounding would lift a score below the
    threshold onto it (0.7975 → 0.80); then to 0.0001 rounded down, so the text never says
    "0.80 is below 0.80"."""
    rounded = quantize(value)
    if value < threshold <= rounded:
        return value.quantize(FOUR_PLACES, rounding=ROUND_DOWN)
    return rounded


def shown_shortfall(short: Decimal) -> Decimal:
    """A positive shortfall as printed: to 0.01, or to 0.0001 rounded up when 0.01 would show 0."""
    rounded = quantize(short)
    return rounded if rounded > 0 else short.quantize(FOUR_PLACES, rounding=ROUND_UP)


@dataclass(frozen=True, slots=True)
class _Facts:
    total: Decimal
    dimension_percents: Mapping[str, Decimal]
    scenario_levels: Mapping[str, int]


def _unmet(spec: Spec, grade: Grade, facts: _Facts) -> Iterable[Gap]:
    """The conditions of ``grade`` that ``facts`` do not meet (none: the grade is reached)."""
    if grade.min_total is not None and facts.total < grade.min_total:
        short = grade.min_total - facts.total
        yield Gap(
            target=grade.code,
            kind="total",
            message=(
                f"{spec.total_title} {shown_score(facts.total, grade.min_total)}，达到{grade.title}需 ≥ "
                f"{quantize(grade.min_total)}，还差 {shown_shortfall(short)} 分"
            ),
            required=grade.min_total,
            actual=facts.total,
            shortfall=short,
            codes=(),
        )
    for rule in grade.dimension_rules:
        percent = facts.dimension_percents.get(rule.dimension, ZERO)
        if percent < rule.min_percent:
            dimension = spec.dimension_index[rule.dimension]
            short = rule.min_percent - percent
            yield Gap(
                target=grade.code,
                kind="dimension",
                message=(
                    f"{dimension.title}得分率 {quantize(percent)}%，达到{grade.title}需 ≥ "
                    f"{quantize(rule.min_percent)}%，还差 {quantize(short)} 个百分点"
                ),
                required=rule.min_percent,
                actual=percent,
                shortfall=short,
                codes=(rule.dimension,),
            )
    for rule in grade.scenario_rules:
        if rule.scenario_set is None:
            pool = tuple(facts.scenario_levels)
            label = "场景"
        else:
            scenario_set = spec.scenario_set_index[rule.scenario_set]
            pool = scenario_set.members
            label = scenario_set.title
        count = sum(1 for code in pool if facts.scenario_levels.get(code, 0) >= rule.min_level)
        if count < rule.count:
            yield Gap(
                target=grade.code,
                kind="scenarios",
                message=(
                    f"达到{grade.title}需至少 {rule.count} 个{label}达到 {rule.min_level} 级及以上，"
                    f"当前 {count} 个，还差 {rule.count - count} 个"
                ),
                required=rule.count,
                actual=count,
                shortfall=rule.count - count,
                codes=tuple(code for code in pool if facts.scenario_levels.get(code, 0) < rule.min_level),
            )


def _reached_index(spec: Spec, grades: Sequence[Grade], facts: _Facts) -> int:
    # The highest grade whose conditions all hold; the first grade is unconditional (validated).
    for index in range(len(grades) - 1, 0, -1):
        if next(iter(_unmet(spec, grades[index], facts)), None) is None:
            return index
    return 0


def grade_for(
    spec: Spec,
    *,
    total: Decimal,
    dimension_percents: Mapping[str, Decimal] | None = None,
    scenario_levels: Mapping[str, int] | None = None,
    which: str = "levels",
) -> Grade:
    """The level (or stage, ``which="stages"``) that given facts reach, without any answers.

    ``total`` is compared as given; missing dimension percents count as 0, missing scenarios
    as level 0. Useful for boundary tests and for what-if displays.
    """
    grades = spec.levels if which == "levels" else spec.stages
    if which not in ("levels", "stages") or not grades:
        raise ValueError(f"{spec.key} has no {which}")
    facts = _Facts(total, dimension_percents or {}, dict(scenario_levels or {}))
    return grades[_reached_index(spec, grades, facts)]


def _counted_levels(level_scores: Sequence[Decimal], threshold: Decimal) -> int:
    for number, level_score in enumerate(level_scores, start=1):
        if level_score < threshold:
            return number
    return len(level_scores)


def cmmm_total(level_scores: Sequence[Decimal], *, threshold: Decimal = DEFAULT_THRESHOLD) -> Decimal:
    """GB/T 39117 level-sum rule: add the level scores from level 1 upward and stop after,
    including, the first level whose score is below ``threshold`` (a score equal to the
    threshold continues). Example: 1.0 + 0.9 + 0.55 (stop) = 2.45. The scores are compared
    and added as given (0.7975 stops: it is below 0.8) and the sum is exact: the level bands
    judge it as it is, and it is rounded only for display."""
    for level_score in level_scores:
        if not ZERO <= level_score <= 1:
            raise ValueError(f"level scores lie in 0–1, got {level_score}")
    return sum(level_scores[: _counted_levels(level_scores, threshold)], ZERO)


# --- texts -----------------------------------------------------------------------------------


def _band_index(item: Item, value: Decimal) -> int:
    index = 0
    for position, band in enumerate(item.bands[1:], start=1):
        lower: Decimal = band.lower  # type: ignore[assignment]  # validated: only the first band is open
        if value > lower or (band.lower_inclusive and value == lower):
            index = position
        else:
            break
    return index


def _with_unit(text: str, unit: str) -> str:
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _band_label(item: Item, index: int) -> str:
    assert item.ratio is not None
    unit = item.ratio.unit
    bands: tuple[Band, ...] = item.bands
    band = bands[index]
    following = bands[index + 1] if index + 1 < len(bands) else None
    if band.lower is None:
        if following is None:
            return "全部取值"
        upper = _plain(following.lower)  # type: ignore[arg-type]
        return _with_unit(("<" if following.lower_inclusive else "≤") + upper, unit)
    lower = _plain(band.lower)
    if following is None:
        return _with_unit(("≥" if band.lower_inclusive else ">") + lower, unit)
    return _with_unit(f"{lower}–{_plain(following.lower)}", unit)  # type: ignore[arg-type]


def band_label(item: Item, value: Decimal) -> str:
    """The label of the band ``value`` falls in (e.g. "20–40%"), by the engine's own boundary rule,
    so the questionnaire shows exactly the band the score will use."""
    return _band_label(item, _band_index(item, value))


def _ratio_reason(item: Item, answer: _Ratio, band_index: int, points: Decimal) -> str:
    assert item.ratio is not None
    value = _with_unit(str(answer.value), item.ratio.unit)
    if answer.numerator is not None and answer.denominator is not None:
        value += f"（{_plain(answer.numerator)}/{_plain(answer.denominator)}）"
    return f"{item.title} {value} 落在 {_band_label(item, band_index)} 档，得 {points} 分"


def _describe(spec: Spec, condition: Condition) -> str:
    parts = []
    for key, values in condition.context:
        declared = spec.contexts[key]
        parts.append(f"{declared.title}为{'或'.join(declared.value_title(v) for v in values)}")
    if condition.answer is not None:
        target = spec.items[condition.answer.item]
        names = "或".join(f"「{target.option_index[v].title}」" for v in condition.answer.values)
        parts.append(f"「{target.title}」{'未选择' if condition.answer.negate else '选择'}{names}")
    if condition.any_of:
        parts.append("（" + "，或".join(_describe(spec, c) for c in condition.any_of) + "）")
    return "且".join(parts)


# --- re-basing -------------------------------------------------------------------------------


def rebase_answers(
    old_spec: Spec, new_spec: Spec, answers: Mapping[str, object], *, check: bool = True
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Carry answers given under ``old_spec`` over to ``new_spec`` using its ``[mapping]``.

    An old code maps to the code named in the mapping ("" = no counterpart), otherwise to the
    same code if the new version still has it; option codes are translated through the mapping's
    option table. Answers that map nowhere or are invalid under the new version are returned as
    ``unmapped_codes`` (old codes, sorted) instead of being guessed.

    ``check=False`` only translates codes and leaves validation to ``score()``, which parses every
    answer anyway: the bulk re-scorer tries that first and falls back to the checked path only
    for the rare answer set ``score()`` refuses.
    """
    mapping = new_spec.mapping
    if mapping is None or mapping.from_key != old_spec.key:
        raise ValueError(f"{new_spec.key} declares no mapping from {old_spec.key}")
    rebased: dict[str, Any] = {}
    unmapped: list[str] = []
    for code in sorted(answers):
        if code not in old_spec.items:
            raise AnswerError(code, f"未知题目（{old_spec.key} 中没有此代码）", kind="unknown_item_in_spec",
                              params={"spec": old_spec.key})
        target = mapping.items.get(code, code if code in new_spec.items else "")
        if not target:
            unmapped.append(code)
            continue
        value = answers[code]
        options = mapping.options.get(code, {})
        if isinstance(value, str):
            value = options.get(value, value)
        elif isinstance(value, list | tuple):
            value = [options.get(v, v) if isinstance(v, str) else v for v in value]
        if not check:
            rebased[target] = value
            continue
        try:
            rebased[target] = validate_answer(new_spec, target, value)
        except AnswerError:
            unmapped.append(code)
    return rebased, tuple(unmapped)


def compact_result(result: ScoreResult) -> dict[str, Any]:
    """The numbers of a result without its texts (titles, reasons): what bulk re-scoring stores.
    Texts are reproducible at any time by scoring the same answers again, since released spec
    versions never change; storing them for 100 k rows would cost most of the re-score time."""

    def flat(dimensions: Iterable[DimensionScore]) -> Iterator[DimensionScore]:
        for dimension in dimensions:
            yield dimension
            yield from flat(dimension.children)

    return {
        "spec_key": result.spec_key,
        "compact": True,
        "total": str(result.total),
        "max_total": str(result.max_total),
        "level": result.level.code if result.level else None,
        "stage": result.stage.code if result.stage else None,
        "provisional": result.provisional,
        "dimensions": {d.code: None if d.points is None else str(quantize(d.points)) for d in flat(result.dimensions)},
        "items": {i.code: (None if i.points is None else str(i.points)) if i.level is None else i.level
                  for i in result.items if i.visible},
        "level_scores": [str(quantize(ls.score)) for ls in result.level_scores],
        "gap_codes": sorted({code for gap in result.gaps for code in gap.codes}),
    }
