"""The regional analysis report in a real browser: district staff sign in (password and TOTP), open
the regional dashboard, ask for Longhua's report, watch the block say it is queued or being built
while only its status line polls — the language switch beside it stays the same element throughout,
so a poll never replaces a control under the pointer — and download the PDF once it is ready, in a
desktop window and at 390 px.

The render runs in the live server's background thread (REPORTS_IN_BACKGROUND_THREAD, as in `make
run`) with the real WeasyPrint. Every wait is on a DOM state, never a fixed sleep.
"""

import pytest
from playwright.sync_api import expect

from diagnosis.models import RegionalReport
from tests.browser.test_review_journey import staff_sign_in
from tests.diagnosis.regional.conftest import YEAR, counted
from tests.factories import EnterpriseFactory, StaffFactory, confirmed_totp, region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_TIMEOUT_MS = 120_000  # every regional aggregate plus WeasyPrint on a loaded 2-core box


@pytest.fixture
def staff():
    user = StaffFactory(staff_role="district_staff", region=region("440309"))
    confirmed_totp(user)
    return user


@pytest.fixture
def population():
    from decimal import Decimal

    for i in range(6):
        counted(EnterpriseFactory(region=region("440309"), industry_division="39"), Decimal(55 + i))


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_request_follow_and_download_the_regional_report(page, live_server, staff, population, settings,
                                                               width):
    settings.REPORTS_IN_BACKGROUND_THREAD = True
    page.set_viewport_size({"width": width, "height": 900})
    staff_sign_in(page, staff)
    page.goto(f"/regional/?year={YEAR}")
    block = page.locator("#regional-report")
    expect(block.get_by_text("龙华区2026年重点企业数字化转型诊断分析报告")).to_be_visible()
    block.get_by_role("button", name="生成区域诊断分析报告").click()
    expect(block.locator(".badge.pending")).to_be_visible()
    # The click replaced the block (the user's own action); from now on only the status line polls.
    switch = block.locator("button.link")
    expect(switch).to_be_visible()
    switch.evaluate("element => { element.dataset.marker = 'original'; }")
    download_link = block.get_by_role("link", name="下载区域诊断分析报告（PDF）")
    expect(download_link).to_be_visible(timeout=REPORT_TIMEOUT_MS)
    # The switch was never swapped out by a poll: it is the element the page had while queued.
    expect(block.locator("button.link[data-marker=original]")).to_have_count(1)
    report = RegionalReport.objects.get()
    assert report.status == "ready" and report.region.code == "440309"
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith(f"{report.verification_code}.pdf")
