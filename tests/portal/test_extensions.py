"""Home cards (portal/extensions.py): what a higher app registers shows up on the home page of the
users its predicate picks, nothing shows up when nothing is registered, and diagnosis fills the
registry with its own card for enterprise members."""

import pytest

from portal import extensions
from portal.extensions import HomeCard

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards():
    """Register home cards for one test; they are removed afterwards."""
    keys = []

    def _register(**fields):
        card = extensions.register_home_card(HomeCard(**{"url_name": "portal:password-change", **fields}))
        keys.append(card.key)
        return card

    yield _register
    for key in keys:
        extensions.unregister_home_card(key)


@pytest.fixture
def no_cards(monkeypatch):
    """An empty registry, as when no app registers anything."""
    monkeypatch.setattr(extensions, "_home_cards", extensions.Registry())


@pytest.mark.parametrize("persona", ["owner", "provider_user", "district_staff", "expert", "audit_admin"])
def test_a_card_for_everyone_is_on_every_home_page(request, login, cards, persona):
    cards(key="subsidies", title="补贴申报", description="查看可申请的补贴")
    html = login(request.getfixturevalue(persona)).get("/").content.decode()
    assert 'data-home-card="subsidies"' in html
    assert '<a href="/accounts/password/">补贴申报</a>' in html and "查看可申请的补贴" in html


def test_a_cards_predicate_picks_who_sees_it(login, owner, district_staff, cards):
    cards(key="staff-only", title="局端", visible=lambda user: bool(user.staff_role))
    assert 'data-home-card="staff-only"' in login(district_staff).get("/").content.decode()
    assert 'data-home-card="staff-only"' not in login(owner).get("/").content.decode()


@pytest.mark.parametrize("persona", ["owner", "district_staff", "expert", "audit_admin"])
def test_with_no_cards_the_home_page_has_no_card_markup(request, login, no_cards, persona):
    html = login(request.getfixturevalue(persona)).get("/").content.decode()
    assert "home-cards" not in html and "data-home-card" not in html


def test_cards_come_in_order_and_registering_a_key_again_replaces_it(owner, cards):
    cards(key="b", title="B", order=20)
    cards(key="a", title="A", order=30)
    cards(key="a", title="A2", order=10)
    assert [(c.key, c.title) for c in extensions.home_cards(owner) if c.key in {"a", "b"}] == [("a", "A2"), ("b", "B")]


def test_diagnosis_registers_its_assessments_card_for_enterprise_members(login, owner, provider_user, district_staff):
    html = login(owner).get("/").content.decode()
    assert 'data-home-card="diagnosis-assessments"' in html and 'href="/assessments/"' in html
    for user in (provider_user, district_staff):
        assert 'data-home-card="diagnosis-assessments"' not in login(user).get("/").content.decode()
