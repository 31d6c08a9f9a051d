"""Services of matchmaking events: scope, invitations (filters, pool membership, unknown ids), the
pairing job (idempotent claim, progress, re-runs without duplicates, sweeper), meeting records
with stale versions, and the audited export."""

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.models import AuditEvent
from providers.events import selectors, services
from providers.models import EventParticipant, EventProvider, MatchEvent, Pairing, PairingJob
from tests.factories.portal import region
from tests.factories.providers import member_of, open_pool
from tests.providers.events.conftest import assessed

pytestmark = pytest.mark.django_db


def test_create_event_checks_scope_and_kind(district_staff, other_district_staff, owner):
    event = services.event_create(actor=district_staff, title="对接会", kind="district", region=region("440309"),
                                  date=dt.date.today())
    assert event.region.code == "440309"
    assert AuditEvent.objects.filter(action="match_event.create", object_id=str(event.pk)).exists()
    with pytest.raises(Forbidden):
        services.event_create(actor=other_district_staff, title="x", kind="district", region=region("440309"),
                              date=dt.date.today())
    with pytest.raises(Forbidden):
        services.event_create(actor=owner, title="x", kind="district", region=region("440309"), date=dt.date.today())
    with pytest.raises(Invalid):
        services.event_create(actor=district_staff, title="x", kind="cluster", region=region("440309"),
                              date=dt.date.today())
    with pytest.raises(Invalid):
        services.event_create(actor=district_staff, title="a\x00b", kind="district", region=region("440309"),
                              date=dt.date.today())


def test_candidates_filter_by_need_and_cluster(event, district_staff):
    digital = assessed(category="digital_management")
    smart = assessed(category="smart_manufacturing", cluster="")
    assessed(region=region("440306"))  # another district: outside the event
    from tests.factories.portal import EnterpriseFactory
    EnterpriseFactory()  # not assessed: not a candidate
    assert set(selectors.candidates(event)) == {digital, smart}
    assert list(selectors.candidates(event, category="smart_manufacturing")) == [smart]
    assert list(selectors.candidates(event, cluster="electronics")) == [digital]
    count = services.participants_invite(event=event, actor=district_staff, filters={"category": "digital_management"})
    assert count == 1
    assert EventParticipant.objects.get(event=event).categories == ["digital_management"]
    assert list(selectors.candidates(event)) == [smart]  # invited ones drop out


def test_invite_unknown_or_out_of_scope_ids_changes_nothing(event, district_staff):
    ok = assessed()
    outside = assessed(region=region("440306"))
    for ids in ([ok.pk, outside.pk], [ok.pk, 999999], []):
        with pytest.raises(Invalid):
            services.participants_invite(event=event, actor=district_staff, enterprise_ids=ids)
    assert not EventParticipant.objects.exists()
    assert services.participants_invite(event=event, actor=district_staff, enterprise_ids=[ok.pk]) == 1


def test_only_active_pool_members_can_be_invited(event, pool, district_staff):
    active = member_of(pool, due_days_ago=-100)
    suspended = member_of(pool, status="suspended")
    far_pool = open_pool(region_code="440306")
    far = member_of(far_pool)
    for ids in ([suspended.provider_id], [far.provider_id], [active.provider_id, 424242]):
        with pytest.raises(Invalid):
            services.providers_invite(event=event, actor=district_staff, provider_ids=ids)
    assert not EventProvider.objects.exists()
    assert services.providers_invite(event=event, actor=district_staff, provider_ids=[active.provider_id]) == 1
    with pytest.raises(Invalid):  # twice
        services.providers_invite(event=event, actor=district_staff, provider_ids=[active.provider_id])
    assert [m.provider_id for m in selectors.uninvited_members(event)] == []


def test_city_pool_members_are_eligible_for_a_district_event(event, district_staff):
    city_pool = open_pool(region_code="440300")
    member = member_of(city_pool, due_days_ago=-100)
    assert [m.provider_id for m in selectors.uninvited_members(event)] == [member.provider_id]


def _run(django_capture_on_commit_callbacks, ready_event, actor):
    with django_capture_on_commit_callbacks(execute=True):
        return services.pairing_request(event=ready_event, actor=actor)


def test_job_generates_pairings_for_every_participant(ready_event, district_staff, ranked, members,
                                                      django_capture_on_commit_callbacks):
    job = _run(django_capture_on_commit_callbacks, ready_event, district_staff)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == ("done", 4, 4, 1)
    assert Pairing.objects.filter(event=ready_event).count() == 4 * 3
    first = Pairing.objects.filter(event=ready_event).order_by("enterprise_id", "rank").first()
    assert first.rank == 1 and first.solution_key == str(1000 + first.provider_id) and "需求匹配" in first.explanation
    assert AuditEvent.objects.filter(action="match_event.pairing_request").count() == 1


def test_job_twice_gives_the_same_pairings_and_keeps_recorded_ones(ready_event, district_staff, ranked,
                                                                   django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks, ready_event, district_staff)
    before = sorted(Pairing.objects.filter(event=ready_event).values_list(
        "pk", "enterprise_id", "provider_id", "solution_key", "score", "rank"))
    ready_event.status = MatchEvent.Status.OPEN
    ready_event.save()
    met = Pairing.objects.filter(event=ready_event).first()
    services.pairing_record(pairing=met, actor=district_staff, expected_version=0, status="meeting",
                            meeting_at=timezone.now(), meeting_notes="谈得很好")
    second = _run(django_capture_on_commit_callbacks, ready_event, district_staff)
    second.refresh_from_db()
    assert second.status == "done" and second.created == 0
    after = sorted(Pairing.objects.filter(event=ready_event).values_list(
        "pk", "enterprise_id", "provider_id", "solution_key", "score", "rank"))
    assert after == before
    met.refresh_from_db()
    assert met.status == "meeting" and met.meeting_notes == "谈得很好"


def test_a_second_delivery_of_the_same_job_does_nothing(ready_event, district_staff, ranked,
                                                        django_capture_on_commit_callbacks):
    job = _run(django_capture_on_commit_callbacks, ready_event, district_staff)
    assert services.pairing_generate(job_id=job.pk) == services.JobOutcome.NOTHING_TO_DO
    job.refresh_from_db()
    assert job.attempts == 1 and Pairing.objects.count() == 12


def test_request_while_queued_returns_the_same_row(ready_event, district_staff, monkeypatch):
    sent = []
    monkeypatch.setattr("portal.jobs.enqueue", lambda task, *args, **kw: sent.append(args) or True)
    first = services.pairing_request(event=ready_event, actor=district_staff)
    again = services.pairing_request(event=ready_event, actor=district_staff)
    assert first.pk == again.pk and PairingJob.objects.count() == 1 and first.status == "queued"


def test_dropped_suggestions_are_removed_but_not_recorded_ones(ready_event, district_staff, ranked, members,
                                                               django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks, ready_event, district_staff)
    gone = members[0].provider
    kept = Pairing.objects.filter(event=ready_event, provider=gone).first()
    Pairing.objects.filter(pk=kept.pk).update(status="declined")
    EventProvider.objects.filter(event=ready_event, provider=gone).delete()
    _run(django_capture_on_commit_callbacks, ready_event, district_staff)
    assert list(Pairing.objects.filter(event=ready_event, provider=gone).values_list("pk", flat=True)) == [kept.pk]
    assert Pairing.objects.filter(event=ready_event).count() == 4 * 2 + 1


def test_progress_is_written_while_running(ready_event, district_staff, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 1)
    seen = []

    def watching_rank(pairs, **kwargs):
        seen.append(PairingJob.objects.get().done)
        return {enterprise.pk: [] for enterprise, _a in pairs}

    monkeypatch.setattr(services, "ranker", lambda: watching_rank)
    monkeypatch.setattr("portal.jobs.enqueue", lambda *a, **k: True)
    job = services.pairing_request(event=ready_event, actor=district_staff)
    assert services.pairing_generate(job_id=job.pk) == services.JobOutcome.DONE
    assert seen == [0, 1, 2, 3]
    job.refresh_from_db()
    assert (job.done, job.total, job.final, job.percent) == (4, 4, True, 100)


def test_engine_error_fails_the_row(ready_event, district_staff, monkeypatch):
    def broken(pairs, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(services, "ranker", lambda: broken)
    monkeypatch.setattr("portal.jobs.enqueue", lambda *a, **k: True)
    job = services.pairing_request(event=ready_event, actor=district_staff)
    assert services.pairing_generate(job_id=job.pk) == services.JobOutcome.FAILED
    job.refresh_from_db()
    assert job.status == "failed" and "boom" in job.error


def test_sweeper_requeues_unsent_and_expired_and_gives_up(ready_event, district_staff, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "enqueue", lambda task, job_id, **kw: sent.append(job_id) or True)
    job = PairingJob.objects.create(event=ready_event, requested_by=district_staff, enqueued_at=None)
    assert services.pairing_sweep().requeued == (job.pk,)
    long_ago = timezone.now() - services.job_lease() - timedelta(seconds=5)
    PairingJob.objects.filter(pk=job.pk).update(status="running", started_at=long_ago, attempts=3)
    outcome = services.pairing_sweep()
    job.refresh_from_db()
    assert outcome.gave_up == 1 and job.status == "failed"


def test_meeting_record_with_a_stale_version_changes_nothing(ready_event, district_staff, ranked,
                                                              django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks, ready_event, district_staff)
    pairing = Pairing.objects.filter(event=ready_event).first()
    with pytest.raises(WrongState):  # draft event
        services.pairing_record(pairing=pairing, actor=district_staff, expected_version=0, status="meeting",
                                meeting_at=timezone.now())
    ready_event.status = MatchEvent.Status.OPEN
    ready_event.save()
    services.pairing_record(pairing=pairing, actor=district_staff, expected_version=0, status="meeting",
                            meeting_at=timezone.now(), meeting_notes="第一次")
    with pytest.raises(Conflict) as refused:
        services.pairing_record(pairing=pairing, actor=district_staff, expected_version=0, status="agreed",
                                meeting_at=timezone.now(), outcome="签约")
    assert refused.value.code == "stale"
    pairing.refresh_from_db()
    assert (pairing.status, pairing.state_version, pairing.outcome) == ("meeting", 1, "")
    with pytest.raises(Invalid):
        services.pairing_record(pairing=pairing, actor=district_staff, expected_version=1, status="agreed",
                                meeting_at=None)
    services.pairing_record(pairing=pairing, actor=district_staff, expected_version=1, status="agreed",
                            meeting_at=timezone.now(), outcome="签约")
    with pytest.raises(Conflict):  # agreed is final
        services.pairing_record(pairing=pairing, actor=district_staff, expected_version=2, status="suggested",
                                meeting_at=None)
    stages = {s.key: s.count for s in selectors.funnel(ready_event)}
    assert (stages["invited"], stages["met"], stages["agreed"]) == (4, 1, 1)


def test_export_is_audited(ready_event, district_staff, ranked, django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks, ready_event, district_staff)
    content = services.pairings_export(event=ready_event, actor=district_staff)
    assert content[:2] == b"PK"
    event = AuditEvent.objects.get(action="data.export")
    assert event.object_type == "providers.match_event.pairings" and event.detail["rows"] == 12


def test_open_close_with_versions(event, district_staff):
    opened = services.event_transition(event=event, actor=district_staff, action="open", expected_version=0)
    assert opened.status == "open" and opened.opened_at is not None
    with pytest.raises(Conflict):
        services.event_transition(event=event, actor=district_staff, action="close", expected_version=0)
    closed = services.event_transition(event=event, actor=district_staff, action="close", expected_version=1)
    assert closed.status == "closed"
    with pytest.raises(WrongState):
        services.participants_invite(event=closed, actor=district_staff, filters={})
