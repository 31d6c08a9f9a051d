"""`manage.py demo_totp USERNAME`: the current two-factor code of a demo staff account."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import demo
from portal.audit import audit_log
from portal.models import User


class Command(BaseCommand):
    help = ("Print the current TOTP code of a demo staff account (DEMO_MODE only). The code alone goes to "
            "stdout. / 输出演示工作人员账号当前的动态口令（仅限演示模式）。")
    # Reads one row and prints a number: nothing the system checks guard.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, verbosity, **options):
        if not settings.DEMO_MODE:
            raise CommandError("demo_totp only works when DEMO_MODE is on. / 仅在演示模式（DEMO_MODE）下可用。")
        account = demo.demo_account(username)
        staff = ", ".join(a.username for a in demo.DEMO_ACCOUNTS if a.privileged)
        if account is None:
            raise CommandError(f"{username!r} is not a demo account; demo staff accounts are: {staff}. / 不是演示账号。")
        if not account.privileged:
            raise CommandError(f"{username!r} is not a staff account and signs in without a second factor; "
                               f"demo staff accounts are: {staff}. / 该账号无需动态口令。")
        device = TOTPDevice.objects.filter(
            user__in=User.objects.filter(username=username), key=demo.demo_totp_key(username), confirmed=True,
        ).select_related("user").first()
        if device is None:
            raise CommandError(f"{username!r} has no demo TOTP device: run `python manage.py seed_demo` first. / "
                               "请先执行 seed_demo。")

        now = time.time()
        at = demo.first_unused_time(device, now=now)
        if at - now > 2 * device.step:
            raise CommandError(f"the device of {username!r} last accepted a code from the future "
                               "(clock change?): run `python manage.py seed_demo` to reset it.")
        if at > now:
            # django-otp refuses a code twice; the next time step's code is the first it will take.
            self.stderr.write(f"The current code was already used; waiting {at - now:.0f} s for the next one.")
            time.sleep(at - now)
        code = demo.totp_code(device, at=at)

        audit_log(action="demo.totp_code", username="manage.py demo_totp", obj=device.user)
        self.stdout.write(code)
        if verbosity >= 1:
            remaining = device.step - (int(at) - device.t0) % device.step
            self.stderr.write(f"{username}: valid for about {remaining} s more. / 约 {remaining} 秒内有效。")
