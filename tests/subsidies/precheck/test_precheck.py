"""Pre-check: the programmes an enterprise may be eligible for with the estimated amount, on the
result page (an htmx panel that checks access itself), in the PDF report's section and on the
enterprise's home; the net price for matching."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from diagnosis.extensions import report_sections, result_panels
from portal.extensions import home_panels
from subsidies.precheck import net_price, selectors, wiring
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import region
from tests.subsidies.factories import programme_from_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def programmes(city_staff):
    return {code: programme_from_seed(code, creator=city_staff)
            for code in ("sz-service-voucher", "lh-equipment-upgrade", "ps-cmmm-level-reward", "dg-cloud-voucher",
                         "sz-interest-subsidy")}


@pytest.fixture
def assessment(enterprise, owner):
    # A fully answered CMMM assessment: the best answers reach L5.
    return scored_assessment(enterprise, user=owner, spec_key="gbt39116-2020@1.0")


def rows_by_code(enterprise):
    return {row["programme"].code: row for row in selectors.precheck(enterprise)}


def test_precheck_rows_say_what_is_met_and_not(enterprise, assessment, programmes):
    enterprise.above_scale = False
    enterprise.save()
    rows = rows_by_code(enterprise)
    # Longhua enterprise: Dongguan's and Pingshan's programmes do not cover its region at all.
    assert set(rows) == {"sz-service-voucher", "lh-equipment-upgrade", "sz-interest-subsidy"}
    voucher = rows["sz-service-voucher"]
    assert voucher["eligible"] and voucher["estimate"] == {"kind": "up_to", "amount": D("100000.00"),
                                                          "amount_text": "10万元"}
    assert any("资源池" in line or "resource pool" in line for line in voucher["to_check"])
    longhua = rows["lh-equipment-upgrade"]
    assert not longhua["eligible"] and len(longhua["unmet"]) == 1          # not 规上
    assert longhua["estimate"]["amount"] == D("30000000.00")
    assert rows["sz-interest-subsidy"]["provisional"]                       # term and decline not found


def test_level_reward_estimate_from_the_level(enterprise, assessment, programmes):
    enterprise.region = region("440310")
    enterprise.save()
    row = rows_by_code(enterprise)["ps-cmmm-level-reward"]
    assert assessment.level == "L5"
    assert row["eligible"] and row["estimate"]["kind"] == "exact" and row["estimate"]["amount"] == D("5000000.00")
    assert row["estimate"]["verified"] is False


def test_precheck_without_assessment_is_unmet(enterprise, programmes):
    enterprise.region = region("440310")
    enterprise.save()
    row = rows_by_code(enterprise)["ps-cmmm-level-reward"]
    assert not row["eligible"] and row["estimate"]["kind"] == "none"


def test_result_panel_personas(login, enterprise, owner, teammate, outsider, district_staff, other_district_staff,
                               assessment, programmes):
    assert [p.key for p in result_panels(owner, assessment)].count("subsidy-precheck") == 1
    path = reverse("subsidies:precheck-panel", args=[assessment.pk])
    for user in (owner, teammate, district_staff):
        response = login(user).get(path)
        assert response.status_code == 200
        assert 'data-programme="sz-service-voucher"' in response.content.decode()
        assert "<html" not in response.content.decode()  # a fragment
    for user in (outsider, other_district_staff):
        assert login(user).get(path).status_code == 404
    assert login(owner).get(reverse("subsidies:precheck-panel", args=[999999])).status_code == 404


def test_result_panel_anonymous_redirects(client, assessment):
    response = client.get(reverse("subsidies:precheck-panel", args=[assessment.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_report_section_and_home_panel(enterprise, owner, district_staff, assessment, programmes):
    section = next(s for s in report_sections() if s.key == "subsidy-precheck")
    context = section.build_context(assessment, "zh-hans")
    assert {row["programme"].code for row in context["rows"]} >= {"sz-service-voucher"}
    panel = wiring.home_panel(owner)
    assert panel and panel["blocks"][0]["enterprise"] == enterprise
    assert all(row["eligible"] for row in panel["blocks"][0]["rows"])
    assert "subsidy-precheck" in [p["key"] for p in home_panels(owner)]
    assert wiring.home_panel(district_staff) is None


def test_home_page_shows_the_panel(login, owner, assessment, programmes):
    page = login(owner).get("/").content.decode()
    assert 'data-programme="sz-service-voucher"' in page


def test_net_price_applies_the_best_voucher(enterprise, assessment, programmes):
    class Solution:
        def __init__(self, pk, price):
            self.id, self.price_min = pk, price

    prices = net_price.net_prices(enterprise, [Solution(1, D("10")), Solution(2, D("100")), Solution(3, None)])
    # ¥100k: 30 % = ¥30k → ¥70k; ¥1M: capped at ¥100k → ¥900k. No price: left out.
    assert prices == {1: D("7.000000"), 2: D("90.000000")}


def test_net_price_without_voucher_leaves_the_solutions_out(other_enterprise, programmes):
    other_enterprise.region = region("430104")  # Changsha: no voucher there
    other_enterprise.save()

    class Solution:
        id, price_min = 7, D("12.34")

    assert net_price.net_prices(other_enterprise, [Solution()]) == {}  # matching keeps the listed price
    assert net_price.net_price(D("12.34"), []) == D("12.340000")


def test_net_price_is_registered_with_matching_when_installed():
    from django.apps import apps

    extensions = pytest.importorskip("providers.matching.extensions")
    apps.get_app_config("subsidies").ready()  # other tests may have reset the registration
    try:
        assert extensions.net_price_fn() is net_price.net_prices
    finally:
        extensions.register_net_price(None)


def test_matching_ranks_on_the_net_price(enterprise, programmes):
    matching = pytest.importorskip("providers.matching.selectors")
    from providers.matching import extensions
    from tests.factories.portal import ProviderFactory
    from tests.factories.providers import new_key, profile_document, published_profile

    solution = {"key": new_key(), "title": "设备联网方案", "summary": "", "categories": ["smart_manufacturing"],
                "items": [], "industries": ["39"], "areas": ["software"], "price_min": "20.00", "price_max": None,
                "delivery_days": 30, "light": False}
    published_profile(ProviderFactory(), document=profile_document(solutions=[solution]))
    assessment = scored_assessment(enterprise, best=False)
    matching.clear_catalog()
    extensions.register_net_price(net_price.net_prices)
    try:
        top = matching.rank_for_enterprise(enterprise, assessment=assessment)[0]
    finally:
        extensions.register_net_price(None)
        matching.clear_catalog()
    # ¥200k listed; Shenzhen's service voucher pays 30 %, at most ¥100k: ¥140k after the voucher.
    assert top.net_price == D("14.000000") and "补贴后净价" in top.explanation


def test_the_pdf_report_includes_the_section(enterprise, assessment, programmes):
    from datetime import UTC, datetime

    from django.template.loader import render_to_string
    from django.utils import translation

    from diagnosis.report.context import build_report_context

    assessment.refresh_from_db()
    with translation.override("zh-hans"):
        html = render_to_string("diagnosis/report/pdf.html", build_report_context(
            assessment, language="zh-hans", verification_code="ABCD-EFGH", issued_at=datetime(2026, 6, 1, tzinfo=UTC)))
    section = html[html.index('id="section-subsidy-precheck"'):]
    assert "深圳市中小企业数字化转型服务券" in section and "预估金额：最高10万元" in section


def test_panel_estimates_for_a_planned_investment(login, owner, enterprise, assessment, programmes):
    enterprise.above_scale = True
    enterprise.save()
    client = login(owner)
    path = reverse("subsidies:precheck-panel", args=[assessment.pk])
    page = client.get(path, {"investment": "50000000"}).content.decode()
    longhua = page[page.index('data-programme="lh-equipment-upgrade"'):]
    assert "按5,000万元估算：500万元" in longhua[:2000] and "已达上限" in longhua[:2000]
    voucher = page[page.index('data-programme="sz-service-voucher"'):]
    assert "按5,000万元估算：10万元" in voucher[:2000]
    assert "按1万元估算：3,000.00元" in client.get(path, {"investment": "10000"}).content.decode()


@pytest.mark.parametrize(("raw", "message"), [("-1", "不能为负数"), ("1.001", "两位小数"), ("1e20", "大得不合理"),
                                              ("abc", "不是有效数字")])
def test_panel_refuses_a_bad_investment(login, owner, assessment, programmes, raw, message):
    response = login(owner).get(reverse("subsidies:precheck-panel", args=[assessment.pk]), {"investment": raw})
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body and "计划投资额或服务价格" in body
    assert "预估金额：最高" in body  # the estimates stay "up to"


def test_panel_nul_byte_is_a_plain_400(login, owner, assessment):
    response = login(owner).get(reverse("subsidies:precheck-panel", args=[assessment.pk]), {"investment": "1\x00"})
    assert response.status_code == 400  # refused by the portal's NUL-byte guard before the view
