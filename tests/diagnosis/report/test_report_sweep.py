"""Reports survive a broker outage and a dead worker (issue #13 Major 8, 9; docs/architecture.md,
Background jobs): a publish refused after commit leaves the row pending without ``enqueued_at`` and
the page answering; the beat sweeper queues such rows, and running rows whose lease expired, once;
it leaves live leases alone and fails rows past the attempts cap. The sweep against a real worker
killed with its whole process group is in test_worker_kill.py."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone

from diagnosis.models import Report
from diagnosis.report import services as services_report
from diagnosis.report.services import RenderOutcome, report_request, report_sweep
from diagnosis.review import services as services_review
from portal.tasks import sweep_jobs

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
POLL = 'hx-trigger="every 2s"'


def _reload(report) -> Report:
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def recorded(monkeypatch):
    """Once the broker is back: the report ids published (the task itself is not run)."""

    def start():
        calls: list[int] = []
        monkeypatch.setattr(services_report, "report_render_task", SimpleNamespace(delay=calls.append))
        return calls

    return start


def _expired(report, *, attempts=1):
    """The row as a worker killed mid-render leaves it: running, its lease just expired, handed off
    before it was claimed."""
    started = timezone.now() - services_report.render_lease() - timedelta(seconds=1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=attempts, started_at=started,
                                               enqueued_at=started - timedelta(seconds=1))


@pytest.fixture
def queued(assessment, owner, recorded, django_capture_on_commit_callbacks):
    """A report requested while the broker was up: pending, handed off."""
    calls = recorded()
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assert calls == [report.pk] and _reload(report).enqueued_at is not None
    calls.clear()
    return report, calls


# --- broker down at request time --------------------------------------------------------------


def test_a_request_while_the_broker_is_down_answers_and_the_sweep_queues_it_once_back(
        login, assessment, owner, broker, recorded, django_capture_on_commit_callbacks):
    client = login(owner)
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/assessments/{assessment.pk}/report/", {"language": "zh-hans"}, **HX)
    assert response.status_code == 200
    report = Report.objects.get(assessment=assessment)
    assert (report.status, report.enqueued_at) == (Report.Status.PENDING, None)
    assert POLL in response.content.decode()  # "queued": the sweeper will take it
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/assessments/{assessment.pk}/report/", {"language": "zh-hans"}).status_code == 302
    assert client.get(f"/assessments/{assessment.pk}/report/{report.pk}/status/").status_code == 200

    broker.restore()
    calls = recorded()
    assert report_sweep().requeued == (report.pk,)
    assert report_sweep().requeued == ()  # idempotent: the second sweep finds it handed off
    assert calls == [report.pk]
    assert _reload(report).enqueued_at is not None


def test_a_sweep_while_the_broker_is_still_down_leaves_the_row_for_the_next(assessment, owner, broker, recorded,
                                                                          django_capture_on_commit_callbacks):
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    outcome = report_sweep()
    assert (outcome.requeued, outcome.unsent) == ((), 1)
    assert _reload(report).enqueued_at is None
    broker.restore()
    calls = recorded()
    assert report_sweep().requeued == (report.pk,) and calls == [report.pk]


def test_a_later_request_queues_an_unqueued_report_at_once(assessment, owner, broker, recorded,
                                                          django_capture_on_commit_callbacks):
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    broker.restore()
    calls = recorded()
    with django_capture_on_commit_callbacks(execute=True):
        again = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assert again.pk == report.pk and calls == [report.pk]
    assert again.enqueued_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assert calls == [report.pk]  # handed off now: asking again queues nothing more


def test_an_approval_while_the_broker_is_down_still_approves_and_its_reports_are_swept(
        assessment, district_staff, broker, recorded, django_capture_on_commit_callbacks):
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        approved = services_review.assessment_approve(assessment=assessment, actor=district_staff,
                                                      expected_version=0)
    assert approved.status == "approved"
    report = Report.objects.get(assessment=assessment)
    assert (report.status, report.enqueued_at) == (Report.Status.PENDING, None)
    broker.restore()
    calls = recorded()
    assert report_sweep().requeued == (report.pk,) and calls == [report.pk]


# --- dead workers, live leases, the cap -------------------------------------------------------


def test_an_expired_lease_is_queued_again_once(queued):
    report, calls = queued
    _expired(report)
    assert report_sweep().requeued == (report.pk,)
    assert report_sweep().requeued == ()
    assert calls == [report.pk]
    assert _reload(report).status == Report.Status.RUNNING  # the claim, not the sweep, takes the lease over


def test_live_leases_and_handed_off_rows_are_left_alone(queued):
    report, calls = queued
    assert report_sweep().requeued == ()  # pending and handed off: its message is in the queue
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=1, started_at=timezone.now())
    assert report_sweep() == services_report.SweepOutcome()
    assert calls == []
    assert _reload(report).status == Report.Status.RUNNING


def test_a_row_whose_worker_died_at_every_attempt_fails(queued):
    report, calls = queued
    _expired(report, attempts=services_report.MAX_ATTEMPTS)
    assert report_sweep().gave_up == 1
    assert calls == []
    failed = _reload(report)
    assert failed.status == Report.Status.FAILED and "gave up" in failed.error
    assert report_sweep().gave_up == 0


def test_a_message_lost_for_longer_than_the_visibility_timeout_is_sent_again(queued):
    report, calls = queued
    Report.objects.filter(pk=report.pk).update(
        enqueued_at=timezone.now() - timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT + 1))
    assert report_sweep().requeued == (report.pk,) and calls == [report.pk]


def test_ready_and_failed_rows_are_never_swept(queued):
    report, calls = queued
    for status in (Report.Status.READY, Report.Status.FAILED):
        Report.objects.filter(pk=report.pk).update(status=status, enqueued_at=None)
        assert report_sweep() == services_report.SweepOutcome()
    assert calls == []


def test_in_eager_mode_the_beat_task_renders_a_dead_workers_report(assessment, owner):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    _expired(report)
    assert sweep_jobs()["diagnosis-reports"]["requeued"] == (report.pk,)
    done = _reload(report)
    assert (done.status, done.attempts) == (Report.Status.READY, 2)
    assert services_report.report_render(report_id=report.pk) == RenderOutcome.NOTHING_TO_DO
