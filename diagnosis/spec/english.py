"""English texts a released spec file lacks (its total's name, level and stage descriptions).

A released file is never edited (docs/spec-format.md), so these live beside the specs in
``english/<key>.toml``; they are display texts only and change no score. Pure: stdlib only.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent / "english"


@dataclass(frozen=True, slots=True)
class EnglishTexts:
    total_title: str = ""
    # "level:L1" / "stage:integration" → description
    descriptions: dict[str, str] = field(default_factory=dict)


@cache
def english_texts(spec_key: str) -> EnglishTexts:
    """The English companion of ``spec_key``; empty texts when it has none."""
    path = DIRECTORY / f"{spec_key}.toml"
    if not path.is_file():
        return EnglishTexts()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return EnglishTexts(total_title=str(data.get("total_title", "")),
                        descriptions={str(k): str(v) for k, v in data.get("descriptions", {}).items()})


def local_total_title(spec, language: str) -> str:
    """The spec's name for its total in ``language`` (Chinese when no English is known)."""
    if language == "en":
        return english_texts(spec.key).total_title or spec.total_title
    return spec.total_title


def local_description(spec, grade, language: str) -> str:
    """A level's or stage's description in ``language``; "" for an unknown grade."""
    if grade is None:
        return ""
    if language == "en":
        kind = "level" if grade in spec.levels else "stage"
        english = english_texts(spec.key).descriptions.get(f"{kind}:{grade.code}")
        if english:
            return english
    return grade.description
