"""Race safety on PostgreSQL: "generate pairing suggestions" pressed several times at the same
instant leaves one queued job; meeting records sent at once with the same version change the
pairing once."""

import pytest
from django.utils import timezone

from portal.models import User
from providers.events import services
from providers.models import MatchEvent, Pairing, PairingJob
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 5


def test_concurrent_generate_requests_leave_one_job(ready_event, district_staff, monkeypatch):
    monkeypatch.setattr(services, "enqueue_on_commit", lambda *args, **kwargs: None)  # no worker here

    def press():
        return lambda: services.pairing_request(event=MatchEvent.objects.get(pk=ready_event.pk),
                                                actor=User.objects.get(pk=district_staff.pk))

    outcomes = race([press() for _n in range(THREADS)])
    assert outcomes == ["ok"] * THREADS, outcomes
    assert PairingJob.objects.filter(event=ready_event).count() == 1


def test_concurrent_meeting_records_with_one_version_change_it_once(ready_event, district_staff, members):
    MatchEvent.objects.filter(pk=ready_event.pk).update(status="open", opened_at=timezone.now())
    pairing = Pairing.objects.create(event=ready_event, enterprise=ready_event.participants.first().enterprise,
                                     provider=members[0].provider, solution_key="k", solution_title="方案", score=50,
                                     rank=1)

    def record(n):
        return lambda: services.pairing_record(pairing=Pairing.objects.get(pk=pairing.pk),
                                               actor=User.objects.get(pk=district_staff.pk), expected_version=0,
                                               status="meeting", meeting_at=timezone.now(), meeting_notes=f"第{n}次")

    outcomes = race([record(n) for n in range(THREADS)])
    assert sorted(outcomes) == ["ok"] + ["stale"] * (THREADS - 1), outcomes
    pairing.refresh_from_db()
    assert (pairing.status, pairing.state_version) == ("meeting", 1)
