"""The public verification page of a regional report: the cover's facts by code, unknown codes 404,
the superseded notice once the data moved on, and the byte-for-byte file check."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.diagnosis.regional.conftest import counted
from tests.diagnosis.regional_report.conftest import ready_report
from tests.factories.portal import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _url(code):
    return f"/regional/report/verify/{code}/"


def test_the_code_states_the_reports_facts_to_anyone(client, longhua, district_staff):
    report = ready_report(longhua, district_staff)
    response = client.get(_url(report.verification_code.lower().replace("-", " ")))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "龙华区" in body and str(report.facts["mean"]) in body and 'id="superseded"' not in body
    assert report.verification_code in body


def test_an_unknown_code_answers_404(client, longhua):
    response = client.get(_url("AAAA-BBBB-CCCC-DDDD-EEEE"))
    assert response.status_code == 404 and 'id="unknown-code"' in response.content.decode()


def test_a_report_whose_data_moved_on_says_so(client, longhua, district_staff):
    report = ready_report(longhua, district_staff)
    counted(EnterpriseFactory(region=longhua), Decimal(70))
    body = client.get(_url(report.verification_code)).content.decode()
    assert 'id="superseded"' in body


def test_the_file_check_compares_the_bytes(client, longhua, district_staff):
    report = ready_report(longhua, district_staff)
    content = report.pdf.read()
    report.pdf.close()
    same = client.post(_url(report.verification_code), {"file": SimpleUploadedFile("r.pdf", content)})
    assert same.status_code == 200 and 'id="file-matches"' in same.content.decode()
    other = client.post(_url(report.verification_code), {"file": SimpleUploadedFile("r.pdf", content + b"x")})
    assert 'id="file-differs"' in other.content.decode()
    missing = client.post(_url(report.verification_code), {})
    assert missing.status_code == 422
