"""Excel export of the queue (docs/security.md R15): same scope and filters as the page, audited with
the row count, formula injection neutralised, watermarked, capped, rate-limited."""

import io

import pytest
from openpyxl import load_workbook

from diagnosis.review import services as services_review
from diagnosis.review.exports import safe_cell
from portal.models import AuditEvent
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.content)).active


def _data_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=3, values_only=True))


@pytest.fixture
def rows(enterprise, other_enterprise):
    return {"longhua": scored_assessment(enterprise), "baoan": scored_assessment(other_enterprise)}


def test_export_holds_only_the_scoped_rows_and_is_audited(login, district_staff, rows):
    response = login(district_staff).get("/review/export/?status=submitted&sort=-total")
    data = _data_rows(_sheet(response))
    assert [row[-1] for row in data] == [rows["longhua"].pk]
    assert data[0][7] == 100  # totals stay numbers
    event = AuditEvent.objects.get(action="data.export")
    assert event.actor_id == district_staff.pk and event.object_type == "diagnosis.assessment"
    assert event.detail == {"rows": 1, "filters": {"status": "submitted", "sort": "-total"}}


def test_city_staff_export_the_filtered_district(login, city_staff, rows):
    district = region("440306")
    data = _data_rows(_sheet(login(city_staff).get(f"/review/export/?district={district.pk}")))
    assert [row[-1] for row in data] == [rows["baoan"].pk]
    assert AuditEvent.objects.get(action="data.export").detail["filters"]["district"] == "440306"


def test_a_district_outside_is_refused_and_nothing_is_exported(login, district_staff, rows):
    response = login(district_staff).get(f"/review/export/?district={region('440306').pk}")
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="data.export").exists()


def test_formula_in_a_company_name_is_neutralised(login, district_staff):
    scored_assessment(EnterpriseFactory(name='=HYPERLINK("http://x")'))
    sheet = _sheet(login(district_staff).get("/review/export/"))
    cell = sheet.cell(row=3, column=1)
    assert cell.value == '\'=HYPERLINK("http://x")' and cell.data_type == "s"


def test_headers_watermark_and_download_headers(login, district_staff, rows):
    response = login(district_staff).get("/review/export/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="review-queue-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    sheet = _sheet(response)
    watermark = sheet.cell(row=1, column=1).value
    assert district_staff.username in watermark and "Confidential" in watermark
    header = [cell.value for cell in sheet[2]]
    assert header[0] == "Enterprise" and header[-1] == "Assessment ID" and len(header) == 14


def test_too_many_rows_are_refused_with_a_message(login, district_staff, enterprise, monkeypatch):
    monkeypatch.setattr(services_review, "EXPORT_MAX_ROWS", 1)
    scored_assessment(enterprise)
    scored_assessment(enterprise)
    response = login(district_staff).get("/review/export/?status=submitted", follow=True,
                                         HTTP_ACCEPT_LANGUAGE="en")
    assert response.redirect_chain[-1][0] == "/review/?status=submitted"
    assert "More than 1 assessments match" in response.content.decode()
    assert not AuditEvent.objects.filter(action="data.export").exists()


def test_exports_are_rate_limited(login, district_staff, rows, monkeypatch):
    monkeypatch.setattr(services_review, "EXPORTS_PER_HOUR", 1)
    client = login(district_staff)
    assert client.get("/review/export/").status_code == 200
    assert client.get("/review/export/").status_code == 302
    assert AuditEvent.objects.filter(action="data.export").count() == 1


@pytest.mark.parametrize("persona", ["owner", "expert", "teammate"])
def test_only_bureau_staff_export(request, login, rows, persona):
    assert login(request.getfixturevalue(persona)).get("/review/export/").status_code == 403


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"),
    ("+86 755", "'+86 755"),
    ("-5", "'-5"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("\x01=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("深圳市=公司", "深圳市=公司"),
    ("plain", "plain"),
    (12, 12),
    (None, None),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
