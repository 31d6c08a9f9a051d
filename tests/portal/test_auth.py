"""Sign-in security: lockout (R2), session expiry (R3), mandatory TOTP for staff (R4), passwords (R1)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import AuditEvent
from tests.conftest import current_code
from tests.factories.portal import PASSWORD, UserFactory, confirmed_totp

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _attempt(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


class TestLockout:
    def test_five_failures_lock_the_account_for_thirty_minutes(self, client, owner):
        with time_machine.travel(T0, tick=False):
            for _ in range(4):
                assert _attempt(client, owner.username, "wrong-password-123").status_code == 200
            # The fifth failure trips the lock; even the right password is refused afterwards.
            assert _attempt(client, owner.username, "wrong-password-123").status_code == 429
            locked = _attempt(client, owner.username, PASSWORD)
            assert locked.status_code in (403, 429)
            assert "_auth_user_id" not in client.session
        with time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False):
            assert _attempt(client, owner.username, PASSWORD).status_code == 302

    def test_attempts_while_locked_restart_the_cool_off(self, client, owner):
        with time_machine.travel(T0, tick=False):
            for _ in range(5):
                _attempt(client, owner.username, "wrong-password-123")
        with time_machine.travel(T0 + dt.timedelta(minutes=29), tick=False):
            assert _attempt(client, owner.username, PASSWORD).status_code == 429
        with time_machine.travel(T0 + dt.timedelta(minutes=29 + 31), tick=False):
            assert _attempt(client, owner.username, PASSWORD).status_code == 302
        assert AuditEvent.objects.filter(action="auth.locked_out", actor_username=owner.username).exists()

    def test_lockout_is_per_username_not_per_address(self, client, owner, teammate):
        for _ in range(5):
            _attempt(client, owner.username, "wrong-password-123")
        # Same client IP, another account: unaffected (offices share NAT addresses).
        assert _attempt(client, teammate.username, PASSWORD).status_code == 302

    def test_api_token_endpoint_counts_towards_the_same_lockout(self, owner):
        api = APIClient()
        for _ in range(5):
            r = api.post("/api/v1/auth/token/", {"username": owner.username, "password": "nope-nope-123"})
            assert r.status_code in (401, 429)
        r = api.post("/api/v1/auth/token/", {"username": owner.username, "password": PASSWORD})
        assert r.status_code in (401, 403, 429)
        assert "token" not in r.json()

    def test_unknown_user_and_wrong_password_look_the_same(self, client, owner):
        unknown = _attempt(client, "nobody-here", "wrong-password-123")
        wrong = _attempt(client, owner.username, "wrong-password-123")
        assert unknown.status_code == wrong.status_code == 200
        assert unknown.context["form"].errors == wrong.context["form"].errors

    def test_failures_are_audited(self, client, owner):
        _attempt(client, owner.username, "wrong-password-123")
        event = AuditEvent.objects.get(action="auth.login_failed")
        assert event.actor_username == owner.username
        assert event.outcome == "failure"
        assert "wrong-password" not in str(event.detail)


class TestSessions:
    def test_idle_timeout_is_thirty_minutes(self, login, owner, enterprise):
        with time_machine.travel(T0, tick=False):
            client = login(owner)
        with time_machine.travel(T0 + dt.timedelta(minutes=29), tick=False):
            assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 200
        # Activity at 29 min pushed the deadline; 31 idle minutes after that the session is gone.
        with time_machine.travel(T0 + dt.timedelta(minutes=29 + 31), tick=False):
            assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 302

    def test_absolute_lifetime_is_twelve_hours_even_when_active(self, login, owner, enterprise):
        with time_machine.travel(T0, tick=False):
            client = login(owner)
        moment = T0
        while moment < T0 + dt.timedelta(hours=11, minutes=50):
            moment += dt.timedelta(minutes=20)
            with time_machine.travel(moment, tick=False):
                assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 200
        with time_machine.travel(T0 + dt.timedelta(hours=12, minutes=5), tick=False):
            assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 302

    def test_logout_kills_the_captured_cookie(self, login, owner, enterprise, client):
        login(owner)
        stolen = client.cookies["dxportal_session"].value
        client.post("/accounts/logout/")
        client.cookies["dxportal_session"] = stolen
        assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 302

    def test_session_key_rotates_at_login(self, client, owner):
        client.get("/accounts/login/")
        client.session.save()
        before = client.session.session_key
        _attempt(client, owner.username, PASSWORD)
        assert client.session.session_key != before

    def test_logout_needs_post(self, login, owner, client):
        login(owner)
        assert client.get("/accounts/logout/").status_code == 405


class TestTwoFactor:
    STAFF_URLS = ("/", "/staff/registrations/", "/api/v1/me/", "/api/v1/enterprises/")

    def test_password_only_staff_session_reaches_nothing(self, client, district_staff):
        confirmed_totp(district_staff)
        response = _attempt(client, district_staff.username, PASSWORD)
        # An enrolled staff member's password alone opens no session at all: the code step decides.
        assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")
        for url in self.STAFF_URLS:
            response = client.get(url)
            assert not response.wsgi_request.user.is_authenticated, url
            if url.startswith("/api/"):
                assert response.status_code in (401, 403), url
            elif url != "/":
                assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url

    def test_staff_without_a_device_must_enrol(self, client, district_staff):
        _attempt(client, district_staff.username, PASSWORD)
        response = client.get("/staff/registrations/")
        assert response["Location"].startswith("/accounts/otp/setup/")
        page = client.get("/accounts/otp/setup/")
        assert page.status_code == 200
        device = district_staff.totpdevice_set.get()
        assert not device.confirmed
        assert client.post("/accounts/otp/setup/", {"otp_token": current_code(device)}).status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/staff/registrations/").status_code == 200

    def test_valid_code_opens_the_session_and_a_replay_is_refused(self, client, district_staff):
        device = confirmed_totp(district_staff)
        with time_machine.travel(T0, tick=False):
            _attempt(client, district_staff.username, PASSWORD)
            code = current_code(device)
            assert client.post("/accounts/otp/", {"otp_token": code}).status_code == 302
            assert client.get("/staff/registrations/").status_code == 200
            # A second session presenting the same code within its window is refused.
            other = client.__class__()
            _attempt(other, district_staff.username, PASSWORD)
            assert other.post("/accounts/otp/", {"otp_token": code}).status_code == 200
            assert other.get("/staff/registrations/").status_code == 302

    def test_wrong_codes_are_throttled(self, client, district_staff):
        device = confirmed_totp(district_staff)
        with time_machine.travel(T0, tick=False):
            wrong = "000000" if current_code(device) != "000000" else "111111"
            for _ in range(5):
                _attempt(client, district_staff.username, PASSWORD)
                client.post("/accounts/otp/", {"otp_token": wrong})
            # A wrong code counts as a failed sign-in (axes): even both factors right are refused now.
            _attempt(client, district_staff.username, PASSWORD)
            client.post("/accounts/otp/", {"otp_token": current_code(device)})
            assert "_auth_user_id" not in client.session
            assert client.get("/staff/registrations/").status_code == 302
        assert AuditEvent.objects.filter(action="auth.otp_failed").count() >= 5

    def test_api_token_for_staff_requires_the_code(self, district_staff):
        device = confirmed_totp(district_staff)
        api = APIClient()
        r = api.post("/api/v1/auth/token/", {"username": district_staff.username, "password": PASSWORD})
        assert r.status_code == 401
        r = api.post("/api/v1/auth/token/", {"username": district_staff.username, "password": PASSWORD,
                                              "otp_token": current_code(device)})
        assert r.status_code == 200
        api.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
        assert api.get("/api/v1/me/").json()["role"] == "district_staff"

    def test_enterprise_token_needs_no_code_and_expires(self, owner):
        api = APIClient()
        with time_machine.travel(T0, tick=False):
            token = api.post("/api/v1/auth/token/", {"username": owner.username, "password": PASSWORD}).json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        with time_machine.travel(T0 + dt.timedelta(hours=11), tick=False):
            assert api.get("/api/v1/me/").status_code == 200
        with time_machine.travel(T0 + dt.timedelta(hours=13), tick=False):
            assert api.get("/api/v1/me/").status_code == 401


class TestPasswords:
    @pytest.mark.parametrize(
        ("password", "ok"),
        [
            ("short-pass1", False),  # 11 characters
            ("x" * 129, False),  # over the maximum
            ("password1234", False),  # common
            ("correct horse battery staple", True),  # long passphrase, one class: fine for enterprises
            ("密码很长的一句话用来测试中文口令", True),
            ("🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂", True),
        ],
    )
    def test_enterprise_rules(self, password, ok):
        user = UserFactory.build(username="zhangsan")
        if ok:
            validate_password(password, user)
        else:
            with pytest.raises(ValidationError):
                validate_password(password, user)

    def test_staff_need_three_character_classes(self):
        staff = UserFactory.build(username="staffer", staff_role="district_staff")
        with pytest.raises(ValidationError):
            validate_password("correct horse battery staple", staff)
        validate_password("Correct horse battery 9", staff)

    def test_username_like_password_is_refused(self):
        user = UserFactory.build(username="zhangsan-factory")
        with pytest.raises(ValidationError):
            validate_password("zhangsan-factory", user)

    def test_old_staff_password_forces_a_change(self, login, district_staff):
        client = login(district_staff)
        type(district_staff).objects.filter(pk=district_staff.pk).update(
            password_changed_at=timezone.now() - dt.timedelta(days=91))
        response = client.get("/staff/registrations/")
        assert response.status_code == 302 and response["Location"] == "/accounts/password/"


def test_the_console_answers_403_to_a_signed_in_user_without_console_rights(login, owner):
    from django.conf import settings

    response = login(owner).get(f"/{settings.ADMIN_URL}")
    assert response.status_code == 403
