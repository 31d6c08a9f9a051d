"""A small Shenzhen for the gap map: needs in Longhua (6 firms, smart manufacturing), Bao'an (3 firms,
too few to show outside Bao'an) and Nanshan (6 firms, digital management); providers in and out of
pools, serving or not serving those districts."""

import pytest

from diagnosis.models import Need
from tests.diagnosis.regional.conftest import YEAR, counted
from tests.factories.portal import EnterpriseFactory, ProviderFactory, region
from tests.factories.providers import member_of, open_pool, profile_document, published_profile

SM, DM = "smart_manufacturing", "digital_management"


def provider_with(name: str, region_code: str, service: list[str], areas: list[str]):
    provider = ProviderFactory(name=name, region=region(region_code))
    document = profile_document(
        facts={**profile_document()["facts"], "service_regions": service},
        capabilities=[{"area": area, "level": 3, "description": "", "cases": []} for area in areas],
        solutions=[], cases=[])
    published_profile(provider, document=document)
    return provider


def _firms(prefix, code, division, category, count):
    firms = []
    for i in range(count):
        firm = EnterpriseFactory(name=f"{prefix}{i}有限公司", region=region(code), industry_division=division)
        assessment = counted(firm, 60 + i)
        Need.objects.create(assessment=assessment, category=category, created_by=assessment.created_by)
        firms.append(firm)
    return firms


@pytest.fixture
def gap_data(db):
    firms = {"longhua": _firms("龙华智造", "440309", "39", SM, 6), "baoan": _firms("宝安服饰", "440306", "18", SM, 3),
             "nanshan": _firms("南山软件", "440305", "34", DM, 6)}
    city_pool, longhua_pool = open_pool(region_code="440300"), open_pool(region_code="440309")
    providers = {
        # City pool, serving the whole city with a smart-manufacturing area: counts in every district.
        "citywide": provider_with("全市智能硬件服务商", "440305", ["440300"], ["smart_hardware"]),
        # Longhua's pool, serving Longhua: counts in Longhua only.
        "local": provider_with("龙华系统集成服务商", "440309", ["440309"], ["integration"]),
        # Longhua's pool but serving Bao'an only: neither (the pool does not cover Bao'an).
        "elsewhere": provider_with("宝安集成服务商", "440306", ["440306"], ["integration"]),
        # Suspended in the city pool: not counted.
        "suspended": provider_with("暂停服务商", "440305", ["440300"], ["industrial_app"]),
        # Published, serving the city, in no pool: not qualified.
        "unpooled": provider_with("未入库服务商", "440305", ["440300"], ["smart_hardware"]),
    }
    member_of(city_pool, provider=providers["citywide"])
    member_of(longhua_pool, provider=providers["local"])
    member_of(longhua_pool, provider=providers["elsewhere"])
    member_of(city_pool, provider=providers["suspended"], status="suspended")
    return {"firms": firms, "providers": providers, "year": YEAR}
