"""The main menu asks once per request which kinds of organisation the user belongs to."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.permissions import is_enterprise_user, is_provider_user, nav_organisation_kinds
from tests.factories.portal import EnterpriseFactory, MembershipFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_the_menu_kinds_match_the_predicates_in_one_query(owner, provider_user, district_staff):
    both = MembershipFactory(provider=ProviderFactory(), enterprise=None, role="owner").user
    MembershipFactory(user=both, enterprise=EnterpriseFactory(), role="viewer")
    for user in (owner, provider_user, district_staff, both):
        with CaptureQueriesContext(connection) as queries:
            kinds = nav_organisation_kinds(user)
            assert nav_organisation_kinds(user) == kinds
        assert len(queries) <= 1
        assert ("enterprise" in kinds) == is_enterprise_user(user)
        assert ("provider" in kinds) == is_provider_user(user)


def test_a_page_menu_shows_the_provider_links_with_one_membership_query(login, client):
    user = MembershipFactory(provider=ProviderFactory(), enterprise=None, role="owner").user
    login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/registry/").content.decode()
    assert "/pools/go/" in page or "资源池" in page
    assert sum("portal_membership" in q["sql"] for q in queries.captured_queries) == 1
