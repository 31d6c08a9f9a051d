"""No password oracle (#13 security): until both the password and the second factor are right, a
staff member's sign-in answers exactly as a wrong password does, on the web and at the API token
endpoint, and a right password with a wrong code counts towards the lockout like a wrong password."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from rest_framework.test import APIClient

from portal.models import AuditEvent
from tests.conftest import current_code
from tests.factories.portal import PASSWORD, confirmed_totp

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
WRONG_PASSWORD = "Wrong-Password-9!"


def _wrong(device) -> str:
    return "000000" if current_code(device) != "000000" else "111111"


def _sign_in(client, username, password, code=None):
    """Both steps as a browser does them: the password page, then (if it sends there) the code page."""
    first = client.post("/accounts/login/", {"username": username, "password": password})
    if code is None or first.status_code != 302 or not first["Location"].startswith("/accounts/otp/"):
        return first, None
    return first, client.post(first["Location"], {"otp_token": code})


class TestWebSignIn:
    def test_right_and_wrong_password_look_the_same_until_the_code(self, client, district_staff, owner):
        device = confirmed_totp(district_staff)
        with time_machine.travel(T0, tick=False):
            answers = []
            for password, code in ((WRONG_PASSWORD, current_code(device)), (PASSWORD, _wrong(device)),
                                   (WRONG_PASSWORD, _wrong(device))):
                client.cookies.clear()
                first, second = _sign_in(client, district_staff.username, password, code)
                answers.append((first.status_code, first["Location"], second.status_code,
                                second.context["form"].non_field_errors()))
                assert "_auth_user_id" not in client.session
            assert len(set(map(str, answers))) == 1, answers
            # …and the message is the one a wrong password of any account gets.
            client.cookies.clear()
            ordinary, _none = _sign_in(client, owner.username, WRONG_PASSWORD)
            assert ordinary.context["form"].non_field_errors() == answers[0][3]

    def test_both_right_sign_in_verified(self, client, district_staff):
        device = confirmed_totp(district_staff)
        with time_machine.travel(T0, tick=False):
            _first, second = _sign_in(client, district_staff.username, PASSWORD, current_code(device))
            assert second.status_code == 302
            assert client.get("/staff/registrations/").status_code == 200
        assert AuditEvent.objects.filter(action="auth.login", actor=district_staff).exists()

    def test_a_right_password_with_wrong_codes_locks_the_account(self, client, district_staff):
        device = confirmed_totp(district_staff)
        with time_machine.travel(T0, tick=False):
            for _ in range(settings.AXES_FAILURE_LIMIT):
                _sign_in(client, district_staff.username, PASSWORD, _wrong(device))
            attempt = AccessAttempt.objects.get(username=district_staff.username)
            assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
            assert _wrong(device) not in attempt.post_data  # the security admin reads these rows
            _sign_in(client, district_staff.username, PASSWORD, current_code(device))
            assert "_auth_user_id" not in client.session

    def test_one_code_attempt_per_password_and_the_step_expires(self, client, district_staff):
        device = confirmed_totp(district_staff)
        with time_machine.travel(T0, tick=False):
            first, second = _sign_in(client, district_staff.username, PASSWORD, _wrong(device))
            # The right code after a wrong one needs the password again.
            again = client.post(first["Location"], {"otp_token": current_code(device)})
            assert again.status_code == 302 and again["Location"].startswith("/accounts/login/")
            assert "_auth_user_id" not in client.session
            first = client.post("/accounts/login/", {"username": district_staff.username, "password": PASSWORD})
        with time_machine.travel(T0 + dt.timedelta(minutes=6), tick=False):
            late = client.post(first["Location"], {"otp_token": current_code(device)})
            assert late.status_code == 302 and late["Location"].startswith("/accounts/login/")
            assert "_auth_user_id" not in client.session

    def test_staff_without_a_device_still_enrol_with_the_password(self, client, district_staff):
        response = client.post("/accounts/login/", {"username": district_staff.username, "password": PASSWORD})
        assert response.status_code == 302
        assert client.get("/").headers["Location"].startswith("/accounts/otp/setup/")


class TestTokenOracle:
    """The API token endpoint answers the same for a wrong password and for a right password
    without (or with a wrong) second factor, and counts both towards the lockout."""

    @pytest.fixture(autouse=True)
    def _fresh_throttle(self):
        # The token endpoint allows 10 requests a minute per client: leave none used to other tests.
        from django.core.cache import cache

        cache.clear()
        yield
        cache.clear()

    def _token(self, api, username, password, code=None):
        data = {"username": username, "password": password}
        if code:
            data["otp_token"] = code
        return api.post("/api/v1/auth/token/", data)

    def test_a_right_password_without_the_code_looks_like_a_wrong_one(self, district_staff):
        device = confirmed_totp(district_staff)
        wrong_code = "000000" if current_code(device) != "000000" else "111111"
        api = APIClient()
        answers = [self._token(api, district_staff.username, "Wrong-Password-9!"),
                   self._token(api, district_staff.username, PASSWORD),
                   self._token(api, district_staff.username, PASSWORD, wrong_code),
                   self._token(api, "nobody-at-all", PASSWORD)]
        assert {r.status_code for r in answers} == {401}
        assert len({r.content for r in answers}) == 1

    def test_right_password_wrong_code_counts_towards_the_lockout(self, district_staff):
        device = confirmed_totp(district_staff)
        api = APIClient()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self._token(api, district_staff.username, PASSWORD)
        assert AccessAttempt.objects.filter(username=district_staff.username).get().failures_since_start >= \
            settings.AXES_FAILURE_LIMIT
        # Locked: even both factors right are refused, with the same answer.
        response = self._token(api, district_staff.username, PASSWORD, current_code(device))
        assert response.status_code in (401, 429)
        assert "token" not in response.json()
