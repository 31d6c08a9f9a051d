"""The assessment journey through /api/v1/assessments/: start, answer with versions (conflict and
invalid value), evidence, submit (missing, pledge, twice), result. Also scoping (404), read-only
members (403), mass assignment and the published schema."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from diagnosis.fill.services import assessment_start
from diagnosis.models import Answer, Assessment, Evidence
from diagnosis.spec import get_spec
from portal.models import AuditEvent
from tests.conftest import PASSWORD
from tests.diagnosis.answers import full_answers
from tests.portal.test_files import minimal_pdf

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments/"


def _stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def _upload(client, pk, *, name="plan.pdf", data=None, item="network"):
    return client.post(f"{BASE}{pk}/evidence/", {"item": item, "file": SimpleUploadedFile(
        name, data if data is not None else minimal_pdf())}, format="multipart")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_whole_journey_with_a_token(owner, enterprise):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": owner.username, "password": PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    # Start: only enterprise and spec are read; the rest of the body is ignored.
    created = client.post(BASE, {"enterprise": enterprise.pk, "spec": "sme-2024@1.0", "status": "submitted",
                                 "total": "100", "result": {"total": 100}, "created_by": 999}, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["total"] is None and data["result"] is None
    assert data["enterprise"] == enterprise.pk and data["spec"] == "sme-2024@1.0" and data["answers"] == []
    pk = data["id"]
    assert Assessment.objects.get(pk=pk).created_by == owner

    # Answer with versions.
    first = client.put(f"{BASE}{pk}/answer/", {"item": "network", "value": ["workshop-control"], "version": 0},
                       format="json")
    assert first.status_code == 200 and first.json()["version"] == 1
    stale = client.put(f"{BASE}{pk}/answer/", {"item": "network", "value": ["industrial-5g"], "version": 0},
                       format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert stale.json()["current_value"] == ["workshop-control"] and stale.json()["current_version"] == 1
    assert stale.json()["detail"]
    second = client.patch(f"{BASE}{pk}/answer/", {"item": "network", "value": ["industrial-5g"], "version": 1},
                          format="json")
    assert second.status_code == 200 and second.json()["version"] == 2

    invalid = client.put(f"{BASE}{pk}/answer/", {"item": "device-digitisation", "version": 0,
                                                 "value": {"numerator": "12", "denominator": "3"}}, format="json")
    assert invalid.status_code == 400
    assert invalid.json()["item"] == "device-digitisation" and invalid.json()["code"] == "invalid_answer"
    assert not Answer.objects.filter(item_code="device-digitisation").exists()

    # Evidence: upload, list, download.
    uploaded = _upload(client, pk, name="整改计划.pdf")
    assert uploaded.status_code == 201, uploaded.content
    listed = client.get(f"{BASE}{pk}/evidence/").json()
    assert [e["name"] for e in listed] == ["整改计划.pdf"] and listed[0]["content_type"] == "application/pdf"
    download = client.get(listed[0]["download"])
    assert download.status_code == 200 and _body(download) == minimal_pdf()
    assert download["Content-Security-Policy"] == "sandbox" and download["X-Content-Type-Options"] == "nosniff"

    # Submitting too early lists what is missing.
    early = client.post(f"{BASE}{pk}/submit/", {"pledge": True}, format="json")
    assert early.status_code == 400
    assert early.json()["code"] == "missing" and "device-digitisation" in early.json()["missing"]

    versions = {a["item"]: a["version"] for a in client.get(f"{BASE}{pk}/").json()["answers"]}
    for code, value in full_answers(get_spec("sme-2024@1.0")).items():
        saved = client.put(f"{BASE}{pk}/answer/", {"item": code, "value": value, "version": versions.get(code, 0)},
                           format="json")
        assert saved.status_code == 200, (code, saved.content)

    assert client.get(f"{BASE}{pk}/result/").status_code == 404
    no_pledge = client.post(f"{BASE}{pk}/submit/", {"pledge": False}, format="json")
    assert no_pledge.status_code == 400 and no_pledge.json()["code"] == "pledge"
    submitted = client.post(f"{BASE}{pk}/submit/", {"pledge": True, "status": "approved", "total": "1"},
                            format="json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted" and submitted.json()["total"] == "100.00"
    assert submitted.json()["result"]["total"]

    again = client.post(f"{BASE}{pk}/submit/", {"pledge": True}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"
    result = client.get(f"{BASE}{pk}/result/")
    assert result.status_code == 200
    assert result.json()["total"] == "100.00" and result.json()["result"] == submitted.json()["result"]

    # Read-only now.
    late = client.put(f"{BASE}{pk}/answer/", {"item": "network", "value": ["none"], "version": 2}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "not_editable"
    assert _upload(client, pk).status_code == 409
    assert Evidence.objects.count() == 1


def test_list_is_scoped(api, owner, outsider, district_staff, other_district_staff, assessment, other_enterprise):
    theirs = assessment_start(enterprise=other_enterprise, actor=outsider)
    assert [a["id"] for a in api(owner).get(BASE).json()["results"]] == [assessment.pk]
    assert [a["id"] for a in api(outsider).get(BASE).json()["results"]] == [theirs.pk]
    assert api(district_staff).get(BASE).json()["results"] == []  # drafts stay with the enterprise
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    assert [a["id"] for a in api(district_staff).get(BASE).json()["results"]] == [assessment.pk]
    assert api(other_district_staff).get(BASE).json()["results"] == []
    assert api(owner).get(BASE, {"status": "submitted"}).json()["count"] == 1
    assert api(outsider).get(BASE, {"status": "submitted"}).json()["count"] == 0


def test_another_enterprises_assessment_is_404_everywhere(api, owner, outsider, assessment, enterprise):
    evidence = Evidence.objects.create(assessment=assessment, item_code="network", file="evidence/x", size=1,
                                       original_name="x.pdf", content_type="application/pdf", sha256="0" * 64,
                                       uploaded_by=owner)
    client = api(outsider)
    pk = assessment.pk
    for response in (
        client.get(f"{BASE}{pk}/"),
        client.put(f"{BASE}{pk}/answer/", {"item": "network", "value": ["none"], "version": 0}, format="json"),
        client.get(f"{BASE}{pk}/evidence/"),
        _upload(client, pk),
        client.get(f"{BASE}{pk}/evidence/{evidence.pk}/download/"),
        client.post(f"{BASE}{pk}/submit/", {"pledge": True}, format="json"),
        client.get(f"{BASE}{pk}/result/"),
        client.post(BASE, {"enterprise": enterprise.pk}, format="json"),
    ):
        assert response.status_code == 404, response.request["PATH_INFO"]
    assert not Answer.objects.exists() and Assessment.objects.count() == 1 and _stored_files() == []


def test_evidence_of_another_assessment_is_404_through_this_one(api, owner, enterprise, assessment):
    other = assessment_start(enterprise=enterprise, actor=owner)
    client = api(owner)
    evidence_id = _upload(client, other.pk).json()["id"]
    assert client.get(f"{BASE}{assessment.pk}/evidence/{evidence_id}/download/").status_code == 404
    response = client.get(f"{BASE}{other.pk}/evidence/{evidence_id}/download/")
    assert response.status_code == 200 and _body(response) == minimal_pdf()


def test_viewer_reads_but_cannot_write(api, owner, teammate, assessment, enterprise):
    client = api(teammate)
    assert client.get(f"{BASE}{assessment.pk}/").status_code == 200
    assert client.get(f"{BASE}{assessment.pk}/evidence/").status_code == 200
    assert client.post(BASE, {"enterprise": enterprise.pk}, format="json").status_code == 403
    assert client.put(f"{BASE}{assessment.pk}/answer/", {"item": "network", "value": ["none"], "version": 0},
                      format="json").status_code == 403
    assert _upload(client, assessment.pk).status_code == 403
    assert client.post(f"{BASE}{assessment.pk}/submit/", {"pledge": True}, format="json").status_code == 403
    assert not Answer.objects.exists() and _stored_files() == []


def test_staff_cannot_start_or_answer(api, district_staff, assessment, enterprise):
    client = api(district_staff)
    assert client.post(BASE, {"enterprise": enterprise.pk}, format="json").status_code == 403
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.RETURNED)
    assert client.put(f"{BASE}{assessment.pk}/answer/", {"item": "network", "value": ["none"], "version": 0},
                      format="json").status_code == 403


def test_unverified_enterprise_cannot_start(api, owner, enterprise):
    enterprise.status = "pending"
    enterprise.save()
    response = api(owner).post(BASE, {"enterprise": enterprise.pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "not_verified"


def test_the_detail_is_read_only(api, owner, assessment):
    client = api(owner)
    for method in (client.put, client.patch, client.delete):
        assert method(f"{BASE}{assessment.pk}/", {"status": "approved"}, format="json").status_code == 405
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_answer_body_cannot_redirect_the_write(api, owner, outsider, assessment, other_enterprise):
    theirs = assessment_start(enterprise=other_enterprise, actor=outsider)
    response = api(owner).put(f"{BASE}{assessment.pk}/answer/", {
        "item": "network", "value": ["none"], "version": 0, "assessment": theirs.pk, "updated_by": outsider.pk,
        "enterprise": other_enterprise.pk, "status": "approved",
    }, format="json")
    assert response.status_code == 200
    answer = Answer.objects.get()
    assert answer.assessment_id == assessment.pk and answer.updated_by == owner
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.enterprise_id != other_enterprise.pk


@pytest.mark.parametrize("body", [
    {"item": "network", "value": ["none"]},  # no version
    {"item": "network", "value": ["none"], "version": -1},
    {"item": "x" * 65, "value": "a", "version": 0},
])
def test_malformed_answers_are_400(api, owner, assessment, body):
    assert api(owner).put(f"{BASE}{assessment.pk}/answer/", body, format="json").status_code == 400


def test_unknown_item_names_the_item(api, owner, assessment):
    response = api(owner).put(f"{BASE}{assessment.pk}/answer/", {"item": "no-such", "value": "a", "version": 0},
                              format="json")
    assert response.status_code == 400 and response.json()["item"] == "no-such"


def test_oversize_upload_is_413_and_leaves_nothing(api, owner, assessment, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = _upload(api(owner), assessment.pk, data=minimal_pdf(b"%" + b"x" * 2048 + b"\n"))
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not Evidence.objects.exists() and _stored_files() == []


@pytest.mark.parametrize(("name", "data", "code"), [
    ("report.pdf", b"<html><script>alert(1)</script></html>", "markup"),
    ("report.png", minimal_pdf(), "extension"),
])
def test_refused_upload_is_400_with_the_reason(api, owner, assessment, name, data, code):
    response = _upload(api(owner), assessment.pk, name=name, data=data)
    assert response.status_code == 400 and response.json()["code"] == code
    assert _stored_files() == []


def test_upload_for_an_unknown_item_is_400(api, owner, assessment):
    response = _upload(api(owner), assessment.pk, item="no-such")
    assert response.status_code == 400 and response.json()["code"] == "unknown_item"
    assert _stored_files() == []


def test_upload_without_a_file_is_400(api, owner, assessment):
    response = api(owner).post(f"{BASE}{assessment.pk}/evidence/", {"item": "network"}, format="multipart")
    assert response.status_code == 400


def test_download_ignores_the_accept_header_and_checks_integrity(api, owner, assessment):
    client = api(owner)
    evidence = Evidence.objects.get(pk=_upload(client, assessment.pk).json()["id"])
    url = f"{BASE}{assessment.pk}/evidence/{evidence.pk}/download/"
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert _body(response) == minimal_pdf()
    (Path(settings.MEDIA_ROOT) / evidence.file.name).write_bytes(b"%PDF-1.4 swapped")
    tampered = client.get(url)
    assert tampered.status_code == 409 and tampered.json()["code"] == "tampered"
    assert AuditEvent.objects.filter(action="evidence.integrity_failed").count() == 1


def test_district_staff_download_submitted_evidence(api, owner, district_staff, assessment):
    evidence_id = _upload(api(owner), assessment.pk).json()["id"]
    url = f"{BASE}{assessment.pk}/evidence/{evidence_id}/download/"
    assert api(district_staff).get(url).status_code == 404
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    response = api(district_staff).get(url)
    assert response.status_code == 200 and _body(response) == minimal_pdf()


def test_anonymous_is_401(assessment):
    client = APIClient()
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}{assessment.pk}/").status_code == 401


def test_schema_describes_the_endpoints(api, owner):
    response = api(owner).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/assessments/": {"get", "post"},
        "/api/v1/assessments/{id}/": {"get"},
        "/api/v1/assessments/{id}/answer/": {"put", "patch"},
        "/api/v1/assessments/{id}/evidence/": {"get", "post"},
        "/api/v1/assessments/{id}/evidence/{evidence_pk}/download/": {"get"},
        "/api/v1/assessments/{id}/submit/": {"post"},
        "/api/v1/assessments/{id}/result/": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    answer = paths["/api/v1/assessments/{id}/answer/"]["put"]
    assert {"200", "400", "409"} <= set(answer["responses"])
    assert "multipart/form-data" in paths["/api/v1/assessments/{id}/evidence/"]["post"]["requestBody"]["content"]
    # What a client may send, exactly: no status, totals, results or ownership anywhere.
    components = schema["components"]["schemas"]
    assert {name: set(components[name]["properties"]) for name in (
        "AssessmentCreateInput", "AnswerSaveInput", "EvidenceUploadInput", "AssessmentSubmitInput")} == {
        "AssessmentCreateInput": {"enterprise", "spec"}, "AnswerSaveInput": {"item", "value", "version"},
        "EvidenceUploadInput": {"item", "file"}, "AssessmentSubmitInput": {"pledge"},
    }


def test_an_unknown_status_filter_is_400_not_an_empty_list(api, owner, assessment):
    response = api(owner).get(BASE, {"status": "AAA"})
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_filter_value"
    assert api(owner).get(BASE, {"status": "draft"}).json()["count"] == 1


def test_operation_ids_are_unique(api, owner):
    schema = api(owner).get("/api/schema/", {"format": "json"}).json()
    ids = [op["operationId"] for methods in schema["paths"].values() for op in methods.values()
           if isinstance(op, dict) and "operationId" in op]
    assert len(ids) == len(set(ids))
    assert schema["paths"]["/api/v1/assessments/"]["get"]["operationId"] == "assessments_list"


def test_provenance_of_provisional_values_is_for_staff_only(api, owner, district_staff, enterprise):
    # Issue #13 Major 4: the enterprise reads which items are provisional, not the spec's codes and notes.
    from tests.factories.diagnosis import scored_assessment

    scored = scored_assessment(enterprise, user=owner)
    for url in (f"{BASE}{scored.pk}/", f"{BASE}{scored.pk}/result/"):
        mine = api(owner).get(url).json()
        for key in ("result", "declared_result"):
            assert "provisional_reasons" not in mine[key] and "设备联网率" in mine[key]["provisional_items"]
        assert "condition:" not in json.dumps(mine, ensure_ascii=False)
        assert "第三方实现" not in json.dumps(mine, ensure_ascii=False)
        staff = api(district_staff).get(url).json()
        assert {r["source"] for r in staff["result"]["provisional_reasons"]} >= {"condition:device-networking"}
