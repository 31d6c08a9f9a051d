"""The provider ecosystem chapter of the regional analysis report (providers/ecosystem/report.py):
registered with diagnosis's extension point, the district's figures from the ecosystem panel and the
gap map (the k rule applied to the other districts as the gap map applies it), a fingerprint that
moves with the registry, and — with real WeasyPrint (marked `slow`) — the chapter in the PDF's text."""

import shutil
import subprocess

import pytest
from django.utils import translation

from diagnosis.extensions import regional_report_sections
from providers.ecosystem import report
from tests.diagnosis.regional.conftest import YEAR
from tests.diagnosis.regional_report.conftest import SPEC_KEY, ready_report
from tests.factories.portal import region
from tests.factories.providers import member_of, open_pool
from tests.providers.gaps.conftest import SM, gap_data  # noqa: F401 — the gap map's small Shenzhen

pytestmark = pytest.mark.django_db


def _context(code="440309", language="zh-hans"):
    with translation.override(language):
        return report.build_context(region(code), YEAR, SPEC_KEY, language)


def test_the_chapter_is_registered_with_the_regional_report():
    section = next(s for s in regional_report_sections() if s.key == "provider-ecosystem")
    assert section.template == "providers/ecosystem/report_section.html"
    assert section.fingerprint is not None
    with translation.override("zh-hans"):
        assert str(section.title) == "服务商生态"


def test_a_districts_chapter_states_its_providers_and_gaps(gap_data):  # noqa: F811
    ctx = _context()
    # Serving Longhua: the three city-wide providers and the local member; two active pool members.
    assert (ctx["providers"], ctx["members"]) == (4, 2)
    areas = {a.code: (a.providers, a.members) for a in ctx["areas"]}
    assert areas["smart_hardware"] == (2, 1) and areas["integration"] == (1, 1)
    rows = {row["name"]: row for row in ctx["gap_rows"]}
    sm = ctx["categories"].index("智能化制造")
    assert rows["龙华区"]["own"] and not rows["南山区"]["own"] and ctx["highlight"]
    assert rows["龙华区"]["cells"][sm]["counts"] == "6 / 2"
    # Bao'an's three firms lie outside Longhua: withheld as on the gap map, with the city average.
    assert rows["宝安区"]["cells"][sm]["counts"] == "<5 / 1" and rows["宝安区"]["cells"][sm]["relative"] == "—"
    assert ctx["open_needs"] == 6
    names = [p["name"] for p in ctx["top"]]
    assert "龙华系统集成服务商" in names and "宝安集成服务商" not in names


def test_the_english_chapter_speaks_english(gap_data):  # noqa: F811
    ctx = _context(language="en")
    assert ctx["region"] == "Longhua" and "Smart manufacturing" in ctx["categories"]
    assert "Longhua" in [row["name"] for row in ctx["gap_rows"]]
    assert all("区" not in row["name"] for row in ctx["gap_rows"])


def test_a_city_report_names_its_largest_gaps_and_highlights_no_district(gap_data):  # noqa: F811
    ctx = _context("440300")
    assert not ctx["highlight"]
    # Nanshan's six digital-management firms have no qualified provider anywhere.
    assert any("南山区" in line and "数字化管理" in line and "无入库合格服务商" in line for line in ctx["largest"])


def test_without_providers_serving_the_city_the_chapter_is_left_out(db):
    assert _context() == {}


def test_the_fingerprint_changes_when_a_pool_member_is_added(gap_data):  # noqa: F811
    before = report.fingerprint(region("440309"), YEAR, SPEC_KEY)
    assert before == report.fingerprint(region("440309"), YEAR, SPEC_KEY)
    member_of(open_pool(region_code="440300"), provider=gap_data["providers"]["unpooled"])
    assert report.fingerprint(region("440309"), YEAR, SPEC_KEY) != before


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_carries_the_chapter(gap_data, district_staff):  # noqa: F811
    rendered = ready_report(region("440309"), district_staff)
    with rendered.pdf.open("rb") as handle:
        content = handle.read()
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()
    flat = "".join(text.split())
    assert "七、服务商生态" in flat and "八、分行业、分园区对策建议" in flat
    assert "2026年供需缺口图谱·深圳市" in flat and "龙华系统集成服务商" in flat
