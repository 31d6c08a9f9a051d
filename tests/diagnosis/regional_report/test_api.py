"""The regional report through the API, mirroring the diagnosis report's: request, poll, download
the checked PDF; staff of the region only (404 for anyone else), refusals with the API's error body."""

import pytest

from diagnosis.models import RegionalReport
from tests.diagnosis.regional.conftest import YEAR
from tests.diagnosis.regional_report.conftest import SPEC_KEY, ready_report
from tests.factories.portal import region

pytestmark = pytest.mark.django_db

BASE = "/api/v1/regional/reports/"


@pytest.mark.parametrize("persona", ["district_staff", "city_staff"])
def test_staff_of_the_region_request_poll_and_download(request, api, longhua, persona, enqueued,
                                                      django_capture_on_commit_callbacks):
    client = api(request.getfixturevalue(persona))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BASE, {"region": longhua.pk, "year": YEAR, "spec": SPEC_KEY, "language": "en"},
                               format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and body["region_code"] == "440309" and body["current"] is True
    assert body["verification_code"] is None and body["download"] is None and enqueued == [body["id"]]
    from diagnosis.regional_report import services

    services.regional_report_render(report_id=body["id"])
    ready = client.get(f"{BASE}{body['id']}/").json()
    assert ready["status"] == "ready" and ready["download"] == f"{BASE}{body['id']}/download/"
    pdf = client.get(ready["download"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    pdf.close()


def test_the_year_defaults_to_the_latest_with_data(api, longhua, district_staff, enqueued):
    response = api(district_staff).post(BASE, {"region": longhua.pk}, format="json")
    assert response.status_code == 202 and response.json()["year"] == YEAR


@pytest.mark.parametrize("persona", ["other_district_staff", "other_city_staff", "owner", "expert"])
def test_everyone_else_gets_404(request, api, longhua, district_staff, persona, enqueued):
    report = ready_report(longhua, district_staff)
    client = api(request.getfixturevalue(persona))
    assert client.post(BASE, {"region": longhua.pk}, format="json").status_code == 404
    assert client.get(f"{BASE}{report.pk}/").status_code == 404
    assert client.get(f"{BASE}{report.pk}/download/").status_code == 404
    assert RegionalReport.objects.count() == 1


@pytest.mark.parametrize(("payload", "expected"), [
    ({"region": "x"}, 400), ({}, 400), ({"region": 10**12}, 400), ({"region": 1, "language": "fr"}, 400),
    ({"region": 1, "spec": "nope"}, 400)])
def test_bad_input_is_a_clear_400(api, longhua, district_staff, payload, expected):
    assert api(district_staff).post(BASE, payload, format="json").status_code == expected
    assert not RegionalReport.objects.exists()


def test_a_park_is_not_a_report_region(api, longhua, district_staff):
    assert api(district_staff).post(BASE, {"region": region("440309P01").pk}, format="json").status_code == 404
