"""TOML data → frozen ``Spec`` (structural errors raise ``SpecError``). Pure module: stdlib only."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

from diagnosis.spec.types import (
    _CODE_RE,
    _REQUIRED,
    ITEM_KINDS,
    METHODS,
    PROVENANCE_TAGS,
    REQUIREMENT_KIND,
    SCENARIO_KIND,
    WORDINGS,
    AnswerCondition,
    Band,
    Condition,
    ContextKey,
    Dimension,
    DimensionRule,
    Grade,
    Item,
    MaturityRule,
    Option,
    Provenance,
    RatioInput,
    ScenarioGroup,
    ScenarioRule,
    ScenarioSet,
    Spec,
    SpecError,
    SpecMapping,
)

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


