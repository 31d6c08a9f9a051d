"""What the diagnosis report shows, as plain data (docs/architecture.md, report layer 1).

The report says what the web result page says: both start from ``build_result_context``
(results/context.py: the standing result — verified once approved — with its dimensions, grades,
roadmap, benchmarks, needs, corrections and provisional items). This module adds only what the PDF
has: the self-declared and verified columns side by side, the charts as SVG (``svgcharts``)
instead of plotly, the cover, the verification code with its QR, and the sections other apps
registered (diagnosis/extensions.py). Texts that depend on the language are resolved here under
``translation.override(language)``; spec titles and the benchmark/roadmap dataclasses keep both
languages and the template picks one with ``local_title``.

Once an assessment is approved the verified score (after the reviewers' corrections) stands beside
the self-declared one; before that the report shows the self-declared score and says the review is
pending, so nobody mistakes an interim correction for a final figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import qrcode
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from qrcode.image.svg import SvgPathImage

from diagnosis.extensions import report_sections
from diagnosis.models import Assessment
from diagnosis.report import svgcharts
from diagnosis.results.charts import chart_dimensions
from diagnosis.results.context import (
    ResultContext,
    build_result_context,
    flatten_dimensions,
    spec_grade,
    standing_result,
    verified_result,
)
from diagnosis.spec import Grade, Spec, get_spec
from diagnosis.spec.english import local_description, local_total_title
from portal.models import Region

# Fewer axes than this make a line, not a radar: the bars carry the figures alone then.
MIN_RADAR_AXES = 3


def verify_url(code: str) -> str:
    """The public verification page of a report, as printed in the PDF and its QR code."""
    return settings.SITE_URL + reverse("report-verify", args=[code])


def qr_svg(data: str) -> SafeString:
    """``data`` as a QR code in SVG: vector like the rest of the PDF and fetched from nowhere."""
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=10, border=2)
    # Our own markup: qrcode draws paths only, and ``data`` (our URL) is encoded, never printed.
    return mark_safe(image.to_string(encoding="unicode"))


def _title(obj: Any, language: str) -> str:
    if isinstance(obj, dict):
        title, title_en = obj.get("title", ""), obj.get("title_en", "")
    else:
        title, title_en = obj.title, getattr(obj, "title_en", "")
    return title_en if language == "en" and title_en else title


def _grade(spec: Spec, grades: Sequence[Grade], grade: dict | None, language: str) -> dict | None:
    if not grade:
        return None
    found = spec_grade(grades, grade)
    return {"code": grade["code"], "title": _title(grade, language),
            "description": local_description(spec, found, language)}


def _summary(spec: Spec, result: dict, language: str) -> dict:
    return {"total": result["total"], "max_total": result["max_total"],
            "total_title": local_total_title(spec, language),
            "level": _grade(spec, spec.levels, result["level"], language),
            "stage": _grade(spec, spec.stages, result["stage"], language)}


def _by_code(result: dict | None) -> dict[str, dict]:
    return {node["code"]: node for node, _depth in flatten_dimensions(result["dimensions"])} if result else {}


def _dimension_rows(shared: ResultContext, language: str) -> list[dict]:
    # The self-declared figures first, the verified ones (the shared rows, once approved) beside them.
    declared = shared.declared_dimensions
    rows = []
    for row in shared.dimensions:
        node = declared.get(row.score["code"], row.score)
        other = row.score if shared.verified else None
        rows.append({
            "code": node["code"], "title": _title(node, language), "depth": row.depth, "visible": node["visible"],
            "points": node["points"], "max_points": node["max_points"], "percent": node["percent"],
            "verified_points": other["points"] if other else None,
            "verified_percent": other["percent"] if other else None,
        })
    return rows


def _charts(shared: ResultContext, language: str) -> dict:
    axes = chart_dimensions(shared.declared["dimensions"])
    labels = [_title(d, language) for d in axes]
    verified_rates = None
    if shared.verified:
        by_code = _by_code(shared.result)
        verified_rates = [Decimal(by_code[d["code"]]["percent"]) if d["code"] in by_code else None for d in axes]
    series = svgcharts.self_and_verified([Decimal(d["percent"]) for d in axes], verified_rates,
                                         declared_name=_("Self-declared"), verified_name=pgettext("score", "Verified"))
    title = _("Score rate per dimension")
    # Our own markup: svgcharts escapes every label and prints only formatted numbers.
    radar = (mark_safe(svgcharts.radar_svg(labels, series, title=title))
             if len(labels) >= MIN_RADAR_AXES else None)
    return {"radar": radar, "bars": mark_safe(svgcharts.bars_svg(labels, series, title=title)),
            "labels": labels}


def _item_groups(shared: ResultContext, language: str) -> list[dict]:
    declared_items, declared_dimensions = shared.declared_items, shared.declared_dimensions
    corrected = {c.item.code for c in shared.corrections if c.item is not None}
    groups = []
    for dimension in shared.dimensions:
        if not dimension.items:
            continue
        items = []
        for item, standing in dimension.items:
            code = item.code
            row = declared_items.get(code, standing)
            other = standing if shared.verified else None
            items.append({
                "code": code, "title": _title(item, language), "visible": row["visible"],
                "points": row["points"], "max_points": row["max_points"], "reason": row["reason"],
                "corrected": code in corrected,
                "verified_points": other["points"] if other else None,
                "verified_reason": other["reason"] if other and code in corrected else "",
            })
        node = declared_dimensions.get(dimension.score["code"], dimension.score)
        groups.append({"title": _title(node, language), "depth": dimension.depth, "visible": node["visible"],
                       "points": node["points"], "max_points": node["max_points"], "items": items})
    return groups


def _scenario_groups(shared: ResultContext, language: str) -> list[dict]:
    return [
        {"title": _title(group, language),
         "rows": [{"title": _title(item, language), "level": row["level"],
                   "max_level": len(item.level_descriptors), "reason": row["reason"]} for item, row in rows]}
        for group, rows in shared.scenarios
    ]


def _review(assessment: Assessment, shared: ResultContext) -> dict:
    return {
        "status": assessment.status, "label": str(assessment.get_status_display()),
        "approved": assessment.status == Assessment.Status.APPROVED,
        "reviewed_at": shared.reviewed_at,
        "comment": shared.review_comment,
        "corrections": [{"title": c.title, "declared": c.declared_answer, "verified": c.verified_answer,
                         "reason": c.reason, "declared_points": c.declared_points,
                         "verified_points": c.verified_points} for c in shared.corrections],
    }


def _needs(shared: ResultContext, language: str) -> list[dict]:
    return [{
        "category": str(need.get_category_display()), "urgency": str(need.get_urgency_display()),
        "description": need.description, "budget_wan": need.budget_wan,
        "items": [_title(shared.spec.items[code], language) for code in need.item_codes if code in shared.spec.items],
    } for need in shared.needs]


def _region_name(region: Region | None, language: str) -> str:
    if region is None:
        return ""
    return region.name_en if language == "en" and region.name_en else region.name


def build_report_context(assessment: Assessment, *, language: str, verification_code: str,
                         issued_at: datetime) -> dict[str, Any]:
    """Everything the report template shows about a scored assessment, in ``language``
    ("zh-hans" or "en"). ``verification_code`` and ``issued_at`` come from the report row, so a
    rebuilt file carries the same code and date as the first one."""
    shared = build_result_context(assessment, language=language)
    spec, declared = shared.spec, shared.declared
    verified = shared.result if shared.verified else None
    enterprise = assessment.enterprise
    with translation.override(language):
        return {
            **shared.partials_context(),
            "language": language,
            "issued_at": issued_at,
            "verification": {"code": verification_code, "url": verify_url(verification_code),
                             "qr": qr_svg(verify_url(verification_code))},
            "enterprise": {"name": enterprise.name, "uscc": enterprise.uscc,
                           "region": _region_name(assessment.region or enterprise.region, language)},
            "assessment": {"pk": assessment.pk, "year": assessment.year, "submitted_at": assessment.submitted_at},
            "spec": {"key": assessment.spec_key, "title": _title(spec, language), "version": spec.version, "method": spec.method},
            "declared": _summary(spec, declared, language),
            "verified": _summary(spec, verified, language) if verified else None,
            "review": _review(assessment, shared),
            "dimensions": _dimension_rows(shared, language),
            "level_scores": list(shared.level_scores),
            "charts": _charts(shared, language),
            "item_groups": _item_groups(shared, language),
            "scenarios": _scenario_groups(shared, language),
            # The PDF is read by the enterprise and by anyone it hands it to: the plain notice and
            # the titles of what is affected, never the spec's codes, tags or sources.
            "provisional": {
                "any": bool(declared["provisional"] or (verified or {}).get("provisional")),
                "items": list(shared.provisional_items),
            },
            "needs": _needs(shared, language),
            "visits": [{"date": v.visit_date, "participants": v.participants, "findings": v.findings}
                       for v in assessment.site_visits.all()],
            "extension_sections": [
                {"key": section.key, "template": section.template,
                 "context": section.build_context(assessment, language)}
                for section in report_sections()],
        }


def verification_facts(report, *, issued_at: datetime | None = None) -> dict[str, Any]:
    """What the public verification page may say about a report: the enterprise, the standard and
    version, the score (verified once approved), the report's date and the review state — the
    facts on its cover, nothing more, as the assessment stands now. ``issued_at`` is the date of
    the report that states them (None when no report states them yet). Texts follow the active
    language."""
    assessment = report.assessment
    language = translation.get_language()
    spec = get_spec(assessment.spec_key)
    approved = verified_result(assessment) is not None
    result = standing_result(assessment)
    return {
        "enterprise": assessment.enterprise.name,
        "spec_title": _title(spec, language), "spec_version": spec.version,
        "total": result["total"], "max_total": result["max_total"],
        "total_title": local_total_title(spec, language),
        "level": _title(result["level"], language) if result["level"] else "",
        "verified": approved,
        "issued_at": issued_at,
        "review_state": str(assessment.get_status_display()),
        "reviewed_at": assessment.reviewed_at if approved else None,
    }
