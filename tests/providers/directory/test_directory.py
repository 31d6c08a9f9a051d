"""The public directory, solution map and portrait: filters, Chinese keyword search, anonymous
access, bad input, and a bounded number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from providers.directory import selectors
from providers.directory.selectors import DirectoryFilters
from providers.models import CaseConfirmation, Pool, PoolMember
from tests.factories.portal import EnterpriseFactory, ProviderFactory, region
from tests.factories.providers import new_key, profile_document, published_profile

pytestmark = pytest.mark.django_db


def _doc(*, title, app, area, category, division, item="sc-quality", summary="", tech=("ai",), expires="2030-12-31"):
    case_key = new_key()
    return profile_document(
        facts={"summary": summary, "founded_year": 2015, "employees": 80, "rd_staff": 30,
               "website": "https://p.example.com", "service_regions": ["440300"],
               "contacts": [{"name": "张三", "role": "", "phone": "13800000000", "email": ""}]},
        qualifications=[{"key": new_key(), "kind": "cmmi", "name": "CMMI 3", "number": "C-1", "issuer": "CMMI",
                         "expires": expires}],
        capabilities=[{"area": area, "level": 4, "description": "", "cases": [case_key]}],
        new_tech=list(tech),
        industries=[{"division": division, "clients": 12}],
        apps=[{"key": new_key(), "name": app, "category": "quality", "deployment": "saas",
               "price_model": "subscription", "clients": 5}],
        solutions=[{"key": new_key(), "title": title, "summary": "", "categories": [category],
                    "items": [{"spec": "sme-2024", "item": item}], "industries": [division], "areas": [area],
                    "price_min": "5.00", "price_max": "30.00", "delivery_days": 30, "light": True}],
        cases=[{"key": case_key, "client_name": "某电子厂", "client_uscc": "", "division": division,
                "scope": "质检", "investment": "10.00", "before": "", "after": "不良率下降", "year": 2024,
                "areas": [area]}],
    )


@pytest.fixture
def registry(db):
    """Two published providers in two districts, different in every filter dimension, and one
    registered provider without a published profile."""
    nanshan = ProviderFactory(name="深圳市视觉质检科技有限公司", region=region("440305"))
    longhua = ProviderFactory(name="深圳市云仓物流软件有限公司", region=region("440309"))
    ProviderFactory(name="深圳市未发布科技有限公司", region=region("440309"))
    published_profile(nanshan, document=_doc(title="机器视觉质检方案", app="AI视觉检测", area="software",
                                             category="smart_manufacturing", division="39", summary="工业视觉"))
    published_profile(longhua, document=_doc(title="仓储数字化方案", app="云WMS", area="security",
                                             category="digital_management", division="44", item="sc-warehousing",
                                             tech=("5g",)))
    return {"nanshan": nanshan, "longhua": longhua}


def _names(queryset):
    return [row.name for row in queryset]


@pytest.mark.parametrize(("filters", "expected"), [
    ({}, ["深圳市云仓物流软件有限公司", "深圳市视觉质检科技有限公司"]),
    ({"q": "视觉"}, ["深圳市视觉质检科技有限公司"]),  # Chinese keyword in the name and solution
    ({"q": "云wms"}, ["深圳市云仓物流软件有限公司"]),  # an app name, case-insensitively
    ({"q": "没有这个词"}, []),
    ({"category": "digital_management"}, ["深圳市云仓物流软件有限公司"]),
    ({"item": ("sme-2024", "sc-quality")}, ["深圳市视觉质检科技有限公司"]),
    ({"industry": "44"}, ["深圳市云仓物流软件有限公司"]),
    ({"area": "software"}, ["深圳市视觉质检科技有限公司"]),
    ({"app_category": "quality"}, ["深圳市云仓物流软件有限公司", "深圳市视觉质检科技有限公司"]),
])
def test_listing_filters_and_keyword(registry, filters, expected):
    assert _names(selectors.listings(DirectoryFilters(**filters))) == expected


def test_region_filter_takes_the_subtree(registry):
    assert _names(selectors.listings(DirectoryFilters(region=region("440309")))) == ["深圳市云仓物流软件有限公司"]
    assert len(selectors.listings(DirectoryFilters(region=region("440300")))) == 2
    assert len(selectors.listings(DirectoryFilters(region=region("441900")))) == 0


def test_pool_filter_takes_active_members_only(registry, city_staff):
    today = timezone.localdate()
    pool = Pool.objects.create(name="深圳市数字化转型服务商资源池", region=region("440300"), tier="city", year=2026,
                               call_opens=today, call_closes=today, created_by=city_staff)
    PoolMember.objects.create(pool=pool, provider=registry["nanshan"], admitted_at=today,
                              valid_until=today + dt.timedelta(days=900), next_recheck=today)
    PoolMember.objects.create(pool=pool, provider=registry["longhua"], status="suspended", admitted_at=today,
                              valid_until=today + dt.timedelta(days=900), next_recheck=today)
    assert _names(selectors.listings(DirectoryFilters(pool=pool.pk))) == ["深圳市视觉质检科技有限公司"]
    assert [s.title for s in selectors.solutions(DirectoryFilters(pool=pool.pk))] == ["机器视觉质检方案"]


def test_solution_and_app_filters(registry):
    assert [s.title for s in selectors.solutions(DirectoryFilters(q="仓储"))] == ["仓储数字化方案"]
    assert [s.title for s in selectors.solutions(DirectoryFilters(category="smart_manufacturing",
                                                                  area="software"))] == ["机器视觉质检方案"]
    assert [s.title for s in selectors.solutions(DirectoryFilters(item=("sme-2024", "sc-warehousing")))] == [
        "仓储数字化方案"]
    assert [s.title for s in selectors.solutions(DirectoryFilters(industry="39"))] == ["机器视觉质检方案"]
    assert [a.name for a in selectors.apps(DirectoryFilters(q="视觉"))] == ["AI视觉检测"]
    assert [a.name for a in selectors.apps(DirectoryFilters(region=region("440309")))] == ["云WMS"]


def test_solution_map_counts_category_by_area(registry):
    grid = selectors.solution_map(DirectoryFilters())
    cells = {(cell.category, cell.area): cell.count for _c, cells, _t in grid.rows for cell in cells}
    assert cells[("smart_manufacturing", "software")] == 1
    assert cells[("digital_management", "security")] == 1
    assert cells[("digital_management", "software")] == 0
    assert grid.total == 2
    assert selectors.solution_map(DirectoryFilters(region=region("440309"))).total == 1


def test_directory_pages_are_open_to_anonymous_visitors(client, registry):
    for name in ("providers:directory", "providers:solutions", "providers:apps", "providers:solution-map"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    page = client.get(reverse("providers:directory"), {"q": "视觉"}).content.decode()
    assert "深圳市视觉质检科技有限公司" in page and "深圳市云仓物流软件有限公司" not in page
    assert "深圳市未发布科技有限公司" not in client.get(reverse("providers:directory")).content.decode()
    # No export link for the public.
    assert reverse("providers:directory-export", args=["providers"]) not in page


def test_map_cells_link_to_the_filtered_solution_list(client, registry):
    page = client.get(reverse("providers:solution-map"), {"region": "440305"}).content.decode()
    assert "region=440305&amp;category=smart_manufacturing&amp;area=software" in page
    assert "合计" in page and "总分" not in page  # a count total, not a score


def test_unknown_filter_codes_are_refused_with_400(client, registry):
    for params in ({"category": "nope"}, {"area": "x"}, {"industry": "99"}, {"pool": "abc"}, {"region": "000000"}):
        assert client.get(reverse("providers:directory"), params).status_code == 400, params
    assert client.get(reverse("providers:solution-map"), {"item": "x:y"}).status_code == 400


def test_nul_byte_in_a_query_parameter_is_400(client, registry):
    assert client.get(reverse("providers:directory"), {"q": "视\x00觉"}).status_code == 400
    assert client.get(reverse("providers:solutions"), {"q": "\x00"}).status_code == 400


def test_a_long_keyword_is_refused_not_a_500(client, registry):
    assert client.get(reverse("providers:directory"), {"q": "字" * 500}).status_code == 400


def test_directory_queries_do_not_grow_with_the_page(client, registry):
    for index in range(12):
        published_profile(ProviderFactory(name=f"深圳市批量{index:02d}科技有限公司"),
                          document=_doc(title=f"方案{index}", app=f"应用{index}", area="platform",
                                        category="platform_design", division="38"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("providers:directory"), {"page": 1})
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("providers:directory"), {"area": "platform"})
    assert len(many) <= len(few) + 1
    assert len(few) < 12


def test_portrait_shows_radar_qualifications_and_verified_cases(client, registry, enterprise):
    provider = registry["nanshan"]
    listing = provider.listing
    document = listing.version.document
    case_key = document["cases"][0]["key"]
    CaseConfirmation.objects.create(provider=provider, case_key=case_key, enterprise=enterprise, status="confirmed")
    response = client.get(reverse("providers:portrait", args=[provider.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "capability-radar-data" in page and "scatterpolar" in page
    assert "CMMI 3" in page and "2030-12-31" in page
    assert "某电子厂" in page  # the confirmed case
    assert "计算机、通信和其他电子设备制造业" in page
    assert "人工智能" in page


def test_portrait_marks_expiring_qualifications(client, registry):
    soon = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    provider = registry["longhua"]
    published_profile(provider, document=_doc(title="仓储数字化方案", app="云WMS", area="security",
                                              category="digital_management", division="44", expires=soon))
    page = client.get(reverse("providers:portrait", args=[provider.pk])).content.decode()
    assert "badge pending" in page and soon in page


def test_portrait_of_an_unpublished_or_unknown_provider_is_404(client, registry):
    unpublished = ProviderFactory(name="深圳市草稿科技有限公司")
    assert client.get(reverse("providers:portrait", args=[unpublished.pk])).status_code == 404
    assert client.get("/registry/providers/999999/").status_code == 404


def test_portrait_links_to_rating_only_when_the_page_exists(client, registry):
    page = client.get(reverse("providers:portrait", args=[registry["nanshan"].pk])).content.decode()
    try:
        reverse("providers:provider-rate", args=[registry["nanshan"].pk])
    except Exception:
        assert "评价" not in page
    else:
        assert "评价" in page


def test_directory_export_is_for_bureau_staff_and_audited(client, login, registry, district_staff, owner):
    url = reverse("providers:directory-export", args=["providers"])
    assert client.get(url).status_code in (302, 403)
    login(owner)
    assert client.get(url).status_code == 403
    login(district_staff)
    response = client.get(url, {"area": "software"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    event = AuditEvent.objects.filter(action="data.export", object_type="providers.providers").get()
    assert event.detail["rows"] == 1 and event.detail["filters"]["area"] == "software"


def test_nav_link_to_the_directory_for_everyone(client, registry):
    page = client.get("/").content.decode()
    assert reverse("providers:directory") in page


def test_enterprise_counts_are_not_needed_for_the_directory(client, registry):
    EnterpriseFactory()  # unrelated data does not change the public lists
    assert client.get(reverse("providers:directory")).status_code == 200


def test_public_api_lists_with_filters(client, registry):
    response = client.get("/api/v1/registry/providers/", {"q": "视觉"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["name"] == "深圳市视觉质检科技有限公司" and row["region"] == "440305" and row["new_tech"] == ["ai"]
    assert "uscc" not in row and "contacts" not in row
    solutions = client.get("/api/v1/registry/solutions/", {"category": "digital_management"}).json()
    assert [s["title"] for s in solutions["results"]] == ["仓储数字化方案"]
    assert solutions["results"][0]["areas"] == ["security"]
    apps = client.get("/api/v1/registry/apps/", {"region": "440309"}).json()
    assert [a["name"] for a in apps["results"]] == ["云WMS"]


def test_public_api_refuses_unknown_filters_and_nul(client, registry):
    response = client.get("/api/v1/registry/providers/", {"area": "nope"})
    assert response.status_code == 400 and response.json()["code"] == "unknown_filter_value"
    assert client.get("/api/v1/registry/apps/", {"q": "\x00"}).status_code == 400


def test_registry_api_is_in_the_schema(login, owner):
    schema = login(owner).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/registry/providers/", "/api/v1/registry/solutions/", "/api/v1/registry/apps/",
                 "/api/v1/registry/ecosystem/"):
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/v1/registry/providers/"]["get"]["parameters"]}
    assert {"q", "category", "item", "industry", "area", "region", "pool"} <= parameters
