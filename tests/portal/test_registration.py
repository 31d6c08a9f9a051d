"""Self-registration and staff verification, including the bad-input cases of the issue."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from portal.models import AuditEvent, Enterprise, Membership, Provider, User
from portal.privacy import notices
from portal.services import organisation_verify

pytestmark = pytest.mark.django_db


def _payload(**overrides):
    data = {
        "org-name": "深圳市新创精密制造有限公司",
        "org-uscc": "91440300708461136T",
        "org-region": "",  # filled in by the fixture below
        "org-industry_section": "C",
        "org-industry_division": "34",
        "org-production_type": "discrete",
        "org-employees": "85",
        "org-revenue_band": "20m_400m",
        "org-cluster": "high_end_equipment",
        "account-username": "xinchuang",
        "account-full_name": "王晓明",
        "account-email": "wang@xinchuang.example.cn",
        "account-phone": "13800138000",
        "account-password1": "Long-enough passphrase 1",
        "account-password2": "Long-enough passphrase 1",
        "account-notice": "on",
        "account-notice_version": notices.current("registration").version,
    }
    data.update(overrides)
    return data


@pytest.fixture
def longhua():
    from portal.models import Region

    return Region.objects.get(code="440309")


def test_enterprise_registration_creates_a_pending_organisation_and_an_owner(client, longhua):
    response = client.post("/accounts/register/enterprise/", _payload(**{"org-region": longhua.pk}))
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(uscc="91440300708461136T")
    assert enterprise.status == "pending"
    membership = Membership.objects.get(enterprise=enterprise)
    assert membership.role == "owner" and membership.user.username == "xinchuang"
    assert AuditEvent.objects.filter(action="enterprise.register", object_id=str(enterprise.pk)).exists()


def test_provider_registration(client):
    from portal.models import Region

    data = {
        "org-name": "深圳市智联工业互联网科技有限公司", "org-uscc": "914403001922038216",
        "org-region": Region.objects.get(code="440300").pk, "org-website": "zhilian.example.cn",
        **{k: v for k, v in _payload().items() if k.startswith("account-")},
    }
    assert client.post("/accounts/register/provider/", data).status_code == 302
    assert Provider.objects.get().website == "https://zhilian.example.cn"


@pytest.mark.parametrize(
    ("overrides", "field", "message_fragment"),
    [
        ({"org-uscc": "91440300708461136X"}, "uscc", "校验码"),
        ({"org-uscc": "91440300O0846113"}, "uscc", "18"),
        ({"org-region": "999999"}, "region", ""),
        ({"org-name": "长" * 101}, "name", "100"),
        ({"org-industry_division": "65"}, None, "门类"),
        ({"org-employees": "-3"}, "employees", ""),
        ({"account-phone": "12345"}, "phone", "11"),
        ({"account-password2": "different passphrase 2"}, "password2", ""),
        ({"account-password1": "short", "account-password2": "short"}, "password1", ""),
        ({"account-notice": ""}, "notice", ""),
    ],
)
def test_bad_input_is_refused_with_a_translated_error_and_nothing_saved(client, longhua, overrides, field,
                                                                          message_fragment):
    data = _payload(**{"org-region": longhua.pk, **overrides})
    response = client.post("/accounts/register/enterprise/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    forms = [response.context["org_form"], response.context["account_form"]]
    errors = {k: v for form in forms for k, v in form.errors.items()}
    assert errors
    if field:
        assert any(k == field for k in errors), errors
    if message_fragment:
        assert message_fragment in response.content.decode()
    assert not Enterprise.objects.exists()
    assert not User.objects.filter(username="xinchuang").exists()


def test_a_form_posted_against_the_previous_notice_version_is_refused(client, longhua):
    """2026-11 promised a contact on the home page that no page showed; 2026-12 replaced it. A form
    opened before the change must not record consent to a text the page no longer shows."""
    assert notices.current("registration").version != "2026-11"
    data = _payload(**{"org-region": longhua.pk, "account-notice_version": "2026-11"})
    response = client.post("/accounts/register/enterprise/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "打开本页后告知内容已更新，请重新阅读并确认。" in response.content.decode()
    assert not Enterprise.objects.exists()
    assert not User.objects.filter(username="xinchuang").exists()


def test_duplicate_uscc_is_refused(client, longhua, enterprise):
    data = _payload(**{"org-region": longhua.pk, "org-uscc": enterprise.uscc})
    response = client.post("/accounts/register/enterprise/", data)
    assert response.status_code == 200
    assert "uscc" in response.context["org_form"].errors
    assert Enterprise.objects.count() == 1
    assert not User.objects.filter(username="xinchuang").exists()


def test_unknown_registration_kind_is_404(client):
    assert client.get("/accounts/register/administrator/").status_code == 404
    assert client.post("/accounts/register/staff/", _payload()).status_code == 404


def test_registration_rolls_back_when_the_organisation_fails_late(longhua, enterprise):
    from portal.services import organisation_register

    with pytest.raises(ValidationError):
        organisation_register(
            kind="enterprise",
            user_data={"username": "late", "password": "Long-enough passphrase 1"},
            org_data={"name": "x", "uscc": enterprise.uscc, "region": longhua, "industry_section": "C",
                      "employees": 1, "revenue_band": "lt3m"},
        )
    assert not User.objects.filter(username="late").exists()


class TestVerification:
    def test_district_staff_verify_a_pending_enterprise(self, login, district_staff):
        from tests.factories.portal import EnterpriseFactory

        pending = EnterpriseFactory(status="pending")
        client = login(district_staff)
        page = client.get("/staff/registrations/")
        assert pending.name in page.content.decode()
        response = client.post(f"/staff/registrations/enterprise/{pending.pk}/decide/", {"decision": "verify"})
        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.status == "verified" and pending.verified_by == district_staff
        event = AuditEvent.objects.get(action="enterprise.verify")
        assert event.detail == {"before": "pending", "after": "verified"}

    def test_staff_of_another_district_get_404(self, login, other_district_staff):
        from tests.factories.portal import EnterpriseFactory

        pending = EnterpriseFactory(status="pending")
        client = login(other_district_staff)
        assert pending.name not in client.get("/staff/registrations/").content.decode()
        response = client.post(f"/staff/registrations/enterprise/{pending.pk}/decide/", {"decision": "verify"})
        assert response.status_code == 404
        pending.refresh_from_db()
        assert pending.status == "pending"
        assert AuditEvent.objects.filter(action="access.denied", outcome="denied").exists()

    def test_enterprise_users_cannot_verify(self, login, owner, enterprise):
        client = login(owner)
        assert client.post(f"/staff/registrations/enterprise/{enterprise.pk}/decide/",
                           {"decision": "verify"}).status_code == 403

    def test_deciding_twice_is_a_clear_conflict(self, district_staff):
        from tests.factories.portal import EnterpriseFactory

        pending = EnterpriseFactory(status="pending")
        organisation_verify(org=pending, actor=district_staff, approve=True)
        api = APIClient()
        api.force_authenticate(district_staff)
        response = api.post(f"/api/v1/enterprises/{pending.pk}/decision/", {"decision": "reject"}, format="json")
        assert response.status_code == 409
        pending.refresh_from_db()
        assert pending.status == "verified"

    def test_unknown_decision_is_refused(self, district_staff):
        from tests.factories.portal import EnterpriseFactory

        pending = EnterpriseFactory(status="pending")
        api = APIClient()
        api.force_authenticate(district_staff)
        response = api.post(f"/api/v1/enterprises/{pending.pk}/decision/", {"decision": "approve-all"},
                            format="json")
        assert response.status_code == 400
        pending.refresh_from_db()
        assert pending.status == "pending"


def test_the_staff_password_rule_is_not_shown_to_people_registering(client):
    """#13 minor: the complexity rule applies to staff and administrators only."""
    html = client.get("/accounts/register/enterprise/").content.decode()
    assert "12" in html  # the length rule that does apply is still shown
    assert "工作人员密码" not in html and "Staff passwords" not in html
