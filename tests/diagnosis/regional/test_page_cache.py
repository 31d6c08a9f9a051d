"""Issue #12 (dashboard page cost): a dashboard tab's title and body are served from the cache
(portal/fragments.py) and never after the roll-up changed, never to another viewer, and never past
the jurisdiction check."""

from decimal import Decimal

import pytest

from diagnosis.models import Assessment, Need
from tests.diagnosis.regional.conftest import YEAR, counted
from tests.factories.portal import EnterpriseFactory, region

pytestmark = pytest.mark.django_db


def _index_row(html, name):
    table = html.split('id="block-index"', 1)[1] if 'id="block-index"' in html else html.split("<tbody", 1)[1]
    return table.split(f'<th scope="row">{name}', 1)[1].split("</tr>", 1)[0]


def test_a_new_submission_shows_on_the_next_view(login, district_staff, districts):
    client = login(district_staff)
    url = f"/regional/?year={YEAR}"
    first = client.get(url).content.decode()
    assert '<td class="num">6</td>' in _index_row(first, "龙华区")
    counted(EnterpriseFactory(region=region("440309"), industry_division="39"), Decimal("90"))
    second = client.get(url).content.decode()
    assert '<td class="num">7</td>' in _index_row(second, "龙华区")


def test_a_cached_tab_is_never_served_past_the_jurisdiction(login, district_staff, city_staff, districts):
    baoan = region("440306")
    url = f"/regional/?region={baoan.pk}&year={YEAR}"
    city = login(city_staff)
    assert city.get(url).status_code == 200
    assert city.get(url).status_code == 200  # cached for the city officer
    assert login(district_staff).get(url).status_code == 404


def test_the_title_and_body_follow_the_address(login, city_staff, districts):
    client = login(city_staff)
    nanshan = client.get(f"/regional/?region={region('440305').pk}&year={YEAR}").content.decode()
    longhua = client.get(f"/regional/?region={region('440309').pk}&year={YEAR}").content.decode()
    assert "<title>区域诊断看板 · 南山区</title>" in nanshan.replace("\n", "")
    assert "<title>区域诊断看板 · 龙华区</title>" in longhua.replace("\n", "")


def test_the_demand_tab_is_cached_too_and_follows_new_needs(login, district_staff, districts):
    client = login(district_staff)
    url = f"/regional/demand/?year={YEAR}"
    first = _demand_block(client.get(url).content.decode())
    assert _demand_block(client.get(url).content.decode()) == first  # the same figures, from the cache
    assessment = Assessment.objects.filter(enterprise__region=region("440309")).first()
    Need.objects.create(assessment=assessment, category="platform_design", created_by=assessment.created_by)
    assert _demand_block(client.get(url).content.decode()) != first


def _demand_block(html):
    return html.split('id="block-demand"', 1)[1].split("</section>", 1)[0]
