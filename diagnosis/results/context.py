"""What a scored assessment's result says, built once for the result page and the PDF report.

Both pages must say the same thing, so the figures, the flattened dimension tree, the grades, the
roadmap, the benchmarks, the needs and the provisional reasons come from here. The result view adds
only what a browser needs (forms, write flags, plotly figures); the report adds only what a PDF
needs (SVG charts, the verified score beside the self-declared one, verification code, QR, cover).

Texts that depend on the language are resolved under ``translation.override(language)``; spec
titles, benchmark and roadmap dataclasses keep both languages and the templates pick one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from diagnosis.models import Assessment, Need, NewMode
from diagnosis.results.benchmarks import Benchmarks, assessment_benchmarks
from diagnosis.results.charts import chart_dimensions
from diagnosis.results.forms import PRIORITY_LABELS
from diagnosis.results.labels import PROVENANCE_LABELS, SHOWN_RECOMMENDATIONS
from diagnosis.results.roadmap import Recommendation, Roadmap, build_roadmap
from diagnosis.results.selectors import needs_of
from diagnosis.spec import Dimension, Grade, Item, ScenarioGroup, Spec, get_spec
from portal.models import Region


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
class ResultContext:
    """Everything both pages show about one scored assessment; ``page_context()`` and
    ``partials_context()`` hand it to templates under the names they read."""

    spec: Spec
    result: Mapping[str, Any]
    language: str
    level: Grade | None
    stage: Grade | None
    dimensions: tuple[DimensionRow, ...]
    scenarios: tuple[tuple[ScenarioGroup, tuple[tuple[Item, Mapping[str, Any]], ...]], ...]
    chart_axes: tuple[Mapping[str, Any], ...]
    roadmap: Roadmap
    benchmarks: Benchmarks
    needs: tuple[Need, ...]
    # tag, label (resolved in ``language``), source, note
    provisional_reasons: tuple[dict[str, str], ...]
    region_levels: dict[str, str]

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
            "roadmap": self.roadmap, "recommendations": self.recommendations,
            "more_recommendations": self.more_recommendations,
            "priorities_form": None, "priority_labels": PRIORITY_LABELS,
        }

    def page_context(self) -> dict[str, Any]:
        """The result page's template names for everything above."""
        return {
            **self.partials_context(),
            "spec": self.spec, "result": self.result, "level": self.level, "stage": self.stage,
            "dimensions": self.dimensions, "scenarios": self.scenarios, "needs": self.needs,
            "provenance_labels": PROVENANCE_LABELS,
        }


def build_result_context(assessment: Assessment, *, language: str | None = None,
                         spec: Spec | None = None) -> ResultContext:
    """What ``assessment`` (scored) shows, with texts in ``language`` (default: the active one).
    Reads the database for the benchmarks and the needs; writes nothing."""
    language = language or translation.get_language()
    spec = spec or get_spec(assessment.spec_key)
    result = assessment.result
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
    with translation.override(language):
        return ResultContext(
            spec=spec, result=result, language=language,
            level=spec_grade(spec.levels, result["level"]), stage=spec_grade(spec.stages, result["stage"]),
            dimensions=dimensions, scenarios=scenarios,
            chart_axes=tuple(chart_dimensions(result["dimensions"])),
            roadmap=build_roadmap(spec, result, assessment.submitted_answers or {}, assessment.priorities),
            benchmarks=assessment_benchmarks(assessment),
            needs=tuple(sorted(needs_of(assessment).values(), key=lambda n: NewMode.values.index(n.category))),
            provisional_reasons=tuple(
                {"tag": r["tag"], "label": str(PROVENANCE_LABELS.get(r["tag"], "")), "source": r["source"],
                 "note": r["note"]}
                for r in result.get("provisional_reasons") or ()),
            region_levels={code: str(label) for code, label in Region.Level.choices},
        )
