"""Reports through the API (#13 minor: they were only reachable through web pages): request with a
language, poll the row, download the checked PDF. Same rules as the web views: members and staff
in scope, 404 for outsiders, 403 for an assigned expert; refusals with the API's error body."""

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from diagnosis.models import ExpertAssignment, Report
from diagnosis.report import pdf
from diagnosis.report import services as services_report
from portal.models import AuditEvent
from tests.diagnosis.report.conftest import fake_pdf, ready_report
from tests.factories.diagnosis import scored_assessment

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments/"


@pytest.fixture(autouse=True)
def _fake_weasyprint(monkeypatch):
    monkeypatch.setattr(pdf, "html_to_pdf", fake_pdf)


@pytest.fixture
def enqueued(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(services_report, "report_render_task", type("Task", (), {"delay": staticmethod(calls.append)}))
    return calls


@pytest.fixture
def assessment(enterprise):
    return scored_assessment(enterprise)


def _reports(assessment):
    return f"{BASE}{assessment.pk}/reports/"


@pytest.mark.parametrize("persona", ["owner", "teammate", "district_staff", "city_staff"])
def test_members_and_staff_in_scope_request_and_follow_a_report(request, api, assessment, persona, enqueued,
                                                               django_capture_on_commit_callbacks):
    client = api(request.getfixturevalue(persona))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_reports(assessment), {"language": "en"}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    report = Report.objects.get(assessment=assessment)
    assert enqueued == [report.pk]
    assert body["id"] == report.pk and body["status"] == "pending" and body["language"] == "en"
    assert body["download"] is None and body["verification_code"] is None and body["current"] is True

    # Render it as the worker would, then poll and download.
    services_report.report_render(report_id=report.pk)
    polled = client.get(f"{_reports(assessment)}{report.pk}/").json()
    assert polled["status"] == "ready" and polled["pages"] == 7
    report.refresh_from_db()
    assert polled["verification_code"] == report.verification_code and polled["sha256"] == report.sha256
    assert polled["download"] == f"{_reports(assessment)}{report.pk}/download/"
    download = client.get(polled["download"], HTTP_ACCEPT="application/json")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == Path(report.pdf.path).read_bytes()
    assert AuditEvent.objects.filter(action="report.download").count() == 1
    # Asking again for the same data finds the ready report.
    again = client.post(_reports(assessment), {"language": "en"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == report.pk


def test_the_language_defaults_to_chinese_and_an_unknown_one_is_400(api, owner, assessment, enqueued):
    assert api(owner).post(_reports(assessment), {}, format="json").json()["language"] == "zh-hans"
    refused = api(owner).post(_reports(assessment), {"language": "xx"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    assert "language" in refused.json()["errors"]


@pytest.mark.parametrize("persona", ["outsider", "other_district_staff", "expert"])
def test_outsiders_get_404_everywhere(request, api, assessment, owner, persona):
    report = ready_report(assessment, owner)
    client = api(request.getfixturevalue(persona))
    for response in (client.post(_reports(assessment), {"language": "zh-hans"}, format="json"),
                     client.get(f"{_reports(assessment)}{report.pk}/"),
                     client.get(f"{_reports(assessment)}{report.pk}/download/")):
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Report.objects.count() == 1


def test_an_assigned_expert_gets_403(api, assessment, owner, expert, district_staff):
    report = ready_report(assessment, owner)
    ExpertAssignment.objects.create(assessment=assessment, expert=expert, assigned_by=district_staff)
    client = api(expert)
    for response in (client.post(_reports(assessment), {"language": "zh-hans"}, format="json"),
                     client.get(f"{_reports(assessment)}{report.pk}/"),
                     client.get(f"{_reports(assessment)}{report.pk}/download/")):
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_anonymous_is_401(assessment, owner):
    report = ready_report(assessment, owner)
    client = APIClient()
    assert client.post(_reports(assessment), {"language": "zh-hans"}).status_code == 401
    assert client.get(f"{_reports(assessment)}{report.pk}/download/").status_code == 401


def test_a_report_of_another_assessment_is_404_through_this_one(api, owner, assessment, enterprise):
    report = ready_report(assessment, owner)
    other = scored_assessment(enterprise)
    assert api(owner).get(f"{_reports(other)}{report.pk}/").status_code == 404
    assert api(owner).get(f"{_reports(other)}{report.pk}/download/").status_code == 404


def test_a_draft_or_returned_assessment_gets_409_not_reportable(api, owner, assessment):
    assessment.status = "returned"
    assessment.save(update_fields=["status"])
    response = api(owner).post(_reports(assessment), {"language": "zh-hans"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_reportable"
    assert not Report.objects.exists()


def test_not_ready_tampered_and_missing_downloads(api, owner, assessment, enqueued,
                                                  django_capture_on_commit_callbacks):
    client = api(owner)
    pending = services_report.report_request(assessment=assessment, requested_by=owner, language="en")
    response = client.get(f"{_reports(assessment)}{pending.pk}/download/")
    assert response.status_code == 409 and response.json()["code"] == "not_ready"

    report = ready_report(assessment, owner)
    Path(report.pdf.path).write_bytes(b"%PDF-1.7 forged")
    response = client.get(f"{_reports(assessment)}{report.pk}/download/")
    assert response.status_code == 409 and response.json()["code"] == "tampered"

    Path(report.pdf.path).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"{_reports(assessment)}{report.pk}/download/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert report.pk in enqueued


def test_the_schema_documents_the_report_operations(api, owner):
    paths = api(owner).get("/api/schema/", {"format": "json"}).json()["paths"]
    create = paths["/api/v1/assessments/{id}/reports/"]["post"]
    assert {"200", "202", "400", "403", "404", "409"} <= set(create["responses"])
    download = paths["/api/v1/assessments/{id}/reports/{report_pk}/download/"]["get"]
    assert "application/pdf" in download["responses"]["200"]["content"]
    assert {"202", "409"} <= set(download["responses"])
    assert "/api/v1/assessments/{id}/reports/{report_pk}/" in paths
