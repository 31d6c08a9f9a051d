"""What a scored assessment's result says, built once for the result page and the PDF report.

Both pages must say the same thing, so the figures, the flattened dimension tree, the grades, the
roadmap, the benchmarks, the needs and the provisional reasons come from here. The result view adds
only what a browser needs (forms, write flags, plotly figures); the report adds only what a PDF
needs (SVG charts, verification code, QR, cover).

Once the bureau has approved an assessment, its verified result (the answers after the reviewers'
corrections) is the one that stands: ``verified_result`` (results/selectors.py, re-exported here)
is the only place that decides this, and every page, list, comparison, API and benchmark that
shows "the" result asks it. The self-declared result stays beside it (``declared``) with the
corrections that turned one into the other.

Texts that depend on the language are resolved under ``translation.override(language)``; spec
titles, benchmark and roadmap dataclasses keep both languages and the templates pick one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from diagnosis.fill.questionnaire import describe_value
from diagnosis.models import Assessment, ItemCorrection, Need, NewMode
from diagnosis.results.benchmarks import Benchmarks
from diagnosis.results.cache import cached_benchmarks
from diagnosis.results.charts import chart_dimensions
from diagnosis.results.forms import PRIORITY_LABELS
from diagnosis.results.labels import (
    PROVENANCE_LABELS,
    SHOWN_RECOMMENDATIONS,
    localised_result,
    provisional_titles,
)
from diagnosis.results.roadmap import Recommendation, Roadmap, build_roadmap
from diagnosis.results.selectors import needs_of, verified_result
from diagnosis.spec import Dimension, Grade, Item, ScenarioGroup, Spec, get_spec
from diagnosis.spec.english import local_description, local_total_title
from portal.models import Region


def standing_result(assessment: Assessment) -> Mapping[str, Any] | None:
    """The result that counts: the verified one once approved, else the self-declared one."""
    return verified_result(assessment) or assessment.result


def standing_answers(assessment: Assessment) -> Mapping[str, Any]:
    """The answers the standing result was scored from: the frozen submitted answers, with the
    reviewers' corrections laid over them once the assessment is approved."""
    answers = dict(assessment.submitted_answers or {})
    if verified_result(assessment) is not None:
        answers.update(dict(assessment.corrections.values_list("item_code", "verified_value")))
    return answers


def flatten_dimensions(dimensions: Iterable[Mapping[str, Any]], depth: int = 0) -> Iterator[tuple[Mapping, int]]:
    """A stored result's dimension tree, parents before children, with each node's depth."""
    for node in dimensions:
        yield node, depth
        yield from flatten_dimensions(node["children"], depth + 1)


def spec_grade(grades: Sequence[Grade], grade: Mapping[str, Any] | None) -> Grade | None:
    """The standard's level or stage that a stored result's ``{"code": …}`` names (for its description)."""
    code = (grade or {}).get("code")
    return next((g for g in grades if g.code == code), None) if code else None


@dataclass(frozen=True)
class DimensionRow:
    """One node of the dimension tree: the standard's node (titles in both languages) beside the
    stored result's (points, max_points, percent, visible, children), with the items directly under it."""

    spec: Dimension
    score: Mapping[str, Any]
    depth: int
    items: tuple[tuple[Item, Mapping[str, Any]], ...]


@dataclass(frozen=True)
class CorrectionRow:
    """One reviewer correction as the enterprise reads it: its answer, the verified answer, why,
    and the item's points before and after."""

    item: Item | None
    title: str
    declared_answer: str
    verified_answer: str
    reason: str
    declared_points: str | None
    verified_points: str | None


def describe_answer(item: Item, value: Any, language: str) -> str:
    """A stored answer in words in ``language``: the options' English titles in English (the
    questionnaire's ``describe_value`` speaks the spec's Chinese)."""
    if language != "en" or value is None:
        return describe_value(item, value)
    if item.kind in ("choice", "requirement"):
        option = item.option_index.get(value)
        return (option.title_en or option.title) if option else str(value)
    if item.kind == "multi":
        return "; ".join((item.option_index[v].title_en or item.option_index[v].title) if v in item.option_index
                         else str(v) for v in value)
    if item.kind == "scenario":
        return f"Level {int(value)}"
    return describe_value(item, value)


def local_level_scores(spec: Spec, result: Mapping[str, Any], language: str) -> tuple[dict[str, Any], ...]:
    """The maturity level scores of a stored result with their titles in ``language``."""
    titles_en = spec.maturity.level_titles_en if spec.maturity else ()
    rows = []
    for row in result.get("level_scores") or ():
        level = int(row.get("level") or 0)
        english = titles_en[level - 1] if language == "en" and 0 < level <= len(titles_en) else ""
        rows.append({**row, "title": english or row.get("title", "")})
    return tuple(rows)


def correction_rows(spec: Spec, corrections: Iterable[ItemCorrection], declared: Mapping[str, Any],
                    verified: Mapping[str, Any], language: str) -> tuple[CorrectionRow, ...]:
    """The corrections in the questionnaire's order, the answers in words."""
    declared_rows = {row["code"]: row for row in declared.get("items", ())}
    verified_rows = {row["code"]: row for row in verified.get("items", ())}
    order = {code: position for position, code in enumerate(spec.items)}
    rows = []
    for correction in sorted(corrections, key=lambda c: (order.get(c.item_code, len(order)), c.item_code)):
        item = spec.items.get(correction.item_code)
        title = ((item.title_en if language == "en" and item.title_en else item.title) if item
                 else correction.item_code)
        before, after = declared_rows.get(correction.item_code, {}), verified_rows.get(correction.item_code, {})
        rows.append(CorrectionRow(
            item=item, title=title,
            declared_answer=describe_answer(item, correction.declared_value, language) if item
            else str(correction.declared_value),
            verified_answer=describe_answer(item, correction.verified_value, language) if item
            else str(correction.verified_value),
            reason=correction.reason,
            declared_points=before.get("points"), verified_points=after.get("points")))
    return tuple(rows)


@dataclass(frozen=True)
class ResultContext:
    """Everything both pages show about one scored assessment; ``page_context()`` and
    ``partials_context()`` hand it to templates under the names they read."""

    spec: Spec
    # The result that stands (verified once approved) — every figure below is drawn from it.
    result: Mapping[str, Any]
    language: str
    # What the enterprise declared, and whether ``result`` is the bureau's verified result instead.
    declared: Mapping[str, Any]
    verified: bool
    corrections: tuple[CorrectionRow, ...]
    review_comment: str
    reviewed_at: Any
    level: Grade | None
    stage: Grade | None
    # The spec texts above in ``language`` (English ones from diagnosis/spec/english/).
    total_title: str
    level_description: str
    stage_description: str
    level_scores: tuple[dict[str, Any], ...]
    dimensions: tuple[DimensionRow, ...]
    scenarios: tuple[tuple[ScenarioGroup, tuple[tuple[Item, Mapping[str, Any]], ...]], ...]
    chart_axes: tuple[Mapping[str, Any], ...]
    roadmap: Roadmap
    benchmarks: Benchmarks
    needs: tuple[Need, ...]
    # tag, label (resolved in ``language``), source, note — for staff and experts only
    provisional_reasons: tuple[dict[str, str], ...]
    # The same, as the enterprise reads it: the titles of what is affected, no codes or sources.
    provisional_items: tuple[str, ...]
    region_levels: dict[str, str]

    @property
    def declared_items(self) -> dict[str, Mapping[str, Any]]:
        return {row["code"]: row for row in self.declared["items"]}

    @property
    def declared_dimensions(self) -> dict[str, Mapping[str, Any]]:
        return {node["code"]: node for node, _depth in flatten_dimensions(self.declared["dimensions"])}

    @property
    def recommendations(self) -> list[Recommendation]:
        return self.roadmap.recommendations[:SHOWN_RECOMMENDATIONS]

    @property
    def more_recommendations(self) -> list[Recommendation]:
        return self.roadmap.recommendations[SHOWN_RECOMMENDATIONS:]

    def partials_context(self) -> dict[str, Any]:
        """What the partials both pages include (results/partials/benchmarks.html, roadmap.html) read.
        Read-only: the result view replaces ``priorities_form`` for people who may write."""
        return {
            "benchmarks": self.benchmarks, "region_levels": self.region_levels,
            "result_is_verified": self.verified,
            "roadmap": self.roadmap, "recommendations": self.recommendations,
            "more_recommendations": self.more_recommendations,
            "priorities_form": None, "priority_labels": PRIORITY_LABELS,
        }

    def page_context(self) -> dict[str, Any]:
        """The result page's template names for everything above."""
        return {
            **self.partials_context(),
            "spec": self.spec, "result": self.result, "level": self.level, "stage": self.stage,
            "total_title": self.total_title, "level_description": self.level_description,
            "stage_description": self.stage_description, "level_scores": self.level_scores,
            "dimensions": self.dimensions, "scenarios": self.scenarios, "needs": self.needs,
            "provenance_labels": PROVENANCE_LABELS, "provisional_reasons": self.provisional_reasons,
            "provisional_items": self.provisional_items,
            "provisional_items_text": (", " if self.language == "en" else "、").join(self.provisional_items),
            "declared": self.declared, "declared_items": self.declared_items,
            "declared_level": spec_grade(self.spec.levels, self.declared["level"]),
            "declared_dimensions": self.declared_dimensions, "corrections": self.corrections,
            "review_comment": self.review_comment, "reviewed_at": self.reviewed_at,
        }


def build_result_context(assessment: Assessment, *, language: str | None = None,
                         spec: Spec | None = None) -> ResultContext:
    """What ``assessment`` (scored) shows, with texts in ``language`` (default: the active one):
    the verified result once approved (``verified_result``), else the self-declared one.
    Reads the database for the benchmarks, the corrections and the needs; writes nothing."""
    language = language or translation.get_language()
    spec = spec or get_spec(assessment.spec_key)
    verified = verified_result(assessment)
    standing = standing_answers(assessment)
    # Item reasons in ``language`` (the stored ones are the engine's Chinese).
    declared = localised_result(spec, assessment.result, assessment.submitted_answers or {}, language)
    result = localised_result(spec, verified, standing, language) if verified else declared
    rows = {row["code"]: row for row in result["items"]}
    dimensions = tuple(
        DimensionRow(spec=spec.dimension_index[node["code"]], score=node, depth=depth,
                     items=tuple((spec.items[code], rows[code]) for code in node["items"]))
        for node, depth in flatten_dimensions(result["dimensions"])
    )
    scenarios = tuple(
        (group, tuple((item, rows[item.code]) for item in group.scenarios if item.code in rows))
        for group in spec.scenario_groups
    )
    level, stage = spec_grade(spec.levels, result["level"]), spec_grade(spec.stages, result["stage"])
    with translation.override(language):
        return ResultContext(
            spec=spec, result=result, language=language, level=level, stage=stage,
            total_title=local_total_title(spec, language),
            level_description=local_description(spec, level, language),
            stage_description=local_description(spec, stage, language),
            level_scores=local_level_scores(spec, result, language),
            dimensions=dimensions, scenarios=scenarios,
            chart_axes=tuple(chart_dimensions(result["dimensions"])),
            declared=declared, verified=verified is not None,
            corrections=correction_rows(spec, assessment.corrections.all(), declared, result,
                                        language) if verified else (),
            review_comment=assessment.review_comment if verified else "",
            reviewed_at=assessment.reviewed_at if verified else None,
            roadmap=build_roadmap(spec, result, standing, assessment.priorities),
            benchmarks=cached_benchmarks(assessment),
            needs=tuple(sorted(needs_of(assessment).values(), key=lambda n: NewMode.values.index(n.category))),
            provisional_reasons=tuple(
                {"tag": r["tag"], "label": str(PROVENANCE_LABELS.get(r["tag"], "")), "source": r["source"],
                 "note": r["note"]}
                for r in result.get("provisional_reasons") or ()),
            provisional_items=provisional_titles(spec, result.get("provisional_reasons") or (), language),
            region_levels={code: str(label) for code, label in Region.Level.choices},
        )
