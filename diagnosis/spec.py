"""Maturity specs as data.

Each version of a standard is one TOML file in ``diagnosis/specs`` named ``<code>@<version>.toml``.
``load_spec`` turns a file into frozen dataclasses, ``validate_spec`` lists what is semantically
wrong with it, and ``get_spec`` / ``load_all_specs`` serve validated specs from a cached registry.
The file format is documented in docs/spec-format.md. Pure module: stdlib only.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

SPEC_DIR = Path(__file__).resolve().parent / "specs"

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


# --- reading TOML ----------------------------------------------------------------------------


class _Table:
    """Typed access to one TOML table; unknown keys are errors so that typos never pass."""

    def __init__(self, raw: object, where: str):
        if not isinstance(raw, dict):
            raise SpecError(f"{where}: expected a table")
        self.raw: dict[str, Any] = raw
        self.where = where
        self.seen: set[str] = set()

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = _REQUIRED) -> Any:
        self.seen.add(key)
        if key not in self.raw:
            if default is _REQUIRED:
                raise SpecError(f"{self.where}: missing key '{key}'")
            return default
        value = self.raw[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; a TOML boolean is never a number here.
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            raise SpecError(f"{self.where}: '{key}' has the wrong type ({type(value).__name__})")
        return value

    def text(self, key: str, default: Any = _REQUIRED) -> Any:
        return self.get(key, str, default)

    def decimal(self, key: str, *, required: bool = False) -> Decimal | None:
        if key not in self.raw:
            self.seen.add(key)
            if required:
                raise SpecError(f"{self.where}: missing key '{key}'")
            return None
        return _decimal(self.get(key, (str, int, float)), f"{self.where}.{key}")

    def sub(self, key: str) -> _Table | None:
        value = self.get(key, dict, None)
        return None if value is None else _Table(value, f"{self.where}.{key}")

    def tables(self, key: str) -> list[_Table]:
        values = self.get(key, list, [])
        return [_Table(v, f"{self.where}.{key}[{i}]") for i, v in enumerate(values)]

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.seen)
        if unknown:
            raise SpecError(f"{self.where}: unknown key(s) {', '.join(unknown)}")


def _decimal(value: object, where: str) -> Decimal:
    # TOML floats are binary floats; numbers must be written as strings (or integers) so that
    # "1.875" means exactly 1.875.
    if isinstance(value, float):
        raise SpecError(f'{where}: write numbers as strings, e.g. "{value}"')
    try:
        number = Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError):
        raise SpecError(f"{where}: not a number: {value!r}") from None
    if not number.is_finite():
        raise SpecError(f"{where}: not a finite number: {value!r}")
    return number


def _code(table: _Table, key: str = "code") -> str:
    code = table.text(key)
    if not _CODE_RE.match(code):
        raise SpecError(f"{table.where}: invalid code {code!r} (letters, digits, '.', '_', '-')")
    return code


def _provenance(table: _Table, source: str, inherited: Provenance) -> Provenance:
    tag = table.text("provenance", None)
    note = table.text("provenance_note", "")
    if tag is None and not note:
        return inherited
    tag = tag or inherited.tag
    if tag not in PROVENANCE_TAGS:
        raise SpecError(f"{table.where}: provenance must be one of {', '.join(sorted(PROVENANCE_TAGS))}")
    return Provenance(tag, source, note)


def _wording(table: _Table, inherited: str, key: str = "wording") -> str:
    wording = table.text(key, inherited)
    if wording not in WORDINGS:
        raise SpecError(f"{table.where}: {key} must be one of {', '.join(sorted(WORDINGS))}")
    return wording


def _condition(raw: object, where: str, inherited: Provenance, source: str) -> Condition:
    table = _Table(raw, where)
    provenance = _provenance(table, source, inherited)
    context: list[tuple[str, tuple[str | bool, ...]]] = []
    context_table = table.sub("context")
    if context_table is not None:
        for key in list(context_table.raw):
            values = context_table.get(key, list)
            if not values or not all(isinstance(v, str | bool) for v in values):
                raise SpecError(f"{context_table.where}.{key}: expected a non-empty list of strings/booleans")
            context.append((key, tuple(values)))
        context_table.done()
    answer = None
    answer_table = table.sub("answer")
    if answer_table is not None:
        item = answer_table.text("item")
        has_in, has_not_in = "in" in answer_table.raw, "not_in" in answer_table.raw
        if has_in == has_not_in:
            raise SpecError(f"{answer_table.where}: give exactly one of 'in' and 'not_in'")
        values = answer_table.get("not_in" if has_not_in else "in", list)
        if not values or not all(isinstance(v, str) for v in values):
            raise SpecError(f"{answer_table.where}: expected a non-empty list of option codes")
        answer_table.done()
        answer = AnswerCondition(item, tuple(values), negate=has_not_in)
    any_of = tuple(
        _condition(sub, f"{where}.any[{i}]", provenance, source)
        for i, sub in enumerate(table.get("any", list, []))
    )
    table.done()
    if not context and answer is None and not any_of:
        raise SpecError(f"{where}: empty condition")
    return Condition(tuple(context), answer, any_of, provenance)


def _show_if(table: _Table, inherited: Provenance, source: str) -> Condition | None:
    raw = table.get("show_if", dict, None)
    return (
        None if raw is None else _condition(raw, f"{table.where}.show_if", inherited, f"condition:{source}")
    )


def _options(table: _Table, item_code: str, inherited: Provenance) -> tuple[Option, ...]:
    options = []
    for option in table.tables("options"):
        code = _code(option)
        options.append(
            Option(
                code=code,
                title=option.text("title"),
                title_en=option.text("title_en", ""),
                points=option.decimal("points"),
                exclusive=option.get("exclusive", bool, False),
                provenance=_provenance(option, f"option:{item_code}.{code}", inherited),
            )
        )
        option.done()
    return tuple(options)


def _bands(table: _Table, item_code: str, inherited: Provenance) -> tuple[Band, ...]:
    bands = []
    for index, band in enumerate(table.tables("bands")):
        over, from_ = band.decimal("over"), band.decimal("from")
        if over is not None and from_ is not None:
            raise SpecError(f"{band.where}: give at most one of 'over' and 'from'")
        bands.append(
            Band(
                lower=over if over is not None else from_,
                lower_inclusive=from_ is not None,
                points=band.decimal("points"),
                provenance=_provenance(band, f"band:{item_code}[{index}]", inherited),
            )
        )
        band.done()
    return tuple(bands)


def _index(options: tuple[Option, ...]) -> Mapping[str, Option]:
    index: dict[str, Option] = {}
    for option in options:
        index.setdefault(option.code, option)
    return MappingProxyType(index)


@dataclass
class _Proto:
    """A dimension whose children are not known yet (the file lists dimensions flat)."""

    table: _Table
    code: str
    parent: str
    provenance: Provenance
    wording: str
    show_if: Condition | None
    children: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


class _Parser:
    def __init__(self, data: Mapping[str, Any], origin: str):
        self.root = _Table(dict(data), origin)
        self.origin = origin
        self.problems: list[str] = []

    def parse(self) -> Spec:
        head = self.root.sub("spec")
        if head is None:
            raise SpecError(f"{self.origin}: missing [spec] table")
        code, version = _code(head), head.text("version")
        method = head.text("method")
        if method not in METHODS:
            raise SpecError(f"{head.where}: method must be one of {', '.join(sorted(METHODS))}")
        if head.text("provenance", None) is None:
            raise SpecError(f"{head.where}: missing key 'provenance' (the default for the whole file)")
        provenance = _provenance(head, "spec", Provenance("P", "spec"))
        wording = _wording(head, "paraphrase")
        spec_fields = {
            "code": code,
            "version": version,
            "title": head.text("title"),
            "title_en": head.text("title_en", ""),
            "method": method,
            "max_total": head.decimal("max_total"),
            "total_title": head.text("total_title", "总分"),
            "provenance": provenance,
            "wording": wording,
            "source": head.text("source", ""),
            "notes": head.text("notes", ""),
        }
        head.done()

        contexts = self._contexts()
        maturity = self._maturity(provenance, wording)
        screening = tuple(
            self._item(t, parent="", inherited=provenance, wording=wording, screening=True)
            for t in self.root.tables("screening")
        )
        dimensions, dimension_index = self._dimensions(provenance, wording, maturity)
        groups = self._scenario_groups(provenance, wording)
        scenario_sets = tuple(self._scenario_set(t, provenance) for t in self.root.tables("scenario_sets"))
        levels = tuple(self._grade(t, "level", provenance) for t in self.root.tables("levels"))
        stages = tuple(self._grade(t, "stage", provenance) for t in self.root.tables("stages"))
        mapping = self._mapping()
        self.root.done()

        items: dict[str, Item] = {}
        item_conditions: dict[str, tuple[Condition, ...]] = {}
        dimension_conditions: dict[str, tuple[Condition, ...]] = {}
        for item in screening:
            self._add_item(items, item_conditions, item, ())
        for dimension in dimensions:
            self._walk(dimension, (), items, item_conditions, dimension_conditions)
        for group in groups:
            for scenario in group.scenarios:
                self._add_item(items, item_conditions, scenario, ())
        return Spec(
            **spec_fields,
            dimensions=dimensions,
            screening=screening,
            scenario_groups=groups,
            scenario_sets=scenario_sets,
            levels=levels,
            stages=stages,
            maturity=maturity,
            contexts=contexts,
            mapping=mapping,
            origin=self.origin,
            load_problems=tuple(self.problems),
            items=MappingProxyType(items),
            dimension_index=MappingProxyType(dimension_index),
            item_conditions=MappingProxyType(item_conditions),
            dimension_conditions=MappingProxyType(dimension_conditions),
            scenario_set_index=MappingProxyType({s.code: s for s in reversed(scenario_sets)}),
        )

    def _walk(self, dimension, inherited, items, item_conditions, dimension_conditions) -> None:
        conditions = inherited + ((dimension.show_if,) if dimension.show_if else ())
        dimension_conditions.setdefault(dimension.code, conditions)
        for item in dimension.items:
            self._add_item(items, item_conditions, item, conditions)
        for child in dimension.children:
            self._walk(child, conditions, items, item_conditions, dimension_conditions)

    @staticmethod
    def _add_item(items, item_conditions, item: Item, inherited: tuple[Condition, ...]) -> None:
        if item.code not in items:
            items[item.code] = item
            item_conditions[item.code] = inherited + ((item.show_if,) if item.show_if else ())

    def _contexts(self) -> Mapping[str, ContextKey]:
        table = self.root.sub("contexts")
        contexts: dict[str, ContextKey] = {}
        if table is None:
            return MappingProxyType(contexts)
        for key in list(table.raw):
            entry = _Table(table.get(key, dict), f"{table.where}.{key}")
            values = entry.get("values", list)
            titles = entry.get("value_titles", list, [str(v) for v in values])
            if not values or not all(isinstance(v, str | bool) for v in values) or len(titles) != len(values):
                raise SpecError(f"{entry.where}: values must be a non-empty list matching value_titles")
            contexts[key] = ContextKey(key, entry.text("title"), tuple(values), tuple(titles))
            entry.done()
        table.done()
        return MappingProxyType(contexts)

    def _maturity(self, inherited: Provenance, wording: str) -> MaturityRule | None:
        table = self.root.sub("maturity")
        if table is None:
            return None
        provenance = _provenance(table, "maturity", inherited)
        titles = table.get("level_titles", list)
        titles_en = table.get("level_titles_en", list, [""] * len(titles))
        scale_table = table.sub("scale")
        if scale_table is None:
            raise SpecError(f"{table.where}: missing [maturity.scale]")
        scale_provenance = _provenance(scale_table, "maturity.scale", provenance)
        scale = _options(scale_table, "scale", scale_provenance)
        scale_table.done()
        rule = MaturityRule(
            level_titles=tuple(titles),
            level_titles_en=tuple(titles_en),
            threshold=table.decimal("threshold", required=True),  # type: ignore[arg-type]
            scale=scale,
            provenance=provenance,
            requirement_wording=_wording(table, wording, "requirement_wording"),
        )
        table.done()
        return rule

    def _dimensions(self, inherited: Provenance, wording: str, maturity: MaturityRule | None):
        protos: dict[str, _Proto] = {}
        roots: list[str] = []
        for table in self.root.tables("dimensions"):
            code = _code(table)
            parent = table.text("parent", "")
            parent_proto = protos.get(parent)
            if parent and parent_proto is None:
                self.problems.append(f"dimension {code}: parent '{parent}' is not declared before it")
                continue
            if code in protos:
                self.problems.append(f"duplicate code '{code}'")
                continue
            provenance = _provenance(
                table, f"dimension:{code}", parent_proto.provenance if parent_proto else inherited
            )
            proto = _Proto(
                table=table,
                code=code,
                parent=parent,
                provenance=provenance,
                wording=_wording(table, parent_proto.wording if parent_proto else wording),
                show_if=_show_if(table, provenance, code),
            )
            protos[code] = proto
            (parent_proto.children if parent_proto else roots).append(code)
            requirements = table.get("requirements", dict, None)
            if requirements is not None:
                proto.items.extend(self._requirements(requirements, proto, maturity))

        for table in self.root.tables("items"):
            parent = table.text("dimension")
            proto = protos.get(parent)
            if proto is None:
                self.problems.append(f"item {table.raw.get('code')}: dimension '{parent}' does not exist")
                continue
            proto.items.append(
                self._item(table, parent=parent, inherited=proto.provenance, wording=proto.wording)
            )

        index: dict[str, Dimension] = {}

        def build(code: str) -> Dimension:
            proto = protos[code]
            table = proto.table
            dimension = Dimension(
                code=code,
                title=table.text("title"),
                title_en=table.text("title_en", ""),
                points=table.decimal("points"),
                children=tuple(build(child) for child in proto.children),
                items=tuple(proto.items),
                show_if=proto.show_if,
                provenance=proto.provenance,
                wording=proto.wording,
            )
            table.done()
            index[code] = dimension
            return dimension

        return tuple(build(code) for code in roots), index

    def _requirements(self, raw: dict, proto: _Proto, maturity: MaturityRule | None) -> list[Item]:
        where = f"{proto.table.where}.requirements"
        if maturity is None:
            raise SpecError(f"{where}: requirements need a [maturity] table")
        if not all(key.isdigit() for key in raw):
            raise SpecError(f"{where}: keys must be level numbers")
        scale_index = _index(maturity.scale)
        items = []
        for level_key, statements in sorted(raw.items(), key=lambda entry: int(entry[0])):
            if not isinstance(statements, list) or not statements:
                raise SpecError(f"{where}.{level_key}: expected a non-empty list of statements")
            for number, statement in enumerate(statements, start=1):
                if not isinstance(statement, str):
                    raise SpecError(f"{where}.{level_key}: statements must be strings")
                items.append(
                    Item(
                        code=f"{proto.code}.{int(level_key)}.{number}",
                        title=statement,
                        title_en="",
                        kind=REQUIREMENT_KIND,
                        points=None,
                        options=maturity.scale,
                        bands=(),
                        ratio=None,
                        level_descriptors=(),
                        level=int(level_key),
                        parent=proto.code,
                        show_if=None,
                        provenance=proto.provenance,
                        wording=maturity.requirement_wording,
                        help="",
                        option_index=scale_index,
                    )
                )
        return items

    def _item(
        self, table: _Table, *, parent: str, inherited: Provenance, wording: str, screening: bool = False
    ) -> Item:
        code = _code(table)
        kind = table.text("kind", "choice" if screening else _REQUIRED)
        if kind not in ITEM_KINDS or (screening and kind != "choice"):
            allowed = "choice" if screening else ", ".join(sorted(ITEM_KINDS))
            raise SpecError(f"{table.where}: kind must be one of {allowed}")
        provenance = _provenance(table, f"item:{code}", inherited)
        options = _options(table, code, provenance)
        ratio = None
        if kind == "ratio":
            ratio = RatioInput(
                numerator=table.text("numerator"),
                denominator=table.text("denominator"),
                scale=table.decimal("scale") or Decimal(100),
                unit=table.text("unit", "%"),
                bounded=table.get("bounded", bool, True),
            )
        item = Item(
            code=code,
            title=table.text("title"),
            title_en=table.text("title_en", ""),
            kind=kind,
            points=None if screening else table.decimal("points"),
            options=options,
            bands=_bands(table, code, provenance) if kind == "ratio" else (),
            ratio=ratio,
            level_descriptors=(),
            level=None,
            parent=parent,
            show_if=_show_if(table, provenance, code),
            provenance=provenance,
            wording=_wording(table, wording),
            help=table.text("help", ""),
            option_index=_index(options),
        )
        table.done()
        return item

    def _scenario_groups(self, inherited: Provenance, wording: str) -> tuple[ScenarioGroup, ...]:
        groups: dict[str, tuple[_Table, Provenance, str, list[Item]]] = {}
        for table in self.root.tables("scenario_groups"):
            code = _code(table)
            if code in groups:
                self.problems.append(f"duplicate scenario group '{code}'")
                continue
            provenance = _provenance(table, f"scenario_group:{code}", inherited)
            groups[code] = (table, provenance, _wording(table, wording), [])
        for table in self.root.tables("scenarios"):
            code = _code(table)
            group_code = table.text("group")
            if group_code not in groups:
                self.problems.append(f"scenario {code}: group '{group_code}' does not exist")
                continue
            _group_table, group_provenance, group_wording, scenarios = groups[group_code]
            provenance = _provenance(table, f"scenario:{code}", group_provenance)
            descriptors = table.get("levels", list)
            if not descriptors or not all(isinstance(d, str) for d in descriptors):
                raise SpecError(f"{table.where}: levels must be a non-empty list of descriptors")
            scenarios.append(
                Item(
                    code=code,
                    title=table.text("title"),
                    title_en=table.text("title_en", ""),
                    kind=SCENARIO_KIND,
                    points=None,
                    options=(),
                    bands=(),
                    ratio=None,
                    level_descriptors=tuple(descriptors),
                    level=None,
                    parent=group_code,
                    show_if=_show_if(table, provenance, code),
                    provenance=provenance,
                    wording=_wording(table, group_wording),
                    help=table.text("help", ""),
                    option_index=MappingProxyType({}),
                )
            )
            table.done()
        result = []
        for code, (table, *_inherited, scenarios) in groups.items():
            result.append(
                ScenarioGroup(code, table.text("title"), table.text("title_en", ""), tuple(scenarios))
            )
            table.done()
        return tuple(result)

    def _scenario_set(self, table: _Table, inherited: Provenance) -> ScenarioSet:
        code = _code(table)
        members = table.get("members", list)
        if not all(isinstance(m, str) for m in members):
            raise SpecError(f"{table.where}: members must be scenario codes")
        scenario_set = ScenarioSet(
            code=code,
            title=table.text("title"),
            title_en=table.text("title_en", ""),
            members=tuple(members),
            provenance=_provenance(table, f"scenario_set:{code}", inherited),
        )
        table.done()
        return scenario_set

    def _grade(self, table: _Table, kind: str, inherited: Provenance) -> Grade:
        code = _code(table)
        dimension_rules = []
        for rule in table.tables("dimensions"):
            dimension_rules.append(
                DimensionRule(rule.text("dimension"), rule.decimal("min_percent", required=True))  # type: ignore[arg-type]
            )
            rule.done()
        scenario_rules = []
        for rule in table.tables("scenarios"):
            scenario_rules.append(
                ScenarioRule(rule.get("min_level", int), rule.get("count", int), rule.text("set", None))
            )
            rule.done()
        grade = Grade(
            code=code,
            title=table.text("title"),
            title_en=table.text("title_en", ""),
            description=table.text("description", ""),
            min_total=table.decimal("min_total"),
            dimension_rules=tuple(dimension_rules),
            scenario_rules=tuple(scenario_rules),
            provenance=_provenance(table, f"{kind}:{code}", inherited),
        )
        table.done()
        return grade

    def _mapping(self) -> SpecMapping | None:
        table = self.root.sub("mapping")
        if table is None:
            return None
        items = table.get("items", dict, {})
        options = table.get("options", dict, {})
        if not all(isinstance(v, str) for v in items.values()) or not all(
            isinstance(m, dict) and all(isinstance(v, str) for v in m.values()) for m in options.values()
        ):
            raise SpecError(f"{table.where}: items and options must map codes to codes")
        mapping = SpecMapping(
            from_key=table.text("from"),
            items=MappingProxyType(dict(items)),
            options=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in options.items()}),
        )
        table.done()
        return mapping


def parse_spec(data: Mapping[str, Any], *, origin: str = "<memory>") -> Spec:
    """Build a ``Spec`` from already-parsed TOML data. Raises ``SpecError`` on structural errors."""
    return _Parser(data, origin).parse()


def load_spec(path: Path | str) -> Spec:
    """Read one spec file. Raises ``SpecError`` if it is not valid TOML or not a well-formed spec;
    semantic problems are left to ``validate_spec``."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path.name}: {error}") from None
    return parse_spec(data, origin=path.name)


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


# --- registry --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpecFileProblem:
    """One finding about a spec file; ``kind`` is load, invalid, filename, duplicate or empty."""

    path: str
    kind: str
    message: str


def spec_file_problems(directory: Path | str | None = None) -> list[SpecFileProblem]:
    """Load and validate every ``*.toml`` in ``directory`` (default: the shipped specs)."""
    directory = Path(directory) if directory is not None else SPEC_DIR
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        return [SpecFileProblem(str(directory), "empty", "no spec files found")]
    problems: list[SpecFileProblem] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            spec = load_spec(path)
        except SpecError as error:
            problems.append(SpecFileProblem(str(path), "load", str(error)))
            continue
        problems += [SpecFileProblem(str(path), "invalid", p) for p in validate_spec(spec)]
        if path.stem != spec.key:
            problems.append(SpecFileProblem(str(path), "filename", f"file should be named {spec.key}.toml"))
        if spec.key in seen:
            problems.append(
                SpecFileProblem(str(path), "duplicate", f"{spec.key} is also defined in {seen[spec.key]}")
            )
        seen.setdefault(spec.key, path.name)
    return problems


@cache
def _load_directory(directory: Path) -> Mapping[str, Spec]:
    problems = spec_file_problems(directory)
    if problems:
        raise SpecError("; ".join(f"{Path(p.path).name}: {p.message}" for p in problems))
    specs = {}
    for path in sorted(directory.glob("*.toml")):
        spec = load_spec(path)
        specs[spec.key] = spec
    return MappingProxyType(specs)


def load_all_specs(directory: Path | str | None = None) -> Mapping[str, Spec]:
    """All specs in ``directory`` keyed by ``code@version``, loaded once and cached.

    Raises ``SpecError`` listing every problem if any file fails to load or validate, so an
    invalid spec can never be served.
    """
    return _load_directory(Path(directory).resolve() if directory is not None else SPEC_DIR)


def get_spec(key: str, directory: Path | str | None = None) -> Spec:
    """The spec registered as ``code@version``; raises ``SpecNotFound`` for an unknown key."""
    try:
        return load_all_specs(directory)[key]
    except KeyError:
        raise SpecNotFound(f"no spec '{key}'") from None


def latest_spec(code: str, directory: Path | str | None = None) -> Spec:
    """The highest version of a standard (versions compare numerically, part by part)."""
    candidates = [s for s in load_all_specs(directory).values() if s.code == code]
    if not candidates:
        raise SpecNotFound(f"no spec with code '{code}'")
    return max(
        candidates, key=lambda s: tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.\-_]", s.version))
    )
