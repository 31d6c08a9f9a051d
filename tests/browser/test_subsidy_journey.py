"""A subsidy application from filing to payment in a real browser, three people in three sessions:

the enterprise's owner sees the pre-check panel ("可申请的补贴") on its diagnosis result page, follows
it to the programme's page and applies: files a draft, attaches a contract, confirms the
declarations and submits; district staff pass the form check and assign an expert from the pool;
the expert declares no conflict and scores; staff close the review, record the special audit's
verified investment and publish the public notice (公示); once the notice period is over (the row's
dates are moved back: days cannot pass in a test), staff approve — the amount is fixed and reserved
on the budget — send the batch to finance and mark it paid; the owner sees the application
disbursed with the decided amount. Every wait is on a DOM state or a URL, never a fixed sleep.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from subsidies.models import Application, BudgetLine
from tests.browser.test_review_journey import _staff_context, staff_sign_in
from tests.browser.test_self_assessment_journey import sign_in
from tests.factories import EnterpriseFactory, MembershipFactory, StaffFactory, confirmed_totp, region
from tests.factories.diagnosis import scored_assessment
from tests.factories.subsidies import programme_version
from tests.subsidies.conftest import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The rules' shape (subsidies/rules.py), which the pre-check reads: 20 % of the investment, at most ¥500k.
BANDS = {"bands": {"value": [{"lower": "0", "upper": None, "rate": "0.20", "cap": "500000"}],
                   "source": "test", "confidence": "V"}}


def _privileged(**kwargs):
    user = StaffFactory(**kwargs)
    confirmed_totp(user)
    return user


def _post_and_wait(page, button, status_text):
    button.click()
    expect(page.locator("#status")).to_contain_text(status_text)


def test_subsidy_journey(page, browser, live_server, page_guard, tmp_path):
    enterprise = EnterpriseFactory()
    owner = MembershipFactory(enterprise=enterprise, role="owner").user
    assessment = scored_assessment(enterprise, user=owner)
    staff = _privileged(staff_role="district_staff", region=region("440309"))
    expert = _privileged(staff_role="expert", region=None)
    version = programme_version(created_by=StaffFactory(staff_role="city_staff", region=region("440300")),
                                budget="1000000", district_budget="400000", params=BANDS)
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(PDF)

    # The owner starts at the pre-check on its result page, follows it to the programme and applies.
    sign_in(page, owner)
    page.goto(f"/assessments/{assessment.pk}/result/")
    panel = page.locator("#panel-subsidy-precheck")
    expect(panel.locator("h2")).to_have_text("您可能符合条件的补贴项目")
    row = panel.locator(f"[data-programme='{version.programme.code}']")
    expect(row).to_have_attribute("data-eligible", "yes")  # the panel has loaded (once, no poll)
    expect(row.locator("[data-estimate]")).to_contain_text("50万元")
    row.locator("h3 a").click()
    page.wait_for_url(re.compile(rf"/subsidies/programmes/p/{version.programme.code}/$"))
    expect(page.locator("main h1")).to_have_text(version.programme.name)
    page.locator("#apply").click()
    page.wait_for_url(re.compile(rf"/subsidies/applications/apply/{version.pk}/$"))
    page.locator("#id_project_title").fill("MES 车间上线")
    page.locator("#id_declared_investment").fill("250000")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/subsidies/applications/a/\d+/$"))
    application = Application.objects.get()
    page.locator("#id_kind").select_option("contract")
    page.locator("#id_file").set_input_files(str(contract))
    page.locator("form[action$='/attach/'] button[type=submit]").click()
    expect(page.locator("#files-title + ul a")).to_have_text("contract.pdf")
    for code in ("truthful", "no_double_funding", "not_filed_by_provider"):
        page.locator(f"input[name={code}]").check()
    _post_and_wait(page, page.locator("#submit-application"), "已提交")

    # District staff: form check, expert assignment.
    staff_context = _staff_context(browser, live_server, page_guard)
    staff_page = staff_context.new_page()
    staff_sign_in(staff_page, staff)
    staff_page.goto("/subsidies/review/?stage=form_check")
    staff_page.locator(f"main a:has-text('{application.reference}')").click()
    _post_and_wait(staff_page, staff_page.locator("form[action$='/check/'] button[type=submit]"), "形式审查通过")
    staff_page.locator("#id_expert").select_option(str(expert.pk))
    staff_page.locator("form[action$='/experts/'] button[type=submit]").click()
    expect(staff_page.locator("#experts-title + ul")).to_contain_text(expert.first_name)

    # The expert scores.
    expert_context = _staff_context(browser, live_server, page_guard)
    expert_page = expert_context.new_page()
    staff_sign_in(expert_page, expert)
    expert_page.goto("/subsidies/review/tasks/")
    expert_page.locator(f"main a:has-text('{application.reference}')").click()
    for code, value in (("necessity", "85"), ("feasibility", "80"), ("investment", "75"), ("benefit", "70")):
        expert_page.locator(f"#id_{code}").fill(value)
    expert_page.locator("input[name=no_conflict]").check()
    expert_page.locator("#submit-sheet").click()
    expect(expert_page).to_have_url(re.compile(r"/subsidies/review/tasks/$"))
    expect(expert_page.locator("main table")).to_contain_text("77.75")
    expert_context.close()

    # Staff: close the review, audit, publish the notice.
    staff_page.reload()
    _post_and_wait(staff_page, staff_page.locator("form[action$='/close/'] button[type=submit]"), "专家评审完成")
    staff_page.locator("#id_verified").fill("200000")
    _post_and_wait(staff_page, staff_page.locator("form[action$='/audit/'] button[type=submit]"), "专项审计完成")
    _post_and_wait(staff_page, staff_page.locator("form[action$='/notice/'] button[type=submit]"), "公示中")
    page.goto("/subsidies/notice/")
    expect(page.locator("main table")).to_contain_text(application.reference)

    # The notice period passes; staff approve, batch and pay.
    today = timezone.localdate()
    Application.objects.filter(pk=application.pk).update(notice_starts=today - dt.timedelta(days=9),
                                                         notice_ends=today - dt.timedelta(days=2))
    staff_page.reload()
    _post_and_wait(staff_page, staff_page.locator("#approve"), "审核通过")
    expect(staff_page.locator("#decided-amount")).to_have_text("40,000.00")  # read with separators
    staff_page.goto("/subsidies/disbursement/")
    staff_page.locator("form[action$='/disbursement/new/'] button[type=submit]").click()
    pay = staff_page.locator("form[action$='/pay/'] button[type=submit]")
    pay.click()
    expect(pay).to_have_count(0)
    staff_context.close()

    line = BudgetLine.objects.get(version=version, region__isnull=False)
    assert (line.reserved, line.disbursed) == (Decimal("40000.00"), Decimal("40000.00"))
    page.goto(f"/subsidies/applications/a/{application.pk}/")
    expect(page.locator("#status")).to_contain_text("已拨付")
    expect(page.locator("#decided-amount")).to_have_text("40,000.00")
