"""Plausibility checks between answers, and between answers and the enterprise's registered facts.
Pure: answers and facts in, warnings out. A warning never blocks saving or submitting: the figure
may be right. It asks the enterprise to check, and the reviewer sees the same list.

The rules are data, per spec code. Thresholds marked provisional are ours ([P] in
docs/sources.md): no standard sets them, and the page says so.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True, slots=True)
class SameCount:
    """One quantity asked twice (e.g. the number of digital devices: numerator of one ratio,
    denominator of the next): both entries should agree."""

    code: str
    first: tuple[str, str]  # (item code, "numerator" | "denominator")
    second: tuple[str, str]


@dataclass(frozen=True, slots=True)
class ShareAbove:
    """A ratio above a share that is possible but rare enough to ask about."""

    code: str
    item: str
    limit: Decimal
    provisional: bool = True


@dataclass(frozen=True, slots=True)
class PartNearFact:
    """A ratio part that restates a registered fact (e.g. head count): warn when they differ by
    more than ``tolerance`` (a share of the fact)."""

    code: str
    item: str
    part: str
    fact: str
    tolerance: Decimal
    provisional: bool = True


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    items: tuple[str, ...]
    params: Mapping[str, str] = field(default_factory=dict)
    provisional: bool = False


RULES: Mapping[str, tuple] = {
    "sme-2024": (
        SameCount("digital-devices-twice", ("device-digitisation", "numerator"), ("device-networking", "denominator")),
        ShareAbove("funding-share-high", "funding", Decimal("0.20")),
    ),
    "gbt23020-2013": (
        ShareAbove("computers-per-100-high", "computers-per-100", Decimal("3")),
        PartNearFact("headcount-differs", "computers-per-100", "denominator", "employees", Decimal("0.5")),
    ),
}


def _number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _part(answers: Mapping[str, Any], item: str, part: str) -> Decimal | None:
    answer = answers.get(item)
    return _number(answer.get(part)) if isinstance(answer, Mapping) else None


def _share(answers: Mapping[str, Any], item: str) -> Decimal | None:
    numerator, denominator = _part(answers, item, "numerator"), _part(answers, item, "denominator")
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def warnings(spec_code: str, answers: Mapping[str, Any], facts: Mapping[str, Any] | None = None) -> tuple[Warning, ...]:
    """Warnings for the answers given so far (unanswered questions are skipped, never warned)."""
    facts = facts or {}
    found: list[Warning] = []
    for rule in RULES.get(spec_code, ()):
        if isinstance(rule, SameCount):
            a, b = _part(answers, *rule.first), _part(answers, *rule.second)
            if a is not None and b is not None and a != b:
                found.append(Warning(rule.code, (rule.first[0], rule.second[0]),
                                     {"first": f"{a.normalize():f}", "second": f"{b.normalize():f}"}))
        elif isinstance(rule, ShareAbove):
            share = _share(answers, rule.item)
            if share is not None and share > rule.limit:
                found.append(Warning(rule.code, (rule.item,),
                                     {"value": f"{(share * 100).quantize(Decimal('0.1'))}",
                                      "limit": f"{(rule.limit * 100).normalize():f}"}, rule.provisional))
        elif isinstance(rule, PartNearFact):
            stated, fact = _part(answers, rule.item, rule.part), _number(facts.get(rule.fact))
            if stated is not None and fact and abs(stated - fact) > fact * rule.tolerance:
                found.append(Warning(rule.code, (rule.item,),
                                     {"stated": f"{stated.normalize():f}", "fact": f"{fact.normalize():f}"},
                                     rule.provisional))
    return tuple(found)
