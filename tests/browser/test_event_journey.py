"""A matchmaking event end to end in a real browser, three people in their own browser contexts:

bureau staff (password + TOTP) generate the event's pairing suggestions (the HTMX job block, which
answers once the job row is final); the enterprise's owner sees the matched providers on the result
page (the matching panel, loaded by HTMX) and requests contact with consent; the provider's owner
finds the lead in the inbox and marks it contacted (accepting it into the pipeline); staff then see
the lead in the event's funnel, record the meeting as agreed on the pairing and see that too.

Every wait is on a DOM state or a URL, never a fixed sleep.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from providers.models import EventParticipant, EventProvider, Lead, MatchEvent, Pairing
from tests.browser.test_review_journey import _staff_context, staff_sign_in
from tests.browser.test_self_assessment_journey import sign_in
from tests.factories import MembershipFactory, StaffFactory, confirmed_totp, region
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, ProviderFactory
from tests.factories.providers import member_of, new_key, open_pool, profile_document, published_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOLUTION = "设备联网与数据采集方案"


@pytest.fixture
def staff():
    user = StaffFactory(staff_role="district_staff", region=region("440309"))
    confirmed_totp(user)
    return user


@pytest.fixture
def provider(staff):
    provider = ProviderFactory(region=region("440309"), name="深圳智联工业互联网有限公司")
    solution = {"key": new_key(), "title": SOLUTION, "summary": "", "categories": ["smart_manufacturing",
                                                                                      "digital_management"],
                "items": [{"spec": "sme-2024", "item": "network"}], "industries": ["39"], "areas": ["software"],
                "price_min": "20.00", "price_max": None, "delivery_days": 30, "light": False}
    published_profile(provider, document=profile_document(solutions=[solution]))
    member_of(open_pool(created_by=staff), provider=provider, due_days_ago=-100)
    return provider


@pytest.fixture
def provider_owner(provider):
    return MembershipFactory(provider=provider, enterprise=None, role="owner").user


@pytest.fixture
def enterprise():
    return EnterpriseFactory(region=region("440309"), name="深圳市龙华精密电子有限公司")


@pytest.fixture
def owner(enterprise):
    return MembershipFactory(enterprise=enterprise, role="owner").user


@pytest.fixture
def event(staff, enterprise, provider):
    event = MatchEvent.objects.create(title="龙华区电子信息供需对接会", kind=MatchEvent.Kind.DISTRICT,
                                      region=region("440309"), date=dt.date.today(), status=MatchEvent.Status.OPEN,
                                      opened_at=timezone.now() - dt.timedelta(minutes=5), created_by=staff)
    EventParticipant.objects.create(event=event, enterprise=enterprise, invited_by=staff)
    EventProvider.objects.create(event=event, provider=provider, member=provider.pool_memberships.get(),
                                 invited_by=staff)
    return event


def test_matches_contact_request_lead_and_the_event_funnel(browser, browser_context, live_server, page, staff, owner,
                                                          provider_owner, enterprise, event):
    _context, guard = browser_context
    assessment = scored_assessment(enterprise, user=owner, best=False)

    staff_context = _staff_context(browser, live_server, guard)
    provider_context = _staff_context(browser, live_server, guard)
    try:
        # 1. Staff generate the pairing suggestions; the job block answers with the final state.
        desk = staff_context.new_page()
        staff_sign_in(desk, staff)
        desk.goto(f"/registry/events/{event.pk}/")
        desk.locator(f"form[action='/registry/events/{event.pk}/pairings/generate/'] button").click()
        expect(desk.locator("[data-job-status='done']")).to_be_visible()
        expect(desk.locator("#job-state[hx-trigger]")).to_have_count(0)  # no more polling
        desk.goto(f"/registry/events/{event.pk}/")
        expect(desk.locator("#pairing-table tr[data-pairing]")).to_have_count(1)
        expect(desk.locator("#pairing-table")).to_contain_text(SOLUTION)

        # 2. The enterprise sees the match on its result page and requests contact with consent.
        sign_in(page, owner)
        page.goto(f"/assessments/{assessment.pk}/result/")
        match = page.locator("[data-matching-panel] li[data-match]").filter(has_text=SOLUTION)
        expect(match).to_be_visible()
        match.locator("a.btn").click()
        page.wait_for_url(re.compile(r"/registry/leads/request/"))
        page.locator("main input[name=consent]").check()
        page.locator("main form.card button[type=submit]").click()
        page.wait_for_url(re.compile(r"/registry/leads/mine/"))
        lead = Lead.objects.get(enterprise=enterprise, provider_id=event.providers.get().provider_id)

        # 3. The provider finds the lead in its inbox and takes it on (contacted).
        inbox = provider_context.new_page()
        sign_in(inbox, provider_owner)
        inbox.goto("/registry/leads/inbox/")
        inbox.locator(f"main a[href='/registry/leads/{lead.pk}/']").first.click()
        inbox.wait_for_url(re.compile(rf"/registry/leads/{lead.pk}/$"))
        contact = inbox.locator(f"form[action='/registry/leads/{lead.pk}/step/']").filter(
            has=inbox.locator("input[name=action][value=contact]"))
        contact.locator("input[name=day]").fill(timezone.localdate().isoformat())
        contact.locator("button[type=submit]").click()
        expect(inbox.locator("input[name=action][value=contact]")).to_have_count(0)
        lead.refresh_from_db()
        assert lead.stage == Lead.Stage.CONTACTED

        # 4. Staff see the lead in the event's funnel, then record the meeting as agreed.
        desk.goto(f"/registry/events/{event.pk}/")
        expect(desk.locator("#funnel td[data-stage='lead_contacted']")).to_have_text("1")
        expect(desk.locator("#funnel td[data-stage='agreed']")).to_have_text("0")
        pairing = Pairing.objects.get(event=event)
        desk.locator(f"a[href='/registry/events/{event.pk}/pairings/{pairing.pk}/']").click()
        desk.wait_for_url(re.compile(rf"/pairings/{pairing.pk}/$"))
        form = desk.locator("main form.card")
        form.locator("select[name=status]").select_option("meeting")
        form.locator("input[name=meeting_at]").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        form.locator("textarea[name=meeting_notes]").fill("企业介绍了设备联网需求，服务商演示了方案。")
        form.locator("button[type=submit]").click()
        desk.wait_for_url(re.compile(rf"/registry/events/{event.pk}/$"))
        desk.locator(f"a[href='/registry/events/{event.pk}/pairings/{pairing.pk}/']").click()
        form = desk.locator("main form.card")
        form.locator("select[name=status]").select_option("agreed")
        form.locator("textarea[name=outcome]").fill("签订意向协议。")
        form.locator("button[type=submit]").click()
        desk.wait_for_url(re.compile(rf"/registry/events/{event.pk}/$"))
        expect(desk.locator("#funnel td[data-stage='met']")).to_have_text("1")
        expect(desk.locator("#funnel td[data-stage='agreed']")).to_have_text("1")
    finally:
        staff_context.close()
        provider_context.close()
    assert guard.unexpected() == []
