"""The public verification page: the facts on the report's cover and nothing else, whether an
uploaded file is the report (hashed as it streams in, never stored), 404 for unknown codes."""

import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from diagnosis.report import views as report_views
from diagnosis.review import services as services_review
from portal.models import AuditEvent
from tests.diagnosis.report.conftest import ready_report

pytestmark = pytest.mark.django_db


def _url(code):
    return f"/verify/{code}/"


@pytest.fixture
def report(assessment, owner, site_visit):
    return ready_report(assessment, owner)


def _pdf(report, content=None):
    return SimpleUploadedFile("诊断报告.pdf", content if content is not None else Path(report.pdf.path).read_bytes(),
                              content_type="application/pdf")


def test_a_known_code_shows_the_cover_facts_only(client, report, assessment):
    response = client.get(_url(report.verification_code))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    enterprise = assessment.enterprise
    for fact in (enterprise.name, "中小企业数字化水平评测指标", "1.0", assessment.result["total"],
                 timezone.localtime(report.created_at).strftime("%Y-%m-%d"), str(assessment.get_status_display())):
        assert fact in body, fact
    assert 'data-kind="self-declared"' in body and 'id="superseded"' not in body
    # Confidential data stays on the platform: identifiers, needs, visit findings, item answers.
    for secret in (enterprise.uscc, "上线 MES 系统", "车间设备联网率低", "张三", assessment.result["items"][0]["reason"]):
        assert secret not in body, secret


def test_the_code_may_be_typed_loosely(client, report):
    loose = report.verification_code.lower().replace("-", "")
    assert client.get(_url(loose)).status_code == 200


def test_an_approved_assessment_shows_the_verified_score(client, report, assessment, district_staff):
    services_review.item_correct(assessment=assessment, actor=district_staff, item_code="network",
                                 value=["workshop-control"], reason="现场核查", expected_version=0)
    approved = services_review.assessment_approve(assessment=assessment, actor=district_staff, expected_version=1)
    body = client.get(_url(report.verification_code)).content.decode()
    assert 'data-kind="verified"' in body and str(approved.verified_total) in body
    assert str(approved.get_status_display()) in body
    # This report was issued before the review: the page says the facts have moved on.
    assert 'id="superseded"' in body


def _approve_with_a_correction(assessment, staff):
    services_review.item_correct(assessment=assessment, actor=staff, item_code="network",
                                 value=["workshop-control"], reason="现场核查", expected_version=0)
    return services_review.assessment_approve(assessment=assessment, actor=staff, expected_version=1)


def test_a_superseded_report_says_so_before_any_figures(client, report, assessment, district_staff):
    # Issue #13 minor: the page used to say "报告载明" over today's figures.
    approved = _approve_with_a_correction(assessment, district_staff)
    body = client.get(_url(report.verification_code)).content.decode()
    assert "报告载明" not in body
    assert "已被取代" in body and timezone.localtime(report.created_at).strftime("%Y-%m-%d") in body
    # No report states the approved figures yet: the page says where the assessment stands now.
    assert "尚未出具更新的报告" in body and str(approved.verified_total) in body
    assert body.index('id="superseded"') < body.index('id="current-facts"')


def test_a_superseded_report_points_to_what_the_current_report_states(client, report, assessment, owner,
                                                                       district_staff):
    approved = _approve_with_a_correction(assessment, district_staff)
    current = ready_report(approved, owner)
    assert current.pk != report.pk
    body = client.get(_url(report.verification_code)).content.decode()
    assert "已被取代" in body and "该诊断评估的现行报告载明" in body
    facts = body[body.index('id="current-facts"'):]
    assert str(approved.verified_total) in facts and 'data-kind="verified"' in facts
    # The current report's own page is not superseded and states the same figures.
    own = client.get(_url(current.verification_code)).content.decode()
    assert "已被取代" not in own and "报告载明" in own and str(approved.verified_total) in own


def test_unknown_codes_are_404(client, report):
    assert client.get(_url("AAAA-BBBB-CCCC-DDDD-EEEE")).status_code == 404
    assert client.post(_url("AAAA-BBBB-CCCC-DDDD-EEEE"), {"file": _pdf(report)}).status_code == 404


def test_a_report_never_rendered_is_unknown(client, assessment, owner):
    from diagnosis.report.services import report_request

    pending = report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    assert client.get(_url(pending.verification_code)).status_code == 404


def test_the_original_file_matches(client, report):
    response = client.post(_url(report.verification_code), {"file": _pdf(report)})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="file-matches"' in body and report.sha256 in body


def test_an_altered_file_does_not_match(client, report):
    response = client.post(_url(report.verification_code), {"file": _pdf(report, b"%PDF-1.7 altered")})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="file-differs"' in body and 'id="file-matches"' not in body


def test_the_upload_is_neither_kept_nor_written_anywhere(client, report, settings, monkeypatch):
    scratch = Path(tempfile.mkdtemp())
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    settings.FILE_UPLOAD_TEMP_DIR = str(scratch)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1  # any ordinary handler would spill this upload to disk
    media_before = sorted(Path(settings.MEDIA_ROOT).rglob("*"))
    client.post(_url(report.verification_code), {"file": _pdf(report)})
    assert list(scratch.iterdir()) == [] and sorted(Path(settings.MEDIA_ROOT).rglob("*")) == media_before


def test_files_over_20_mb_are_refused(client, report):
    big = _pdf(report, b"%PDF" + b"0" * (report_views.VERIFY_MAX_BYTES - 3))
    response = client.post(_url(report.verification_code), {"file": big})
    assert response.status_code == 413 and "20 MB" in response.content.decode()


def test_an_oversized_request_is_refused_before_it_is_read(client, report):
    response = client.generic("POST", _url(report.verification_code), b"",
                              CONTENT_LENGTH=str(report_views.VERIFY_MAX_BYTES * 2),
                              CONTENT_TYPE="multipart/form-data; boundary=x")
    assert response.status_code == 413


def test_a_post_without_a_file_asks_for_one(client, report):
    assert client.post(_url(report.verification_code), {}).status_code == 422


def test_the_check_needs_the_csrf_token(report):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(_url(report.verification_code), {"file": _pdf(report)}).status_code == 403


def test_verification_writes_no_audit_rows(client, report):
    before = AuditEvent.objects.count()
    client.get(_url(report.verification_code))
    client.post(_url(report.verification_code), {"file": _pdf(report)})
    client.get(_url("AAAA-BBBB-CCCC-DDDD-EEEE"))
    assert AuditEvent.objects.count() == before


def test_one_address_asking_too_often_is_slowed_down(client, report, monkeypatch):
    monkeypatch.setattr(report_views, "VERIFY_LIMIT", 3)
    statuses = [client.get(_url(report.verification_code)).status_code for _n in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(_url(report.verification_code))
    assert response.status_code == 429 and response["Retry-After"] == str(report_views.VERIFY_WINDOW)


def test_an_unknown_code_gets_a_page_that_says_so(client):
    response = client.get(_url("AAAA-BBBB-CCCC-DDDD-EEEE"))
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="unknown-code"' in html and "未找到核验码" in html and "AAAA-BBBB-CCCC-DDDD-EEEE" in html


def test_a_new_report_template_alone_does_not_supersede_a_report(client, report, monkeypatch):
    # Same data, newer layout: the report still states today's facts.
    from diagnosis.report import services as services_report

    monkeypatch.setattr(services_report, "EARLIER_TEMPLATE_VERSIONS",
                        (services_report.REPORT_TEMPLATE_VERSION, *services_report.EARLIER_TEMPLATE_VERSIONS))
    monkeypatch.setattr(services_report, "REPORT_TEMPLATE_VERSION", "test-next")
    body = client.get(_url(report.verification_code)).content.decode()
    assert 'id="superseded"' not in body and "报告载明" in body
