"""On-site diagnosis (现场诊断): date rules, the notes file checked by content, display on the
review page and a permission-checked download."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from diagnosis.models import ExpertAssignment, SiteVisit
from diagnosis.review import services as services_review
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _visit(review, assessment, **overrides):
    data = {"visit_date": timezone.localdate().isoformat(), "participants": "区工信局 张三；企业 李四",
            "findings": "车间网络覆盖与申报一致。"}
    return review.post(assessment, "visits/", {**data, **overrides})


def test_staff_record_a_visit_with_notes_and_it_shows(login, district_staff, submitted, review, client):
    login(district_staff)
    notes = SimpleUploadedFile("现场记录.pdf", PDF, content_type="application/pdf")
    response = _visit(review, submitted, notes=notes)
    assert response.status_code == 302 and response["Location"].endswith("#site-visits")
    visit = SiteVisit.objects.get()
    assert visit.recorded_by == district_staff and visit.notes_name == "现场记录.pdf"
    assert len(visit.notes_sha256) == 64
    event = AuditEvent.objects.get(action="assessment.site_visit")
    assert event.detail["before"] == {"site_visits": 0} and event.detail["after"] == {"site_visits": 1}
    html = client.get(f"/review/{submitted.pk}/").content.decode()
    assert "车间网络覆盖与申报一致。" in html
    download = client.get(f"/review/{submitted.pk}/visits/{visit.pk}/notes/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="assessment.site_visit_notes", outcome="success").exists()


@pytest.mark.parametrize(("visit_date", "code"), [
    (lambda today, year: today + timedelta(days=1), "future"),
    (lambda today, year: date(year - 2, 12, 31), "too early"),
])
def test_implausible_dates_are_refused(login, district_staff, submitted, review, visit_date, code):
    login(district_staff)
    year = timezone.localtime(submitted.submitted_at).year
    response = _visit(review, submitted, visit_date=visit_date(timezone.localdate(), year).isoformat())
    assert response.status_code == 422, code
    assert not SiteVisit.objects.exists()
    assert AuditEvent.objects.get(action="assessment.review_refused").detail["reason"] == "visit_date"


def test_the_year_before_submission_is_allowed(district_staff, submitted):
    year = timezone.localtime(submitted.submitted_at).year
    services_review.site_visit_record(assessment=submitted, actor=district_staff, visit_date=date(year - 1, 1, 1),
                                      participants="张三", findings="预诊断", expected_version=0)
    assert SiteVisit.objects.count() == 1


def test_a_notes_file_that_is_not_what_it_claims_is_refused_and_not_stored(login, district_staff, submitted,
                                                                           review, settings):
    login(district_staff)
    fake = SimpleUploadedFile("notes.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    assert _visit(review, submitted, notes=fake).status_code == 422
    assert not SiteVisit.objects.exists()
    visits_dir = settings.MEDIA_ROOT / "visits"
    assert not visits_dir.exists() or not any(visits_dir.rglob("*"))


def test_a_failed_save_leaves_no_file(district_staff, submitted, settings, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("audit store down")

    # The audit write comes after the blob is stored: its failure must take the blob with it.
    monkeypatch.setattr(services_review, "audit_log", broken_audit)
    with pytest.raises(RuntimeError):
        services_review.site_visit_record(assessment=submitted, actor=district_staff,
                                          visit_date=timezone.localdate(), participants="张三", findings="x",
                                          notes=SimpleUploadedFile("现场记录.pdf", PDF), expected_version=0)
    assert not SiteVisit.objects.exists()
    visits_dir = settings.MEDIA_ROOT / "visits"
    assert not visits_dir.exists() or not any(p.is_file() for p in visits_dir.rglob("*"))


def test_an_assigned_expert_records_a_visit(login, expert, district_staff, submitted, review):
    ExpertAssignment.objects.create(assessment=submitted, expert=expert, assigned_by=district_staff)
    login(expert)
    assert _visit(review, submitted).status_code == 302
    assert SiteVisit.objects.get().recorded_by == expert


def test_visits_can_follow_approval(district_staff, submitted):
    services_review.assessment_approve(assessment=submitted, actor=district_staff, expected_version=0)
    services_review.site_visit_record(assessment=submitted, actor=district_staff, visit_date=timezone.localdate(),
                                      participants="张三", findings="回访", expected_version=1)
    assert SiteVisit.objects.count() == 1


def test_a_tampered_notes_file_is_withheld(login, district_staff, submitted, review, client):
    visit = services_review.site_visit_record(
        assessment=submitted, actor=district_staff, visit_date=timezone.localdate(), participants="张三",
        findings="x", notes=SimpleUploadedFile("现场记录.pdf", PDF), expected_version=0)
    with visit.notes_file.storage.open(visit.notes_file.name, "wb") as handle:
        handle.write(PDF + b"%tampered")
    login(district_staff)
    assert client.get(f"/review/{submitted.pk}/visits/{visit.pk}/notes/").status_code == 409
