"""The matchmaking events demo: an open event with pairings in every status and a draft one;
a second run adds nothing."""

import pytest

from providers.events.demo import DRAFT_TITLE, OPEN_TITLE, seed_events
from providers.models import EventParticipant, MatchEvent, Pairing

pytestmark = pytest.mark.django_db


def test_seed_events_every_status_and_idempotent(district_staff, members, ranked):
    from tests.providers.events.conftest import assessed

    for index in range(8):
        assessed(category="smart_manufacturing" if index % 2 else "digital_management")
    made = seed_events(creator=district_staff)
    opened = MatchEvent.objects.get(title=OPEN_TITLE)
    assert opened.status == "open" and made == Pairing.objects.filter(event=opened).count() > 0
    assert set(Pairing.objects.filter(event=opened).values_list("status", flat=True)) == {
        "suggested", "meeting", "agreed", "declined"}
    draft = MatchEvent.objects.get(title=DRAFT_TITLE)
    assert EventParticipant.objects.filter(event=draft).count() == 4
    counts = (MatchEvent.objects.count(), EventParticipant.objects.count(), Pairing.objects.count())
    assert seed_events(creator=district_staff) == 0
    assert (MatchEvent.objects.count(), EventParticipant.objects.count(), Pairing.objects.count()) == counts


def test_seed_without_engine_leaves_pairings_to_the_button(district_staff, members, monkeypatch):
    from providers.events import services
    from tests.providers.events.conftest import assessed

    def missing():
        raise ImportError("no engine")

    monkeypatch.setattr(services, "ranker", missing)
    assessed()
    assert seed_events(creator=district_staff) == 0
    assert EventParticipant.objects.exists() and not Pairing.objects.exists()
