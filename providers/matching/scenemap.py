"""The scene map (场景图谱) as data: ``scene_map.toml`` beside this module, loaded and checked here.

Pure: no Django. Each row links a standard's item (or, inherited by every question below it, a
dimension) to a need category (the six new modes of ``diagnosis.results.needs``) and to the
provider capability areas (``providers.taxonomy``) that serve it, with its source and confidence.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from diagnosis.results.needs import CATEGORY_CODES
from diagnosis.spec import Dimension, Spec
from providers.taxonomy import CAPABILITY_CODES

PATH = Path(__file__).with_name("scene_map.toml")
CONFIDENCES = ("source", "provisional")
# How a row's confidence reads on the pages (plain words, never a bare "[P]").
CONFIDENCE_WORDS = MappingProxyType({"source": "依据来源文件", "provisional": "暂定对应（待核实）"})


class SceneMapError(ValueError):
    """The scene map file is malformed: the message says which row and why."""


@dataclass(frozen=True, slots=True)
class SceneRow:
    spec: str
    code: str
    is_dimension: bool
    category: str
    areas: tuple[str, ...]
    source: str
    confidence: str

    @property
    def provisional(self) -> bool:
        return self.confidence == "provisional"

    @property
    def confidence_words(self) -> str:
        return CONFIDENCE_WORDS[self.confidence]


@dataclass(frozen=True, slots=True)
class SceneMap:
    version: str
    items: Mapping[tuple[str, str], SceneRow]  # (spec code, item code)
    dimensions: Mapping[tuple[str, str], SceneRow]  # (spec code, dimension code)
    unmapped: Mapping[tuple[str, str], str]  # (spec code, item code) → reason

    def spec_rows(self, spec: Spec) -> dict[str, SceneRow | None]:
        """The row of every question of ``spec``: its own, else the nearest dimension's above it."""
        parents = _parents(spec.dimensions)
        rows: dict[str, SceneRow | None] = {}
        for code, item in spec.items.items():
            row = self.items.get((spec.code, code))
            node = item.parent
            while row is None and node:
                row = self.dimensions.get((spec.code, node))
                node = parents.get(node, "")
            rows[code] = row
        return rows

    def row_for(self, spec: Spec, code: str) -> SceneRow | None:
        return self.spec_rows(spec).get(code)

    def problems(self, spec: Spec) -> list[str]:
        """Questions of ``spec`` neither mapped nor listed as unmapped, and rows naming unknown codes."""
        found = [f"{spec.code}: {code} is neither mapped nor listed as unmapped"
                 for code, row in self.spec_rows(spec).items()
                 if row is None and (spec.code, code) not in self.unmapped]
        dimension_codes = set(spec.dimension_index)
        found += [f"{spec.code}: row names unknown item {code}" for (s, code) in self.items
                  if s == spec.code and code not in spec.items]
        found += [f"{spec.code}: row names unknown dimension {code}" for (s, code) in self.dimensions
                  if s == spec.code and code not in dimension_codes]
        return found


def _parents(dimensions: tuple[Dimension, ...], parent: str = "") -> dict[str, str]:
    parents: dict[str, str] = {}
    for dimension in dimensions:
        parents[dimension.code] = parent
        parents.update(_parents(dimension.children, dimension.code))
    return parents


def parse_scene_map(data: Mapping) -> SceneMap:
    items: dict[tuple[str, str], SceneRow] = {}
    dimensions: dict[tuple[str, str], SceneRow] = {}
    for index, raw in enumerate(data.get("rows") or (), start=1):
        where = f"row {index}"
        spec = raw.get("spec")
        has_item, has_dimension = "item" in raw, "dimension" in raw
        if not isinstance(spec, str) or not spec or has_item == has_dimension:
            raise SceneMapError(f"{where}: needs a spec and exactly one of item or dimension")
        code = raw["item" if has_item else "dimension"]
        category, areas = raw.get("category"), raw.get("areas")
        if category not in CATEGORY_CODES:
            raise SceneMapError(f"{where} ({spec}:{code}): unknown category {category!r}")
        if not isinstance(areas, list) or not areas or any(a not in CAPABILITY_CODES for a in areas):
            raise SceneMapError(f"{where} ({spec}:{code}): areas must be a non-empty list of capability codes")
        if len(set(areas)) != len(areas):
            raise SceneMapError(f"{where} ({spec}:{code}): an area is listed twice")
        if not raw.get("source"):
            raise SceneMapError(f"{where} ({spec}:{code}): every row names its source")
        if raw.get("confidence") not in CONFIDENCES:
            raise SceneMapError(f"{where} ({spec}:{code}): confidence must be one of {CONFIDENCES}")
        row = SceneRow(spec, code, has_dimension, category, tuple(areas), raw["source"], raw["confidence"])
        target = dimensions if has_dimension else items
        if (spec, code) in target:
            raise SceneMapError(f"{where} ({spec}:{code}): listed twice")
        target[(spec, code)] = row
    unmapped: dict[tuple[str, str], str] = {}
    for index, raw in enumerate(data.get("unmapped") or (), start=1):
        if not raw.get("spec") or not raw.get("item") or not raw.get("reason"):
            raise SceneMapError(f"unmapped {index}: needs spec, item and reason")
        if (raw["spec"], raw["item"]) in items:
            raise SceneMapError(f"unmapped {index}: {raw['spec']}:{raw['item']} is also mapped")
        unmapped[(raw["spec"], raw["item"])] = raw["reason"]
    return SceneMap(str(data.get("version") or ""), MappingProxyType(items), MappingProxyType(dimensions),
                    MappingProxyType(unmapped))


@cache
def scene_map() -> SceneMap:
    """The shipped scene map (read once per process)."""
    with PATH.open("rb") as handle:
        return parse_scene_map(tomllib.load(handle))
