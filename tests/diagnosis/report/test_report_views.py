"""Report request, status polling and download: owner / teammate / bureau staff / expert /
outsider personas, the polling partial with and without hx-trigger, download headers, and the
self-healing download of a missing file."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from diagnosis.models import ExpertAssignment, Report
from diagnosis.report import services as services_report
from portal.models import AuditEvent
from tests.diagnosis.report.conftest import ready_report

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
POLL = 'hx-trigger="every 2s"'


def _request_url(assessment):
    return f"/assessments/{assessment.pk}/report/"


def _status_url(report):
    return f"/assessments/{report.assessment_id}/report/{report.pk}/status/"


def _download_url(report):
    return f"/assessments/report/{report.pk}/download/"


@pytest.mark.parametrize("persona", ["owner", "teammate", "district_staff", "city_staff"])
def test_members_and_staff_in_scope_request_a_report(request, login, assessment, persona, enqueued,
                                                     django_capture_on_commit_callbacks):
    client = login(request.getfixturevalue(persona))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_request_url(assessment), {"language": "zh-hans"}, **HX)
    assert response.status_code == 200
    report = Report.objects.get(assessment=assessment)
    assert enqueued == [report.pk] and report.language == "zh-hans"
    body = response.content.decode()
    assert POLL in body and _status_url(report) in body and "<html" not in body


@pytest.mark.parametrize("persona", ["outsider", "other_district_staff", "other_city_staff", "expert"])
def test_outsiders_get_404_everywhere(request, login, assessment, owner, persona):
    report = ready_report(assessment, owner)
    client = login(request.getfixturevalue(persona))
    assert client.get(_request_url(assessment), **HX).status_code == 404
    assert client.post(_request_url(assessment), {"language": "zh-hans"}, **HX).status_code == 404
    assert client.get(_status_url(report), **HX).status_code == 404
    assert client.get(_download_url(report)).status_code == 404
    assert Report.objects.count() == 1


def test_an_assigned_expert_sees_the_assessment_but_not_its_reports(login, assessment, owner, expert,
                                                                     district_staff):
    report = ready_report(assessment, owner)
    ExpertAssignment.objects.create(assessment=assessment, expert=expert, assigned_by=district_staff)
    client = login(expert)
    assert client.get(f"/assessments/{assessment.pk}/result/").status_code == 200
    assert client.post(_request_url(assessment), {"language": "zh-hans"}, **HX).status_code == 403
    assert client.get(_status_url(report), **HX).status_code == 403
    assert client.get(_download_url(report)).status_code == 403
    assert AuditEvent.objects.filter(actor=expert, outcome=AuditEvent.Outcome.DENIED).count() == 3


def test_anonymous_visitors_are_sent_to_sign_in(client, assessment, owner):
    report = ready_report(assessment, owner)
    for url in (_request_url(assessment), _status_url(report), _download_url(report)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_result_page_loads_the_report_block(login, assessment, owner):
    body = login(owner).get(f"/assessments/{assessment.pk}/result/").content.decode()
    assert f'hx-get="{_request_url(assessment)}?language=zh-hans"' in body and 'hx-trigger="load"' in body
    assert f'action="{_request_url(assessment)}"' in body  # the request button works without JavaScript too


def test_the_current_state_before_any_request_offers_the_button(login, assessment, owner):
    response = login(owner).get(_request_url(assessment), {"language": "en"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and "hx-trigger" not in body
    assert 'name="language" value="en"' in body


def test_without_htmx_the_state_is_a_page_and_a_post_redirects(login, assessment, owner, enqueued):
    client = login(owner)
    page = client.get(_request_url(assessment))
    assert page.status_code == 200 and "<html" in page.content.decode()
    response = client.post(_request_url(assessment), {"language": "en"})
    assert response.status_code == 302 and response["Location"] == f"{_request_url(assessment)}?language=en"


def test_an_unknown_language_is_a_bad_request(login, assessment, owner):
    assert login(owner).post(_request_url(assessment), {"language": "xx"}, **HX).status_code == 400


def test_a_returned_assessment_gets_a_message_not_a_report(login, assessment, owner):
    assessment.status = "returned"
    assessment.save(update_fields=["status"])
    response = login(owner).post(_request_url(assessment), {"language": "zh-hans"}, **HX)
    assert response.status_code == 422 and not Report.objects.exists()
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize(("status", "polls"), [("pending", True), ("running", True), ("ready", False),
                                               ("failed", False)])
def test_the_partial_polls_only_while_the_report_is_under_way(login, assessment, owner, status, polls):
    report = ready_report(assessment, owner)
    Report.objects.filter(pk=report.pk).update(status=status, started_at=timezone.now())
    body = login(owner).get(_status_url(report), **HX).content.decode()
    assert (POLL in body) is polls and ("hx-trigger" in body) is polls
    assert (_download_url(report) in body) is (status == "ready")


def test_a_report_stuck_past_its_lease_stops_polling_and_offers_a_retry(login, assessment, owner):
    report = ready_report(assessment, owner)
    Report.objects.filter(pk=report.pk).update(
        status="running", started_at=timezone.now() - services_report.render_lease() - timedelta(seconds=1))
    body = login(owner).get(_status_url(report), **HX).content.decode()
    assert "hx-trigger" not in body and f'hx-post="{_request_url(assessment)}"' in body


def test_a_status_url_with_another_assessment_is_404(login, assessment, owner, enterprise):
    from tests.factories.diagnosis import scored_assessment

    report = ready_report(assessment, owner)
    other = scored_assessment(enterprise)
    assert login(owner).get(f"/assessments/{other.pk}/report/{report.pk}/status/", **HX).status_code == 404


def test_the_download_is_an_audited_attachment(login, assessment, owner, teammate):
    report = ready_report(assessment, owner)
    response = login(teammate).get(_download_url(report))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert report.verification_code in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == Path(report.pdf.path).read_bytes()
    assert AuditEvent.objects.filter(action="report.download", actor=teammate).count() == 1


def test_bureau_staff_download_too(login, assessment, owner, district_staff):
    report = ready_report(assessment, owner)
    response = login(district_staff).get(_download_url(report))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # consuming it closes the file


def test_a_missing_file_is_rebuilt_on_download(login, assessment, owner, enqueued,
                                               django_capture_on_commit_callbacks):
    report = ready_report(assessment, owner)
    Path(report.pdf.path).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(owner).get(_download_url(report))
    assert response.status_code == 202
    body = response.content.decode()
    assert POLL in body and _status_url(report) in body  # the page follows the rebuild
    assert enqueued == [report.pk]
    assert Report.objects.get(pk=report.pk).status == Report.Status.PENDING


def test_a_tampered_file_is_refused_with_a_message(login, assessment, owner):
    report = ready_report(assessment, owner)
    Path(report.pdf.path).write_bytes(b"%PDF-1.7 forged")
    response = login(owner).get(_download_url(report))
    assert response.status_code == 409 and response["Content-Type"].startswith("text/html")
    assert 'role="alert"' in response.content.decode()
    assert AuditEvent.objects.filter(action="report.integrity_failed").count() == 1


def test_a_report_not_ready_is_not_downloaded(login, assessment, owner):
    report = services_report.report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    response = login(owner).get(_download_url(report))
    assert response.status_code == 409 and POLL in response.content.decode()
