"""`manage.py seed_demo`: the demo accounts plus deterministic demo enterprises and providers."""

import time
import unicodedata

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal import demo, demo_campaigns, demo_regional
from portal.audit import audit_log


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    # Chinese characters take two terminal columns; str.ljust would misalign the table.
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = ("Create or restore the demo accounts (DEMO_MODE only) and add deterministic demo enterprises "
            "and providers. Safe to re-run: nothing is duplicated. / 创建演示账号并生成演示企业与服务商，可重复执行。")

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=300, help="enterprises to generate (default 300)")
        parser.add_argument("--providers", type=int, default=292,
                            help="providers to generate (default 292, the Longhua survey's count); with the demo "
                                 "accounts each verified one gets a published profile (about 9,671 apps at 292)")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                            help=f"random seed; the same seed gives the same data (default {demo.DEFAULT_SEED})")
        parser.add_argument("--no-accounts", action="store_true",
                            help="only organisations, no demo accounts (allowed without DEMO_MODE, e.g. load tests)")

    def handle(self, *args, enterprises, providers, seed, no_accounts, verbosity, **options):
        if not 0 <= enterprises <= demo.MAX_ENTERPRISES:
            raise CommandError(f"--enterprises must be between 0 and {demo.MAX_ENTERPRISES}")
        if not 0 <= providers <= demo.MAX_PROVIDERS:
            raise CommandError(f"--providers must be between 0 and {demo.MAX_PROVIDERS}")
        if not no_accounts and not settings.DEMO_MODE:
            raise CommandError(
                "Refusing to create demo accounts: DEMO_MODE is off, and their passwords and TOTP secrets are "
                "public. Set DEMO_MODE=1 on a demo instance, or pass --no-accounts for organisations only. / "
                "未开启演示模式（DEMO_MODE），不创建演示账号。"
            )

        started = time.monotonic()
        try:
            users = [] if no_accounts else demo.ensure_demo_accounts()
            counts = demo.seed_organisations(enterprises=enterprises, providers=providers, seed=seed,
                                             progress=self._progress if verbosity >= 2 else None)
            # The registry's rows need an author account, so they come with the demo accounts only.
            registry = None if no_accounts else demo.seed_registry(
                seed=seed, progress=self._progress if verbosity >= 2 else None)
            if not no_accounts:
                demo.seed_subsidies()  # subsidy programmes from the seeds (#11)
            demo_regional.seed_regional(generated=enterprises)  # assessed firms for the regional dashboards (#12)
            # The regional seed writes in bulk, past the roll-up hooks: rebuild the dashboards' roll-up.
            call_command("regional_rebuild", verbosity=0)
            demo_campaigns.seed_campaigns()  # Longhua's campaign, every stage (#12)
            if registry is not None:
                demo.seed_leads()  # contact requests in every stage, outcome ratings (#10)
                demo.seed_events()  # Longhua's matchmaking events, pairings in every status (#10)
            if not no_accounts:
                demo.seed_subsidy_applications()  # subsidy applications in every state (#11)
            # Vouchers, projects and integrity flags (#11): after the registry and the regional firms.
            integrity = None if no_accounts else demo.seed_subsidy_integrity()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started

        audit_log(action="demo.seed", username="manage.py seed_demo",
                  detail={"seed": seed, "accounts": [user.username for user in users],
                          "enterprises_created": counts.enterprises_created,
                          "providers_created": counts.providers_created,
                          "profiles_created": registry.profiles_created if registry else 0})

        self.stdout.write(
            f"企业 enterprises: {counts.enterprises_created} new, {counts.enterprises_total} in total\n"
            f"服务商 providers: {counts.providers_created} new, {counts.providers_total} in total\n"
            + (f"服务商档案 published profiles: {registry.profiles_created} new, {registry.listings_total} in total, "
               f"{registry.apps_total} apps; 资源池 pools: {registry.pools_created} new, {registry.members_total} "
               f"members, {registry.applications_total} applications\n" if registry else "") +
            (f"补贴 subsidies: {integrity.vouchers} vouchers, {integrity.projects} projects, {integrity.flags} "
               f"integrity flags\n" if integrity and integrity.vouchers else "") +
            f"seed {seed}, {elapsed:.1f} s"
        )
        if users:
            self._print_accounts()
        self.stdout.write(self.style.SUCCESS("Demo data ready. / 演示数据已就绪。"))

    def _progress(self, kind: str, done: int) -> None:
        self.stdout.write(f"  {kind}: {done}")

    def _print_accounts(self) -> None:
        header = ("用户名 Username", "密码 Password", "角色 Role", "说明 Notes")
        rows = [
            (account.username, account.password, f"{account.role_zh} {account.role_en}",
             account.description + (f"；TOTP: python manage.py demo_totp {account.username}"
                                    if account.privileged else ""))
            for account in demo.DEMO_ACCOUNTS
        ]
        widths = [max(_width(row[i]) for row in (header, *rows)) for i in range(3)]
        self.stdout.write("\n演示账号 Demo accounts:")
        for row in (header, *rows):
            cells = [_pad(row[i], widths[i]) for i in range(3)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
        self.stdout.write(
            "Staff accounts need a second factor: run `python manage.py demo_totp <username>` for the current "
            "code. / 工作人员账号需要动态口令：执行 python manage.py demo_totp <用户名>。\n"
        )
