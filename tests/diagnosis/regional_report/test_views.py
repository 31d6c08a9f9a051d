"""The regional report pages: who may ask for, follow and download which region's report (district
staff: their district; city staff: the city's districts; anyone else 404), the dashboard's block,
the polling partial that never carries a control, and the download."""

from datetime import timedelta

import pytest
from django.utils import timezone

from diagnosis.models import RegionalReport
from portal.models import AuditEvent
from tests.diagnosis.regional.conftest import YEAR
from tests.diagnosis.regional_report.conftest import SPEC_KEY, ready_report, request_report
from tests.factories.portal import region

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
POLL = 'hx-trigger="every 2s"'


def _query(region_, language="zh-hans"):
    return {"region": region_.pk, "spec": SPEC_KEY, "year": YEAR, "language": language}


def _state(body: str) -> str:
    """The polling element of the partial (from its opening tag to its closing </div>)."""
    start = body.index('id="regional-report-state"')
    return body[start:body.index("</div>", start)]


@pytest.mark.parametrize("persona", ["district_staff", "city_staff"])
def test_staff_of_the_region_request_its_report(request, login, longhua, persona, enqueued,
                                                django_capture_on_commit_callbacks):
    client = login(request.getfixturevalue(persona))
    response = client.get("/regional/report/", _query(longhua), **HX)
    assert response.status_code == 200 and "龙华区" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/regional/report/", _query(longhua), **HX)
    assert response.status_code == 200
    report = RegionalReport.objects.get()
    assert report.region == longhua and report.year == YEAR and enqueued == [report.pk]
    body = response.content.decode()
    assert POLL in body and f"/regional/report/{report.pk}/status/" in body and "<html" not in body
    # The polling line holds no control: a poll never replaces a button under the pointer.
    state = _state(body)
    assert POLL in state and "<button" not in state and "<form" not in state and "<a " not in state


def test_city_staff_may_report_on_the_city_itself(login, longhua, city_staff, enqueued):
    response = login(city_staff).post("/regional/report/", _query(region("440300")), **HX)
    assert response.status_code == 200 and RegionalReport.objects.get().region.code == "440300"


@pytest.mark.parametrize("persona", ["other_district_staff", "other_city_staff", "owner", "outsider", "expert"])
def test_everyone_else_gets_404_everywhere(request, login, longhua, district_staff, persona, enqueued):
    report = ready_report(longhua, district_staff)
    client = login(request.getfixturevalue(persona))
    assert client.get("/regional/report/", _query(longhua), **HX).status_code == 404
    assert client.post("/regional/report/", _query(longhua), **HX).status_code == 404
    assert client.get(f"/regional/report/{report.pk}/status/", **HX).status_code == 404
    assert client.get(f"/regional/report/{report.pk}/download/").status_code == 404
    assert RegionalReport.objects.count() == 1


def test_a_district_officer_probing_another_district_is_audited(login, longhua, other_district_staff):
    assert login(other_district_staff).get("/regional/report/", _query(longhua), **HX).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="portal.region",
                                     object_id=str(longhua.pk)).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, longhua):
    response = client.get("/regional/report/", _query(longhua))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_dashboard_loads_the_report_block(login, longhua, district_staff):
    body = login(district_staff).get(f"/regional/?year={YEAR}").content.decode()
    assert 'id="regional-report"' in body and "/regional/report/?" in body and 'hx-trigger="load"' in body


def test_a_ready_report_stops_polling_and_offers_the_download(login, longhua, district_staff):
    report = ready_report(longhua, district_staff)
    client = login(district_staff)
    body = client.get(f"/regional/report/{report.pk}/status/", **HX).content.decode()
    assert POLL not in body and f"/regional/report/{report.pk}/download/" in body
    assert report.verification_code in body
    response = client.get(f"/regional/report/{report.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="regional_report.download", actor=district_staff).exists()


def test_a_stalled_report_offers_to_try_again(login, longhua, district_staff, enqueued):
    report = request_report(longhua, district_staff)
    RegionalReport.objects.filter(pk=report.pk).update(status="running", attempts=1,
                                                       started_at=timezone.now() - timedelta(days=1))
    body = login(district_staff).get(f"/regional/report/{report.pk}/status/", **HX).content.decode()
    assert POLL not in body and "<button" in body


def test_changed_data_offers_the_earlier_report_and_a_new_one(login, longhua, districts, district_staff):
    from decimal import Decimal

    from tests.diagnosis.regional.conftest import counted
    from tests.factories.portal import EnterpriseFactory

    earlier = ready_report(longhua, district_staff)
    counted(EnterpriseFactory(region=longhua), Decimal(70))
    body = login(district_staff).get("/regional/report/", _query(longhua), **HX).content.decode()
    assert 'id="earlier-report"' in body and f"/regional/report/{earlier.pk}/download/" in body
    assert "<button" in body


@pytest.mark.parametrize("bad", [{"language": "fr"}, {"region": "abc"}, {"region": "999999"}, {"year": "x\x00"}])
def test_bad_input_never_500s(login, longhua, district_staff, bad, enqueued):
    response = login(district_staff).post("/regional/report/", {**_query(longhua), **bad}, **HX)
    assert response.status_code in (200, 400, 404)
    assert response.status_code != 200 or RegionalReport.objects.count() <= 1


def test_without_javascript_the_request_redirects_to_the_report_page(login, longhua, district_staff, enqueued):
    client = login(district_staff)
    response = client.post("/regional/report/", _query(longhua))
    assert response.status_code == 302 and response["Location"].startswith("/regional/report/?")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_a_year_without_data_offers_no_button(login, longhua, district_staff):
    body = login(district_staff).get("/regional/report/", {**_query(longhua), "year": YEAR - 3},
                                     **HX).content.decode()
    assert "<button type=\"submit\" class=\"btn\"" not in body and "本地区尚无计入统计的诊断" in body
