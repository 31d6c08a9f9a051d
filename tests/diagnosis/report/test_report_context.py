"""What the report shows (report layers 1 and 2, docs/architecture.md): the same data as the result page,
the verified score beside the self-declared one once approved, provisional notes, needs, visits,
the verification code; and the template escapes everything people typed."""

import re
from datetime import UTC, datetime

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from diagnosis.fill.questionnaire import describe_value
from diagnosis.report.context import build_report_context
from diagnosis.results.charts import chart_dimensions
from diagnosis.review import services as services_review
from diagnosis.spec import get_spec

pytestmark = pytest.mark.django_db

CODE = "ABCD-EFGH-JKMN-PQRS-TUVW"
ISSUED = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def _context(assessment, language="zh-hans"):
    assessment.refresh_from_db()
    return build_report_context(assessment, language=language, verification_code=CODE, issued_at=ISSUED)


def _html(assessment, language="zh-hans"):
    with translation.override(language):
        return render_to_string("diagnosis/report/pdf.html", _context(assessment, language))


def test_a_submitted_assessment_shows_the_self_declared_score(assessment, site_visit):
    context = _context(assessment)
    assert context["declared"]["total"] == assessment.result["total"]
    assert context["verified"] is None and not context["review"]["approved"]
    assert context["enterprise"]["name"] == assessment.enterprise.name
    assert context["spec"]["version"] == "1.0"
    assert [d["code"] for d in context["dimensions"]][:2] == ["foundation", "equipment-systems"]
    assert context["visits"][0]["findings"].startswith("车间设备联网率低")
    assert context["needs"][0]["description"] == "上线 MES 系统" and context["needs"][0]["items"]


def test_the_charts_use_the_result_pages_dimensions(assessment):
    context = _context(assessment)
    expected = [d["title"] for d in chart_dimensions(assessment.result["dimensions"])]
    assert context["charts"]["labels"] == expected
    for label in expected:
        assert f">{label}<" in context["charts"]["radar"] and f">{label}<" in context["charts"]["bars"]


def test_an_approved_assessment_shows_both_scores_and_the_corrections(assessment, district_staff):
    services_review.item_correct(assessment=assessment, actor=district_staff, item_code="network",
                                 value=["workshop-control"], reason="现场核查：仅车间网络", expected_version=0)
    services_review.assessment_approve(assessment=assessment, actor=district_staff, expected_version=1,
                                       comment="材料齐全")
    context = _context(assessment)
    assert context["verified"]["total"] == "94.00" and context["declared"]["total"] == "100.00"
    assert context["review"]["approved"] and context["review"]["comment"] == "材料齐全"
    assert context["review"]["corrections"][0]["reason"] == "现场核查：仅车间网络"
    network = next(i for g in context["item_groups"] for i in g["items"] if i["code"] == "network")
    assert network["corrected"] and network["verified_points"] != network["points"]
    assert "#0b4f9c" in context["charts"]["radar"] and "#9aa5b1" in context["charts"]["radar"]  # two outlines
    # The corrections table reads: item, the enterprise's answer, the verified answer, the reason.
    correction = context["review"]["corrections"][0]
    network_item = get_spec(assessment.spec_key).items["network"]
    assert correction["declared"] == describe_value(network_item, assessment.submitted_answers["network"])
    assert correction["verified"] == describe_value(network_item, ["workshop-control"])
    html = _html(assessment)
    assert correction["declared"] in html and "自评答案" in html and "修正理由" in html
    # The roadmap and benchmarks the PDF shares with the page say they use the verified result.
    assert "以下按审核核定结果计算" in html


def test_the_corrections_table_has_answers_reason_and_points_in_their_columns(assessment, district_staff):
    services_review.item_correct(assessment=assessment, actor=district_staff, item_code="network",
                                 value=["workshop-control"], reason="现场核查：仅车间网络", expected_version=0)
    services_review.assessment_approve(assessment=assessment, actor=district_staff, expected_version=1)
    context = _context(assessment)
    correction = context["review"]["corrections"][0]
    assert (correction["declared_points"], correction["verified_points"]) == ("8.00", "2.00")
    table = re.search(r'<table class="corrections">(.*?)</table>', _html(assessment), re.S)[1]
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)
    assert heads == ["题项", "自评答案", "核定答案", "修正理由", "得分"]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert cells == [correction["declared"], correction["verified"], "现场核查：仅车间网络", "8.00 → 2.00"]
    # The scoring sentence ("…，得 2.00 分") belongs to the items chapter, not under the verified answer.
    assert "得" not in cells[1]


def test_english_reports_use_ascii_parentheses_and_colons(assessment):
    html = _html(assessment, "en")
    assert "(2024 edition) (1.0)" in html and "（1.0）" not in html


def test_provisional_values_are_listed_by_title_without_codes_or_sources(assessment):
    # Issue #13 Major 4: the PDF is the enterprise's; the spec's tags, sources and notes are staff-only.
    context = _context(assessment)
    items = context["provisional"]["items"]
    assert context["provisional"]["any"] and "reasons" not in context["provisional"]
    assert "设备联网率" in items and "约束性场景" in items  # condition:device-networking, scenario_set:constraint
    html = _html(assessment)
    assert "设备联网率" in html and "部分分值/阈值为暂定值（未经官方文本核实）" in html
    for internal in ("condition:device-networking", "item:funding", "scenario_set:", "S-conflict",
                     "第三方实现", "[P]", "[S]"):
        assert internal not in html, internal


def test_the_verification_code_and_qr_point_to_the_public_page(assessment, settings):
    context = _context(assessment)
    assert context["verification"]["url"] == f"{settings.SITE_URL}/verify/{CODE}/"
    assert context["verification"]["qr"].startswith("<svg")
    html = _html(assessment)
    assert CODE in html and html.count("<svg") == 3  # radar, bars, one QR code
    assert 'content="2025-06-01T' in html  # dcterms.created: the report's date, not the render time


def test_the_verification_url_follows_the_configured_site_url(assessment, settings):
    settings.SITE_URL = "https://portal.example.cn"
    context = _context(assessment)
    assert context["verification"]["url"] == f"https://portal.example.cn/verify/{CODE}/"
    assert "8000" not in context["verification"]["url"]


def test_english_reports_use_the_english_titles(assessment):
    context = _context(assessment, "en")
    assert context["spec"]["title"] == "SME digitalisation level assessment indicators (2024 edition)"
    assert "Equipment and systems" in context["charts"]["labels"]
    assert 'lang="en"' in _html(assessment, "en") and 'class="lang-en"' in _html(assessment, "en")


def test_everything_people_typed_is_escaped(assessment, site_visit):
    enterprise = assessment.enterprise
    enterprise.name = "<img src=http://127.0.0.1:9/a>"
    enterprise.save()
    assessment.needs.update(description='<link rel=attachment href="file:///etc/passwd">')
    site_visit.findings = "<style>@import url(http://127.0.0.1:9/b)</style>"
    site_visit.save()
    html = _html(assessment)
    assert "<img src=http" not in html and "&lt;img src=http://127.0.0.1:9/a&gt;" in html
    assert "<link rel=attachment" not in html and "&lt;link rel=attachment" in html
    assert "<style>@import" not in html and "&lt;style&gt;@import" in html
