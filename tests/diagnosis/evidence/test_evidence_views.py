"""Evidence views: the per-question partial with its upload form, downloads and deletion, with the
owner / teammate (viewer) / outsider / district-staff personas. Every refused upload leaves
MEDIA_ROOT without files."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.evidence.services import evidence_add
from diagnosis.fill.services import answer_save, assessment_start, assessment_submit
from diagnosis.models import Evidence
from diagnosis.spec import get_spec
from portal.models import AuditEvent
from tests.diagnosis.answers import full_answers
from tests.portal.test_files import minimal_docx, minimal_pdf, minimal_png

pytestmark = pytest.mark.django_db

ITEM = "network"


@pytest.fixture
def assessment(owner, enterprise):
    return assessment_start(enterprise=enterprise, actor=owner)


def _stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def _upload(client, assessment, name, data, item=ITEM):
    return client.post(f"/assessments/{assessment.pk}/evidence/{item}/",
                       {"file": SimpleUploadedFile(name, data)}, HTTP_HX_REQUEST="true")


def _add(assessment, actor, name="plan.pdf", data=None, item=ITEM) -> Evidence:
    return evidence_add(assessment=assessment, actor=actor, item_code=item,
                        upload=SimpleUploadedFile(name, data if data is not None else minimal_pdf()))


def _download(client, evidence):
    response = client.get(f"/assessments/evidence/{evidence.pk}/download/")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def _submit(assessment, owner):
    for code, value in full_answers(get_spec(assessment.spec_key)).items():
        answer_save(assessment=assessment, actor=owner, item_code=code, value=value, expected_version=0)
    return assessment_submit(assessment=assessment, actor=owner, pledge=True)


# --- the partial and uploading ----------------------------------------------------------------------


def test_owner_sees_the_upload_form(login, owner, assessment):
    response = login(owner).get(f"/assessments/{assessment.pk}/evidence/{ITEM}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'type="file"' in html and 'hx-encoding="multipart/form-data"' in html
    assert f'hx-post="/assessments/{assessment.pk}/evidence/{ITEM}/"' in html


def test_owner_uploads_and_the_file_is_stored_under_a_random_name(login, owner, assessment):
    data = minimal_pdf()
    response = _upload(login(owner), assessment, "../../整改计划.pdf", data)
    assert response.status_code == 200
    assert "整改计划.pdf" in response.content.decode()
    evidence = Evidence.objects.get()
    assert evidence.original_name == "整改计划.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.size == len(data)
    assert evidence.uploaded_by == owner
    stored = Path(settings.MEDIA_ROOT) / evidence.file.name
    assert stored.read_bytes() == data
    assert stored.parent.name == str(assessment.pk)
    assert "." not in stored.name and "整改" not in stored.name  # the user's name is metadata only
    assert AuditEvent.objects.filter(action="evidence.upload", outcome="success").count() == 1


def test_large_upload_spooled_to_a_temporary_file_is_stored(login, owner, assessment):
    data = minimal_pdf(b"%" + b"x" * (3 * 1024 * 1024) + b"\n")  # above FILE_UPLOAD_MAX_MEMORY_SIZE
    assert _upload(login(owner), assessment, "big.pdf", data).status_code == 200
    assert (Path(settings.MEDIA_ROOT) / Evidence.objects.get().file.name).read_bytes() == data


@pytest.mark.parametrize(("name", "data"), [
    ("report.pdf", b"<html><script>alert(1)</script></html>"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("photo.pdf", minimal_png()),
    ("report.pdf", minimal_pdf(b"9 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n")),
])
def test_refused_upload_shows_the_reason_with_422_and_stores_nothing(login, owner, assessment, name, data):
    response = _upload(login(owner), assessment, name, data)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not Evidence.objects.exists()
    assert _stored_files() == []
    assert AuditEvent.objects.filter(action="evidence.upload", outcome="failure").count() == 1


def test_oversize_upload_is_refused_and_nothing_is_on_disk(login, owner, assessment, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = _upload(login(owner), assessment, "big.pdf", minimal_pdf(b"%" + b"x" * 2048 + b"\n"))
    assert response.status_code == 422
    assert "1024" not in response.content.decode()  # the limit is stated in MB, not bytes
    assert not Evidence.objects.exists()
    assert _stored_files() == []


def test_message_is_chinese_by_default(login, owner, assessment):
    response = _upload(login(owner), assessment, "report.pdf", b"<html></html>")
    assert "不能上传网页" in response.content.decode()


def test_missing_file_is_422(login, owner, assessment):
    client = login(owner)
    response = client.post(f"/assessments/{assessment.pk}/evidence/{ITEM}/", {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422


def test_per_item_count_limit(login, owner, assessment, settings):
    settings.EVIDENCE_MAX_FILES_PER_ITEM = 2
    client = login(owner)
    assert _upload(client, assessment, "a.pdf", minimal_pdf()).status_code == 200
    second = _upload(client, assessment, "b.png", minimal_png())
    assert second.status_code == 200
    assert 'type="file"' not in second.content.decode()  # full: no form any more
    assert _upload(client, assessment, "c.docx", minimal_docx()).status_code == 422
    assert Evidence.objects.count() == 2
    assert len(_stored_files()) == 2
    # Other questions have their own allowance.
    assert _upload(client, assessment, "d.pdf", minimal_pdf(), item="device-networking").status_code == 200


def test_assessment_quota(login, owner, assessment, settings):
    settings.EVIDENCE_QUOTA_BYTES = len(minimal_pdf()) + 10
    client = login(owner)
    assert _upload(client, assessment, "a.pdf", minimal_pdf()).status_code == 200
    assert _upload(client, assessment, "b.pdf", minimal_pdf(), item="device-networking").status_code == 422
    assert len(_stored_files()) == 1


def test_unknown_item_is_404(login, owner, assessment):
    client = login(owner)
    assert client.get(f"/assessments/{assessment.pk}/evidence/no-such-item/").status_code == 404
    assert _upload(client, assessment, "a.pdf", minimal_pdf(), item="no-such-item").status_code == 404


def test_submitted_assessment_takes_no_more_files(login, owner, assessment):
    _submit(assessment, owner)
    client = login(owner)
    page = client.get(f"/assessments/{assessment.pk}/evidence/{ITEM}/")
    assert 'type="file"' not in page.content.decode()
    assert _upload(client, assessment, "a.pdf", minimal_pdf()).status_code == 422
    assert _stored_files() == []


# --- downloading ------------------------------------------------------------------------------------


def test_owner_downloads_with_safe_headers(login, owner, assessment):
    evidence = _add(assessment, owner, name="整改计划.pdf")
    response, body = _download(login(owner), evidence)
    assert response.status_code == 200
    assert body == minimal_pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%95%B4%E6%94%B9%E8%AE%A1%E5%88%92.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="evidence.download", actor=owner).count() == 1


def test_content_type_is_the_detected_one_not_the_clients(login, owner, assessment):
    upload = SimpleUploadedFile("scan.png", minimal_png(), content_type="text/html")
    evidence = evidence_add(assessment=assessment, actor=owner, item_code=ITEM, upload=upload)
    response, _body = _download(login(owner), evidence)
    assert response["Content-Type"] == "image/png"


def test_teammate_downloads_but_cannot_upload_or_delete(login, owner, teammate, assessment):
    evidence = _add(assessment, owner)
    client = login(teammate)
    page = client.get(f"/assessments/{assessment.pk}/evidence/{ITEM}/")
    assert page.status_code == 200
    assert "plan.pdf" in page.content.decode()
    html = page.content.decode()
    assert 'type="file"' not in html and f"evidence/{evidence.pk}/delete" not in html
    assert _download(client, evidence)[0].status_code == 200
    assert _upload(client, assessment, "a.pdf", minimal_pdf()).status_code == 403
    assert client.post(f"/assessments/evidence/{evidence.pk}/delete/").status_code == 403
    assert Evidence.objects.count() == 1 and len(_stored_files()) == 1


def test_outsider_gets_404_everywhere(login, owner, outsider, assessment):
    evidence = _add(assessment, owner)
    client = login(outsider)
    assert client.get(f"/assessments/{assessment.pk}/evidence/{ITEM}/").status_code == 404
    assert _upload(client, assessment, "a.pdf", minimal_pdf()).status_code == 404
    assert _download(client, evidence)[0].status_code == 404
    assert client.post(f"/assessments/evidence/{evidence.pk}/delete/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=outsider).exists()
    assert Evidence.objects.count() == 1


def test_unknown_evidence_is_404(login, owner):
    assert login(owner).get("/assessments/evidence/999999/download/").status_code == 404


def test_district_staff_download_only_after_submission(login, owner, district_staff, assessment):
    evidence = _add(assessment, owner)
    client = login(district_staff)
    assert _download(client, evidence)[0].status_code == 404  # drafts are the enterprise's own
    _submit(assessment, owner)
    response, body = _download(client, evidence)
    assert response.status_code == 200 and body == minimal_pdf()
    assert client.post(f"/assessments/evidence/{evidence.pk}/delete/").status_code == 403


def test_other_district_staff_get_404(login, owner, other_district_staff, assessment):
    evidence = _add(assessment, owner)
    _submit(assessment, owner)
    assert _download(login(other_district_staff), evidence)[0].status_code == 404


def test_tampered_file_is_refused_and_audited(login, owner, assessment):
    evidence = _add(assessment, owner)
    (Path(settings.MEDIA_ROOT) / evidence.file.name).write_bytes(minimal_pdf(b"% altered\n"))
    response, body = _download(login(owner), evidence)
    assert response.status_code == 409
    assert b"%PDF" not in body
    assert AuditEvent.objects.filter(action="evidence.integrity_failed", outcome="failure").count() == 1
    assert not AuditEvent.objects.filter(action="evidence.download").exists()


def test_missing_file_is_410(login, owner, assessment):
    evidence = _add(assessment, owner)
    (Path(settings.MEDIA_ROOT) / evidence.file.name).unlink()
    response, _body = _download(login(owner), evidence)
    assert response.status_code == 410
    assert AuditEvent.objects.filter(action="evidence.integrity_failed").count() == 1


def test_download_is_get_only(login, owner, assessment):
    evidence = _add(assessment, owner)
    assert login(owner).post(f"/assessments/evidence/{evidence.pk}/download/").status_code == 405


# --- deleting ---------------------------------------------------------------------------------------


def test_deleting_removes_row_and_blob(login, owner, assessment, django_capture_on_commit_callbacks):
    evidence = _add(assessment, owner)
    assert len(_stored_files()) == 1
    client = login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/assessments/evidence/{evidence.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "plan.pdf" not in response.content.decode()
    assert not Evidence.objects.exists()
    assert _stored_files() == []
    assert AuditEvent.objects.filter(action="evidence.delete").count() == 1


def test_delete_is_post_only(login, owner, assessment):
    evidence = _add(assessment, owner)
    assert login(owner).get(f"/assessments/evidence/{evidence.pk}/delete/").status_code == 405
    assert Evidence.objects.exists()


def test_submitted_assessment_keeps_its_files(login, owner, assessment):
    evidence = _add(assessment, owner)
    _submit(assessment, owner)
    response = login(owner).post(f"/assessments/evidence/{evidence.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert Evidence.objects.exists() and len(_stored_files()) == 1


def test_a_failed_database_write_leaves_no_file(owner, assessment, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(Evidence, "save", broken_save)
    with pytest.raises(RuntimeError):
        _add(assessment, owner)
    assert _stored_files() == []


def test_a_photo_is_stored_re_encoded_without_its_location_and_downloads_intact(login, owner, assessment):
    """#13 security: uploaded images are re-encoded before storage (EXIF GPS is personal data)."""
    import hashlib

    from tests.portal.test_files import _exif_with_gps, minimal_jpeg

    original = minimal_jpeg(exif=_exif_with_gps())
    evidence = _add(assessment, owner, name="现场照片.jpg", data=original)
    stored = Path(evidence.file.path).read_bytes()
    assert b"ACME Phone" not in stored and stored != original
    assert evidence.sha256 == hashlib.sha256(stored).hexdigest() and evidence.size == len(stored)
    _response, body = _download(login(owner), evidence)
    assert body == stored  # the hash-checked download serves the stored (clean) image
