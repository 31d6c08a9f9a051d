"""The "Subsidies" (补贴) menu entry, by role, through subsidies.context_processors (portal's menu only
reads nav_subsidies)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.portal import MembershipFactory, ProviderFactory, UserFactory

pytestmark = pytest.mark.django_db
NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)


def _menu_link(client, login, user):
    login(user)
    page = client.get("/").content.decode()
    menu = NAV.search(page).group(1)
    found = re.search(r'<a href="([^"]+)">补贴</a>', menu)
    return found.group(1) if found else None


def test_each_role_gets_its_subsidy_page(client, login, owner, district_staff, city_staff, expert):
    provider_user = MembershipFactory(provider=ProviderFactory(), enterprise=None, role="owner").user
    expected = {owner: "/subsidies/applications/", district_staff: "/subsidies/review/",
                city_staff: "/subsidies/review/", expert: "/subsidies/review/tasks/",
                provider_user: "/subsidies/vouchers/", UserFactory(): None}
    for user, url in expected.items():
        assert _menu_link(client, login, user) == url, user
        if url:
            assert client.get(url, follow=True).status_code == 200


def test_anonymous_menu_has_no_subsidy_entry(client):
    menu = NAV.search(client.get("/").content.decode()).group(1)
    assert "补贴</a>" not in menu


def test_the_entry_costs_no_extra_membership_query(client, login, owner):
    login(owner)
    with CaptureQueriesContext(connection) as queries:
        client.get("/registry/")
    assert sum("portal_membership" in q["sql"] for q in queries.captured_queries) <= 1
