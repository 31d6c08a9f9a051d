"""Home pages: the provider member sees its profile's completeness and pending change, bureau staff
the approvals waiting in their region, the client enterprise its case confirmations; the menu link
is for provider members only."""

import pytest

from providers.profiles import services
from tests.factories.portal import EnterpriseFactory, MembershipFactory
from tests.factories.providers import profile_document, submitted_profile

pytestmark = pytest.mark.django_db


def test_provider_home_shows_completeness_and_the_pending_change(login, provider, provider_owner, owner):
    services.start_draft(provider=provider, actor=provider_owner)
    html = login(provider_owner).get("/").content.decode()
    assert 'data-home-card="profiles-mine"' in html and "完整度 0 %" in html and "变更草稿未提交" in html
    assert 'href="/registry/profile/"' in html
    other = login(owner).get("/").content.decode()
    assert 'href="/registry/profile/"' not in other and 'data-home-card="profiles-mine"' not in other


def test_staff_home_counts_pending_approvals_in_their_region(login, provider, provider_owner, district_staff,
                                                             other_district_staff):
    submitted_profile(provider, provider_owner)
    html = login(district_staff).get("/").content.decode()
    assert "服务商档案审核" in html and provider.name in html
    html = login(other_district_staff).get("/").content.decode()
    assert provider.name not in html and "暂无待审核的服务商档案" in html


def test_the_client_sees_the_case_confirmation_card(login, provider, provider_owner, district_staff):
    enterprise = EnterpriseFactory()
    member = MembershipFactory(enterprise=enterprise, role="viewer").user
    assert 'data-home-card="profiles-cases"' not in login(member).get("/").content.decode()
    document = profile_document()
    document["cases"][0]["client_uscc"] = enterprise.uscc
    services.approve(version=submitted_profile(provider, provider_owner, document=document), staff=district_staff)
    assert 'data-home-card="profiles-cases"' in login(member).get("/").content.decode()
