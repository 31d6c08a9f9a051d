"""Issue #13 minors on the enterprise forms: a founding year in the future and a malformed contact
phone are refused with a clear message; the division list follows the section and the park list
the district; long forms list their errors at the top."""

import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import Enterprise, Region
from tests.portal.test_registration import _payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def longhua():
    return Region.objects.get(code="440309")


def _register(client, longhua, **overrides):
    return client.post("/accounts/register/enterprise/", _payload(**{"org-region": longhua.pk, **overrides}),
                       HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_a_founding_year_after_this_year_is_refused(client, longhua):
    response = _register(client, longhua, **{"org-established_year": "2099"})
    assert response.status_code == 200
    assert "established_year" in response.context["org_form"].errors
    assert "成立年份不能晚于今年" in response.content.decode()
    assert not Enterprise.objects.exists()
    this_year = str(timezone.localdate().year)
    assert _register(client, longhua, **{"org-established_year": this_year}).status_code == 302


def test_the_api_refuses_a_future_founding_year(owner, enterprise):
    api = APIClient()
    api.force_authenticate(owner)
    response = api.patch(f"/api/v1/enterprises/{enterprise.pk}/", {"established_year": 2099}, format="json")
    # The API's error body carries field problems under `errors` ({detail, code, errors}).
    assert response.status_code == 400 and "established_year" in response.json()["errors"]


@pytest.mark.parametrize("phone", ["12345", "1234567890123", "02345678", "phone", "12800138000"])
def test_a_malformed_contact_phone_is_refused(client, longhua, phone):
    response = _register(client, longhua, **{"org-contact_phone": phone})
    assert response.status_code == 200
    assert "contact_phone" in response.context["org_form"].errors
    assert "0755-88886666" in response.content.decode()  # the message shows what is expected
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize("phone", ["13800138000", "0755-88886666", "075588886666", "010-12345678-123"])
def test_mobile_and_landline_numbers_are_accepted(client, longhua, phone):
    assert _register(client, longhua, **{"org-contact_phone": phone}).status_code == 302


def test_an_account_phone_with_an_impossible_prefix_is_refused(client, longhua):
    response = _register(client, longhua, **{"account-phone": "12345678901"})
    assert "phone" in response.context["account_form"].errors


def test_divisions_and_parks_carry_what_narrows_them(client, longhua):
    html = client.get("/accounts/register/enterprise/").content.decode()
    assert "js/enterprise-form.js" in html and "data-enterprise-form" in html
    assert re.search(r'<option value="34" data-section="C"', html)
    assert re.search(r'<option value="65" data-section="I"', html)
    park = Region.objects.get(code="440309P01")
    assert re.search(rf'<option value="{park.pk}" data-district="{longhua.pk}"', html)
    dongguan_park = Region.objects.get(code="441900119P01")
    assert re.search(rf'<option value="{dongguan_park.pk}" data-district="{dongguan_park.parent_id}"', html)


def test_a_park_of_another_district_is_still_refused_by_the_server(client, longhua):
    park = Region.objects.get(code="441900119P01")
    response = _register(client, longhua, **{"org-park": park.pk})
    assert "park" in response.context["org_form"].errors
    assert not Enterprise.objects.exists()


def test_the_registration_lists_its_errors_at_the_top(client, longhua):
    response = _register(client, longhua, **{"org-established_year": "2099", "account-phone": "12345"})
    html = response.content.decode()
    summary = html.index('id="error-summary"')
    assert summary < html.index("data-enterprise-form>")
    top = html[summary:html.index("data-enterprise-form>")]
    assert 'href="#id_org-established_year"' in top and 'href="#id_account-phone"' in top
    assert "请修改以下内容" in top


def test_a_valid_page_has_no_error_summary(client):
    assert 'id="error-summary"' not in client.get("/accounts/register/enterprise/").content.decode()


def test_the_edit_form_lists_its_errors_at_the_top(owner, enterprise, login):
    Enterprise.objects.filter(pk=enterprise.pk).update(status="pending")
    client = login(owner)
    form = client.get(f"/enterprises/{enterprise.pk}/edit/").context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"established_year": "2099", "contact_phone": "12345", "above_scale": ""})
    response = client.post(f"/enterprises/{enterprise.pk}/edit/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 422
    html = response.content.decode()
    assert html.index('id="error-summary"') < html.index("data-enterprise-form>")
    assert 'href="#id_contact_phone"' in html
