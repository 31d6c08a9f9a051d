"""The admin console (/sys-console/): the 三员 duty table (R5) and the audit of every page and change
in it (R21). The administrators here hold the Django model permissions the old demo gave them, to show
that such permissions grant nothing: only the duty table in portal/roles.py does."""

import base64

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEvent, User
from portal.roles import CONSOLE_DUTIES, StaffRole
from tests.conftest import current_code
from tests.factories.portal import PASSWORD, StaffFactory, confirmed_totp, region

pytestmark = pytest.mark.django_db
CONSOLE = f"/{settings.ADMIN_URL}"

# Everything the console's models could be granted through Django permissions.
_ALL_CONSOLE_PERMISSIONS = Q(content_type__app_label__in=["portal", "otp_totp", "axes"])


def _grant_every_model_permission(user):
    user.user_permissions.set(Permission.objects.filter(_ALL_CONSOLE_PERMISSIONS))
    return user


@pytest.fixture
def anquan(security_admin):
    return _grant_every_model_permission(security_admin)


@pytest.fixture
def xitong(system_admin):
    return _grant_every_model_permission(system_admin)


def _secrets(device) -> list[str]:
    return [device.key, base64.b32encode(device.bin_key).decode().rstrip("="), "otpauth://", "qrcode"]


def _events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


class TestNoSecretAfterEnrolment:
    def test_the_security_admin_sees_no_totp_secret_of_another_account(self, login, anquan, system_admin,
                                                                        district_staff):
        targets = [confirmed_totp(system_admin), confirmed_totp(district_staff)]
        client = login(anquan)
        listing = client.get(f"{CONSOLE}otp_totp/totpdevice/")
        assert listing.status_code == 200
        for device in targets:
            page = client.get(f"{CONSOLE}otp_totp/totpdevice/{device.pk}/change/")
            assert page.status_code == 200
            assert device.user.username in page.content.decode()
            for body in (listing.content.decode(), page.content.decode()):
                for secret in _secrets(device):
                    assert secret not in body
            # django-otp's own key and QR pages are not routed at all.
            assert client.get(f"{CONSOLE}otp_totp/totpdevice/{device.pk}/config/").status_code in (302, 404)
            assert client.get(f"{CONSOLE}otp_totp/totpdevice/{device.pk}/qrcode/").status_code in (302, 404)

    def test_a_superuser_gets_nothing_in_the_console(self, login, district_staff):
        root = StaffFactory(staff_role=StaffRole.NONE, region=None, is_staff=True, is_superuser=True)
        device = confirmed_totp(district_staff)
        client = login(root)  # a superuser without a staff role signs in without TOTP
        root_device = confirmed_totp(root)
        from django_otp import DEVICE_ID_SESSION_KEY

        session = client.session
        session[DEVICE_ID_SESSION_KEY] = root_device.persistent_id
        session.save()
        for url in (f"{CONSOLE}otp_totp/totpdevice/", f"{CONSOLE}otp_totp/totpdevice/{device.pk}/change/",
                    f"{CONSOLE}portal/user/"):
            response = client.get(url)
            assert response.status_code == 403, url
            assert device.key not in response.content.decode()

    def test_the_device_add_page_offers_no_key(self, login, anquan):
        assert login(anquan).get(f"{CONSOLE}otp_totp/totpdevice/add/").status_code == 403


class TestTotpReset:
    def _reset(self, client, device):
        return client.post(f"{CONSOLE}otp_totp/totpdevice/", {
            "action": "reset_totp", "_selected_action": [device.pk], "index": 0})

    def test_reset_revokes_the_device_and_the_owner_enrols_again(self, login, anquan, district_staff, client):
        device = confirmed_totp(district_staff)
        response = self._reset(login(anquan), device)
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=district_staff).exists()
        assert _events("admin.totp_reset", actor=anquan, object_id=str(district_staff.pk)).exists()
        client.logout()
        client.post("/accounts/login/", {"username": district_staff.username, "password": PASSWORD})
        assert client.get("/").headers["Location"].startswith("/accounts/otp/setup/")

    def test_reset_ends_the_sessions_verified_with_the_revoked_device(self, district_staff, anquan):
        from django.test import Client

        device = confirmed_totp(district_staff)
        staff = Client()
        staff.post("/accounts/login/", {"username": district_staff.username, "password": PASSWORD})
        assert staff.post("/accounts/otp/", {"otp_token": current_code(device)}).status_code == 302
        assert staff.get("/staff/registrations/").status_code == 200
        admin_client = Client()
        admin_client.post("/accounts/login/", {"username": anquan.username, "password": PASSWORD})
        admin_client.post("/accounts/otp/", {"otp_token": current_code(confirmed_totp(anquan))})
        assert self._reset(admin_client, device).status_code == 302
        # The stolen-cookie case: the old session may not enrol a new device; it signs in again.
        response = staff.get("/staff/registrations/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/")
        assert "_auth_user_id" not in staff.session

    def test_an_administrators_device_is_not_reset(self, login, anquan, system_admin):
        other = confirmed_totp(system_admin)
        client = login(anquan)
        own = anquan.totpdevice_set.get()
        for device in (own, other):
            self._reset(client, device)
            assert TOTPDevice.objects.filter(pk=device.pk).exists()
            assert _events("admin.totp_reset", object_id=str(device.user_id)).count() == 0
        assert _events("admin.denied", actor=anquan).count() == 2

    def test_the_system_admin_cannot_reset_a_second_factor(self, login, xitong, district_staff):
        device = confirmed_totp(district_staff)
        response = self._reset(login(xitong), device)
        assert response.status_code == 403
        assert TOTPDevice.objects.filter(pk=device.pk).exists()


class TestPasswords:
    @pytest.mark.parametrize("actor_name", ["anquan", "xitong"])
    def test_nobody_sets_another_accounts_password_in_the_console(self, request, login, actor_name, owner):
        actor = request.getfixturevalue(actor_name)
        other_admin = request.getfixturevalue("xitong" if actor_name == "anquan" else "anquan")
        client = login(actor)
        for target in (other_admin, owner, actor):
            before = User.objects.get(pk=target.pk).password
            response = client.post(f"{CONSOLE}portal/user/{target.pk}/password/", {
                "password1": "Taken-Over-2026!x", "password2": "Taken-Over-2026!x", "usable_password": "true"})
            assert response.status_code == 403, target.username
            assert User.objects.get(pk=target.pk).password == before
            assert _events("admin.denied", actor=actor, object_type="portal.user",
                           object_id=str(target.pk)).exists()

    def test_the_security_admin_resets_an_ordinary_password_by_mail(self, login, anquan, owner,
                                                                    django_capture_on_commit_callbacks):
        client = login(anquan)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{CONSOLE}portal/user/", {
                "action": "reset_password", "_selected_action": [owner.pk], "index": 0})
        assert response.status_code == 302
        owner.refresh_from_db()
        assert not owner.has_usable_password()
        assert [m.to for m in mail.outbox] == [[owner.email]]
        assert "/accounts/reset/" in mail.outbox[0].body
        assert _events("admin.password_reset", actor=anquan, object_id=str(owner.pk)).exists()

    def test_an_administrators_password_is_not_reset(self, login, anquan, xitong, django_capture_on_commit_callbacks):
        before = User.objects.get(pk=xitong.pk).password
        client = login(anquan)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{CONSOLE}portal/user/", {
                "action": "reset_password", "_selected_action": [xitong.pk, anquan.pk], "index": 0})
        assert User.objects.get(pk=xitong.pk).password == before
        assert User.objects.get(pk=anquan.pk).has_usable_password()
        assert not mail.outbox


class TestAccounts:
    def _post_change(self, client, target, **changes):
        data = {"username": target.username, "first_name": target.first_name, "last_name": target.last_name,
                "email": target.email, "phone": target.phone, "staff_role": target.staff_role,
                "region": target.region_id or "", "is_active": "on" if target.is_active else ""}
        return client.post(f"{CONSOLE}portal/user/{target.pk}/change/", {**data, **changes})

    def test_the_security_admin_edits_no_account(self, login, anquan, xitong, owner):
        client = login(anquan)
        for target in (xitong, owner):
            response = self._post_change(client, target, email="attacker@example.cn")
            assert response.status_code == 403
            assert User.objects.get(pk=target.pk).email == target.email
        assert _events("admin.denied", actor=anquan, object_id=str(xitong.pk)).exists()

    def test_the_system_admin_edits_ordinary_accounts_only(self, login, xitong, anquan, owner):
        client = login(xitong)
        response = self._post_change(client, owner, email="new@example.cn", staff_role=StaffRole.EXPERT)
        assert response.status_code == 302
        owner.refresh_from_db()
        assert (owner.email, owner.staff_role) == ("new@example.cn", StaffRole.EXPERT)
        assert _events("admin.change", actor=xitong, object_id=str(owner.pk)).exists()
        for target in (anquan, xitong):  # another administrator, and their own account
            response = self._post_change(client, target, email="new-admin@example.cn")
            assert response.status_code == 403
            assert User.objects.get(pk=target.pk).email != "new-admin@example.cn"

    def test_no_administrator_role_can_be_given(self, login, xitong, owner):
        response = self._post_change(login(xitong), owner, staff_role=StaffRole.SECURITY_ADMIN)
        assert response.status_code == 200  # the form refuses the choice
        assert User.objects.get(pk=owner.pk).staff_role == StaffRole.NONE

    def test_a_new_account_gets_no_chosen_password(self, login, xitong, django_capture_on_commit_callbacks):
        client = login(xitong)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{CONSOLE}portal/user/add/", {
                "username": "newstaff", "first_name": "新", "last_name": "", "email": "newstaff@example.cn",
                "phone": "", "staff_role": StaffRole.DISTRICT, "region": region("440309").pk,
                "password1": "Chosen-By-Admin-1!", "password2": "Chosen-By-Admin-1!"})
        assert response.status_code == 302, response.content[:2000]
        created = User.objects.get(username="newstaff")
        assert not created.has_usable_password()
        assert [m.to for m in mail.outbox] == [["newstaff@example.cn"]]
        assert _events("admin.add", actor=xitong, object_id=str(created.pk)).exists()

    def test_account_forms_explain_their_refusals(self, login, xitong, owner):
        client = login(xitong)
        response = self._post_change(client, owner, staff_role=StaffRole.DISTRICT, region="")
        assert response.status_code == 200
        assert "管辖区域" in str(response.context["adminform"].form.errors["region"])
        response = client.post(f"{CONSOLE}portal/user/add/", {
            "username": owner.username.upper(), "first_name": "重名", "email": "dup@example.cn",
            "staff_role": "", "region": ""})
        assert response.status_code == 200
        assert "username" in response.context["adminform"].form.errors

    def test_the_audit_admin_has_no_console(self, login, audit_admin):
        assert CONSOLE_DUTIES[StaffRole.AUDIT_ADMIN] == {}
        assert login(audit_admin).get(f"{CONSOLE}portal/user/").status_code == 403


class TestLockouts:
    def _lock(self, username):
        return AccessAttempt.objects.create(username=username, ip_address="10.0.0.1", user_agent="x",
                                            failures_since_start=5, get_data="", post_data="",
                                            http_accept="", path_info="/accounts/login/")

    def test_the_security_admin_lifts_an_ordinary_lockout_but_not_an_administrators(self, login, anquan, xitong,
                                                                                     owner):
        client = login(anquan)
        ordinary, admin_lock = self._lock(owner.username), self._lock(xitong.username)
        assert client.post(f"{CONSOLE}axes/accessattempt/{ordinary.pk}/delete/", {"post": "yes"}).status_code == 302
        assert not AccessAttempt.objects.filter(pk=ordinary.pk).exists()
        assert _events("admin.delete", actor=anquan, object_id=str(ordinary.pk)).exists()
        assert client.post(f"{CONSOLE}axes/accessattempt/{admin_lock.pk}/delete/",
                           {"post": "yes"}).status_code == 403
        assert AccessAttempt.objects.filter(pk=admin_lock.pk).exists()


class TestConsoleAudit:
    def test_listing_and_opening_users_and_devices_are_audited(self, login, xitong, anquan, owner, district_staff):
        device = confirmed_totp(district_staff)
        client = login(xitong)
        assert client.get(f"{CONSOLE}portal/user/?q={owner.username}").status_code == 200
        listing = _events("admin.view", actor=xitong, object_type="portal.user").get()
        assert listing.detail["page"] == "portal_user_changelist"
        assert owner.username in listing.detail["query"]
        assert client.get(f"{CONSOLE}portal/user/{owner.pk}/change/").status_code == 200
        assert _events("admin.view", actor=xitong, object_type="portal.user", object_id=str(owner.pk)).exists()

        client = login(anquan)
        assert client.get(f"{CONSOLE}otp_totp/totpdevice/").status_code == 200
        assert client.get(f"{CONSOLE}otp_totp/totpdevice/{device.pk}/change/").status_code == 200
        assert _events("admin.view", actor=anquan, object_type="otp_totp.totpdevice").count() == 2
        assert _events("admin.view", actor=anquan, object_id=str(device.pk)).exists()

    def test_a_refused_page_is_audited_as_denied(self, login, xitong):
        assert login(xitong).get(f"{CONSOLE}otp_totp/totpdevice/").status_code == 403
        event = _events("admin.denied", actor=xitong).get()
        assert event.outcome == AuditEvent.Outcome.DENIED
        assert event.object_type == "otp_totp.totpdevice"
        # One row per refusal: the generic 403 audit does not add a second.
        assert not _events("access.forbidden", actor=xitong).exists()


@pytest.mark.parametrize("actor_name", ["xitong", "anquan"])
def test_every_console_page_answers_without_a_server_error_in_chinese(request, login, actor_name, owner,
                                                                       district_staff):
    actor = request.getfixturevalue(actor_name)
    device = confirmed_totp(district_staff)
    attempt = AccessAttempt.objects.create(username=owner.username, ip_address="10.0.0.1", user_agent="x",
                                           failures_since_start=5, get_data="", post_data="", http_accept="",
                                           path_info="/accounts/login/")
    client = login(actor)
    pages = ["", "portal/", "axes/", "otp_totp/", "portal/user/", "portal/user/?staff_role=expert",
             f"portal/user/{owner.pk}/change/", f"portal/user/{actor.pk}/change/", "portal/user/add/",
             "portal/region/", "portal/region/add/", "portal/enterprise/", "otp_totp/totpdevice/",
             f"otp_totp/totpdevice/{device.pk}/change/", "axes/accessattempt/",
             f"axes/accessattempt/{attempt.pk}/change/", "axes/accesslog/", "axes/accessfailurelog/"]
    statuses = {}
    for page in pages:
        response = client.get(CONSOLE + page)
        statuses[page] = response.status_code
        assert response.status_code in (200, 302, 403, 404), page
        if response.status_code == 200:
            body = response.content.decode()
            for untranslated in ("Otp_Totp", "OTP_TOTP", ">Axes<", "TOTP device", "Personal info<",
                                 "Access attempts", "Attempt Time"):
                assert untranslated not in body, (page, untranslated)
    shown = {page for page, status in statuses.items() if status == 200}
    if actor_name == "xitong":
        assert {"portal/user/", f"portal/user/{owner.pk}/change/", "portal/user/add/", "portal/region/"} <= shown
        assert not shown & {"otp_totp/totpdevice/", "axes/accessattempt/", "portal/enterprise/"}
    else:
        assert {"portal/user/", "otp_totp/totpdevice/", "axes/accessattempt/"} <= shown
        assert not shown & {"portal/user/add/", "portal/region/", "portal/enterprise/"}
