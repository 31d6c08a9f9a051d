"""What the diagnosis report shows, as plain data (docs/architecture.md, report layer 1).

The report says what the web result page says: both start from ``build_result_context``
(results/context.py: dimensions, grades, roadmap, benchmarks, needs, provisional reasons). This
module adds only what the PDF has: the verified score, the charts as SVG (``svgcharts``) instead of
plotly, the cover, the review, the verification code with its QR, and the sections other apps
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
from diagnosis.results.context import ResultContext, build_result_context, flatten_dimensions, spec_grade
from diagnosis.spec import Grade, Spec, get_spec
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


def _grade(grades: Sequence[Grade], grade: dict | None, language: str) -> dict | None:
    if not grade:
        return None
    found = spec_grade(grades, grade)
    return {"code": grade["code"], "title": _title(grade, language),
            "description": found.description if found else ""}


def _summary(spec: Spec, result: dict, language: str) -> dict:
    return {"total": result["total"], "max_total": result["max_total"], "total_title": result["total_title"],
            "level": _grade(spec.levels, result["level"], language),
            "stage": _grade(spec.stages, result["stage"], language)}


def _by_code(verified: dict | None) -> dict[str, dict]:
    return {node["code"]: node for node, _depth in flatten_dimensions(verified["dimensions"])} if verified else {}


def _dimension_rows(shared: ResultContext, verified: dict | None, language: str) -> list[dict]:
    checked = _by_code(verified)
    rows = []
    for row in shared.dimensions:
        node, other = row.score, checked.get(row.score["code"])
        rows.append({
            "code": node["code"], "title": _title(node, language), "depth": row.depth, "visible": node["visible"],
            "points": node["points"], "max_points": node["max_points"], "percent": node["percent"],
            "verified_points": other["points"] if other else None,
            "verified_percent": other["percent"] if other else None,
        })
    return rows


def _charts(shared: ResultContext, verified: dict | None, language: str) -> dict:
    axes = shared.chart_axes
    labels = [_title(d, language) for d in axes]
    verified_rates = None
    if verified:
        by_code = _by_code(verified)
        verified_rates = [Decimal(by_code[d["code"]]["percent"]) if d["code"] in by_code else None for d in axes]
    series = svgcharts.self_and_verified([Decimal(d["percent"]) for d in axes], verified_rates,
                                         declared_name=_("Self-declared"), verified_name=pgettext("score", "Verified"))
    title = _("Score rate per dimension")
    # Our own markup: svgcharts escapes every label and prints only formatted numbers.
    radar = (mark_safe(svgcharts.radar_svg(labels, series, title=title))
             if len(labels) >= MIN_RADAR_AXES else None)
    return {"radar": radar, "bars": mark_safe(svgcharts.bars_svg(labels, series, title=title)),
            "labels": labels}


def _item_groups(shared: ResultContext, verified: dict | None, corrected: set[str], language: str) -> list[dict]:
    checked = {row["code"]: row for row in verified["items"]} if verified else {}
    groups = []
    for dimension in shared.dimensions:
        if not dimension.items:
            continue
        items = []
        for item, row in dimension.items:
            code, other = item.code, checked.get(item.code)
            items.append({
                "code": code, "title": _title(item, language), "visible": row["visible"],
                "points": row["points"], "max_points": row["max_points"], "reason": row["reason"],
                "corrected": code in corrected,
                "verified_points": other["points"] if other else None,
                "verified_reason": other["reason"] if other and code in corrected else "",
            })
        node = dimension.score
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


def _review(assessment: Assessment, spec: Spec, verified: dict | None, language: str) -> dict:
    corrections = []
    if verified:
        by_code = {row["code"]: row for row in verified["items"]}
        for correction in assessment.corrections.all():
            item = spec.items.get(correction.item_code)
            row = by_code.get(correction.item_code)
            corrections.append({"title": _title(item, language) if item else correction.item_code,
                                "reason": correction.reason, "verified": row["reason"] if row else ""})
    return {
        "status": assessment.status, "label": str(assessment.get_status_display()),
        "approved": assessment.status == Assessment.Status.APPROVED,
        "reviewed_at": assessment.reviewed_at if verified else None,
        "comment": assessment.review_comment if verified else "",
        "corrections": corrections,
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
    spec, result = shared.spec, shared.result
    approved = assessment.status == Assessment.Status.APPROVED
    verified = assessment.verified_result if approved else None
    corrected = set(assessment.corrections.values_list("item_code", flat=True)) if verified else set()
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
            "declared": _summary(spec, result, language),
            "verified": _summary(spec, verified, language) if verified else None,
            "review": _review(assessment, spec, verified, language),
            "dimensions": _dimension_rows(shared, verified, language),
            "level_scores": result.get("level_scores") or [],
            "charts": _charts(shared, verified, language),
            "item_groups": _item_groups(shared, verified, corrected, language),
            "scenarios": _scenario_groups(shared, language),
            "provisional": {
                "any": bool(result["provisional"] or (verified or {}).get("provisional")),
                "reasons": list(shared.provisional_reasons),
            },
            "needs": _needs(shared, language),
            "visits": [{"date": v.visit_date, "participants": v.participants, "findings": v.findings}
                       for v in assessment.site_visits.all()],
            "extension_sections": [
                {"key": section.key, "template": section.template,
                 "context": section.build_context(assessment, language)}
                for section in report_sections()],
        }


def verification_facts(report) -> dict[str, Any]:
    """What the public verification page may say about a report: the enterprise, the standard and
    version, the score (verified once approved), the report's date and the review state — the
    facts on its cover, nothing more. Texts follow the active language."""
    assessment = report.assessment
    language = translation.get_language()
    spec = get_spec(assessment.spec_key)
    approved = assessment.status == Assessment.Status.APPROVED and assessment.verified_result is not None
    result = assessment.verified_result if approved else assessment.result
    return {
        "enterprise": assessment.enterprise.name,
        "spec_title": _title(spec, language), "spec_version": spec.version,
        "total": result["total"], "max_total": result["max_total"], "total_title": result["total_title"],
        "level": _title(result["level"], language) if result["level"] else "",
        "verified": approved,
        "issued_at": report.created_at,
        "review_state": str(assessment.get_status_display()),
        "reviewed_at": assessment.reviewed_at if approved else None,
    }
