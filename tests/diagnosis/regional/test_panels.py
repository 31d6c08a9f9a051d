"""The regional dashboards' panel extension point: registered panels render as htmx cards on their tabs
with the dashboard's filters, for the users they are visible to; an empty registry renders nothing."""

import pytest

from diagnosis import extensions
from diagnosis.extensions import (
    RegionalPanel,
    regional_panels,
    register_regional_panel,
    unregister_regional_panel,
)
from tests.diagnosis.regional.conftest import YEAR
from tests.factories.portal import region

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(extensions, "_regional_panels", extensions.Registry())


def test_an_empty_registry_renders_no_panel(login, district_staff, districts, empty_registry):
    client = login(district_staff)
    for url in ("/regional/", "/regional/demand/", "/regional/slices/"):
        body = client.get(f"{url}?year={YEAR}").content.decode()
        assert "data-regional-panel" not in body


def test_a_registered_panel_loads_from_its_view_with_the_dashboards_filters(login, district_staff, city_staff,
                                                                            districts, empty_registry):
    register_regional_panel(RegionalPanel(key="probe", title="探针面板", url_name="regional:public", order=5,
                                          tabs=("index",), visible=lambda user: user.staff_role == "city_staff"))
    register_regional_panel(RegionalPanel(key="later", title="后置面板", url_name="regional:public", order=50,
                                          tabs=("index", "demand")))
    city = login(city_staff).get(f"/regional/?year={YEAR}").content.decode()
    longhua_pk = region("440309").pk
    assert 'id="panel-probe"' in city and "探针面板" in city
    assert city.index('id="panel-probe"') < city.index('id="panel-later"')
    assert f'hx-get="/regional/public/?region={region("440300").pk}&amp;spec=' in city
    client = login(district_staff)
    district = client.get(f"/regional/?year={YEAR}").content.decode()
    assert 'id="panel-probe"' not in district and 'id="panel-later"' in district
    assert f"region={longhua_pk}" in district
    demand = client.get(f"/regional/demand/?year={YEAR}").content.decode()
    assert 'id="panel-later"' in demand and 'id="panel-probe"' not in demand
    slices = client.get(f"/regional/slices/?year={YEAR}").content.decode()
    assert "data-regional-panel" not in slices


def test_registration_is_idempotent_by_key(empty_registry, district_staff):
    panel = RegionalPanel(key="same", title="一", url_name="regional:public")
    register_regional_panel(panel)
    register_regional_panel(RegionalPanel(key="same", title="二", url_name="regional:public"))
    assert [p.title for p in regional_panels(district_staff, "index")] == ["二"]
    unregister_regional_panel("same")
    assert regional_panels(district_staff, "index") == []


def test_the_provider_apps_register_the_gap_map_and_the_ecosystem_panels(district_staff, owner):
    index = [p.key for p in regional_panels(district_staff, "index")]
    assert index[:2] == ["supply-demand-gap", "provider-ecosystem"]
    assert [p.key for p in regional_panels(district_staff, "demand")] == ["supply-demand-gap"]
    assert regional_panels(owner, "index") == []
