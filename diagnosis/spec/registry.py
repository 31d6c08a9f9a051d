"""The spec files shipped in this folder, validated and served from a cache."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from diagnosis.spec.parse import load_spec
from diagnosis.spec.types import (
    Spec,
    SpecError,
    SpecNotFound,
)
from diagnosis.spec.validate import validate_spec

# The released spec files live beside this module (see docs/spec-format.md).
SPEC_DIR = Path(__file__).resolve().parent


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
