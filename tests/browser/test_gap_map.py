"""The supply–demand gap map in a real browser: district staff open the regional dashboard, the gap map
and provider ecosystem panels arrive through htmx, the heat map is drawn by the vendored plotly (its
heatmap trace), and a number in the table leads to the firms and providers behind it. The page guard
fails the test on any console error or failed static file."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_review_journey import staff_sign_in
from tests.diagnosis.regional.conftest import YEAR
from tests.factories import StaffFactory, confirmed_totp, region
from tests.factories.providers import member_of, open_pool
from tests.providers.gaps.conftest import SM, _firms, provider_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(reference_data):
    user = StaffFactory(staff_role="district_staff", region=region("440309"))
    confirmed_totp(user)
    return user


@pytest.fixture
def shenzhen(reference_data):
    _firms("龙华智造", "440309", "39", SM, 6)
    _firms("南山精工", "440305", "34", SM, 7)
    pool = open_pool(region_code="440300")
    member_of(pool, provider=provider_with("全市智能硬件服务商", "440305", ["440300"], ["smart_hardware"]))


def test_the_gap_map_draws_and_drills_down(page, staff, shenzhen):
    staff_sign_in(page, staff)
    page.goto(f"/regional/?year={YEAR}")
    gap = page.locator("#panel-supply-demand-gap")
    # The panel's fragment arrives after the page; its heat map is drawn once it has (htmx:load).
    expect(gap.locator("#figure-gap-map .main-svg").first).to_be_attached()
    expect(gap.locator("#figure-gap-map .hm").first).to_be_attached()  # plotly's heatmap layer
    expect(page.locator("#panel-provider-ecosystem .eco-bars")).to_be_visible()
    gap.locator("table.gap-map a", has_text="6").first.click()
    page.wait_for_url(re.compile(r"/registry/gaps/cell/\?"))
    expect(page.locator("#gap-providers")).to_contain_text("全市智能硬件服务商")
    expect(page.locator("#gap-firms tbody tr")).to_have_count(6)
