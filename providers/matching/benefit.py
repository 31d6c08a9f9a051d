"""Transformation benefit estimate (转型收益评估): for each recommended roadmap step, a transparent
estimate of the efficiency, cost and quality gains, from industry figures kept as data
(``benefit.toml``, every figure provisional and sourced).

Pure: a roadmap (``diagnosis.results.roadmap.build_roadmap``), the spec and the enterprise's
industry division in; frozen dataclasses out; Decimal only.

    gain of a step = typical gain of its need category × industry factor × step share
    step share     = the step's points gain ÷ the points gain of all roadmap steps in that category

so the steps of one category add up to the typical gain of a project that closes the category.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from types import MappingProxyType

from diagnosis.results.needs import CATEGORIES, spec_categories
from diagnosis.results.roadmap import Roadmap
from diagnosis.spec import Spec

PATH = Path(__file__).with_name("benefit.toml")
MEASURES: tuple[tuple[str, str], ...] = (("efficiency", "效率提升"), ("cost", "成本降低"), ("quality", "质量改善"))
TENTH = Decimal("0.1")
PLACES = Decimal("0.0001")
DEFAULT_STEPS = 5
_CATEGORY_TITLES = {c.code: c.title for c in CATEGORIES}


@dataclass(frozen=True, slots=True)
class Figures:
    version: str
    categories: Mapping[str, Mapping[str, Decimal]]  # category → measure → percent
    sources: Mapping[str, str]
    industries: Mapping[str, tuple[str, frozenset[str], Decimal]]  # group → (title, divisions, factor)


@dataclass(frozen=True, slots=True)
class Gain:
    code: str
    label: str
    percent: Decimal  # estimated gain of this step, one decimal
    typical: Decimal  # the category's typical gain it is a share of


@dataclass(frozen=True, slots=True)
class StepBenefit:
    code: str
    title: str
    next_step: str
    category: str
    category_title: str
    share: Decimal  # 0–1
    factor: Decimal
    gains: tuple[Gain, ...]
    formula: str  # plain Chinese, with the numbers
    source: str


@dataclass(frozen=True, slots=True)
class BenefitEstimate:
    steps: tuple[StepBenefit, ...]
    industry: str  # the industry group's title, "" when none applies
    version: str
    provisional: bool = True


@cache
def figures() -> Figures:
    with PATH.open("rb") as handle:
        data = tomllib.load(handle)
    categories, sources = {}, {}
    for code, row in data["categories"].items():
        categories[code] = MappingProxyType({m: Decimal(row[m]) for m, _label in MEASURES})
        sources[code] = row["source"]
    industries = {code: (row["title"], frozenset(row["divisions"]), Decimal(row["factor"]))
                  for code, row in data.get("industries", {}).items()}
    return Figures(str(data["version"]), MappingProxyType(categories), MappingProxyType(sources),
                   MappingProxyType(industries))


def _industry(division: str, data: Figures) -> tuple[str, Decimal]:
    for title, divisions, factor in data.industries.values():
        if division in divisions:
            return title, factor
    return "", Decimal(1)


def estimate(spec: Spec, roadmap: Roadmap, *, division: str = "", limit: int = DEFAULT_STEPS,
             data: Figures | None = None) -> BenefitEstimate:
    """The benefit of the roadmap's first ``limit`` steps (the page's recommended ones)."""
    data = data or figures()
    categories = spec_categories(spec)
    industry, factor = _industry(division, data)
    totals: dict[str, Decimal] = {}
    for rec in roadmap.recommendations:
        category = categories.get(rec.code)
        if category in data.categories:
            totals[category] = totals.get(category, Decimal(0)) + rec.gain
    steps = []
    for rec in roadmap.recommendations[:limit]:
        category = categories.get(rec.code)
        if category not in data.categories or not totals.get(category):
            continue
        share = (rec.gain / totals[category]).quantize(PLACES, rounding=ROUND_HALF_UP)
        typical = data.categories[category]
        gains = tuple(Gain(code, label, (typical[code] * factor * share).quantize(TENTH, rounding=ROUND_HALF_UP),
                           typical[code]) for code, label in MEASURES)
        title = _CATEGORY_TITLES[category]
        factor_text = f" × 行业系数 {factor}" if factor != 1 else ""
        formula = (f"{title}类项目的典型效果（效率 +{typical['efficiency']}%、成本 −{typical['cost']}%、"
                   f"质量 +{typical['quality']}%）{factor_text} × 本步占该类全部建议的得分增益比例 "
                   f"{rec.gain_text} ÷ {_number(totals[category])} = {(share * 100).quantize(TENTH)}%")
        steps.append(StepBenefit(code=rec.code, title=rec.title, next_step=rec.next_step, category=category,
                                 category_title=title, share=share, factor=factor, gains=gains, formula=formula,
                                 source=data.sources[category]))
    return BenefitEstimate(steps=tuple(steps), industry=industry, version=data.version)


def _number(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
