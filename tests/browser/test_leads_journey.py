"""A contact request end to end in a real browser, two people in their own contexts: the
enterprise's owner reads exactly what will be shared, consents and sends the request; the provider's
owner finds it in the inbox, sees the summary and marks it contacted; the enterprise sees the new
stage and withdraws its consent; the provider's page then shows only that the enterprise withdrew.
Every wait is on a DOM state or a URL, never a fixed sleep."""

import re

import pytest
from playwright.sync_api import expect

from providers.models import Lead, ListingSolution
from tests.browser.test_review_journey import _staff_context
from tests.browser.test_self_assessment_journey import sign_in
from tests.factories import MembershipFactory
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory
from tests.factories.providers import applicant, member_of, open_pool

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_contact_withdraw(page, browser, live_server, page_guard):
    pool = open_pool(region_code="440309")
    provider, provider_owner = applicant()
    member_of(pool, provider=provider, due_days_ago=-100)
    solution = ListingSolution.objects.filter(listing__provider=provider).first()
    enterprise = EnterpriseFactory(contact_name="陈志强", contact_phone="13800138000")
    owner = MembershipFactory(enterprise=enterprise, role="owner").user
    assessment = scored_assessment(enterprise, user=owner, best=False)

    # The enterprise reads what will be shared, consents and asks.
    sign_in(page, owner)
    page.goto(f"/registry/leads/request/{assessment.pk}/{solution.pk}/")
    expect(page.locator("main")).to_contain_text("13800138000")
    page.locator("input[name=consent]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/registry/leads/mine/"))
    expect(page.locator("main")).to_contain_text(solution.title)
    lead = Lead.objects.get()

    # The provider finds it, reads the summary and marks it contacted.
    provider_context = _staff_context(browser, live_server, page_guard)
    other = provider_context.new_page()
    sign_in(other, provider_owner)
    other.goto("/registry/leads/inbox/")
    other.get_by_role("link", name=enterprise.name).click()
    other.wait_for_url(re.compile(rf"/registry/leads/{lead.pk}/$"))
    expect(other.locator("main")).to_contain_text("13800138000")
    other.locator("form:has(input[name=action][value=contact]) button[type=submit]").click()
    expect(other.locator("main h1")).to_contain_text("已联系")

    # The enterprise sees the stage and withdraws its consent.
    page.reload()
    expect(page.locator("main")).to_contain_text("已联系")
    page.locator(f"form[action='/registry/leads/mine/{lead.pk}/withdraw/'] button").click()
    expect(page.locator("main")).to_contain_text("撤回")

    # The provider now sees only that the enterprise withdrew.
    other.reload()
    expect(other.locator("main")).to_contain_text("企业已撤回同意")
    expect(other.locator("main")).not_to_contain_text("13800138000")
    expect(other.locator("form:has(input[name=action])")).to_have_count(0)
    provider_context.close()
