"""Ecosystem analysis for bureau staff: access, regional scoping, the figures, pool health and the
audited Excel export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.models import AuditEvent
from providers.ecosystem import selectors
from providers.models import Pool, PoolMember
from tests.factories.portal import EnterpriseFactory, ProviderFactory, region
from tests.factories.providers import new_key, profile_document, published_profile

pytestmark = pytest.mark.django_db


def _publish(name, district, *, areas, divisions, expires="2030-12-31"):
    provider = ProviderFactory(name=name, region=region(district))
    published_profile(provider, document=profile_document(
        capabilities=[{"area": area, "level": level, "description": "", "cases": []} for area, level in areas],
        industries=[{"division": d, "clients": 3} for d in divisions],
        qualifications=[{"key": new_key(), "kind": "iso27001", "name": "ISO 27001 证书", "number": "X",
                         "issuer": "CQC", "expires": expires}],
        cases=[], apps=[{"key": new_key(), "name": "设备点检", "category": "equipment", "deployment": "edge",
                         "price_model": "licence", "clients": 2}]))
    return provider


@pytest.fixture
def ecosystem(db):
    soon = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    return {
        "a": _publish("龙华甲科技有限公司", "440309", areas=[("software", 4), ("platform", 3)], divisions=["39", "44"],
                      expires=soon),
        "b": _publish("龙华乙科技有限公司", "440309", areas=[("software", 2)], divisions=["39"]),
        "c": _publish("宝安丙科技有限公司", "440306", areas=[("security", 1)], divisions=["34"]),
    }


def test_district_staff_see_their_district_only(ecosystem, district_staff, other_district_staff, city_staff):
    today = timezone.localdate()
    longhua = selectors.ecosystem(district_staff, today=today)
    baoan = selectors.ecosystem(other_district_staff, today=today)
    city = selectors.ecosystem(city_staff, today=today)
    assert (longhua.providers, baoan.providers, city.providers) == (2, 1, 3)
    software = next(a for a in longhua.areas if a.code == "software")
    assert software.providers == 2 and software.coverage == Decimal("100.0")
    assert software.average_level == Decimal("3.00")
    assert software.level_shares == (Decimal("0.0"), Decimal("50.0"), Decimal("0.0"), Decimal("50.0"),
                                     Decimal("0.0"))
    assert "security" not in {a.code for a in longhua.areas if a.providers}
    assert {i.division for i in longhua.industries if i.providers} == {"39", "44"}


def test_industries_served_are_shares_of_links_and_compared_with_enterprises(ecosystem, district_staff):
    EnterpriseFactory(industry_division="39")
    EnterpriseFactory(industry_division="39")
    EnterpriseFactory(industry_division="36", industry_section="C")
    data = selectors.ecosystem(district_staff, today=timezone.localdate())
    by_division = {i.division: i for i in data.industries}
    assert by_division["39"].providers == 2 and by_division["39"].link_share == Decimal("66.7")
    assert by_division["44"].link_share == Decimal("33.3")
    assert by_division["39"].enterprises == 2 and by_division["39"].enterprises_per_provider == Decimal("1.0")
    assert by_division["36"].providers == 0 and by_division["36"].enterprises_per_provider is None


def test_weak_areas_are_the_least_covered(ecosystem, city_staff):
    data = selectors.ecosystem(city_staff, today=timezone.localdate())
    assert len(data.weak) == 3
    assert all(a.providers == 0 for a in data.weak)
    assert "software" not in {a.code for a in data.weak}


def test_pool_health(ecosystem, city_staff):
    today = timezone.localdate()
    pool = Pool.objects.create(name="深圳市资源池", region=region("440300"), tier="city", year=2026,
                               call_opens=today, call_closes=today, created_by=city_staff)
    for key, status, recheck in (("a", "active", today + dt.timedelta(days=100)),
                                 ("b", "active", today - dt.timedelta(days=1)),
                                 ("c", "suspended", today)):
        PoolMember.objects.create(pool=pool, provider=ecosystem[key], status=status, admitted_at=today,
                                  valid_until=today + dt.timedelta(days=900), next_recheck=recheck,
                                  suspended_reason="资质过期" if status == "suspended" else "")
    data = selectors.ecosystem(city_staff, today=today)
    assert [r.provider for r in data.expiring] == ["龙华甲科技有限公司"]  # b's certificate runs to 2030
    assert [r.provider for r in data.overdue] == ["龙华乙科技有限公司"]
    assert [(r.provider, r.detail) for r in data.suspended] == [("宝安丙科技有限公司", "资质过期")]
    assert data.active_members == 2


def test_analysis_page_needs_bureau_staff(client, login, ecosystem, owner, expert, provider_user):
    url = reverse("providers:ecosystem")
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (owner, provider_user):
        login(user)
        assert client.get(url).status_code == 403
    login(expert)
    assert client.get(url).status_code == 403


def test_analysis_page_is_scoped(client, login, ecosystem, district_staff, other_district_staff):
    login(district_staff)
    page = client.get(reverse("providers:ecosystem")).content.decode()
    assert "levels-data" in page and "industries-data" in page and "apps-data" in page
    login(other_district_staff)
    response = client.get(reverse("providers:ecosystem"))
    assert response.status_code == 200
    assert response.context["e"].providers == 1


def test_ecosystem_export_is_audited_and_scoped(client, login, ecosystem, district_staff):
    login(district_staff)
    response = client.get(reverse("providers:ecosystem-export"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(workbook.sheetnames) == 4
    rows = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert district_staff.username in rows[0][0]  # the watermark
    assert {row[0] for row in rows[2:]} == {"39", "44"}
    event = AuditEvent.objects.get(action="data.export", object_type="providers.ecosystem")
    assert event.actor == district_staff and event.detail["filters"] == {"region": "440309"}


def test_home_card_for_staff(client, login, district_staff, owner):
    login(district_staff)
    assert reverse("providers:ecosystem") in client.get("/").content.decode()
    login(owner)
    assert reverse("providers:ecosystem") not in client.get("/").content.decode()


def test_ecosystem_api_is_scoped_to_staff(client, login, ecosystem, district_staff, other_district_staff, owner):
    url = "/api/v1/registry/ecosystem/"
    assert client.get(url).status_code in (401, 403)
    login(owner)
    assert client.get(url).status_code == 403
    login(district_staff)
    body = client.get(url).json()
    assert body["region"] == "440309" and body["providers"] == 2
    login(other_district_staff)
    assert client.get(url).json()["providers"] == 1
