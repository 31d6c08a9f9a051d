"""The review round trip in a real browser, two people in two browser contexts (two sessions):

the enterprise's owner submits a fully answered draft through the submit page (pledge); district
staff sign in with password and TOTP, find it in the review queue, return it with a comment; the
owner finds it editable again, changes one answer and submits again; staff approve it; the owner
downloads the diagnosis report (PDF) from the result page, once the polling report block says it
is ready.

Celery runs eagerly inside the live server here, and the PDF is rendered by the real WeasyPrint
(the approval queues the report, which then takes a few seconds). Every wait is on a DOM state,
a URL or a row, never a fixed sleep.
"""

import re

import pytest
from playwright.sync_api import expect

from diagnosis.fill.services import answer_save, assessment_start
from diagnosis.models import Answer, Assessment, Report
from diagnosis.spec import get_spec
from tests.browser.test_self_assessment_journey import Question, sign_in
from tests.conftest import current_code
from tests.diagnosis.answers import full_answers
from tests.factories import (
    PASSWORD,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    confirmed_totp,
    region,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SME = "sme-2024@1.0"
CHANGED_ITEM = "it-coverage"  # a choice on the first step of the questionnaire
RETURN_COMMENT = "请补充信息化系统覆盖情况的说明，并核对第一项答案。"
REPORT_TIMEOUT_MS = 60_000  # a WeasyPrint rendering on a loaded 2-core box, inside the approval request


@pytest.fixture
def owner():
    return MembershipFactory(enterprise=EnterpriseFactory(), role="owner").user


@pytest.fixture
def staff():
    """District staff of the enterprise's district (440309), TOTP already enrolled."""
    user = StaffFactory(staff_role="district_staff", region=region("440309"))
    confirmed_totp(user)
    return user


@pytest.fixture
def answered_draft(owner):
    """A draft with every question answered, written through the autosave service."""
    assessment = assessment_start(enterprise=owner.memberships.get().enterprise, actor=owner, spec_key=SME)
    for code, value in full_answers(get_spec(SME)).items():
        answer_save(assessment=assessment, actor=owner, item_code=code, value=value, expected_version=0)
    return assessment


def _staff_context(browser, live_server, guard):
    from tests.browser.conftest import TIMEOUT_MS, _is_local

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)

    def block_foreign(route):
        guard.add(f"request to a non-local origin: {route.request.method} {route.request.url}")
        route.abort()

    context.route(lambda url: not _is_local(url), block_foreign)
    context.on("page", guard.watch)
    return context


def staff_sign_in(page, user):
    """Password, then the TOTP step the middleware sends staff to."""
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(user.username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/otp/"))
    device = user.totpdevice_set.get(confirmed=True)
    page.locator("main input[name=otp_token]").fill(current_code(device))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header form[action='/accounts/logout/']")).to_be_attached()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|otp)/"))


def submit_with_pledge(page, assessment):
    page.goto(f"/assessments/{assessment.pk}/submit/")
    expect(page.locator("#missing")).to_have_count(0)
    page.locator("main input[name=pledge]").check()
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/assessments/{assessment.pk}/result/$"))


def test_returned_revised_approved_and_the_report_downloaded(browser, browser_context, live_server, page, owner,
                                                             staff, answered_draft):
    _context, guard = browser_context
    assessment = answered_draft
    spec = get_spec(SME)

    # 1. The owner submits through the real submit page.
    sign_in(page, owner)
    submit_with_pledge(page, assessment)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED

    # 2. Staff, in their own browser context, return it from the queue with a comment.
    staff_context = _staff_context(browser, live_server, guard)
    try:
        desk = staff_context.new_page()
        staff_sign_in(desk, staff)
        desk.goto("/review/")
        entry = desk.locator(f"main table a[href='/review/{assessment.pk}/']")
        expect(entry).to_have_count(1)
        entry.click()
        desk.wait_for_url(re.compile(rf"/review/{assessment.pk}/$"))
        returning = desk.locator(f"form[action='/review/{assessment.pk}/return/']")
        returning.locator("textarea[name=comment]").fill(RETURN_COMMENT)
        returning.locator("button[type=submit]").click()
        desk.wait_for_url(re.compile(rf"/review/{assessment.pk}/$"))
        expect(desk.locator(f"form[action='/review/{assessment.pk}/return/']")).to_have_count(0)
        assessment.refresh_from_db()
        assert (assessment.status, assessment.review_comment) == (Assessment.Status.RETURNED, RETURN_COMMENT)

        # 3. The owner finds it editable again, changes one answer and submits again.
        item = spec.items[CHANGED_ITEM]
        before = Answer.objects.get(assessment=assessment, item_code=CHANGED_ITEM).value
        after = next(option.code for option in item.options if option.code != before)
        page.goto(f"/assessments/{assessment.pk}/fill/")
        question = Question(page, item)
        expect(question.option(after)).to_be_enabled()
        question.save(question.label(after).click)
        expect(question.option(after)).to_be_checked()
        assert Answer.objects.get(assessment=assessment, item_code=CHANGED_ITEM).value == after
        submit_with_pledge(page, assessment)
        assessment.refresh_from_db()
        assert assessment.status == Assessment.Status.SUBMITTED
        assert assessment.submitted_answers[CHANGED_ITEM] == after

        # 4. Staff approve (the page they load now carries the current review_version).
        desk.goto(f"/review/{assessment.pk}/")
        approving = desk.locator(f"form[action='/review/{assessment.pk}/approve/']")
        # The click waits for the navigation it starts, i.e. for the approval's answer, which comes
        # once the eager Celery task has rendered the report: give it the rendering's time.
        approving.locator("button[type=submit]").click(timeout=REPORT_TIMEOUT_MS)
        desk.wait_for_url(re.compile(rf"/review/{assessment.pk}/$"), timeout=REPORT_TIMEOUT_MS)
        expect(desk.locator(f"form[action='/review/{assessment.pk}/approve/']")).to_have_count(0)
    finally:
        staff_context.close()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.APPROVED

    # 5. The owner's result page: the report block loads (and polls while the row is queued or
    #    rendering) until it offers the download.
    page.goto(f"/assessments/{assessment.pk}/result/")
    # The shell (aria-busy) is replaced by the current state as soon as the page has loaded; then
    # only the status line polls, and only while it carries hx-trigger: the create button is looked
    # for in a loaded block and a line that does not poll, so no poll can replace it under the click.
    block = page.locator("#report .report-status:not([aria-busy])")
    expect(block).to_be_attached()
    create = block.locator(".report-state:not([hx-trigger])").get_by_role(
        "button", name=re.compile("生成诊断报告|Create the diagnosis report"))
    download = block.locator("a[href^='/assessments/report/'], a[href*='/download/']")
    expect(create.or_(download).first).to_be_visible(timeout=REPORT_TIMEOUT_MS)
    if create.count():  # the approval's own report request did not reach this row: ask for it
        create.click()
    expect(download).to_be_visible(timeout=REPORT_TIMEOUT_MS)
    href = download.get_attribute("href")

    response = page.context.request.get(href)
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    report = Report.objects.get(assessment=assessment, status=Report.Status.READY)
    assert href.rstrip("/").endswith(f"/report/{report.pk}/download")
    assert report.requested_by_id in (owner.pk, staff.pk)
