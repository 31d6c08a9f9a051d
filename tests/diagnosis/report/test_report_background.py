"""The embedded default (no broker, eager Celery) never blocks a page on the report PDF: with
REPORTS_IN_BACKGROUND_THREAD the render runs in the process's background thread and the page
polls the row; without it (tests, REPORTS_IN_BACKGROUND_THREAD=0) it renders on commit as before
(portal/jobs.py; issue #13 minor "Submit, approve and report generation block the request")."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from diagnosis.models import Report
from diagnosis.report import pdf
from portal import jobs
from tests.diagnosis.report.conftest import fake_pdf

HX = {"HTTP_HX_REQUEST": "true"}
POLL = 'hx-trigger="every 2s"'
ROOT = Path(__file__).resolve().parents[3]


class HeldExecutor:
    """Stands in for the background thread: keeps what it is given until the test runs it, so the
    test sees the page and the row as they are while the PDF is still being made."""

    def __init__(self):
        self.held = []

    def submit(self, run, task, args):
        assert run is jobs._run_in_background
        self.held.append((task, args))

    def run_all(self):
        held, self.held = self.held, []
        for task, args in held:
            task.delay(*args)


@pytest.fixture
def held(monkeypatch, settings):
    settings.REPORTS_IN_BACKGROUND_THREAD = True
    executor = HeldExecutor()
    monkeypatch.setattr(jobs, "_background_executor", lambda: executor)
    return executor


@pytest.mark.django_db
def test_in_the_embedded_default_a_report_request_answers_before_the_pdf_is_made(
        login, assessment, owner, held, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(owner).post(f"/assessments/{assessment.pk}/report/", {"language": "zh-hans"}, **HX)
    assert response.status_code == 200
    report = Report.objects.get(assessment=assessment)
    assert report.status == Report.Status.PENDING and len(held.held) == 1
    body = response.content.decode()
    assert POLL in body  # the partial polls while the PDF is made …
    assert 'class="badge pending"' in body  # … and says it is under way
    held.run_all()
    report.refresh_from_db()
    assert report.status == Report.Status.READY and report.pages == 7
    body = login(owner).get(f"/assessments/{assessment.pk}/report/{report.pk}/status/", **HX).content.decode()
    assert POLL not in body and f"/assessments/report/{report.pk}/download/" in body


@pytest.mark.django_db
def test_in_the_embedded_default_approval_returns_before_the_pdf_is_made(
        login, assessment, district_staff, held, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(district_staff).post(f"/review/{assessment.pk}/approve/",
                                              {"review_version": assessment.review_version, "comment": ""})
    assert response.status_code == 302
    report = Report.objects.get(assessment=assessment)
    assert report.status == Report.Status.PENDING and len(held.held) == 1
    held.run_all()
    report.refresh_from_db()
    assert report.status == Report.Status.READY


@pytest.mark.django_db
def test_with_the_setting_off_the_report_renders_on_commit_as_before(
        login, assessment, owner, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.REPORTS_IN_BACKGROUND_THREAD = False
    monkeypatch.setattr(jobs, "_background_executor", lambda: pytest.fail("no background thread when off"))
    with django_capture_on_commit_callbacks(execute=True):
        login(owner).post(f"/assessments/{assessment.pk}/report/", {"language": "zh-hans"}, **HX)
    assert Report.objects.get(assessment=assessment).status == Report.Status.READY


@pytest.mark.django_db
def test_with_a_broker_the_setting_changes_nothing(assessment, owner, settings, broker, monkeypatch,
                                                   django_capture_on_commit_callbacks):
    """A deployment has workers: the job goes to the broker whatever the setting says."""
    from diagnosis.report import services as services_report

    settings.REPORTS_IN_BACKGROUND_THREAD = True
    monkeypatch.setattr(jobs, "_background_executor", lambda: pytest.fail("no background thread with a broker"))
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        report = services_report.report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    report.refresh_from_db()
    assert report.status == Report.Status.PENDING and report.enqueued_at is None  # refused by the broker


@pytest.mark.django_db(transaction=True)
def test_the_background_thread_renders_the_report_and_closes_its_connections(
        login, owner, enterprise, settings, monkeypatch):
    from tests.factories.diagnosis import scored_assessment

    assessment = scored_assessment(enterprise)
    settings.REPORTS_IN_BACKGROUND_THREAD = True
    threads = []

    def recording_pdf(html, *, base_url):
        threads.append(threading.current_thread().name)
        return fake_pdf(html, base_url=base_url)

    monkeypatch.setattr(pdf, "html_to_pdf", recording_pdf)
    response = login(owner).post(f"/assessments/{assessment.pk}/report/", {"language": "zh-hans"}, **HX)
    assert response.status_code == 200
    jobs.wait_for_background_jobs(timeout=60)
    assert Report.objects.get(assessment=assessment).status == Report.Status.READY
    assert len(threads) == 1 and threads[0].startswith("portal-jobs") and threads[0] != threading.current_thread().name


def test_a_failing_background_job_is_logged_not_raised(caplog):
    ran = []

    class Failing:
        name = "tests.failing"

        def delay(self, *args):
            ran.append(threading.current_thread().name)
            raise RuntimeError("boom")

    with caplog.at_level("ERROR", logger="portal.jobs"):
        assert jobs.enqueue(Failing(), 1, in_thread=True) is True
        jobs.wait_for_background_jobs(timeout=10)
    assert ran and ran[0].startswith("portal-jobs")
    assert "background job tests.failing(1,) failed" in caplog.text


_SETTING = "import django, json; django.setup(); from django.conf import settings as s; " \
           "print(json.dumps([s.CELERY_TASK_ALWAYS_EAGER, s.REPORTS_IN_BACKGROUND_THREAD]))"


@pytest.mark.parametrize(("module", "broker", "expected"), [
    ("portal.settings.dev", None, [True, True]),  # make run: SQLite, no broker
    ("portal.settings.dev", "redis://127.0.0.1:6379/0", [False, False]),
    ("portal.settings.base", None, [True, False]),  # a deployment decides for itself
])
def test_the_setting_is_on_only_in_the_embedded_default(tmp_path, module, broker, expected):
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": module, "SECRET_KEY": "k" * 50,
           "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "HOME": str(tmp_path)}
    if broker:
        env["CELERY_BROKER_URL"] = broker
    done = subprocess.run([sys.executable, "-c", _SETTING], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == expected
