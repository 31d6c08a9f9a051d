"""Enqueueing on commit without losing work when the broker is down, and the job sweeper's wiring
(portal/jobs.py; docs/architecture.md, Background jobs; issue #13 Major 8)."""

import logging
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from portal import jobs
from portal.celery import app
from portal.models import User
from portal.tasks import clear_expired_sessions, sweep_jobs

pytestmark = pytest.mark.django_db


def test_in_eager_mode_the_task_runs_on_commit_and_its_errors_propagate_as_before(
        django_capture_on_commit_callbacks):
    calls = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        jobs.enqueue_on_commit(SimpleNamespace(delay=calls.append), 7)
        assert calls == []  # nothing before the commit
    assert calls == [7]
    failing = SimpleNamespace(delay=mock.Mock(side_effect=RuntimeError("the task itself failed")))
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue_on_commit(failing, 7)


def test_a_refused_publish_is_logged_and_swallowed(broker, caplog, django_capture_on_commit_callbacks):
    broker.down()
    then, otherwise = mock.Mock(), mock.Mock()
    with caplog.at_level(logging.ERROR, logger="portal.jobs"), django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue_on_commit(clear_expired_sessions, then=then, otherwise=otherwise)
    assert "could not queue portal.tasks.clear_expired_sessions" in caplog.text
    then.assert_not_called()
    otherwise.assert_called_once_with()
    assert jobs.enqueue(clear_expired_sessions) is False


def test_a_failing_fallback_is_logged_too(broker, caplog, django_capture_on_commit_callbacks):
    broker.down()
    with caplog.at_level(logging.ERROR, logger="portal.jobs"), django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue_on_commit(clear_expired_sessions, otherwise=mock.Mock(side_effect=OSError("smtp down")))
    assert "the fallback after a failed publish failed too" in caplog.text


def test_an_invite_with_the_broker_down_still_mails_the_link(login, owner, enterprise, broker, client,
                                                             django_capture_on_commit_callbacks):
    login(owner)
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/members/enterprise/{enterprise.pk}/", {
            "username": "lisi", "full_name": "李四", "email": "lisi@example.cn", "role": "editor"})
    assert response.status_code == 302
    assert User.objects.filter(username="lisi").exists()
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body


def test_one_failing_sweeper_does_not_stop_the_others(monkeypatch):
    monkeypatch.setattr(jobs, "_sweepers", {"a": mock.Mock(side_effect=RuntimeError("boom")),
                                            "b": mock.Mock(return_value=3)})
    assert sweep_jobs() == {"a": "error", "b": 3}


def test_the_sweeper_runs_on_beat_under_a_fixed_name_and_sweeps_the_reports():
    assert sweep_jobs.name == "portal.tasks.sweep_jobs" and sweep_jobs.name in app.tasks
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-jobs"]
    assert entry["task"] == "portal.tasks.sweep_jobs"
    assert entry["schedule"] <= 300  # "within a few minutes" of a lease expiring
    assert "diagnosis-reports" in jobs.sweepers()
    assert sweep_jobs() == {"diagnosis-reports": {"requeued": (), "gave_up": 0, "unsent": 0},
                            "diagnosis-regional-reports": {"requeued": (), "gave_up": 0, "unsent": 0},
                            "portal-notification-emails": 0, "subsidies-voucher-expiry": 0,
                            "providers-pairing-jobs": {"gave_up": 0, "requeued": (), "unsent": 0}}


def test_every_beat_entry_names_a_registered_task():
    """A beat entry whose task lives in a feature package the worker never imports would fire into
    the void: every scheduled name must be registered once the apps are ready."""
    app.loader.import_default_modules()
    for key, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, key
