"""The regional dashboards in a real browser (#12): district staff open the dashboard, go to the slices,
open one industry's page (一行一策) from the slice table, drill down to its firms and export a table to
Excel; city staff open a campaign and read its coverage. Every wait is on a DOM state, a URL or a
download, never a fixed sleep."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from diagnosis.campaigns import services as services_campaigns
from diagnosis.models import CampaignTarget
from portal.models import AuditEvent
from tests.browser.test_review_journey import staff_sign_in
from tests.factories import confirmed_totp
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, StaffFactory, region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = 2026


def _staff(role, code):
    user = StaffFactory(staff_role=role, region=region(code))
    confirmed_totp(user)
    return user


def test_district_staff_slice_to_firms_and_export(page, reference_data):
    firms = []
    for i in range(6):
        firm = EnterpriseFactory(name=f"龙华旅程{i}电子有限公司", region=region("440309"), industry_division="39")
        scored_assessment(firm, spec_key="gbt23020-2013@1.0", total=Decimal(60 + i), year=YEAR)
        firms.append(firm)
    staff = _staff("district_staff", "440309")
    staff_sign_in(page, staff)

    page.goto(f"/regional/?year={YEAR}")
    expect(page.locator("#block-index tbody tr").first).to_contain_text("龙华区")
    page.locator(".regional-tabs a", has_text="细分对比").click()
    page.wait_for_url(re.compile(r"/regional/slices/"))
    page.locator("#block-slice-industry tbody a", has_text="39").click()
    page.wait_for_url(re.compile(r"/regional/policy/industry/\?.*key=39"))
    expect(page.locator("main h1")).to_contain_text("一行一策")
    expect(page.locator("#block-policy-index tbody tr").first).to_contain_text("62.5")

    page.locator("#policy-firms").click()
    page.wait_for_url(re.compile(r"/regional/policy/industry/firms/"))
    expect(page.locator("#policy-firms-table tbody tr")).to_have_count(6)
    expect(page.locator("#policy-firms-table")).to_contain_text(firms[0].name)

    page.go_back()
    with page.expect_download() as info:
        page.locator("#block-policy-dimensions a", has_text="导出").click()
    assert info.value.suggested_filename.startswith("regional-industry-dimensions-440309-2026")
    assert AuditEvent.objects.filter(action="data.export", actor=staff,
                                     object_type="diagnosis.regional.policy-dimensions").exists()


def test_city_staff_open_a_campaign_coverage(page, reference_data):
    district = _staff("district_staff", "440309")
    campaign = services_campaigns.campaign_create(actor=district, title="龙华区2026年度诊断", year=YEAR,
                                                  spec_codes=["gbt23020-2013"],
                                                  deadline=dt.date(2099, 1, 1), quota_percent=20)
    for _i in range(3):
        CampaignTarget.objects.create(campaign=campaign, enterprise=EnterpriseFactory(region=region("440309")))
    city = _staff("city_staff", "440300")
    staff_sign_in(page, city)
    page.goto("/campaigns/")
    page.get_by_role("link", name="龙华区2026年度诊断").click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    expect(page.locator("#coverage")).to_contain_text("龙华区")
    expect(page.locator("#coverage tfoot")).to_contain_text("3")
