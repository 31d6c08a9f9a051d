"""How a spec is laid out as a questionnaire: steps (sections), headings and answer descriptions.
Pure: spec and answers in, plain dataclasses out."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from diagnosis.spec import AnswerCondition, Condition, Dimension, Item, Spec


@dataclass(frozen=True)
class Block:
    """A run of questions under one heading (a sub-dimension, scenario group or sub-domain)."""

    title: str
    title_en: str
    item_codes: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    title_en: str
    blocks: tuple[Block, ...]

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(code for block in self.blocks for code in block.item_codes)


def _blocks(dimension: Dimension) -> list[Block]:
    blocks = [Block(dimension.title, dimension.title_en, tuple(i.code for i in dimension.items))] \
        if dimension.items else []
    for child in dimension.children:
        blocks.extend(_blocks(child))
    return blocks


def sections(spec: Spec) -> tuple[Section, ...]:
    """Steps in questionnaire order: screening questions first (they decide what else is asked),
    then each top-level dimension, then the scenarios (one step per scenario group)."""
    result: list[Section] = []
    if spec.screening:
        result.append(Section("screening", "基本情况", "Basic facts",
                              (Block("基本情况", "Basic facts", tuple(i.code for i in spec.screening)),)))
    for dimension in spec.dimensions:
        result.append(Section(dimension.code, dimension.title, dimension.title_en, tuple(_blocks(dimension))))
    for group in spec.scenario_groups:
        result.append(Section(group.code, group.title, group.title_en,
                              (Block(group.title, group.title_en, tuple(s.code for s in group.scenarios)),)))
    return tuple(result)


def section_of(spec: Spec, item_code: str) -> str | None:
    for section in sections(spec):
        if item_code in section.item_codes:
            return section.code
    return None


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.answered / self.total)


def progress(visible: list[str], answers: Mapping[str, Any]) -> Progress:
    return Progress(sum(1 for code in visible if code in answers), len(visible))


def ratio_value(item: Item, value: Any) -> Decimal | None:
    """The ratio a stored answer stands for, in the item's unit (None when not computable)."""
    if item.ratio is None or value is None:
        return None
    try:
        if isinstance(value, Mapping):
            denominator = Decimal(str(value["denominator"]))
            if denominator == 0:
                return None
            return (Decimal(str(value["numerator"])) / denominator * item.ratio.scale).quantize(Decimal("0.01"))
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, KeyError, TypeError):
        return None


def describe_value(item: Item, value: Any) -> str:
    """A stored answer in words, for conflict messages and read-only views."""
    if value is None:
        return "—"
    if item.kind in ("choice", "requirement"):
        option = item.option_index.get(value)
        return option.title if option else str(value)
    if item.kind == "multi":
        return "、".join(item.option_index[v].title if v in item.option_index else str(v) for v in value)
    if item.kind == "ratio":
        ratio = ratio_value(item, value)
        unit = item.ratio.unit if item.ratio else ""
        if isinstance(value, Mapping):
            return f"{value.get('numerator')} / {value.get('denominator')} = {ratio}{unit}"
        return f"{ratio}{unit}"
    if item.kind == "scenario":
        level = int(value)
        return f"{level} 级" if level == 0 else f"{level} 级：{item.level_descriptors[level - 1]}"
    return str(value)


def offered_sections(spec: Spec, visible: Sequence[str]) -> tuple[Section, ...]:
    """The steps offered to fill in: those with at least one visible question (a step whose every
    question the enterprise's context hides is left out); all of them if none has one."""
    shown = set(visible)
    return tuple(s for s in sections(spec) if shown.intersection(s.item_codes)) or sections(spec)


# A condition on answers, reduced for one enterprise: its context (production type, industry, …)
# is already decided, so what is left is "shown when any alternative holds", each alternative a
# run of answer conditions that must all hold.
Alternative = tuple[AnswerCondition, ...]
_MISSING = object()


def _reduce(condition: Condition, context: Mapping[str, object]) -> tuple[Alternative, ...]:
    for key, allowed in condition.context:
        value = context.get(key, _MISSING)
        if not any(value == a and type(value) is type(a) for a in allowed):
            return ()
    alternatives: tuple[Alternative, ...] = ((condition.answer,) if condition.answer else (),)
    if condition.any_of:
        branches = _simplest(tuple(alt for sub in condition.any_of for alt in _reduce(sub, context)))
        alternatives = tuple(a + b for a in alternatives for b in branches)
    return alternatives


def show_when(spec: Spec, item_code: str, context: Mapping[str, object]) -> tuple[Alternative, ...] | None:
    """When the question is shown for an enterprise with ``context``: None when always (no
    condition left on answers), () when never, else the alternatives (any one suffices)."""
    alternatives: tuple[Alternative, ...] = ((),)
    for condition in spec.item_conditions[item_code]:
        reduced = _reduce(condition, context)
        alternatives = tuple(a + b for a in alternatives for b in reduced)
    alternatives = _simplest(alternatives)
    return None if alternatives == ((),) else alternatives


def _simplest(alternatives: tuple[Alternative, ...]) -> tuple[Alternative, ...]:
    """Without repeats and without alternatives that a shorter one already covers (A or (A and B)
    is A; an empty alternative, always true, covers every other)."""
    unique = tuple(dict.fromkeys(tuple(dict.fromkeys(a)) for a in alternatives))
    return tuple(a for a in unique if not any(set(b) < set(a) for b in unique))
