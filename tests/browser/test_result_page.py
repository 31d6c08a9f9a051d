"""The result and comparison pages in a real browser on a phone-wide screen (390 px): the charts
draw with the vendored partial plotly bundle (not the full 4.8 MB one), as static pictures without
a toolbar, and the page never scrolls sideways."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from diagnosis.results.charts import plotly_js_static_path
from tests.browser.test_self_assessment_journey import sign_in
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.factories.diagnosis import scored_assessment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
BUNDLE_LIMIT = 1_500_000  # bytes; the full plotly.min.js is 4.8 MB
SCRIPTS_JS = """() => performance.getEntriesByType("resource")
    .filter(e => e.initiatorType === "script")
    .map(e => ({name: e.name.split("/").pop(), size: e.encodedBodySize}))"""


@pytest.fixture
def owner():
    return MembershipFactory(enterprise=EnterpriseFactory(), role="owner").user


def _plotly_scripts(page) -> list[dict]:
    return [s for s in page.evaluate(SCRIPTS_JS) if s["name"].startswith("plotly")]


def _assert_fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]


def test_the_radar_draws_with_the_partial_bundle_on_a_phone(page, owner):
    assessment = scored_assessment(owner.memberships.get().enterprise, user=owner, best=False)
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto(f"/assessments/{assessment.pk}/result/")
    radar = page.locator("#result-radar.js-plotly-plot")
    expect(radar.locator(".polarlayer .polar")).not_to_have_count(0)
    expect(radar.locator(".modebar")).to_have_count(0)
    scripts = _plotly_scripts(page)
    assert [s["name"] for s in scripts] == [plotly_js_static_path().split("/")[-1]]
    assert "polar-bar" in scripts[0]["name"] and 0 < scripts[0]["size"] < BUNDLE_LIMIT
    page.wait_for_load_state("load")
    _assert_fits_the_phone(page)


def test_the_comparison_bars_draw_with_the_same_bundle(page, owner):
    enterprise = owner.memberships.get().enterprise
    scored_assessment(enterprise, user=owner, best=False, when=timezone.now() - timedelta(days=400))
    later = scored_assessment(enterprise, user=owner)
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto(f"/assessments/{later.pk}/compare/")
    bars = page.locator("#compare-bar.js-plotly-plot")
    expect(bars.locator(".barlayer .trace")).to_have_count(2)
    expect(bars.locator(".modebar")).to_have_count(0)
    assert [s["name"] for s in _plotly_scripts(page)] == [plotly_js_static_path().split("/")[-1]]
    _assert_fits_the_phone(page)
