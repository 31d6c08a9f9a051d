"""The spec's frozen dataclasses, constants and errors. Pure module: stdlib only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

PROVENANCE_TAGS = frozenset({"V", "S", "M", "I", "P"})
# Values tagged S or P make a result provisional; so does M (unverified background knowledge),
# which is weaker evidence than S.
PROVISIONAL_TAGS = frozenset({"S", "P", "M"})
WORDINGS = frozenset({"official", "paraphrase", "ours"})
METHODS = frozenset({"points", "maturity"})
ITEM_KINDS = frozenset({"choice", "multi", "ratio"})
SCENARIO_KIND = "scenario"
REQUIREMENT_KIND = "requirement"

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_KEY_RE = re.compile(r"^(?P<code>[a-z0-9][a-z0-9._-]*)@(?P<version>[0-9][0-9A-Za-z._-]*)$")
_REQUIRED = object()


class SpecError(ValueError):
    """A spec file cannot be read into dataclasses (syntax, types, unknown or missing keys)."""


class SpecNotFound(LookupError):
    """No spec with the requested ``code@version`` key exists."""


# --- dataclasses -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a weight, point value or threshold comes from (a tag of the reference document).

    ``source`` names the node that declared it ("spec", "item:funding", ...); nodes that do not
    declare their own provenance share their parent's object, so a result can cite one origin.
    """

    tag: str
    source: str
    note: str = ""

    @property
    def provisional(self) -> bool:
        return self.tag in PROVISIONAL_TAGS


@dataclass(frozen=True, slots=True)
class AnswerCondition:
    item: str
    values: tuple[str, ...]
    negate: bool  # True for ``not_in``


@dataclass(frozen=True, slots=True)
class Condition:
    """``show_if``: every present part must hold; ``any_of`` holds when one sub-condition does."""

    context: tuple[tuple[str, tuple[str | bool, ...]], ...]
    answer: AnswerCondition | None
    any_of: tuple[Condition, ...]
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    title: str
    title_en: str
    points: Decimal | None  # None only in a malformed spec; validate_spec reports it
    exclusive: bool
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Band:
    """One band of a ratio item: the value lies above ``lower`` (``lower_inclusive`` says whether
    ``lower`` itself belongs here) and up to the next band's ``lower``."""

    lower: Decimal | None
    lower_inclusive: bool
    points: Decimal | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class RatioInput:
    numerator: str
    denominator: str
    scale: Decimal  # value = numerator / denominator * scale (100 → percent)
    unit: str
    bounded: bool  # numerator ≤ denominator, i.e. the value never exceeds ``scale``


@dataclass(frozen=True, slots=True)
class Item:
    """One question. ``kind`` is choice, multi, ratio, scenario (level 0…N) or requirement."""

    code: str
    title: str
    title_en: str
    kind: str
    points: Decimal | None  # max points; None for unscored kinds
    options: tuple[Option, ...]
    bands: tuple[Band, ...]
    ratio: RatioInput | None
    level_descriptors: tuple[str, ...]  # scenario: text of levels 1…N
    level: int | None  # requirement: the maturity level it belongs to
    parent: str  # dimension or scenario-group code; "" for screening questions
    show_if: Condition | None
    provenance: Provenance
    wording: str
    help: str
    option_index: Mapping[str, Option] = field(repr=False, compare=False)

    @property
    def scored(self) -> bool:
        return self.points is not None


@dataclass(frozen=True, slots=True)
class Dimension:
    code: str
    title: str
    title_en: str
    points: Decimal | None  # max points (points method) or weight (maturity method)
    children: tuple[Dimension, ...]
    items: tuple[Item, ...]
    show_if: Condition | None
    provenance: Provenance
    wording: str


@dataclass(frozen=True, slots=True)
class ScenarioGroup:
    code: str
    title: str
    title_en: str
    scenarios: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class ScenarioSet:
    code: str
    title: str
    title_en: str
    members: tuple[str, ...]
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class ScenarioRule:
    min_level: int
    count: int
    scenario_set: str | None


@dataclass(frozen=True, slots=True)
class DimensionRule:
    dimension: str
    min_percent: Decimal


@dataclass(frozen=True, slots=True)
class Grade:
    """A level or stage. It is reached when every condition holds; see docs/spec-format.md."""

    code: str
    title: str
    title_en: str
    description: str
    min_total: Decimal | None
    dimension_rules: tuple[DimensionRule, ...]
    scenario_rules: tuple[ScenarioRule, ...]
    provenance: Provenance

    @property
    def unconditional(self) -> bool:
        return self.min_total is None and not self.dimension_rules and not self.scenario_rules


@dataclass(frozen=True, slots=True)
class MaturityRule:
    level_titles: tuple[str, ...]
    level_titles_en: tuple[str, ...]
    threshold: Decimal
    scale: tuple[Option, ...]
    provenance: Provenance
    requirement_wording: str

    @property
    def level_count(self) -> int:
        return len(self.level_titles)


@dataclass(frozen=True, slots=True)
class ContextKey:
    key: str
    title: str
    values: tuple[str | bool, ...]
    value_titles: tuple[str, ...]

    def value_title(self, value: str | bool) -> str:
        for candidate, title in zip(self.values, self.value_titles, strict=False):
            if candidate == value and type(candidate) is type(value):
                return title
        return str(value)


@dataclass(frozen=True, slots=True)
class SpecMapping:
    """How answers of an earlier version map onto this one (see ``scoring.rebase_answers``)."""

    from_key: str
    items: Mapping[str, str]
    options: Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Spec:
    code: str
    version: str
    title: str
    title_en: str
    method: str
    max_total: Decimal | None
    total_title: str
    provenance: Provenance
    wording: str
    source: str
    notes: str
    dimensions: tuple[Dimension, ...]
    screening: tuple[Item, ...]
    scenario_groups: tuple[ScenarioGroup, ...]
    scenario_sets: tuple[ScenarioSet, ...]
    levels: tuple[Grade, ...]
    stages: tuple[Grade, ...]
    maturity: MaturityRule | None
    contexts: Mapping[str, ContextKey]
    mapping: SpecMapping | None
    origin: str
    # Problems found while building the tree (duplicates, dangling parents); see validate_spec.
    load_problems: tuple[str, ...] = field(repr=False, compare=False)
    # Lookups precomputed once so scoring never scans the tree.
    items: Mapping[str, Item] = field(repr=False, compare=False)
    dimension_index: Mapping[str, Dimension] = field(repr=False, compare=False)
    item_conditions: Mapping[str, tuple[Condition, ...]] = field(repr=False, compare=False)
    dimension_conditions: Mapping[str, tuple[Condition, ...]] = field(repr=False, compare=False)
    scenario_set_index: Mapping[str, ScenarioSet] = field(repr=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.code}@{self.version}"

    @property
    def scenarios(self) -> tuple[Item, ...]:
        return tuple(s for group in self.scenario_groups for s in group.scenarios)


