"""The menu bar is served from the cache (portal.context_processors.site_header) and never shows
what changed since: the unread count after a notification or reading them all, the links after a
new membership, and it is never another user's menu."""

import re

import pytest

from portal.models import Notification
from portal.notifications.services import mark_all_read, notify
from tests.factories.portal import EnterpriseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _badge(html):
    found = re.search(r'<span class="count"[^>]*>(\d+)</span>', html)
    return int(found.group(1)) if found else 0


def test_the_unread_count_follows_notifications_and_reading(login, owner):
    client = login(owner)
    assert _badge(client.get("/privacy/").content.decode()) == 0
    notify([owner], kind="test", title="审核通过")
    assert _badge(client.get("/privacy/").content.decode()) == 1
    Notification.objects.create(user=owner, kind="test", title="第二条")  # a row written outside the service
    assert _badge(client.get("/privacy/").content.decode()) == 2
    mark_all_read(owner)
    assert _badge(client.get("/privacy/").content.decode()) == 0


def test_a_new_membership_shows_its_links(login):
    user = UserFactory()
    client = login(user)
    assert "/assessments/" not in client.get("/privacy/").content.decode()
    MembershipFactory(user=user, enterprise=EnterpriseFactory(), role="owner")
    assert 'href="/assessments/"' in client.get("/privacy/").content.decode()


def test_the_menu_is_the_signed_in_users_own(login, owner, teammate):
    first = login(owner).get("/privacy/").content.decode()
    second = login(teammate).get("/privacy/").content.decode()
    assert f"（{owner.username}）" in first and f"（{teammate.username}）" in second
    assert f"（{owner.username}）" not in second


def test_the_language_switch_returns_to_the_page_it_is_on(login, owner):
    client = login(owner)
    assert 'name="next" type="hidden" value="/privacy/"' in client.get("/privacy/").content.decode()
    assert 'name="next" type="hidden" value="/notifications/"' in client.get("/notifications/").content.decode()
