"""Scenes (场景) of one scored assessment: its weak questions with their gap, the need category
and capability areas the scene map gives them, weighted by the enterprise's priorities and by
where the question stands on its 一企一策 roadmap.

Pure: spec, stored result (the verified one where present: the caller passes
``verified_result(assessment) or assessment.result``), the answers it was scored from and the
stored priorities in; frozen dataclasses out; Decimal only.

    weight = gap × (1 + priority factor) × roadmap factor

* ``gap``: the share of the question's maximum not reached (1 − points / max points; for a
  scenario 1 − level / top level), 0–1.
* priority factor: as the roadmap's (``diagnosis.results.roadmap.priority_factor``), 0–1, from the
  priorities the question's next step serves.
* roadmap factor: 1 + ``ROADMAP_BONUS`` × (``ROADMAP_TOP`` − rank + 1) / ``ROADMAP_TOP`` for the
  roadmap's first ``ROADMAP_TOP`` steps, else 1: the steps the enterprise is advised to take first
  weigh most.

Questions the scene map leaves unmapped yield no scene. Ties break on the question code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from diagnosis.results.needs import weak_codes
from diagnosis.results.roadmap import build_roadmap, priority_factor, priority_weights
from diagnosis.spec import SCENARIO_KIND, Spec
from providers.matching.scenemap import SceneMap, scene_map

ZERO, ONE = Decimal(0), Decimal(1)
PLACES = Decimal("0.0001")
ROADMAP_TOP = 5
ROADMAP_BONUS = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class Scene:
    spec_code: str
    code: str
    title: str
    category: str
    areas: tuple[str, ...]
    gap: Decimal  # 0–1
    priority_factor: Decimal  # 0–1
    roadmap_rank: int | None  # 1-based place on the roadmap, None when not on it
    weight: Decimal
    provisional: bool  # the scene map's row is our reading, not a source's
    source: str
    ancestors: tuple[str, ...] = ()  # dimensions (or scenario group) above the question, nearest first

    @property
    def key(self) -> tuple[str, str]:
        return (self.spec_code, self.code)


def _gap(spec: Spec, row: Mapping[str, Any]) -> Decimal:
    item = spec.items[row["code"]]
    if item.kind == SCENARIO_KIND:
        top = len(item.level_descriptors)
        return ONE - Decimal(row["level"] or 0) / top if top else ZERO
    if row["points"] is None or not row["max_points"]:
        return ZERO
    return ONE - Decimal(row["points"]) / Decimal(row["max_points"])


def _dimension_parents(spec: Spec) -> dict[str, str]:
    parents: dict[str, str] = {}
    stack = [(d, "") for d in spec.dimensions]
    while stack:
        dimension, parent = stack.pop()
        parents[dimension.code] = parent
        stack.extend((child, dimension.code) for child in dimension.children)
    return parents


def _ancestors(node: str, parents: Mapping[str, str]) -> tuple[str, ...]:
    found = []
    while node and node not in found:
        found.append(node)
        node = parents.get(node, "")
    return tuple(found)


_SPEC_MEMO: dict[tuple[int, int], tuple[SceneMap, Spec, Mapping[str, Any], Mapping[str, str]]] = {}
_SPEC_MEMO_SIZE = 16


def _spec_rows(mapping: SceneMap, spec: Spec) -> tuple[Mapping[str, Any], Mapping[str, str]]:
    """The scene map's row of every question of ``spec`` and the dimensions' parents, computed once
    per (scene map, spec) pair: both are immutable, so a batch reuses them (held by identity)."""
    key = (id(mapping), id(spec))
    found = _SPEC_MEMO.get(key)
    if found is not None and found[0] is mapping and found[1] is spec:
        return found[2], found[3]
    if len(_SPEC_MEMO) >= _SPEC_MEMO_SIZE:
        _SPEC_MEMO.clear()
    rows, parents = mapping.spec_rows(spec), _dimension_parents(spec)
    _SPEC_MEMO[key] = (mapping, spec, rows, parents)
    return rows, parents


def build_scenes(spec: Spec, result: Mapping[str, Any], answers: Mapping[str, Any],
                 priorities: Mapping[str, Any] | None = None, *, mapping: SceneMap | None = None,
                 ) -> tuple[Scene, ...]:
    """The scenes of one scored assessment, heaviest first."""
    mapping = mapping or scene_map()
    rows = {row["code"]: row for row in result["items"]}
    weights = priority_weights(priorities)
    roadmap = build_roadmap(spec, result, answers, priorities)
    steps = {rec.code: (rank, rec) for rank, rec in enumerate(roadmap.recommendations, start=1)}
    scene_rows, parents = _spec_rows(mapping, spec)
    scenes = []
    for code in weak_codes(spec, result):
        map_row = scene_rows.get(code)
        if map_row is None:
            continue
        gap = max(ZERO, min(ONE, _gap(spec, rows[code])))
        if gap <= 0:
            continue
        rank, rec = steps.get(code, (None, None))
        factor = priority_factor(tuple(p.code for p in rec.serves) if rec else (), weights)
        boost = ONE
        if rank is not None and rank <= ROADMAP_TOP:
            boost += ROADMAP_BONUS * Decimal(ROADMAP_TOP - rank + 1) / ROADMAP_TOP
        weight = (gap * (ONE + factor) * boost).quantize(PLACES, rounding=ROUND_HALF_UP)
        scenes.append(Scene(
            spec_code=spec.code, code=code, title=spec.items[code].title, category=map_row.category,
            areas=map_row.areas, gap=gap.quantize(PLACES, rounding=ROUND_HALF_UP),
            priority_factor=factor.quantize(PLACES, rounding=ROUND_HALF_UP), roadmap_rank=rank, weight=weight,
            provisional=map_row.provisional, source=map_row.source,
            ancestors=_ancestors(spec.items[code].parent, parents),
        ))
    scenes.sort(key=lambda s: (-s.weight, s.code))
    return tuple(scenes)
