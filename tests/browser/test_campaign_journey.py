"""A diagnosis campaign end to end in a real browser (#12), three people in three browser contexts:

district staff (password and TOTP) create a campaign, import its targets from an Excel sheet built
here (a registered firm and one the portal does not know yet, with a contact e-mail) and invite them;
the unregistered firm opens the claim link of its invitation e-mail in a fresh browser, registers by
claiming the pre-filled record (privacy notice accepted); staff verify it; the firm signs in and
submits its assessment through the submit page (the answers are seeded through the autosave service
to keep the journey short); staff see the target move to "submitted" in the coverage, approve it in
review and see "approved"; the regional dashboard's sample for Longhua grew by one, and the regional
analysis report is requested, shown queued or building, then offered for download.

Celery runs eagerly inside the live server; the regional report renders in the live server's
background thread (REPORTS_IN_BACKGROUND_THREAD). Every wait is on a DOM state, a URL or a row, never
a fixed sleep; nothing is clicked inside the report block once its status line polls.
"""

import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from diagnosis.fill.services import answer_save, assessment_start
from diagnosis.models import Assessment, Campaign, CampaignEmail, RegionalReport
from diagnosis.spec import get_spec
from portal.models import Enterprise
from tests.browser.test_review_journey import _staff_context, staff_sign_in, submit_with_pledge
from tests.browser.test_self_assessment_journey import sign_in
from tests.diagnosis.answers import full_answers
from tests.factories import (
    PASSWORD,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    confirmed_totp,
    region,
)
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import make_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPEC_KEY = "gbt23020-2013@1.0"  # the regional dashboard's default standard
NEW_FIRM = "龙华旅程新邀智能制造有限公司"
NEW_EMAIL = "dx-contact@xinyao.example.cn"
APPROVE_TIMEOUT_MS = 60_000  # the approval renders the firm's diagnosis report (WeasyPrint) eagerly
REPORT_TIMEOUT_MS = 120_000  # every regional aggregate plus WeasyPrint on a loaded 2-core box


@pytest.fixture
def officer():
    user = StaffFactory(staff_role="district_staff", region=region("440309"))
    confirmed_totp(user)
    return user


@pytest.fixture
def longhua_sample():
    """Five Longhua firms already counted this year: the dashboard's sample before the campaign."""
    year = timezone.localdate().year
    for i in range(5):
        firm = EnterpriseFactory(name=f"龙华旅程样本{i}电子有限公司", region=region("440309"), industry_division="39")
        scored_assessment(firm, spec_key=SPEC_KEY, total=Decimal(58 + i), year=year)
    return year


def _target_sheet(registered: Enterprise, new_uscc: str) -> dict:
    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "行业大类", "所在区县", "街道/镇", "营收规模", "从业人员", "联系邮箱"])
    sheet.append([registered.uscc, registered.name, "39", "龙华区", "观澜街道", "", "", ""])
    sheet.append([new_uscc, NEW_FIRM, "39", "440309", "大浪街道", "", "180", NEW_EMAIL])
    buffer = io.BytesIO()
    book.save(buffer)
    return {"name": "龙华区规上企业名单.xlsx", "buffer": buffer.getvalue(),
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _stage(page, name):
    return page.locator("#targets tbody tr", has_text=name).locator("td").last


def _coverage_total(page):
    """The coverage footer's stage cells: invited, registered, started, submitted, approved."""
    return page.locator("#coverage tfoot td")


def _longhua_sample(page, year):
    page.goto(f"/regional/?year={year}")
    row = page.locator("#block-index tbody tr", has_text="龙华区").first
    return row.locator("td").nth(1)  # mean score, enterprises, assessments


def test_officer_imports_invites_firm_claims_submits_and_the_region_reflects_it(
        browser, browser_context, live_server, page, officer, longhua_sample, settings):
    _context, guard = browser_context
    settings.REPORTS_IN_BACKGROUND_THREAD = True
    year = longhua_sample
    registered = MembershipFactory(enterprise=EnterpriseFactory(
        name="龙华旅程已注册精密有限公司", region=region("440309"), industry_division="39"), role="owner").enterprise
    new_uscc = make_uscc("440309")

    # 1. The officer reads the dashboard's sample, then creates the campaign.
    staff_sign_in(page, officer)
    expect(_longhua_sample(page, year)).to_have_text("5")
    page.goto("/campaigns/new/")
    page.locator("main input[name=title]").fill(f"龙华区{year}年度数字化转型诊断")
    page.locator("main input[name=year]").fill(str(year))
    page.locator("main input[name=spec_codes][value='gbt23020-2013']").check()
    page.locator("main input[name=deadline]").fill("2099-06-30")
    page.locator("main input[name=quota_percent]").fill("50")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/campaigns/\d+/import/$"))
    campaign = Campaign.objects.get(region__code="440309", year=year)

    # 2. Imports the targets from the Excel list.
    page.locator("main input[name=file]").set_input_files(_target_sheet(registered, new_uscc))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    expect(page.locator("#targets tbody tr")).to_have_count(2)
    expect(_stage(page, NEW_FIRM)).to_have_text("未邀请")
    created = Enterprise.objects.get(uscc=new_uscc)
    assert (created.name, created.region.code, created.memberships.exists()) == (NEW_FIRM, "440309", False)

    # 3. Invites them: the button goes once every target is invited; the new firm gets the e-mail.
    invite = page.locator(f"main form[action='/campaigns/{campaign.pk}/invite/'] button")
    invite.click()
    expect(invite).to_have_count(0)
    expect(_stage(page, NEW_FIRM)).to_have_text("已邀请")
    expect(_stage(page, registered.name)).to_have_text("已注册")
    sent = [m for m in mail.outbox if m.to == [NEW_EMAIL]]
    assert len(sent) == 1, [m.to for m in mail.outbox]
    assert CampaignEmail.objects.get(target__enterprise=created).status == CampaignEmail.Status.SENT
    link = re.search(r"https?://\S+\?claim=\S+", sent[0].body).group(0)
    claim_path = urlsplit(link).path + "?" + urlsplit(link).query

    # 4. The firm opens the link in its own browser and registers by claiming the record.
    firm_context = _staff_context(browser, live_server, guard)
    try:
        firm = firm_context.new_page()
        firm.goto(claim_path)
        expect(firm.locator("main [data-claim]")).to_contain_text(NEW_FIRM)
        expect(firm.locator("main input[name='org-name']")).to_have_value(NEW_FIRM)
        expect(firm.locator("main input[name='org-uscc']")).to_be_disabled()
        firm.locator("main select[name='org-production_type']").select_option(index=1)
        firm.locator("main input[name='org-established_year']").fill("2012")
        firm.locator("main input[name='org-contact_name']").fill("陈晓明")
        firm.locator("main input[name='org-contact_phone']").fill("13800138000")
        firm.locator("main input[name='account-username']").fill("xinyao_owner")
        firm.locator("main input[name='account-full_name']").fill("陈晓明")
        firm.locator("main input[name='account-email']").fill(NEW_EMAIL)
        firm.locator("main input[name='account-phone']").fill("13800138000")
        firm.locator("main input[name='account-password1']").fill(PASSWORD)
        firm.locator("main input[name='account-password2']").fill(PASSWORD)
        firm.locator("main input[name='account-notice']").check()
        firm.locator("main form button[type=submit]").click()
        firm.wait_for_url(re.compile(r"/accounts/login/"))
        created.refresh_from_db()
        owner = created.memberships.get().user
        assert (owner.username, created.uscc, created.name) == ("xinyao_owner", new_uscc, NEW_FIRM)

        # 5. The officer sees it registered and verifies the registration.
        page.goto(f"/campaigns/{campaign.pk}/")
        expect(_stage(page, NEW_FIRM)).to_have_text("已注册")
        page.goto("/staff/registrations/")
        page.locator("main tr", has_text=NEW_FIRM).locator("button[value=verify]").click()
        page.wait_for_url(re.compile(r"/staff/registrations/"))
        expect(page.locator("main tr", has_text=NEW_FIRM).locator("button[value=verify]")).to_have_count(0)
        created.refresh_from_db()
        assert created.is_verified

        # 6. The firm signs in and submits its assessment through the submit page.
        assessment = assessment_start(enterprise=created, actor=owner, spec_key=SPEC_KEY)
        for code, value in full_answers(get_spec(SPEC_KEY)).items():
            answer_save(assessment=assessment, actor=owner, item_code=code, value=value, expected_version=0)
        sign_in(firm, owner)
        submit_with_pledge(firm, assessment)
    finally:
        firm_context.close()
    assessment.refresh_from_db()
    assert (assessment.status, assessment.year, assessment.region.code) == (Assessment.Status.SUBMITTED, year,
                                                                            "440309")

    # 7. Coverage: the firm moved to "submitted".
    page.goto(f"/campaigns/{campaign.pk}/")
    expect(_stage(page, NEW_FIRM)).to_have_text("已提交")
    expect(_coverage_total(page).nth(0)).to_have_text("2")  # targets
    expect(_coverage_total(page).nth(4)).to_have_text("1")  # submitted
    expect(_coverage_total(page).nth(5)).to_have_text("0")  # approved

    # 8. The officer approves it in review; the coverage says "approved".
    page.goto(f"/review/{assessment.pk}/")
    page.locator(f"form[action='/review/{assessment.pk}/approve/'] button[type=submit]").click(
        timeout=APPROVE_TIMEOUT_MS)
    page.wait_for_url(re.compile(rf"/review/{assessment.pk}/$"), timeout=APPROVE_TIMEOUT_MS)
    expect(page.locator(f"form[action='/review/{assessment.pk}/approve/']")).to_have_count(0)
    page.goto(f"/campaigns/{campaign.pk}/")
    expect(_stage(page, NEW_FIRM)).to_have_text("审核通过")
    expect(_coverage_total(page).nth(5)).to_have_text("1")

    # 9. The dashboard's sample for Longhua grew by one.
    expect(_longhua_sample(page, year)).to_have_text("6")

    # 10. The regional analysis report: queued or building, then ready.
    block = page.locator("#regional-report")
    block.get_by_role("button", name="生成区域诊断分析报告").click()
    expect(block.locator(".badge.pending")).to_be_visible()
    download = block.get_by_role("link", name="下载区域诊断分析报告（PDF）")
    expect(download).to_be_visible(timeout=REPORT_TIMEOUT_MS)
    report = RegionalReport.objects.get()
    assert (report.status, report.region.code, report.year) == ("ready", "440309", year)
