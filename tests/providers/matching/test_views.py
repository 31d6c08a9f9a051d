"""Persona tests: the "匹配的服务商" panel (checks access itself), its PDF section, and the staff page
of the matching weights (city staff create versions, audited; district staff read only; bad input
gives a clear error and saves nothing; a stale form gives 409)."""

import pytest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from diagnosis import extensions as diagnosis_extensions
from portal.models import AuditEvent
from providers.matching.engine import COMPONENT_CODES
from providers.matching.report import build_section
from providers.matching.selectors import clear_catalog
from providers.models import MatchingWeights
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import ProviderFactory
from tests.factories.providers import new_key, profile_document, published_profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_catalog():
    clear_catalog()
    yield
    clear_catalog()


@pytest.fixture
def assessment(enterprise):
    return scored_assessment(enterprise, best=False)


@pytest.fixture
def provider():
    provider = ProviderFactory(name="深圳市匹配测试科技有限公司")
    solution = {"key": new_key(), "title": "车间设备联网改造", "summary": "设备联网与数据采集",
                "categories": ["smart_manufacturing", "digital_management"],
                "items": [{"spec": "sme-2024", "item": "device-digitisation"}], "industries": ["39"],
                "areas": ["software", "integration"], "price_min": "20.00", "price_max": "60.00",
                "delivery_days": 60, "light": True}
    published_profile(provider, document=profile_document(solutions=[solution]))
    return provider


def _panel(client, assessment):
    return client.get(reverse("providers:matching-panel", args=[assessment.pk]))


def test_panel_is_registered_on_the_result_page(login, owner, assessment):
    html = login(owner).get(f"/assessments/{assessment.pk}/result/").content.decode()
    assert 'id="panel-matching"' in html
    assert f'hx-get="{reverse("providers:matching-panel", args=[assessment.pk])}"' in html
    assert any(s.key == "matching" for s in diagnosis_extensions.report_sections())


def test_owner_sees_matches_with_breakdown_and_benefit(login, owner, assessment, provider):
    response = _panel(login(owner), assessment)
    assert response.status_code == 200
    html = response.content.decode()
    assert "车间设备联网改造" in html and provider.name in html
    assert "match-breakdown" in html and "设备数字化率" in html
    assert "未测算补贴" in html  # gross price, said so
    assert 'class="benefit"' in html and "÷" in html


@pytest.mark.parametrize("persona", ["outsider", "other_district_staff", "provider_user"])
def test_others_get_404(request, login, assessment, provider, persona):
    user = request.getfixturevalue(persona)
    assert _panel(login(user), assessment).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, assessment):
    response = _panel(client, assessment)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_district_staff_of_the_enterprise_see_the_panel_without_contact_button(login, district_staff, assessment,
                                                                               provider):
    response = _panel(login(district_staff), assessment)
    assert response.status_code == 200 and "车间设备联网改造" in response.content.decode()


def test_contact_button_only_when_the_lead_url_exists(login, owner, assessment, provider):
    try:
        reverse("providers:lead-request", args=[assessment.pk, 1])
        exists = True
    except NoReverseMatch:
        exists = False
    html = _panel(login(owner), assessment).content.decode()
    assert ("请求联系" in html or "Request contact" in html) == exists


def test_unknown_assessment_is_404(login, owner):
    assert login(owner).get(reverse("providers:matching-panel", args=[999999])).status_code == 404


def test_pdf_section_renders_without_scripts(assessment, provider):
    html = render_to_string("providers/matching/report_section.html",
                            {"section": build_section(assessment, "zh-hans")})
    assert "车间设备联网改造" in html and "<script" not in html and "hx-" not in html


# ─── Weights page ────────────────────────────────────────────────────────────────────────────


def _post(client, **overrides):
    data = {"need": "30", "scenario": "20", "area": "10", "capability": "10", "outcome": "10", "industry": "5",
            "pool": "5", "region": "5", "price": "5", "note": "需求权重加大", "campaign": "", "base_number": "0",
            **overrides}
    return client.post(reverse("providers:matching-weights"), data)


def test_city_staff_create_a_version_audited(login, city_staff):
    client = login(city_staff)
    assert client.get(reverse("providers:matching-weights")).status_code == 200
    response = _post(client)
    assert response.status_code == 302
    version = MatchingWeights.objects.get()
    assert version.number == 1 and version.weights["need"] == "30.00" and version.region == city_staff.region
    assert AuditEvent.objects.filter(action="matching.weights.create", object_id=str(version.pk)).exists()
    assert _post(client, base_number="1", need="25", price="10").status_code == 302
    assert list(MatchingWeights.objects.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_new_weights_rank_the_city_s_enterprises(login, city_staff, enterprise, assessment, provider):
    _post(login(city_staff))
    from providers.matching.selectors import rank_for_enterprise

    (match,) = rank_for_enterprise(enterprise)
    assert match.weights_version.endswith("v1")


def test_district_staff_read_but_may_not_create(login, city_staff, district_staff):
    _post(login(city_staff))
    client = login(district_staff)
    response = client.get(reverse("providers:matching-weights"))
    assert response.status_code == 200 and "需求权重加大" in response.content.decode()
    assert _post(client, base_number="1").status_code == 403
    assert MatchingWeights.objects.count() == 1


@pytest.mark.parametrize("persona", ["owner", "provider_user", "expert"])
def test_non_bureau_users_are_refused(request, login, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("providers:matching-weights")).status_code == 403
    assert _post(client).status_code == 403


def test_other_city_does_not_see_the_version(login, city_staff, other_city_staff):
    _post(login(city_staff))
    html = login(other_city_staff).get(reverse("providers:matching-weights")).content.decode()
    assert "需求权重加大" not in html


@pytest.mark.parametrize("overrides", [
    {"need": "40"},  # sum 110
    {"need": "abc"},
    {"need": "-5", "scenario": "55"},
    {"note": ""},
    {"note": "bad\x00note"},
    {"campaign": "999999"},
    {"base_number": "x"},
])
def test_bad_input_gives_a_clear_error_and_saves_nothing(login, city_staff, overrides):
    response = _post(login(city_staff), **overrides)
    assert response.status_code == 422
    assert MatchingWeights.objects.count() == 0
    assert 'class="error"' in response.content.decode() or "errorlist" in response.content.decode()


def test_sum_error_is_explained(login, city_staff):
    html = _post(login(city_staff), need="40").content.decode()
    assert "100" in html and MatchingWeights.objects.count() == 0


def test_stale_form_is_409_and_saves_nothing(login, city_staff):
    client = login(city_staff)
    assert _post(client).status_code == 302
    response = _post(client, base_number="0", need="25", price="10")
    assert response.status_code == 409
    assert MatchingWeights.objects.count() == 1


def test_versions_are_immutable(login, city_staff):
    _post(login(city_staff))
    version = MatchingWeights.objects.get()
    version.note = "changed"
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_all_components_are_on_the_form(login, city_staff):
    html = login(city_staff).get(reverse("providers:matching-weights")).content.decode()
    for code in COMPONENT_CODES:
        assert f'name="{code}"' in html
