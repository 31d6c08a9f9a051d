"""The provider registry end to end in a real browser, four people in their own browser contexts:

a provider's owner fills the capability profile in the section editor (autosave: facts with a
contact, a case, a capability backed by that case, a solution linked to a standard's item) and
submits it; district staff (password + TOTP) approve it from the queue; the owner applies to the
district's open resource pool; staff pass the form check and assign an expert; the expert (password
+ TOTP) declares no conflict of interest and scores the application; staff publish the public
notice; once the notice period has ended (the dates are moved in the database, as a calendar
would) staff admit the provider; an anonymous visitor finds it in the public directory under that
pool, and its portrait shows the membership and the capability radar.

Every wait is on a DOM state or a URL, never a fixed sleep; no control is clicked that an HTMX
answer may replace (the autosave answer swaps only the status line and hidden inputs).
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import Provider
from providers.models import ExpertScore, PoolApplication, PoolMember, ProfileVersion
from tests.browser.test_review_journey import _staff_context, staff_sign_in
from tests.browser.test_self_assessment_journey import sign_in
from tests.factories import MembershipFactory, StaffFactory, confirmed_totp, region
from tests.factories.portal import ProviderFactory
from tests.factories.providers import open_pool

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIENT = "龙华某电子厂"
SAVED = re.compile(r"已保存|Saved")


@pytest.fixture
def provider():
    return ProviderFactory(region=region("440309"), name="深圳智造数字科技有限公司")


@pytest.fixture
def owner(provider):
    return MembershipFactory(provider=provider, enterprise=None, role="owner").user


@pytest.fixture
def staff():
    user = StaffFactory(staff_role="district_staff", region=region("440309"))
    confirmed_totp(user)
    return user


@pytest.fixture
def expert():
    user = StaffFactory(staff_role="expert", region=None)
    confirmed_totp(user)
    return user


@pytest.fixture
def pool(staff):
    return open_pool(created_by=staff, name="龙岗区数字化服务商资源池")


class Section:
    """The section editor: fill inputs, wait for the autosave to answer, go on."""

    def __init__(self, page, provider, section):
        self.page = page
        self.form = page.locator("form#section-form")
        self.status = page.locator("#save-status")
        page.goto(f"/registry/profile/{provider.pk}/edit/{section}/")
        expect(self.form).to_be_visible()

    def field(self, name):
        return self.form.locator(f"[name='{name}']")

    def saved(self):
        """The autosave answered 200 for what is in the page now (the status line names the time)."""
        expect(self.status.locator(".saved")).to_have_text(SAVED)

    def save_and_continue(self, next_section):
        # A plain post: profile-editor.js lets a save still in flight finish first.
        self.form.locator("button[name=next]").click()
        self.page.wait_for_url(re.compile(rf"/edit/{next_section}/$"))


def fill_profile(page, provider):
    facts = Section(page, provider, "facts")
    facts.field("summary").fill("专注离散制造业 MES 与设备联网的数字化服务商。")
    facts.field("employees").fill("120")
    facts.field("c0-name").fill("王经理")
    facts.field("c0-phone").fill("13800138000")
    facts.field("c0-email").fill("wang@example.cn")
    facts.saved()
    # The new version came back out of band: the draft moved on from 0.
    expect(page.locator("#edit-version")).not_to_have_value("0")
    facts.save_and_continue("qualifications")

    cases = Section(page, provider, "cases")
    cases.field("r0-client_name").fill(CLIENT)
    cases.field("r0-division").select_option("39")
    cases.field("r0-scope").fill("SMT 车间设备联网与 MES")
    cases.field("r0-year").fill("2024")
    cases.field("r0-areas").select_option(["software"])
    cases.saved()
    # The new entry's key came back out of band, so later saves update this case, not add one.
    expect(cases.field("r0-key")).not_to_have_value("")

    capabilities = Section(page, provider, "capabilities")
    capabilities.field("r0-area").select_option("software")
    capabilities.field("r0-level").select_option("3")
    capabilities.field("r0-description").fill("MES、WMS 自主研发")
    capabilities.field("r0-cases").select_option(label=CLIENT)
    capabilities.saved()

    solutions = Section(page, provider, "solutions")
    solutions.field("r0-title").fill("电子装配车间数字化改造")
    solutions.field("r0-summary").fill("设备联网、MES 与看板")
    solutions.field("r0-categories").select_option(["smart_manufacturing"])
    solutions.field("r0-items").select_option(["sme-2024:equipment-systems"])
    solutions.field("r0-areas").select_option(["software"])
    solutions.saved()
    # A plain save still works next to the autosave, and lands on the same section.
    solutions.form.locator("button[type=submit]:not([name])").click()
    page.wait_for_url(re.compile(r"/edit/solutions/$"))
    expect(solutions.field("r0-title")).to_have_value("电子装配车间数字化改造")


def test_profile_to_pool_membership_in_the_public_directory(browser, browser_context, live_server, page, provider,
                                                            owner, staff, expert, pool):
    _context, guard = browser_context

    # 1. The owner fills the profile section by section (autosave) and submits it.
    sign_in(page, owner)
    page.goto(f"/registry/profile/{provider.pk}/")
    page.locator(f"form[action='/registry/profile/{provider.pk}/start/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/registry/profile/{provider.pk}/edit/facts/$"))
    fill_profile(page, provider)
    draft = ProfileVersion.objects.get(provider=provider, status=ProfileVersion.Status.DRAFT)
    document = draft.document
    assert document["facts"]["summary"].startswith("专注") and document["facts"]["contacts"][0]["name"] == "王经理"
    case_key = document["cases"][0]["key"]
    assert len(document["cases"]) == 1 and document["capabilities"][0]["cases"] == [case_key]
    assert document["solutions"][0]["items"] == [{"spec": "sme-2024", "item": "equipment-systems"}]

    page.goto(f"/registry/profile/{provider.pk}/submit/")
    expect(page.locator("main .errorlist")).to_have_count(0)
    page.locator("main form.card textarea[name=reason]").fill("首次提交")
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/registry/profile/{provider.pk}/$"))
    draft.refresh_from_db()
    assert draft.status == ProfileVersion.Status.SUBMITTED

    staff_context = _staff_context(browser, live_server, guard)
    expert_context = _staff_context(browser, live_server, guard)
    try:
        # 2. District staff approve it from the queue.
        desk = staff_context.new_page()
        staff_sign_in(desk, staff)
        desk.goto("/registry/profile/review/")
        entry = desk.locator(f"main a[href='/registry/profile/review/{draft.pk}/']")
        expect(entry).to_have_count(1)
        entry.click()
        desk.wait_for_url(re.compile(rf"/registry/profile/review/{draft.pk}/$"))
        desk.locator("main form button[name=decision][value=approve]").click()
        desk.wait_for_url(re.compile(r"/registry/profile/review/$"))
        draft.refresh_from_db()
        assert draft.status == ProfileVersion.Status.PUBLISHED

        # 3. The owner applies to the open pool with the published profile.
        page.goto(f"/registry/pools/{pool.pk}/apply/")
        page.locator("main form.card textarea[name=statement]").fill("十年离散制造业服务经验。")
        page.locator("main form.card button[type=submit]").click()
        page.wait_for_url(re.compile(r"/registry/pools/mine/$"))
        application = PoolApplication.objects.get(pool=pool, provider=provider)
        assert application.profile_version_id == draft.pk

        # 4. Staff pass the form check and assign the expert.
        review = f"/registry/pools/applications/{application.pk}/"
        desk.goto(review)
        check = desk.locator(f"form[action='{review}check/']")
        check.locator("input[name=outcome][value=pass]").check()
        check.locator("button[type=submit]").click()
        desk.wait_for_url(re.compile(rf"{review}$"))
        assign = desk.locator(f"form[action='{review}experts/']")
        assign.locator("select[name=expert]").select_option(str(expert.pk))
        assign.locator("button[type=submit]").click()
        desk.wait_for_url(re.compile(rf"{review}$"))
        sheet = ExpertScore.objects.get(application=application, expert=expert)

        # 5. The expert finds the task and declares no conflict of interest and scores it.
        bench = expert_context.new_page()
        staff_sign_in(bench, expert)
        bench.goto("/registry/pools/tasks/")
        task = bench.locator(f"main a[href='/registry/pools/tasks/{sheet.pk}/']")
        expect(task).to_have_count(1)
        task.click()
        bench.wait_for_url(re.compile(rf"/registry/pools/tasks/{sheet.pk}/$"))
        scoring = bench.locator(f"form[action='/registry/pools/tasks/{sheet.pk}/submit/']")
        scoring.locator("input[name=no_conflict]").check()  # the declaration of no conflict of interest
        for name, value in (("basic", "82"), ("capability", "88"), ("delivery", "80"), ("discount", "75")):
            scoring.locator(f"input[name={name}]").fill(value)
        scoring.locator("textarea[name=comment]").fill("案例真实，能力与申报一致。")
        scoring.locator("button[type=submit]").click()
        bench.wait_for_url(re.compile(r"/registry/pools/tasks/$"))
        sheet.refresh_from_db()
        assert sheet.submitted_at is not None and not sheet.conflict_declared

        # 6. Staff publish the public notice.
        desk.goto(review)
        publish = desk.locator(f"form[action='{review}notice/']")
        publish.locator("button[type=submit]").click()
        desk.wait_for_url(re.compile(rf"{review}$"))
        expect(desk.locator("#objections")).to_be_visible()
        application.refresh_from_db()
        assert application.status == PoolApplication.Status.NOTICE

        # 7. The notice period ends (its dates move back, as the calendar would move them) and
        #    staff admit the provider.
        today = timezone.localdate()
        PoolApplication.objects.filter(pk=application.pk).update(
            notice_starts=today - dt.timedelta(days=pool.objection_days + 1), notice_ends=today - dt.timedelta(days=1))
        desk.goto(review)
        deciding = desk.locator(f"form[action='{review}decide/']")
        deciding.locator("input[name=decision][value=admit]").check()
        deciding.locator("button[type=submit]").click()
        desk.wait_for_url(re.compile(rf"{review}$"))
        expect(desk.locator(f"form[action='{review}decide/']")).to_have_count(0)
    finally:
        expert_context.close()
        staff_context.close()
    member = PoolMember.objects.get(pool=pool, provider=provider)
    assert member.status == PoolMember.Status.ACTIVE

    # 8. Anyone (signed out) finds the provider in the directory under that pool, and its portrait
    #    shows the membership and the radar.
    visitor_context = _staff_context(browser, live_server, guard)
    try:
        visitor = visitor_context.new_page()
        visitor.goto(f"/registry/?pool={pool.pk}")
        row = visitor.locator(f"main table a[href$='/registry/providers/{provider.pk}/']")
        expect(row).to_have_text(Provider.objects.get(pk=provider.pk).name)
        row.click()
        visitor.wait_for_url(re.compile(rf"/registry/providers/{provider.pk}/$"))
        pools = visitor.locator("main section", has=visitor.get_by_role("heading", name=re.compile("资源池")))
        expect(pools.get_by_text(pool.name)).to_be_visible()
        expect(visitor.locator("#capability-radar svg").first).to_be_visible()
    finally:
        visitor_context.close()
