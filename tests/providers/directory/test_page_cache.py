"""The registry's cached pages (providers/cache.py): a publication, a pool membership or a pool's
new name shows at once; junk parameters are never cached; the page is the same as uncached."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from providers import cache as registry_cache
from providers.models import PoolMember
from tests.factories.portal import ProviderFactory, region
from tests.factories.providers import open_pool, profile_document, published_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(db):
    provider = ProviderFactory(name="深圳市缓存一号科技有限公司", region=region("440309"))
    published_profile(provider)
    return provider


def _page(client, name="providers:directory", **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_newly_published_profile_appears_at_once_on_every_list(client, listed):
    for name in ("providers:directory", "providers:solutions", "providers:apps"):
        _page(client, name)
    assert "深圳市缓存二号科技有限公司" not in _page(client)
    newcomer = ProviderFactory(name="深圳市缓存二号科技有限公司", region=region("440305"))
    document = profile_document()
    document["solutions"][0]["title"] = "缓存失效验证方案"
    document["apps"][0]["name"] = "缓存失效验证应用"
    published_profile(newcomer, document=document)
    assert "深圳市缓存二号科技有限公司" in _page(client)
    assert "缓存失效验证方案" in _page(client, "providers:solutions")
    assert "缓存失效验证应用" in _page(client, "providers:apps")
    assert "深圳市缓存二号科技有限公司" in _page(client, q="缓存二号")


def test_approval_through_the_services_shows_the_new_version_at_once(client, district_staff):
    from providers.profiles import services
    from tests.factories.providers import applicant, submitted_profile

    listed, owner = applicant(ProviderFactory(name="深圳市审核缓存科技有限公司", region=region("440309")))
    url = reverse("providers:portrait", args=[listed.pk])
    assert "新版概述：缓存验证" not in client.get(url).content.decode()
    document = profile_document()
    document["facts"]["summary"] = "新版概述：缓存验证"
    version = submitted_profile(listed, owner, document=document)
    services.approve(version=version, staff=district_staff, note="")
    assert "新版概述：缓存验证" in client.get(url).content.decode()
    assert "新版概述：缓存验证" in _page(client)


def test_the_portrait_follows_a_republication_and_pool_memberships(client, listed, district_staff):
    url = reverse("providers:portrait", args=[listed.pk])
    assert "第二版概述" not in client.get(url).content.decode()
    document = profile_document()
    document["facts"]["summary"] = "第二版概述"
    published_profile(listed, document=document)
    assert "第二版概述" in client.get(url).content.decode()

    pool = open_pool(created_by=district_staff)
    today = timezone.localdate()
    member = PoolMember.objects.create(pool=pool, provider=listed, admitted_at=today,
                                       valid_until=today + dt.timedelta(days=700), next_recheck=today)
    assert pool.name in client.get(url).content.decode()
    pool.name = "改名后的资源池"
    pool.save()
    assert "改名后的资源池" in client.get(url).content.decode()
    member.delete()
    assert "改名后的资源池" not in client.get(url).content.decode()


def test_an_unknown_portrait_becomes_visible_once_published(client):
    provider = ProviderFactory(name="深圳市迟到科技有限公司")
    url = reverse("providers:portrait", args=[provider.pk])
    assert client.get(url).status_code == 404
    published_profile(provider)
    assert client.get(url).status_code == 200


def test_pool_filter_follows_memberships(client, listed, district_staff):
    pool = open_pool(created_by=district_staff)
    assert listed.name not in _page(client, pool=pool.pk)
    today = timezone.localdate()
    PoolMember.objects.create(pool=pool, provider=listed, admitted_at=today,
                              valid_until=today + dt.timedelta(days=700), next_recheck=today)
    assert listed.name in _page(client, pool=pool.pk)


def _without_token(page):
    # The CSRF token is masked anew on every response.
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


@pytest.mark.parametrize(("name", "params"), [("providers:directory", {"area": "software", "page": "1"}),
                                              ("providers:solutions", {}), ("providers:apps", {"q": "MES"})])
def test_cached_and_uncached_pages_are_the_same(client, listed, name, params):
    first = _without_token(_page(client, name, **params))
    assert _without_token(_page(client, name, **params)) == first  # served from the cache
    cache.clear()
    assert _without_token(_page(client, name, **params)) == first


def test_nothing_per_visitor_is_in_a_cached_part(rf, listed):
    from providers.directory import selectors, views

    parts = views._list_parts(rf.get("/registry/"), "providers", rows_for=selectors.listing_rows,
                              queryset_for=selectors.listings)
    portrait = views._portrait_parts(rf.get("/"), listed.pk)
    for html in (parts["filters"], parts["results"], portrait["body"]):
        assert "csrf" not in html.lower()


def test_the_cached_portrait_is_the_same_and_the_export_button_stays_per_user(client, login, listed, district_staff):
    url = reverse("providers:portrait", args=[listed.pk])
    first = _without_token(client.get(url).content.decode())
    assert _without_token(client.get(url).content.decode()) == first
    assert "Export" not in _page(client) and "导出" not in _page(client)
    login(district_staff)
    assert "导出" in _page(client)


def test_junk_parameters_and_refused_filters_are_not_cached(client, listed):
    before = set(cache._cache) if hasattr(cache, "_cache") else None
    client.get(reverse("providers:directory"), {"utm": "x"})
    assert client.get(reverse("providers:directory"), {"area": "nonsense"}).status_code == 400
    if before is not None:
        added = {k for k in cache._cache if "providers:page:" in k} - before
        assert not added


def test_a_lost_version_never_brings_back_an_old_page(client, listed):
    _page(client)
    old = registry_cache.version()
    cache.delete(registry_cache.VERSION_KEY)
    assert registry_cache.version() != old
    registry_cache.bump()
    assert registry_cache.version() != old


def test_a_portrait_reads_its_rows_in_two_queries_in_page_order(listed, district_staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from providers.directory import selectors
    from tests.factories.providers import new_key

    document = profile_document()
    document["apps"] = [{"key": new_key(), "name": name, "category": "production", "deployment": "saas",
                         "price_model": "subscription", "clients": clients}
                        for name, clients in (("乙应用", 5), ("甲应用", 5), ("丙应用", 9))]
    published_profile(listed, document=document)
    today = timezone.localdate()
    PoolMember.objects.create(pool=open_pool(created_by=district_staff), provider=listed, admitted_at=today,
                              valid_until=today + dt.timedelta(days=700), next_recheck=today)
    listing = selectors.portrait_listing(listed.pk)
    with CaptureQueriesContext(connection) as queries:
        data = selectors.portrait(listing, today=today)
    assert len(queries) == 1  # the listing was the first
    names = [a.name for a in data.apps]
    assert names[0] == "丙应用" and set(names[1:]) == {"乙应用", "甲应用"}  # most clients first
    assert [n for _title, n in data.app_categories] == [3]
    assert [(p.status, p.valid_until) for p in data.pools] == [("active", today + dt.timedelta(days=700))]
    assert [s.light for s in data.solutions] == [True]
