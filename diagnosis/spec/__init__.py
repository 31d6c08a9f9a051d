"""Maturity specs as data.

Each version of a standard is one TOML file in this folder named ``<code>@<version>.toml``.
``load_spec`` (parse.py) turns a file into the frozen dataclasses of types.py, ``validate_spec``
(validate.py) lists what is semantically wrong with it, and ``get_spec`` / ``load_all_specs``
(registry.py) serve validated specs from a cached registry. The file format is documented in
docs/spec-format.md. Pure package: stdlib only. Callers import from ``diagnosis.spec``.
"""

from diagnosis.spec.parse import load_spec, parse_spec
from diagnosis.spec.registry import (
    SPEC_DIR,
    SpecFileProblem,
    get_spec,
    latest_spec,
    load_all_specs,
    spec_file_problems,
)
from diagnosis.spec.types import (
    ITEM_KINDS,
    METHODS,
    PROVENANCE_TAGS,
    PROVISIONAL_TAGS,
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
    SpecNotFound,
)
from diagnosis.spec.validate import validate_spec

__all__ = [
    "ITEM_KINDS", "METHODS", "PROVENANCE_TAGS", "PROVISIONAL_TAGS", "REQUIREMENT_KIND", "SCENARIO_KIND",
    "SPEC_DIR", "WORDINGS", "AnswerCondition", "Band", "Condition", "ContextKey", "Dimension",
    "DimensionRule", "Grade", "Item", "MaturityRule", "Option", "Provenance", "RatioInput", "ScenarioGroup",
    "ScenarioRule", "ScenarioSet", "Spec", "SpecError", "SpecFileProblem", "SpecMapping", "SpecNotFound",
    "get_spec", "latest_spec", "load_all_specs", "load_spec", "parse_spec", "spec_file_problems",
    "validate_spec",
]
