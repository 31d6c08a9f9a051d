"""The regional report's pipeline: one row per input (same data → same row, changed data → new row),
enqueued on commit, the claim (idempotent, lease take-over, attempts cap), refusing superseded data,
the sweeper, and the hash-checked download."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from diagnosis.models import Need, RegionalReport
from diagnosis.regional_report import services
from diagnosis.report.services import MAX_ATTEMPTS, ReportRebuilding, render_lease
from portal.exceptions import Conflict, Invalid
from portal.models import AuditEvent, Notification
from tests.diagnosis.regional.conftest import YEAR, counted
from tests.diagnosis.regional_report.conftest import SPEC_KEY, ready_report, request_report
from tests.factories.portal import EnterpriseFactory, region

pytestmark = pytest.mark.django_db


def _hash(region_, language="zh-hans"):
    return services.regional_input_hash(region_, year=YEAR, spec_key=SPEC_KEY, language=language)


def test_the_same_inputs_find_the_same_row(longhua, district_staff, city_staff, enqueued,
                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = request_report(longhua, district_staff)
    second = request_report(longhua, city_staff)
    assert first.pk == second.pk and RegionalReport.objects.count() == 1
    assert enqueued == [first.pk]  # queued once, on commit; the second request found it queued
    assert first.enqueued_at is not None and len(first.verification_code) == 24
    assert AuditEvent.objects.filter(action="regional_report.request", actor=district_staff).count() == 1


def test_languages_years_and_regions_are_different_inputs(longhua, district_staff):
    assert len({_hash(longhua), _hash(longhua, "en"), _hash(region("440300")),
                services.regional_input_hash(longhua, year=YEAR - 1, spec_key=SPEC_KEY, language="zh-hans")}) == 4


@pytest.mark.parametrize("change", ["new_assessment", "new_need", "approval", "elsewhere_in_the_city"])
def test_changed_data_makes_a_new_hash_and_a_new_row(longhua, districts, district_staff, change):
    before = ready_report(longhua, district_staff)
    if change == "new_assessment":
        counted(EnterpriseFactory(region=longhua, industry_division="39"), Decimal(80))
    elif change == "new_need":
        a = districts["longhua"][0].assessments.get()
        Need.objects.create(assessment=a, category="platform_design", created_by=a.created_by)
    elif change == "approval":
        a = districts["longhua"][1].assessments.get()
        a.status, a.verified_total, a.verified_result = "approved", Decimal("90.00"), {}
        a.save()
    else:  # a Nanshan firm: the city line of Longhua's report moves
        counted(EnterpriseFactory(region=region("440305"), industry_division="34"), Decimal(99))
    assert _hash(longhua) != before.input_hash
    after = request_report(longhua, district_staff)
    assert after.pk != before.pk and after.verification_code != before.verification_code
    assert not services.is_current(before)


def test_render_is_idempotent_and_stores_the_headline(longhua, district_staff):
    report = request_report(longhua, district_staff)
    assert services.regional_report_render(report_id=report.pk) == services.RenderOutcome.RENDERED
    assert services.regional_report_render(report_id=report.pk) == services.RenderOutcome.NOTHING_TO_DO
    report.refresh_from_db()
    assert report.status == "ready" and report.attempts == 1 and report.pages == 7 and len(report.sha256) == 64
    assert report.facts["firms"] == 10 and report.facts["assessments"] == 10
    assert report.pdf.name.startswith(f"regional-reports/{longhua.pk}/")
    notice = Notification.objects.get(user=district_staff, kind="regional_report.ready")
    assert "龙华区2026年重点企业数字化转型诊断分析报告" in notice.title and f"region={longhua.pk}" in notice.url


def test_a_live_lease_is_left_alone_and_an_expired_one_is_taken_over(longhua, district_staff):
    report = request_report(longhua, district_staff)
    now = timezone.now()
    RegionalReport.objects.filter(pk=report.pk).update(status="running", started_at=now, attempts=1)
    assert services.regional_report_render(report_id=report.pk) == services.RenderOutcome.LEASE_HELD
    RegionalReport.objects.filter(pk=report.pk).update(started_at=now - render_lease() - timedelta(seconds=5))
    assert services.regional_report_render(report_id=report.pk) == services.RenderOutcome.RENDERED
    report.refresh_from_db()
    assert report.status == "ready" and report.attempts == 2


def test_a_row_gives_up_after_the_attempts_cap(longhua, district_staff):
    report = request_report(longhua, district_staff)
    RegionalReport.objects.filter(pk=report.pk).update(
        status="running", attempts=MAX_ATTEMPTS, started_at=timezone.now() - render_lease() - timedelta(seconds=5))
    assert services.regional_report_render(report_id=report.pk) == services.RenderOutcome.GAVE_UP
    report.refresh_from_db()
    assert report.status == "failed" and "gave up" in report.error
    # A person asking again gets a fresh budget.
    again = request_report(longhua, district_staff)
    assert again.pk == report.pk and again.status == "pending" and again.attempts == 0


def test_data_that_moved_on_before_rendering_fails_the_row(longhua, district_staff):
    report = request_report(longhua, district_staff)
    counted(EnterpriseFactory(region=longhua), Decimal(50))
    assert services.regional_report_render(report_id=report.pk) == services.RenderOutcome.FAILED
    report.refresh_from_db()
    assert report.status == "failed" and "superseded" in report.error and not report.sha256


def test_the_sweeper_queues_rows_no_message_carries(longhua, district_staff, enqueued):
    report = request_report(longhua, district_staff)
    RegionalReport.objects.filter(pk=report.pk).update(enqueued_at=None)
    outcome = services.regional_report_sweep()
    assert outcome.requeued == (report.pk,) and enqueued == [report.pk]
    assert services.regional_report_sweep().requeued == ()  # now carried by a message


def test_the_sweeper_is_registered():
    from portal.jobs import _sweepers

    assert "diagnosis-regional-reports" in _sweepers


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"language": "fr"}, "language"), ({"spec_key": "nope@1"}, "spec"), ({"year": 1990}, "year")])
def test_bad_input_is_refused_and_nothing_is_created(longhua, district_staff, kwargs, code):
    args = {"region": longhua, "year": YEAR, "spec_key": SPEC_KEY, "language": "zh-hans",
            "requested_by": district_staff, **kwargs}
    with pytest.raises(Invalid) as refused:
        services.regional_report_request(**args)
    assert refused.value.code == code and not RegionalReport.objects.exists()


def test_a_park_is_not_a_report_region(longhua, district_staff):
    park = region("440309P01")
    with pytest.raises(Invalid):
        request_report(park, district_staff)


def test_download_checks_the_hash_and_rebuilds_a_missing_file(longhua, district_staff, enqueued,
                                                               django_capture_on_commit_callbacks):
    report = ready_report(longhua, district_staff)
    handle = services.regional_report_download_open(report=report, actor=district_staff)
    assert handle.read().startswith(b"%PDF")
    handle.close()
    assert AuditEvent.objects.filter(action="regional_report.download", actor=district_staff).exists()
    path = report.pdf.path
    with open(path, "ab") as tampered:
        tampered.write(b"x")
    with pytest.raises(Conflict):
        services.regional_report_download_open(report=report, actor=district_staff)
    assert AuditEvent.objects.filter(action="regional_report.integrity_failed").exists()
    report.pdf.storage.delete(report.pdf.name)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ReportRebuilding):
        services.regional_report_download_open(report=report, actor=district_staff)
    report.refresh_from_db()
    assert report.status == "pending" and enqueued == [report.pk]


def test_a_year_without_counted_assessments_has_no_report(longhua, district_staff):
    with pytest.raises(Invalid) as refused:
        request_report(longhua, district_staff, year=YEAR - 3)
    assert refused.value.code == "year" and not RegionalReport.objects.exists()
