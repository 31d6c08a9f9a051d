"""What a solution may be linked to: the released standards' items, scenarios and (sub-)domains,
by spec code and item code (what matching joins a diagnosed gap on), and the choices the editor
offers. Read from the diagnosis spec registry (a lower layer), cached per process."""

from __future__ import annotations

from functools import cache

from diagnosis.spec.registry import latest_spec, load_all_specs


def _dimensions(dimensions):
    for dimension in dimensions:
        yield dimension
        yield from _dimensions(dimension.children)


def _codes() -> list[str]:
    return sorted({spec.code for spec in load_all_specs().values()})


@cache
def known_items() -> dict[str, frozenset[str]]:
    """spec code → every item, scenario group and dimension code of its latest version."""
    out = {}
    for code in _codes():
        spec = latest_spec(code)
        out[code] = frozenset(spec.items) | frozenset(g.code for g in spec.scenario_groups) | frozenset(
            d.code for d in _dimensions(spec.dimensions))
    return out


@cache
def item_choices() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Grouped choices for the editor, values "spec:item": SME 2024 scenarios and dimensions, and the
    leaf (sub-)domains of the other standards."""
    groups = []
    for code in _codes():
        spec = latest_spec(code)
        options = [(f"{code}:{item.code}", item.title) for item in spec.items.values() if item.kind == "scenario"]
        options += [(f"{code}:{d.code}", d.title) for d in _dimensions(spec.dimensions)
                    if not d.children and not d.code.startswith("d-")]
        if options:
            groups.append((spec.title, tuple(options)))
    return tuple(groups)


def item_titles() -> dict[str, str]:
    return {value: title for _group, options in item_choices() for value, title in options}
