"""The report task pattern (docs/architecture.md, Background jobs, docs/security.md R20, R33–R35): one row per input hash,
enqueued on commit, claimed with a lease, failures not retried, attempts capped, the file written
atomically at its deterministic key, its SHA-256 checked on download."""

import hashlib
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.db import transaction
from django.utils import timezone

from diagnosis.models import Report
from diagnosis.report import pdf, tasks
from diagnosis.report import services as services_report
from diagnosis.report.services import RenderOutcome, report_render, report_request
from diagnosis.review import services as services_review
from portal.exceptions import DomainError
from portal.models import AuditEvent
from tests.diagnosis.report.conftest import FAKE_PAGES, ready_report

pytestmark = pytest.mark.django_db


def _reload(report) -> Report:
    return Report.objects.get(pk=report.pk)


def _files(settings) -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


# --- request ----------------------------------------------------------------------------------------


def test_a_request_enqueues_once_after_commit(assessment, owner, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
        assert enqueued == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert enqueued == [report.pk]
    assert report.status == Report.Status.PENDING and report.attempts == 0
    assert len(report.verification_code) == 24 and report.requested_by == owner


def test_asking_again_for_the_same_inputs_finds_the_same_row(assessment, owner, teammate, enqueued,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
        second = report_request(assessment=assessment, requested_by=teammate, language="zh-hans")
    assert first.pk == second.pk and enqueued == [first.pk]
    assert Report.objects.count() == 1


def test_a_rolled_back_request_enqueues_nothing(assessment, owner, enqueued, django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),  # noqa: PT012
          transaction.atomic()):
        report_request(assessment=assessment, requested_by=owner, language="zh-hans")
        raise RuntimeError("the surrounding request failed")
    assert callbacks == [] and enqueued == []
    assert not Report.objects.exists()


@pytest.mark.parametrize("status", ["draft", "returned"])
def test_no_report_for_drafts_or_returned_assessments(assessment, owner, status):
    assessment.status = status
    assessment.save(update_fields=["status"])
    with pytest.raises(DomainError) as caught:
        report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assert caught.value.code == "not_reportable"


def test_unknown_languages_are_refused(assessment, owner):
    with pytest.raises(DomainError) as caught:
        report_request(assessment=assessment, requested_by=owner, language="fr")
    assert caught.value.code == "language"


def test_a_failed_report_is_queued_again_only_when_someone_asks(assessment, owner, enqueued, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    monkeypatch.setattr(pdf, "html_to_pdf", mock.Mock(side_effect=ValueError("bad template")))
    assert report_render(report_id=report.pk) == RenderOutcome.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        again = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assert again.pk == report.pk and enqueued == [report.pk]
    assert again.status == Report.Status.PENDING and again.attempts == 0 and again.error == ""


def test_a_report_whose_worker_died_is_queued_again(assessment, owner, enqueued, django_capture_on_commit_callbacks):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=1,
                                               started_at=timezone.now() - services_report.render_lease()
                                               - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assert enqueued == [report.pk]
    assert _reload(report).attempts == 1  # the claim, not the request, counts the next attempt


def test_a_running_report_is_left_alone(assessment, owner, enqueued, django_capture_on_commit_callbacks):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=1, started_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assert enqueued == []


# --- input hash -------------------------------------------------------------------------------------


def _hash(assessment, language="zh-hans"):
    assessment.refresh_from_db()
    return services_report.report_input_hash(assessment, language=language)


def test_the_hash_is_stable_for_unchanged_inputs(assessment):
    assert _hash(assessment) == _hash(assessment)


def test_the_hash_depends_on_the_language(assessment):
    assert _hash(assessment, "zh-hans") != _hash(assessment, "en")


def test_the_hash_depends_on_the_template_version(assessment, monkeypatch):
    before = _hash(assessment)
    monkeypatch.setattr(services_report, "REPORT_TEMPLATE_VERSION", "test-next")
    assert _hash(assessment) != before


def test_the_hash_changes_with_a_correction_and_with_approval(assessment, district_staff):
    submitted = _hash(assessment)
    services_review.item_correct(assessment=assessment, actor=district_staff, item_code="network",
                                 value=["workshop-control"], reason="现场核查", expected_version=0)
    corrected = _hash(assessment)
    services_review.assessment_approve(assessment=assessment, actor=district_staff, expected_version=1)
    approved = _hash(assessment)
    assert len({submitted, corrected, approved}) == 3


def test_the_hash_changes_with_the_verified_score_alone(assessment):
    before = _hash(assessment)
    assessment.verified_result = {**assessment.result, "total": "1.00"}
    assessment.save(update_fields=["verified_result"])
    assert _hash(assessment) != before


def test_the_hash_changes_with_needs_visits_and_the_enterprise_name(assessment, site_visit):
    before = _hash(assessment)
    need = assessment.needs.get()
    need.description = "上线 MES 与 WMS"
    need.save()
    after_need = _hash(assessment)
    site_visit.findings = "补充说明"
    site_visit.save()
    after_visit = _hash(assessment)
    assessment.enterprise.name = "深圳市改名制造有限公司"
    assessment.enterprise.save()
    assert len({before, after_need, after_visit, _hash(assessment)}) == 4


# --- render -----------------------------------------------------------------------------------------


def test_rendering_twice_makes_one_pdf(assessment, owner, settings):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assert report_render(report_id=report.pk) == RenderOutcome.RENDERED
    assert report_render(report_id=report.pk) == RenderOutcome.NOTHING_TO_DO
    report = _reload(report)
    assert report.status == Report.Status.READY and report.attempts == 1 and report.finished_at is not None
    assert report.pdf.name == f"reports/{assessment.pk}/{report.pk}-{report.input_hash[:16]}.pdf"
    assert _files(settings) == [Path(report.pdf.path)]
    content = Path(report.pdf.path).read_bytes()
    assert content.startswith(b"%PDF")
    assert report.sha256 == hashlib.sha256(content).hexdigest() and report.pages == FAKE_PAGES


def test_a_live_lease_makes_a_second_run_a_no_op(assessment, owner, settings):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    started = timezone.now() - timedelta(seconds=5)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=1, started_at=started)
    assert report_render(report_id=report.pk) == RenderOutcome.LEASE_HELD
    report = _reload(report)
    assert report.status == Report.Status.RUNNING and report.attempts == 1 and report.started_at == started
    assert _files(settings) == []


def test_an_expired_lease_is_taken_over(assessment, owner):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    expired = timezone.now() - services_report.render_lease() - timedelta(seconds=1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=1, started_at=expired)
    assert report_render(report_id=report.pk) == RenderOutcome.RENDERED
    report = _reload(report)
    assert report.status == Report.Status.READY and report.attempts == 2


def test_an_error_fails_the_row_without_retry(assessment, owner, monkeypatch, settings):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    broken = mock.Mock(side_effect=ValueError("WeasyPrint choked"))
    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    assert tasks.report_render.apply(args=[report.pk]).get() == "failed"
    report = _reload(report)
    assert report.status == Report.Status.FAILED and "WeasyPrint choked" in report.error
    assert report.attempts == 1 and broken.call_count == 1
    assert report_render(report_id=report.pk) == RenderOutcome.NOTHING_TO_DO
    assert broken.call_count == 1 and _files(settings) == []


def test_a_failed_write_leaves_no_scratch_file(assessment, owner, monkeypatch, settings):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    monkeypatch.setattr(services_report.os, "replace", mock.Mock(side_effect=OSError("disk full")))
    assert report_render(report_id=report.pk) == RenderOutcome.FAILED
    assert _files(settings) == []


def test_too_large_a_pdf_is_refused(assessment, owner, monkeypatch):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    monkeypatch.setattr(services_report, "REPORT_MAX_BYTES", 10)
    assert report_render(report_id=report.pk) == RenderOutcome.FAILED
    assert "more than the 10 allowed" in _reload(report).error


def test_attempts_are_capped(assessment, owner):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    expired = timezone.now() - services_report.render_lease() - timedelta(seconds=1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=services_report.MAX_ATTEMPTS,
                                               started_at=expired)
    assert report_render(report_id=report.pk) == RenderOutcome.GAVE_UP
    report = _reload(report)
    assert report.status == Report.Status.FAILED and report.attempts == services_report.MAX_ATTEMPTS
    assert "gave up" in report.error


def test_a_report_whose_inputs_moved_on_is_not_rendered(assessment, owner, settings):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assessment.needs.update(description="改过的需求")
    assert report_render(report_id=report.pk) == RenderOutcome.FAILED
    assert "superseded" in _reload(report).error and _files(settings) == []


def test_the_lease_outlasts_the_time_limit_and_fits_the_visibility_timeout(settings):
    lease = services_report.render_lease().total_seconds()
    assert settings.CELERY_TASK_TIME_LIMIT < lease < settings.CELERY_VISIBILITY_TIMEOUT


# --- the Celery adapter -----------------------------------------------------------------------------


def test_the_task_is_late_acked_and_routed_to_the_reports_queue():
    from portal.celery import app

    assert tasks.report_render.acks_late and tasks.report_render.reject_on_worker_lost
    assert app.amqp.router.route({}, tasks.report_render.name)["queue"].name == "reports"


def test_a_held_lease_is_looked_at_again_when_it_expires(assessment, owner):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    # Another worker claimed it 100 s ago: come back when its lease runs out, not a whole lease later.
    started = timezone.now() - timedelta(seconds=100)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=1, started_at=started)
    with mock.patch.object(tasks.report_render, "retry", side_effect=Retry()) as retry, pytest.raises(Retry):
        tasks.report_render.run(report.pk)
    countdown = retry.call_args.kwargs["countdown"]
    remaining = services_report.render_lease().total_seconds() - 100
    assert remaining - 5 < countdown <= remaining


def test_in_process_runs_do_not_wait_for_a_lease(assessment, owner):
    report = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=1, started_at=timezone.now())
    assert tasks.report_render.apply(args=[report.pk]).get() == "lease_held"


# --- approval ---------------------------------------------------------------------------------------


def test_approval_requests_a_report_with_the_verified_score(assessment, owner, district_staff, enqueued,
                                                            django_capture_on_commit_callbacks):
    before = ready_report(assessment, owner)
    english = report_request(assessment=assessment, requested_by=owner, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services_review.assessment_approve(assessment=assessment, actor=district_staff, expected_version=0)
    new = Report.objects.exclude(pk__in=[before.pk, english.pk])
    assert sorted(new.values_list("language", flat=True)) == ["en", "zh-hans"]
    assert sorted(enqueued) == sorted(new.values_list("pk", flat=True))
    assert set(new.values_list("requested_by", flat=True)) == {district_staff.pk}
    assert _reload(before).status == Report.Status.READY  # the earlier report stays as it was


def test_a_failing_report_request_does_not_break_the_approval(assessment, district_staff, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    monkeypatch.setattr(services_report, "report_request", mock.Mock(side_effect=RuntimeError("broker down")))
    with django_capture_on_commit_callbacks(execute=True):
        approved = services_review.assessment_approve(assessment=assessment, actor=district_staff,
                                                      expected_version=0)
    assert approved.status == "approved"


# --- download ---------------------------------------------------------------------------------------


def test_a_download_checks_the_file_and_is_audited(assessment, owner):
    report = ready_report(assessment, owner)
    with services_report.report_download_open(report=report, actor=owner) as handle:
        assert handle.read() == Path(report.pdf.path).read_bytes()
    event = AuditEvent.objects.get(action="report.download")
    assert event.actor == owner and event.object_id == str(report.pk)
    assert event.detail["sha256"] == report.sha256


def test_a_missing_file_is_rebuilt(assessment, owner, enqueued, django_capture_on_commit_callbacks):
    report = ready_report(assessment, owner)
    Path(report.pdf.path).unlink()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services_report.ReportRebuilding):
        services_report.report_download_open(report=report, actor=owner)
    assert enqueued == [report.pk]
    rebuilt = _reload(report)
    assert rebuilt.status == Report.Status.PENDING and rebuilt.attempts == 0
    assert rebuilt.verification_code == report.verification_code
    assert AuditEvent.objects.get(action="report.integrity_failed").detail["reason"] == "missing"
    assert report_render(report_id=report.pk) == RenderOutcome.RENDERED
    assert _reload(report).sha256 == report.sha256


def test_a_tampered_file_is_withheld_and_audited(assessment, owner, enqueued):
    report = ready_report(assessment, owner)
    path = Path(report.pdf.path)
    path.write_bytes(path.read_bytes() + b"\n% appended")
    with pytest.raises(DomainError) as caught:
        services_report.report_download_open(report=report, actor=owner)
    assert caught.value.code == "tampered"
    event = AuditEvent.objects.get(action="report.integrity_failed")
    assert event.outcome == AuditEvent.Outcome.FAILURE and event.detail["reason"] == "tampered"
    assert not AuditEvent.objects.filter(action="report.download").exists()
    assert enqueued == [] and _reload(report).status == Report.Status.READY


def test_verification_codes_forgive_case_and_dashes():
    code = services_report.new_verification_code()
    assert services_report.normalise_verification_code(code.lower().replace("-", " ")) == code
