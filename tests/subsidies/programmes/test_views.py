"""Programme pages: who sees and writes what (city staff, district staff of another district 404,
enterprise users 403/404, anonymous public pages), the structured version form, publish twice or
from a stale page → 409, bad input → a translated error and nothing changed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from subsidies.models import BudgetLine, Programme, ProgrammeVersion
from subsidies.programmes.services import state_token
from tests.subsidies.factories import programme_from_seed

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"subsidies:{name}", args=args)


@pytest.fixture
def voucher(city_staff):
    return programme_from_seed("sz-service-voucher", creator=city_staff)


@pytest.fixture
def longhua(district_staff):
    return programme_from_seed("lh-equipment-upgrade", creator=district_staff)


def version_post(**overrides):
    today = timezone.localdate()
    data = {
        "document_number": "深工信〔2026〕1号", "document_title": "服务券细则",
        "effective_from": today.isoformat(), "effective_to": (today + dt.timedelta(days=365)).isoformat(),
        "applications_open": today.isoformat(), "applications_close": (today + dt.timedelta(days=60)).isoformat(),
        "budget_total": "1000000.00", "notes": "",
        "p_share": "0.4", "p_share_confidence": "P", "p_share_source": "",
        "p_cap": "80000", "p_cap_confidence": "V", "p_cap_source": "细则第五条",
        "p_per_enterprise": "1", "p_per_enterprise_confidence": "V", "p_per_enterprise_source": "细则第六条",
        "p_round_to": "",
        "cond_regions": ["440300"], "cond_recent_months": "12", "cond_pool_provider": "on",
        "cond_attestations": "承诺不重复申报",
        "budget_440309": "300000", "budget_440306": "200000.50",
    }
    return data | overrides


def test_public_pages_for_anonymous(client, voucher, longhua):
    page = client.get(url("programmes")).content.decode()
    assert voucher.name in page and longhua.name in page
    detail = client.get(url("programme-public", voucher.code)).content.decode()
    assert "30 %" in detail and "10万元" in detail
    cloud = programme_from_seed("dg-cloud-voucher")
    detail = client.get(url("programme-public", cloud.code)).content.decode()
    assert "data-provisional" in detail  # NOT FOUND values are said to be provisional, in plain words
    assert "暂定（政策原文未找到）" in detail
    assert client.get(url("programme-public", "no-such")).status_code == 404


def test_draft_programmes_are_not_public(client, city_staff):
    draft = programme_from_seed("sz-interest-subsidy", status="draft", creator=city_staff)
    assert draft.name not in client.get(url("programmes")).content.decode()
    assert client.get(url("programme-public", draft.code)).status_code == 404


def test_staff_pages_need_bureau_staff(client, login, owner, voucher):
    assert client.get(url("programme-manage")).status_code == 302  # to the login page
    client = login(owner)
    assert client.get(url("programme-manage")).status_code == 403
    assert client.get(url("programme-detail", voucher.pk)).status_code == 403
    assert client.post(url("programme-create"), {}).status_code == 403


def test_other_district_staff_get_404_and_city_staff_write(login, city_staff, other_district_staff, longhua, voucher):
    client = login(other_district_staff)
    assert client.get(url("programme-detail", longhua.pk)).status_code == 404      # Longhua's, not Bao'an's
    assert client.get(url("programme-version-new", longhua.pk)).status_code == 404
    version = longhua.versions.get()
    assert client.post(url("programme-version-close", version.pk)).status_code == 404
    # The city's programme is visible to a district of the city, but not writable.
    assert client.get(url("programme-detail", voucher.pk)).status_code == 200
    assert client.get(url("programme-version-new", voucher.pk)).status_code == 403
    client = login(city_staff)
    assert client.get(url("programme-detail", longhua.pk)).status_code == 200
    assert client.get(url("programme-version-new", longhua.pk)).status_code == 200


def test_create_programme_in_own_region_only(login, district_staff):
    client = login(district_staff)
    response = client.post(url("programme-create"), {"code": "lh-demo", "name": "龙华示范", "instrument":
                                                     "demonstration_grant", "issuing_body": "龙华区工信局",
                                                     "region": _region_pk("440309")})
    programme = Programme.objects.get(code="lh-demo")
    assert response.status_code == 302 and response["Location"] == url("programme-version-new", programme.pk)
    assert AuditEvent.objects.filter(action="subsidy.programme_create", object_id=str(programme.pk)).exists()
    response = client.post(url("programme-create"), {"code": "sz-x", "name": "x", "instrument": "open_call",
                                                     "issuing_body": "x", "region": _region_pk("440300")})
    assert response.status_code == 422 and not Programme.objects.filter(code="sz-x").exists()


def _region_pk(code):
    from portal.models import Region

    return Region.objects.get(code=code).pk


def test_draft_edit_publish_supersedes_atomically(login, city_staff, voucher):
    client = login(city_staff)
    first = voucher.versions.get()
    form = client.get(url("programme-version-new", voucher.pk)).content.decode()
    assert 'name="p_share"' in form and 'name="budget_440309"' in form and "{&quot;" not in form
    response = client.post(url("programme-version-new", voucher.pk), version_post())
    assert response.status_code == 302
    draft = voucher.versions.get(number=2)
    assert draft.status == "draft"
    assert draft.params["share"] == {"value": "0.4", "source": "", "confidence": "P"}
    assert {"kind": "pool_provider"} in draft.conditions
    lines = {(line.region.code if line.region else None): line.allocated for line in draft.budget_lines.all()}
    assert lines == {None: 1000000, "440309": 300000, "440306": 200000.5}
    # edit the draft: the form carries the draft's state as the page showed it
    edit_page = client.get(url("programme-version-edit", draft.pk)).content.decode()
    token = state_token(draft)
    assert f'name="expected_state" value="{token}"' in edit_page
    response = client.post(url("programme-version-edit", draft.pk), version_post(p_share="0.35", expected_state=token))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.params["share"]["value"] == "0.35"
    # a second edit from the same (now stale) page: 409, nothing changed
    response = client.post(url("programme-version-edit", draft.pk), version_post(p_share="0.2", expected_state=token))
    assert response.status_code == 409
    draft.refresh_from_db()
    assert draft.params["share"]["value"] == "0.35"
    # publishing what the page showed before that edit: 409
    response = client.post(url("programme-version-publish", draft.pk), {"expected_current": first.pk,
                                                                       "expected_state": token})
    assert response.status_code == 409 and ProgrammeVersion.objects.get(pk=draft.pk).status == "draft"
    # publish with the page's view of the current version and of the draft
    response = client.post(url("programme-version-publish", draft.pk), {"expected_current": first.pk,
                                                                       "expected_state": state_token(draft)})
    assert response.status_code == 302
    first.refresh_from_db()
    draft.refresh_from_db()
    assert (first.status, draft.status) == ("superseded", "published")
    assert AuditEvent.objects.filter(action="subsidy.version_publish", object_id=str(draft.pk)).exists()
    # publishing it again: 409, nothing changed
    response = client.post(url("programme-version-publish", draft.pk), {"expected_current": draft.pk,
                                                                       "expected_state": state_token(draft)})
    assert response.status_code == 409
    # the published version cannot be edited
    assert client.post(url("programme-version-edit", draft.pk), version_post(p_share="0.1")).status_code == 302
    draft.refresh_from_db()
    assert draft.params["share"]["value"] == "0.35"


def test_stale_publish_is_409(login, city_staff, voucher):
    client = login(city_staff)
    first = voucher.versions.get()
    client.post(url("programme-version-new", voucher.pk), version_post())
    client.post(url("programme-version-new", voucher.pk), version_post())
    second, third = voucher.versions.get(number=2), voucher.versions.get(number=3)
    assert client.post(url("programme-version-publish", second.pk), {
        "expected_current": first.pk, "expected_state": state_token(second)}).status_code == 302
    # a page opened before that publish still shows version 1 as current
    response = client.post(url("programme-version-publish", third.pk), {"expected_current": first.pk,
                                                                       "expected_state": state_token(third)})
    assert response.status_code == 409
    assert "Nothing was changed" in response.content.decode() or "未作任何更改" in response.content.decode()
    third.refresh_from_db()
    assert third.status == "draft"
    assert voucher.versions.filter(status="published").get() == second


def test_close(login, city_staff, voucher):
    client = login(city_staff)
    version = voucher.versions.get()
    assert client.post(url("programme-version-close", version.pk)).status_code == 302
    version.refresh_from_db()
    assert version.status == "closed"
    assert client.post(url("programme-version-close", version.pk)).status_code == 409
    assert voucher.name not in client.get(url("programmes")).content.decode()


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"budget_total": "100.001"}, "小数不超过 2 位"),
    ({"budget_total": "-5"}, "大于或等于0"),
    ({"budget_total": "99999999999999"}, "小于或等于10000000000"),
    ({"p_cap": "100.001"}, "两位小数"),
    ({"p_cap": "-1"}, "不能为负"),
    ({"p_cap": "1e15"}, "大得不合理"),
    ({"p_share": "1.5"}, "0 到 1"),
    ({"p_share": "0.3\x00"}, "空字符"),
    ({"document_title": "服务券\x00细则"}, "空字符"),
    ({"p_cap_confidence": "V", "p_cap_source": ""}, "来源"),
    ({"budget_440309": "900000", "budget_440306": "200000"}, "总预算"),
    ({"effective_to": "2000-01-01"}, "生效"),
    ({"cond_level_standard": "gbt39116-2020", "cond_level": ""}, "最低等级"),
])
def test_bad_input_is_refused_and_nothing_changes(login, city_staff, voucher, overrides, fragment):
    client = login(city_staff)
    events = AuditEvent.objects.count()
    response = client.post(url("programme-version-new", voucher.pk), version_post(**overrides),
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 422
    body = response.content.decode()
    assert fragment in body
    assert voucher.versions.count() == 1 and BudgetLine.objects.filter(version__programme=voucher).count() == 1
    assert AuditEvent.objects.filter(action__startswith="subsidy.").count() == 0
    assert AuditEvent.objects.count() >= events


def test_unknown_ids_are_404(login, city_staff):
    client = login(city_staff)
    assert client.get(url("programme-detail", 999999)).status_code == 404
    assert client.post(url("programme-version-publish", 999999), {"expected_current": "x"}).status_code == 404


def test_a_published_version_never_changes_through_the_service(city_staff, voucher):
    from portal.exceptions import Conflict
    from subsidies.programmes import services

    version = voucher.versions.get()
    with pytest.raises(Conflict):
        services.version_update(actor=city_staff, version=version, values={})
    assert ProgrammeVersion.objects.get(pk=version.pk).params == version.params


def test_band_table_through_the_form(login, district_staff, longhua):
    client = login(district_staff)
    form = client.get(url("programme-version-new", longhua.pk)).content.decode()
    assert "0.00 | 10000000.00 | 0.20 |" in form or "0 | 10000000 | 0.20 |" in form  # the stored bands as lines
    bands = "0 | 10000000 | 0.2 |\n10000000 | 200000000 | 0.3 | 5000000\n200000000 | | 0.05 | 30000000"
    data = version_post(p_bands=bands, p_bands_confidence="V", p_bands_source="龙华2024", cond_regions=["440309"])
    response = client.post(url("programme-version-new", longhua.pk), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302
    draft = longhua.versions.get(number=2)
    assert draft.params["bands"]["value"][2] == {"lower": "200000000", "upper": None, "rate": "0.05", "cap": "30000000"}
    gap = "0 | 10000000 | 0.2 |\n12000000 | | 0.3 | 5000000"
    response = client.post(url("programme-version-new", longhua.pk), version_post(
        p_bands=gap, p_bands_confidence="V", p_bands_source="x", cond_regions=["440309"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 422 and "每一档应从上一档的终点开始" in response.content.decode()
    assert longhua.versions.count() == 2


def test_level_reward_form_round_trip(login, city_staff):
    pingshan = programme_from_seed("ps-cmmm-level-reward", creator=city_staff)
    client = login(city_staff)
    data = version_post(p_standard="gbt39116-2020", p_standard_confidence="V", p_standard_source="CMMM",
                        p_levels="L5 | 6000000\nL4 | 3000000", p_levels_confidence="V", p_levels_source="坪山",
                        cond_regions=["440310"], cond_level_standard="gbt39116-2020", cond_level="L4")
    assert client.post(url("programme-version-new", pingshan.pk), data).status_code == 302
    draft = pingshan.versions.get(number=2)
    assert draft.params["levels"]["value"] == [{"level": "L5", "amount": "6000000"}, {"level": "L4", "amount": "3000000"}]
    assert {"kind": "min_level", "standard": "gbt39116-2020", "level": "L4"} in draft.conditions
    response = client.post(url("programme-version-new", pingshan.pk), data | {"p_standard": "no-such-standard"})
    assert response.status_code == 422 and pingshan.versions.count() == 2
