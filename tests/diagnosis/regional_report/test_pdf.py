"""The regional report as a reader gets it: the context's figures come from the dashboards' own data
(the Longhua mean beside Shenzhen and Guangdong, the level mix, the weakest items, the demand map,
recommendations), registered sections appear without diagnosis importing their app, and — with real
WeasyPrint (marked `slow`) — the PDF's text carries the title, the figures and the verification code."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone

from diagnosis.extensions import (
    RegionalReportSection,
    register_regional_report_section,
    unregister_regional_report_section,
)
from diagnosis.regional_report import context as report_context
from diagnosis.regional_report import services
from tests.diagnosis.regional.conftest import YEAR
from tests.diagnosis.regional_report.conftest import SPEC_KEY, ready_report
from tests.factories.portal import region

pytestmark = pytest.mark.django_db


def _context(region_, language="zh-hans"):
    return report_context.build_regional_report_context(region_, year=YEAR, spec_key=SPEC_KEY, language=language,
                                                        verification_code="ABCD-EFGH-JKMN-PQRS-TUVW",
                                                        issued_at=timezone.now())


def test_the_context_states_the_regions_figures(longhua, districts):
    ctx = _context(longhua)
    overview = ctx["overview"]
    assert overview["firms"] == 10 and overview["assessments"] == 10
    assert [line["name"] for line in overview["lines"]] == ["龙华区", "深圳市", "广东省"]
    # Longhua's six firms score 60..65, the four scored ones their real totals: the mean is theirs.
    assert overview["mean"] == ctx["index"]["table"]["rows"][0][1][0]
    assert ctx["title"] == "龙华区2026年重点企业数字化转型诊断分析报告"
    assert ctx["items"]["rows"] and all(r["rate"] <= ctx["items"]["rows"][-1]["rate"] for r in ctx["items"]["rows"])
    assert [r["group"] for r in ctx["recommendations"]["industry"]] == ["39 计算机、通信和其他电子设备制造业"]
    need = ctx["recommendations"]["industry"][0]["need"]
    assert need["firms"] == 6 and need["label"] == "数字化管理"  # six firms state it, four smart manufacturing
    shares = {label: n for label, n, _share in ctx["demand"]["shares"]}
    assert shares["数字化管理"] == 6 and shares["智能化制造"] == 4
    assert ctx["headline"] == {"mean": str(overview["mean"]), "firms": 10, "assessments": 10,
                               "verified": 0}


def test_outside_the_region_the_k_rule_applies(longhua, districts):
    """Bao'an's three firms show neither in Longhua's report nor in its city columns' slices."""
    ctx = _context(longhua)
    cells = [str(cell) for table in ctx["appendix"] for row in table["rows"] for cell, _num in row]
    assert "11.3" not in " ".join(cells)  # Bao'an's BAOAN_TOTAL


def test_the_english_report_names_the_regions_in_english(longhua):
    ctx = _context(longhua, "en")
    assert ctx["title"].startswith("Longhua 2026")
    assert [line["name"] for line in ctx["overview"]["lines"]] == ["Longhua", "Shenzhen", "Guangdong"]
    assert ctx["index"]["table"]["rows"][0][0][0] == "Longhua"


def test_a_city_report_lists_its_districts(longhua, city_staff):
    ctx = _context(region("440300"))
    names = [row[0][0] for row in ctx["index"]["table"]["rows"]]
    assert names[:3] == ["南山区", "宝安区", "龙华区"] or {"南山区", "宝安区", "龙华区"} <= set(names)
    assert names[-2:] == ["深圳市", "广东省"]


def test_registered_sections_are_rendered_and_fingerprinted(longhua, district_staff):
    calls = []

    def build(region_, year, spec_key, language):
        calls.append((region_.code, year, spec_key, language))
        return {"providers": 42}

    register_regional_report_section(RegionalReportSection(
        key="test-ecosystem", title="服务商生态", template="diagnosis/regional_report/partials/pdf_verification.html",
        build_context=build, fingerprint=lambda region_, year, spec_key: "v1"))
    try:
        ctx = _context(longhua)
        assert ctx["extension_sections"][0]["key"] == "test-ecosystem"
        assert ctx["extension_sections"][0]["context"] == {"providers": 42}
        assert ctx["recommendations_number"] == "八"  # the section took chapter seven
        assert calls == [("440309", YEAR, SPEC_KEY, "zh-hans")]
        html, _facts = services.render_html(services.RegionalReport(
            region=longhua, year=YEAR, spec_key=SPEC_KEY, language="zh-hans", verification_code="X",
            created_at=timezone.now()))
        assert 'id="section-test-ecosystem"' in html and "七、服务商生态" in html
    finally:
        unregister_regional_report_section("test-ecosystem")
    assert "test-ecosystem" not in services.render_html(services.RegionalReport(
        region=longhua, year=YEAR, spec_key=SPEC_KEY, language="zh-hans", verification_code="X",
        created_at=timezone.now()))[0]


def test_an_empty_region_still_makes_a_readable_report(db, district_staff):
    html, facts = services.render_html(services.RegionalReport(
        region=region("440309"), year=YEAR, spec_key=SPEC_KEY, language="zh-hans", verification_code="X",
        created_at=timezone.now()))
    assert facts["firms"] == 0 and "本年度本地区企业尚未提出转型需求" in html


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_text_carries_the_title_figures_and_code(longhua, district_staff):
    report = ready_report(longhua, district_staff)
    with report.pdf.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF") and report.pages and report.pages >= 8
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()
    flat = "".join(text.split())
    assert "龙华区2026年重点企业数字化转型诊断分析报告" in flat
    assert report.verification_code in flat
    mean = Decimal(report.facts["mean"])
    assert f"平均分为{mean}" in flat and "深圳市为" in flat and "广东省为" in flat
    for heading in ("一、总体情况", "二、区域指数与市、省对比", "三、水平分布", "四、薄弱维度与指标",
                    "五、行业、产业集群与园区对比", "六、需求图谱", "七、分行业、分园区对策建议", "附录：数据表"):
        assert heading in flat, heading
    assert "39计算机、通信和其他电子设备制造业" in flat and "数字化管理" in flat
