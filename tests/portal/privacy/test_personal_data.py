"""R27/R28/R30: consent recorded with its notice version at registration; a person's export holds
their personal fields and nobody else's; erasure anonymises or deletes per the registry and keeps
what the law keeps; the nightly job applies retention; every step audited."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.contrib.sessions.models import Session
from django.core.checks import WARNING, run_checks
from django.test import override_settings
from django.utils import timezone

from portal.models import AuditEvent, ConsentRecord, ErasureRequest, Membership, Notification, User
from portal.privacy import notices, services
from portal.tasks import privacy_nightly
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.django_db

VERSION = notices.current("registration").version


def _payload(**overrides):
    data = {
        "org-name": "深圳市示例精密制造有限公司", "org-uscc": "91440300MA5FXXXX1K", "org-region": "",
        "account-username": "newowner", "account-full_name": "李雷", "account-email": "lilei@example.cn",
        "account-phone": "13912345678", "account-password1": "Xq7!long-enough-pass",
        "account-password2": "Xq7!long-enough-pass", "account-notice": "on", "account-notice_version": VERSION,
    }
    data.update(overrides)
    return data


def test_the_registration_page_shows_the_versioned_notice(client):
    body = client.get("/accounts/register/enterprise/").content.decode()
    assert f'data-notice-version="{VERSION}"' in body and f'value="{VERSION}"' in body


def test_the_public_notice_page(client):
    response = client.get("/privacy/")
    assert response.status_code == 200 and f'data-notice-version="{VERSION}"' in response.content.decode()


@override_settings(PRIVACY_CONTACT="龙华区工业和信息化局 个人信息专线 0755-12345678，privacy@longhua.example.cn")
def test_the_notice_shows_the_configured_contact_of_the_controller(client):
    """The controller paragraph says the bureau is reachable at the contact shown with the notice:
    the public page and the registration form both show it."""
    for url in ("/privacy/", "/accounts/register/enterprise/"):
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "联系方式：龙华区工业和信息化局 个人信息专线 0755-12345678，privacy@longhua.example.cn" in body, url
        assert "联系方式见本告知下方" in body and "联系方式见平台首页" not in body, url


def test_the_deploy_check_flags_a_missing_contact():
    with override_settings(PRIVACY_CONTACT=""):
        errors = [e for e in run_checks(include_deployment_checks=True) if e.id == "portal.E110"]
        assert len(errors) == 1 and errors[0].level >= WARNING
    with override_settings(PRIVACY_CONTACT="   "):
        assert [e.id for e in notices.check_contact()] == ["portal.E110"]
    with override_settings(PRIVACY_CONTACT="0755-12345678"):
        assert notices.check_contact() == []
    # Outside deployment checks it stays quiet: development shows a demo contact instead.
    with override_settings(PRIVACY_CONTACT=""):
        assert not [e for e in run_checks() if e.id == "portal.E110"]


def test_consent_is_recorded_with_version_and_address_and_a_stale_version_is_refused(owner, rf):
    request = rf.post("/", REMOTE_ADDR="10.1.2.3")
    record = services.consent_record(user=owner, purpose="registration", version=VERSION, request=request)
    assert (record.version, record.ip_address, record.withdrawn_at) == (VERSION, "10.1.2.3", None)
    assert AuditEvent.objects.filter(action="privacy.consent", actor=owner).exists()
    from portal.exceptions import Invalid

    with pytest.raises(Invalid) as refused:
        services.consent_record(user=owner, purpose="registration", version="2020-01")
    assert refused.value.code == "stale_notice"
    assert ConsentRecord.objects.filter(user=owner).count() == 1


def _login(client, user):
    client.force_login(user)
    return client


def test_export_holds_my_personal_fields_and_nothing_about_others(client, owner, teammate):
    Notification.objects.create(user=owner, kind="x", title="给我的通知", body="正文")
    Notification.objects.create(user=teammate, kind="x", title="别人的通知", body="正文")
    owner.phone = "13800138000"
    owner.save()
    response = _login(client, owner).get("/account/privacy/download/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    user_row = data["portal.User"]["rows"][0]
    assert (user_row["username"], user_row["email"], user_row["phone"]) == (owner.username, owner.email, "13800138000")
    assert "password" not in user_row
    text = response.content.decode()
    assert "给我的通知" in text and "别人的通知" not in text and teammate.username not in text
    assert data["portal.Membership"]["rows"][0]["user"] == owner.pk
    assert AuditEvent.objects.filter(action="privacy.export", actor=owner).exists()


def test_the_page_needs_a_sign_in_and_says_no_store(client, owner):
    assert client.get("/account/privacy/").status_code == 302
    response = _login(client, owner).get("/account/privacy/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_erasure_needs_the_password_then_can_be_cancelled_once(client, owner):
    owner.set_password("Right-password-123")
    owner.save()
    _login(client, owner)
    response = client.post("/account/privacy/erasure/", {"password": "wrong", "confirm": "on"})
    assert response.status_code == 200 and not ErasureRequest.objects.exists()
    client.post("/account/privacy/erasure/", {"password": "Right-password-123", "confirm": "on"})
    pending = ErasureRequest.objects.get(user=owner)
    assert pending.status == "pending" and pending.due_at - pending.requested_at == timedelta(days=15)
    client.post("/account/privacy/erasure/", {"password": "Right-password-123", "confirm": "on"})
    assert ErasureRequest.objects.filter(user=owner).count() == 1
    client.post("/account/privacy/erasure/cancel/")
    assert ErasureRequest.objects.get(user=owner).status == "cancelled"
    response = client.post("/account/privacy/erasure/cancel/", follow=True)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="privacy.erasure_cancelled").count() == 1


def test_the_nightly_job_erases_keeps_what_the_law_keeps_and_is_idempotent(client, owner, enterprise):
    services.consent_record(user=owner, purpose="registration", version=VERSION)
    Notification.objects.create(user=owner, kind="x", title="t", body="b")
    _login(client, owner).get("/account/privacy/")
    assert Session.objects.count() == 1
    services.erasure_request(user=owner)
    audit_before = AuditEvent.objects.filter(actor=owner).count()

    outcome = privacy_nightly.apply().get()
    assert outcome["erasures"] == 1
    user = User.objects.get(pk=owner.pk)
    assert (user.username, user.email, user.phone, user.first_name, user.is_active) == (
        f"deleted-{owner.pk}", "", "", "", False)
    assert not user.has_usable_password()
    assert not Notification.objects.filter(user=user).exists() and not Membership.objects.filter(user=user).exists()
    assert Session.objects.count() == 0
    # Kept: the audit trail with its actor link (pseudonymous now), the consent proof, the request.
    assert AuditEvent.objects.filter(actor=user).count() >= audit_before
    assert ConsentRecord.objects.filter(user=user).exists()
    assert ErasureRequest.objects.get(user=user).status == "done"
    assert AuditEvent.objects.filter(action="privacy.erasure_done").count() == 1
    assert privacy_nightly.apply().get()["erasures"] == 0


def test_retention_removes_what_is_past_its_rule_only(owner):
    now = timezone.now()
    old_read = Notification.objects.create(user=owner, kind="x", title="old", body="", read_at=now)
    old_unread = Notification.objects.create(user=owner, kind="x", title="old unread", body="")
    fresh = Notification.objects.create(user=owner, kind="x", title="new", body="", read_at=now)
    Notification.objects.filter(pk__in=[old_read.pk, old_unread.pk]).update(created_at=now - timedelta(days=400))
    old_log = AccessLog.objects.create(username="someone", ip_address="10.0.0.1", user_agent="x", http_accept="",
                                       path_info="/")
    AccessLog.objects.filter(pk=old_log.pk).update(attempt_time=now - timedelta(days=400))
    AccessLog.objects.create(username="recent", ip_address="10.0.0.2", user_agent="x", http_accept="",
                             path_info="/", attempt_time=now)
    stale = UserFactory(is_active=False, email="gone@example.cn")
    User.objects.filter(pk=stale.pk).update(date_joined=now - timedelta(days=4 * 365), last_login=None)

    outcome = services.retention_apply()
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_unread.pk, fresh.pk}
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["recent"]
    stale.refresh_from_db()
    assert stale.username == f"deleted-{stale.pk}" and stale.email == ""
    assert outcome["portal.Notification"] == 1 and outcome["axes.AccessLog"] == 1
    assert services.retention_apply() == {}


def test_lists_mask_the_contact_phone_and_the_detail_shows_it_to_who_may_see_it(enterprise, district_staff):
    from rest_framework.test import APIClient

    enterprise.contact_phone = "13812341234"
    enterprise.save()
    api = APIClient()
    api.force_authenticate(district_staff)
    listed = {row["id"]: row for row in api.get("/api/v1/enterprises/").json()["results"]}
    assert listed[enterprise.pk]["contact_phone"] == "138****1234"
    assert api.get(f"/api/v1/enterprises/{enterprise.pk}/").json()["contact_phone"] == "13812341234"


def test_the_audit_trail_records_a_phone_change_masked(enterprise, owner):
    from portal.services import enterprise_update

    enterprise.contact_phone = "13800001111"
    enterprise.save()
    enterprise_update(enterprise=enterprise, actor=owner, data={"contact_phone": "13912345678"})
    event = AuditEvent.objects.filter(action="enterprise.update").latest("pk")
    assert event.detail["changes"]["contact_phone"] == ["138****1111", "139****5678"]
    assert "13912345678" not in str(event.detail)
