"""Province bureau staff: the province dashboard compares its cities; they may open any city or
district of their province and nothing outside it; staff of another province get 404."""

import pytest
from django.db import IntegrityError, transaction

from portal.roles import StaffRole, is_bureau_staff, staff_region_path
from tests.diagnosis.regional.conftest import YEAR
from tests.factories.portal import StaffFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_staff(db):
    return StaffFactory(staff_role=StaffRole.PROVINCE, region=region("440000"))


@pytest.fixture
def hunan_city_staff(db):
    return StaffFactory(staff_role=StaffRole.CITY, region=region("430100"))


def _blocks(response):
    assert response.status_code == 200, response.status_code
    return {block["table"].key: block["table"] for block in response.context["blocks"]}


def test_province_staff_are_bureau_staff_scoped_to_their_province(province_staff):
    assert is_bureau_staff(province_staff)
    assert staff_region_path(province_staff) == region("440000").path


def test_the_province_dashboard_compares_every_city(login, province_staff, districts):
    index = _blocks(login(province_staff).get(f"/regional/?year={YEAR}"))["index"]
    assert [row[0] for row in index.rows] == ["深圳市", "东莞市", "广东省"]
    assert index.rows[0][2] == 15 and index.rows[2][2] == 15  # own jurisdiction: nothing withheld
    assert index.rows[1][1] == "—"  # Dongguan has no counted assessment


def test_province_staff_open_any_city_or_district_of_their_province(login, province_staff, districts):
    client = login(province_staff)
    for code in ("440300", "441900"):
        assert client.get(f"/regional/?region={region(code).pk}&year={YEAR}").status_code == 200
    # (A second view of a page is served from the cache, without a template context: read it once.)
    # Bao'an's three firms are inside the province's jurisdiction: shown, not withheld.
    index = _blocks(client.get(f"/regional/?region={region('440306').pk}&year={YEAR}"))["index"]
    assert index.rows[0][2] == 3
    demand = client.get(f"/regional/demand/firms/?district={region('440306').pk}&division=18"
                        f"&category=smart_manufacturing&year={YEAR}")
    assert demand.status_code == 200 and len(demand.context["page"]) == 3


def test_staff_of_another_province_get_404(login, province_staff, hunan_city_staff, districts):
    hunan = login(hunan_city_staff)
    assert hunan.get(f"/regional/?region={region('440300').pk}").status_code == 404
    assert hunan.get(f"/regional/?region={region('440000').pk}").status_code == 404
    assert login(province_staff).get(f"/regional/?region={region('430100').pk}").status_code == 404


def test_city_staff_cannot_climb_to_their_province(login, city_staff, districts):
    assert login(city_staff).get(f"/regional/?region={region('440000').pk}").status_code == 404


def test_the_filter_offers_the_province_its_cities_and_districts(login, province_staff, districts):
    form = login(province_staff).get("/regional/").context["form"]
    labels = [label for _pk, label in form.fields["region"].widget.choices]
    assert labels[0] == "广东省" and "　深圳市" in labels and "　　龙华区" in labels


def test_province_staff_need_a_region(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffFactory(staff_role=StaffRole.PROVINCE, region=None)


def test_every_province_table_compares_the_cities(login, province_staff, districts):
    tables = _blocks(login(province_staff).get(f"/regional/?year={YEAR}"))
    for key in ("levels", "dimensions", "trend"):
        assert [title for title, _w in tables[key].columns[1:]] == ["深圳市", "东莞市", "广东省"], key
    assert [row[0] for row in tables["change"].rows] == ["深圳市", "东莞市", "广东省"]


def test_every_bureau_page_works_for_province_staff(login, province_staff, districts):
    client = login(province_staff)
    for url in ("/", "/review/", "/regional/", "/regional/slices/", "/regional/demand/", "/campaigns/",
                "/campaigns/new/", "/staff/registrations/", "/staff/change-requests/", "/registry/ecosystem/",
                "/registry/pools/", "/notifications/"):
        assert client.get(url).status_code == 200, url
