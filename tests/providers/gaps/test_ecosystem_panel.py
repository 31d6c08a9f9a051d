"""The provider ecosystem panel of the regional dashboards: providers and pool members serving the
region, per capability area, and the strongest of them; scoped to the jurisdiction."""

import pytest

from tests.factories.portal import region

pytestmark = pytest.mark.django_db


def test_counts_providers_serving_the_region_and_the_pool_members_among_them(login, district_staff, gap_data):
    response = login(district_staff).get("/registry/ecosystem/panel/")
    assert response.status_code == 200
    supply = response.context["s"]
    # Serving Longhua: the city-wide three (one active member, one suspended, one in no pool) and the
    # local member; not the Bao'an provider.
    assert (supply.providers, supply.members) == (4, 2)
    areas = {a.code: (a.providers, a.members) for a in supply.areas}
    assert areas["smart_hardware"] == (2, 1) and areas["integration"] == (1, 1) and areas["industrial_app"] == (1, 0)
    assert "宝安集成服务商" not in {p.name for p in supply.top}
    assert "宝安集成服务商" not in response.content.decode()


def test_city_staff_see_the_city_and_other_district_staff_get_404(login, city_staff, other_district_staff, gap_data):
    city = login(city_staff).get(f"/registry/ecosystem/panel/?region={region('440300').pk}")
    assert city.context["s"].providers == 5
    assert login(other_district_staff).get(
        f"/registry/ecosystem/panel/?region={region('440309').pk}").status_code == 404
