"""The six industrial-internet new modes (新模式) behind the demand map, which of them each question
of a shipped spec points to, and which needs an assessment's weak answers suggest.

Pure: spec and stored result in, frozen dataclasses out. Codes are mapped per spec code (not per
version): a new version keeps its codes or declares a mapping, and ``unmapped_codes`` plus the
tests show at once when a new code has no category yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from diagnosis.spec import REQUIREMENT_KIND, SCENARIO_KIND, Dimension, Spec

# An item is weak below 60 % of its points (a scenario below 60 % of its top level): the same
# share as the usual pass mark, so "weak" reads the same for every kind of question.
WEAK_SHARE = Decimal("0.6")


@dataclass(frozen=True, slots=True)
class Category:
    code: str  # equals diagnosis.models.NewMode (checked by a test; this module stays Django-free)
    title: str
    title_en: str


CATEGORIES: tuple[Category, ...] = (
    Category("digital_management", "数字化管理", "Digital management"),
    Category("smart_manufacturing", "智能化制造", "Smart manufacturing"),
    Category("networked_collaboration", "网络化协同", "Networked collaboration"),
    Category("personalised_customisation", "个性化定制", "Personalised customisation"),
    Category("service_extension", "服务化延伸", "Service extension"),
    Category("platform_design", "平台化设计", "Platform-based design"),
)
CATEGORY_CODES = tuple(c.code for c in CATEGORIES)

_DM, _SM, _NC, _PC, _SE, _PD = CATEGORY_CODES


@dataclass(frozen=True, slots=True)
class CategoryTable:
    """Categories of one standard: ``items`` by item or scenario code, ``dimensions`` by dimension
    code (inherited by every question below it unless the item has its own entry), ``unmapped``
    lists codes that deliberately state no need, with the reason."""

    items: Mapping[str, str]
    dimensions: Mapping[str, str]
    unmapped: Mapping[str, str]


def _table(items=None, dimensions=None, unmapped=None) -> CategoryTable:
    return CategoryTable(MappingProxyType(dict(items or {})), MappingProxyType(dict(dimensions or {})),
                         MappingProxyType(dict(unmapped or {})))


TABLES: Mapping[str, CategoryTable] = MappingProxyType({
    # SME 2024 (the primary standard): every item and scenario listed explicitly.
    "sme-2024": _table(items={
        "network": _SM, "device-digitisation": _SM, "device-networking": _SM,
        "data-collection-links": _DM, "it-coverage": _DM, "network-security": _DM, "data-security": _DM,
        "planning-implementation": _DM, "management-mechanisms": _DM, "talent": _DM, "funding": _DM,
        "energy-intensity": _SM, "pass-rate": _SM, "revenue-per-employee": _DM, "cost-per-revenue": _DM,
        "sc-product-design": _PD, "sc-process-design": _PD, "sc-marketing": _PC, "sc-after-sales": _SE,
        "sc-planning": _SM, "sc-production-control": _SM, "sc-quality": _SM, "sc-equipment": _SM,
        "sc-safety": _SM, "sc-energy": _SM, "sc-procurement": _NC, "sc-warehousing": _NC,
        "sc-finance": _DM, "sc-hr": _DM, "sc-office": _DM, "sc-decision": _DM,
    }),
    "gbt23020-2013": _table(
        dimensions={"infrastructure": _DM, "single-application": _SM, "integration": _DM, "synergy": _NC,
                    "competitiveness": _SM, "benefit": _SM},
        items={
            "automation-equipment-share": _SM, "backbone-network": _SM, "rd-tool-penetration": _PD,
            "procurement-sales": _NC, "finance-hr": _DM, "design-manufacturing": _PD,
            "management-control": _SM, "new-product-share": _PC, "unit-cost": _DM,
        },
    ),
    # GB/T 39116: requirements inherit the category of their capability sub-domain.
    "gbt39116-2020": _table(
        dimensions={
            "strategy": _DM, "skills": _DM, "data": _DM, "integration": _NC, "security": _DM,
            "equipment": _SM, "network": _SM, "product-design": _PD, "process-design": _PD,
            "procurement": _NC, "planning-scheduling": _SM, "production-operations": _SM,
            "equipment-management": _SM, "warehousing-distribution": _NC, "safety-environment": _SM,
            "energy-management": _SM, "logistics": _NC, "sales": _PC, "customer-service": _SE,
            "product-service": _SE,
        },
        unmapped={"product-design-applicable": "screening question: decides the scope, states no need"},
    ),
})


def _parents(dimensions: tuple[Dimension, ...], parent: str = "") -> dict[str, str]:
    parents: dict[str, str] = {}
    for dimension in dimensions:
        parents[dimension.code] = parent
        parents.update(_parents(dimension.children, dimension.code))
    return parents


def spec_categories(spec: Spec) -> dict[str, str | None]:
    """The new-mode category of every question of ``spec`` (questionnaire order): its own entry,
    else that of the nearest dimension above it; None when nothing maps it."""
    table = TABLES.get(spec.code)
    if table is None:
        return dict.fromkeys(spec.items)
    parents = _parents(spec.dimensions)
    categories: dict[str, str | None] = {}
    for code, item in spec.items.items():
        category = table.items.get(code)
        node = item.parent
        while category is None and node:
            category = table.dimensions.get(node)
            node = parents.get(node, "")
        categories[code] = category
    return categories


def category_of(spec: Spec, code: str) -> str | None:
    """The category of one question (see ``spec_categories``); None for unknown codes."""
    return spec_categories(spec).get(code)


def unmapped_codes(spec: Spec) -> tuple[str, ...]:
    """Question codes of ``spec`` with no category that the table does not explain either."""
    table = TABLES.get(spec.code)
    explained = table.unmapped if table else {}
    return tuple(code for code, category in spec_categories(spec).items()
                 if category is None and code not in explained)


def _stop_level(result: Mapping[str, Any]) -> int | None:
    # Maturity method: requirements above the level where the level-sum stopped do not count yet.
    counted = [s["level"] for s in result.get("level_scores") or () if s.get("counted")]
    return max(counted) if counted else None


def weak_codes(spec: Spec, result: Mapping[str, Any]) -> tuple[str, ...]:
    """Questions answered below ``WEAK_SHARE`` of their maximum, in questionnaire order.

    ``result`` is a stored ``ScoreResult.to_dict()``. Hidden and screening questions are never
    weak (the question that hid them is); a maturity requirement is weak only up to the level
    where the level-sum stopped, since higher levels are not in reach yet.
    """
    stop = _stop_level(result)
    weak = []
    for row in result["items"]:
        item = spec.items.get(row["code"])
        if item is None or not row["visible"]:
            continue
        if item.kind == SCENARIO_KIND:
            top = len(item.level_descriptors)
            if top and Decimal(row["level"] or 0) < WEAK_SHARE * top:
                weak.append(item.code)
            continue
        if row["points"] is None or not row["max_points"] or Decimal(row["max_points"]) == 0:
            continue
        if item.kind == REQUIREMENT_KIND and stop is not None and (item.level or 0) > stop:
            continue
        if Decimal(row["points"]) < WEAK_SHARE * Decimal(row["max_points"]):
            weak.append(item.code)
    return tuple(weak)


@dataclass(frozen=True, slots=True)
class NeedSuggestion:
    category: Category
    codes: tuple[str, ...]  # weak questions of this category, questionnaire order


def suggest_needs(spec: Spec, result: Mapping[str, Any]) -> tuple[NeedSuggestion, ...]:
    """One suggestion per category, in the canonical order: the weak questions pointing to it."""
    weak = weak_codes(spec, result)
    categories = spec_categories(spec)
    return tuple(
        NeedSuggestion(category, tuple(code for code in weak if categories[code] == category.code))
        for category in CATEGORIES
    )
