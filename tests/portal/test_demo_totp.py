"""demo_totp: prints a code the demo staff account's device accepts, and nothing outside demo mode."""

import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import demo
from portal.models import AuditEvent
from tests.factories.portal import StaffFactory, confirmed_totp

STAFF = [account.username for account in demo.DEMO_ACCOUNTS if account.privileged]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_accounts(db):
    return {user.username: user for user in demo.ensure_demo_accounts()}


def demo_totp(username: str) -> str:
    out = StringIO()
    call_command("demo_totp", username, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_every_staff_demo_account_has_a_code():
    assert set(STAFF) == {"longhua", "shenzhen", "guangdong", "zhuanjia", "xitong", "anquan", "shenji"}


@pytest.mark.parametrize("username", STAFF)
def test_the_printed_code_verifies_against_the_device(demo_accounts, username):
    code = demo_totp(username)
    assert len(code) == 6
    assert code.isdigit()
    device = TOTPDevice.objects.get(user=demo_accounts[username], confirmed=True)
    assert device.verify_token(code)


def test_a_used_code_is_not_printed_again(demo_accounts):
    device = TOTPDevice.objects.get(user=demo_accounts["longhua"])
    now = time.time()
    assert device.verify_token(demo.totp_code(device, at=now))
    device.refresh_from_db()
    # The code of the current step is spent: the next usable one starts at the next step.
    later = demo.first_unused_time(device, now=now)
    assert now < later <= now + device.step
    assert demo.totp_code(device, at=later) != demo.totp_code(device, at=now)


def test_it_is_audited(demo_accounts):
    demo_totp("shenji")
    event = AuditEvent.objects.get(action="demo.totp_code")
    assert event.object_id == str(demo_accounts["shenji"].pk)


def test_it_is_refused_outside_demo_mode(demo_accounts, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE"):
        demo_totp("longhua")


@pytest.mark.parametrize("username", ["nobody", "admin", "qiye", "fuwushang"])
def test_it_is_refused_for_users_who_are_not_demo_staff(demo_accounts, username):
    with pytest.raises(CommandError, match="demo staff accounts are: longhua"):
        demo_totp(username)


@pytest.mark.django_db
def test_it_is_refused_for_a_real_staff_member_even_with_a_device():
    confirmed_totp(StaffFactory(username="wang.district"))
    with pytest.raises(CommandError, match="not a demo account"):
        demo_totp("wang.district")


@pytest.mark.django_db
def test_it_is_refused_before_seeding():
    with pytest.raises(CommandError, match="seed_demo"):
        demo_totp("longhua")


@pytest.mark.django_db
def test_a_demo_username_without_the_demo_secret_gets_no_code():
    """Somebody re-using a demo username on a real instance does not expose their real device."""
    confirmed_totp(StaffFactory(username="longhua"))
    with pytest.raises(CommandError, match="no demo TOTP device"):
        demo_totp("longhua")


def test_the_command_line_exits_non_zero_outside_demo_mode():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "DEMO_MODE": "0"}
    result = subprocess.run([sys.executable, "manage.py", "demo_totp", "longhua"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DEMO_MODE" in result.stderr
    assert result.stdout == ""
