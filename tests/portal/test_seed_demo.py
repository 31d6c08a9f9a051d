"""seed_demo and portal.demo: deterministic, valid, idempotent demo data and the demo accounts."""

import re
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import demo
from portal.models import AuditEvent, Enterprise, Membership, Provider, Region, User
from portal.reference import CLUSTERS, INDUSTRY_DIVISIONS, REGIONS, section_of_division
from portal.roles import CONSOLE_DUTIES, PRIVILEGED_ROLES, StaffRole
from portal.uscc import is_valid_uscc

REGION_LEVELS = {seed.code: seed.level for seed in REGIONS}
REGION_PARENTS = {seed.code: seed.parent for seed in REGIONS}
CLUSTER_CODES = {code for code, _name, _kind in CLUSTERS}
EXPECTED_ACCOUNTS = {
    # username: (staff_role, region code, is_staff)
    "qiye": ("", None, False),
    "qiye_viewer": ("", None, False),
    "fuwushang": ("", None, False),
    "longhua": ("district_staff", "440309", False),
    "shenzhen": ("city_staff", "440300", False),
    "guangdong": ("province_staff", "440000", False),
    "zhuanjia": ("expert", None, False),
    "xitong": ("system_admin", None, True),
    "anquan": ("security_admin", None, True),
    "shenji": ("audit_admin", None, False),
}


def seed(**options) -> str:
    out = StringIO()
    args = [f"--{name}={value}" for name, value in {"enterprises": 50, "providers": 10, **options}.items()]
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot(model) -> set[tuple]:
    fields = ["uscc", "name", "region__code"] + (["industry_division"] if model is Enterprise else [])
    return set(model.objects.values_list(*fields))


def test_generation_is_deterministic_and_seed_dependent():
    first = list(demo.generate_enterprises(300, seed=7))
    assert first == list(demo.generate_enterprises(300, seed=7))
    assert list(demo.generate_providers(40, seed=7)) == list(demo.generate_providers(40, seed=7))
    assert first != list(demo.generate_enterprises(300, seed=8))
    assert list(demo.generate_providers(40, seed=7)) != list(demo.generate_providers(40, seed=8))


def test_a_larger_count_extends_a_smaller_one():
    assert list(demo.generate_enterprises(500, seed=3))[:200] == list(demo.generate_enterprises(200, seed=3))


def test_generated_enterprises_are_valid():
    records = list(demo.generate_enterprises(3000, seed=demo.DEFAULT_SEED))
    usccs = {r["uscc"] for r in records}
    assert len(usccs) == len(records)
    assert len({r["name"] for r in records}) == len(records)
    assert demo.DEMO_ENTERPRISE_USCC not in usccs
    for r in records:
        assert is_valid_uscc(r["uscc"]), r
        assert r["uscc"].startswith("91")
        assert r["industry_division"] in INDUSTRY_DIVISIONS
        assert section_of_division(r["industry_division"]) == r["industry_section"]
        assert REGION_LEVELS[r["region_code"]] == "district"
        if r["park_code"]:
            assert REGION_LEVELS[r["park_code"]] == "park"
            assert REGION_PARENTS[r["park_code"]] == r["region_code"]
        assert r["cluster"] in CLUSTER_CODES | {""}
        assert r["above_scale"] == (r["revenue_band"] in {"20m_400m", "gte400m"})
        assert 1 <= r["employees"] <= 30_000
        assert 1985 <= r["established_year"] <= 2025
        assert (r["verified_at"] is not None) == (r["status"] == "verified")
        assert re.fullmatch(r"1[3-9]\d{9}", r["contact_phone"])
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", r["contact_name"])
        assert re.fullmatch(r"(深圳市|东莞市|长沙市|浏阳市)[\u4e00-\u9fff\w]+有限公司", r["name"]), r["name"]
    manufacturing = sum(13 <= int(r["industry_division"]) <= 43 for r in records)
    assert manufacturing / len(records) > 0.9
    assert 0.35 < sum(r["above_scale"] for r in records) / len(records) < 0.45
    statuses = [r["status"] for r in records]
    assert statuses.count("verified") > statuses.count("pending") > statuses.count("rejected") > 0


def test_generated_providers_are_valid_and_never_share_a_code_with_enterprises():
    providers = list(demo.generate_providers(500, seed=demo.DEFAULT_SEED))
    enterprises = list(demo.generate_enterprises(3000, seed=demo.DEFAULT_SEED))
    usccs = {r["uscc"] for r in providers}
    assert len(usccs) == len(providers)
    assert not usccs & {r["uscc"] for r in enterprises}
    assert len({r["name"] for r in providers}) == len(providers)
    for r in providers:
        assert is_valid_uscc(r["uscc"]), r
        assert REGION_LEVELS[r["region_code"]] in {"city", "district"}
        assert re.fullmatch(r"1[3-9]\d{9}", r["contact_phone"])
        assert r["description"]


@pytest.mark.django_db
def test_generated_records_pass_model_validation():
    """seed_organisations skips full_clean for speed; a sample through it proves the generator."""
    regions = {r.code: r for r in Region.objects.all()}
    for record in demo.generate_enterprises(60, seed=11):
        region, park = record.pop("region_code"), record.pop("park_code")
        Enterprise(region=regions[region], park=regions[park] if park else None, **record).full_clean()
    for record in demo.generate_providers(20, seed=11):
        Provider(region=regions[record.pop("region_code")], **record).full_clean()


def _delete_organisations():
    # The registry's rows protect the providers they describe (published versions, pool decisions).
    from providers.models import Listing, Pool, PoolApplication, PoolMember, ProfileVersion
    from subsidies.models import Application, Disbursement, DisbursementBatch
    from subsidies.projects.models import Project
    from subsidies.vouchers.models import Voucher

    # …and so do the demo subsidy applications (#11), vouchers and projects (subsidies/demo_integrity.py).
    for model in (Voucher, Project, Disbursement, DisbursementBatch, Application):
        model.objects.all().delete()
    for model in (PoolMember, PoolApplication, Pool, Listing, ProfileVersion):
        model.objects.all().delete()
    Enterprise.objects.all().delete()
    Provider.objects.all().delete()


@pytest.mark.django_db
def test_seeding_the_same_seed_gives_the_same_rows_and_another_seed_differs():
    seed(seed=5)
    first = snapshot(Enterprise), snapshot(Provider)
    _delete_organisations()
    seed(seed=5)
    assert (snapshot(Enterprise), snapshot(Provider)) == first

    _delete_organisations()
    seed(seed=6)
    other = snapshot(Enterprise), snapshot(Provider)
    # Only the hand-written demo organisations are shared between seeds.
    assert len(other[0] & first[0]) == 1
    assert len(other[1] & first[1]) == 1


@pytest.mark.django_db
def test_seeding_twice_duplicates_nothing():
    output = seed()
    counts = [m.objects.count() for m in (Enterprise, Provider, User, Membership, TOTPDevice)]
    assert counts[:2] == [51, 11]  # the generated ones plus the demo enterprise and provider
    assert "50 new" in output

    output = seed()
    assert [m.objects.count() for m in (Enterprise, Provider, User, Membership, TOTPDevice)] == counts
    assert "0 new" in output


@pytest.mark.django_db
def test_seeding_more_adds_only_the_new_rows():
    seed(enterprises=20, providers=5)
    seed(enterprises=50, providers=10)
    assert Enterprise.objects.count() == 51
    assert Provider.objects.count() == 11


@pytest.mark.django_db
def test_demo_accounts_have_their_roles_regions_and_password():
    seed()
    users = {u.username: u for u in User.objects.filter(username__in=EXPECTED_ACCOUNTS).select_related("region")}
    assert set(users) == set(EXPECTED_ACCOUNTS) == {a.username for a in demo.DEMO_ACCOUNTS}
    for username, (role, region, is_staff) in EXPECTED_ACCOUNTS.items():
        user = users[username]
        assert user.staff_role == role
        assert (user.region.code if user.region else None) == region
        assert user.is_staff is is_staff
        assert user.is_active
        assert user.check_password(demo.DEMO_PASSWORD)
        validate_password(demo.DEMO_PASSWORD, user)
    assert not User.objects.filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_demo_organisations_and_memberships():
    seed()
    enterprise = Enterprise.objects.select_related("region", "park").get(uscc=demo.DEMO_ENTERPRISE_USCC)
    assert enterprise.name == "深圳市华拓精密制造有限公司"
    assert enterprise.region.code == "440309"
    assert enterprise.park.code == "440309P01"
    assert enterprise.is_verified
    assert enterprise.above_scale
    assert enterprise.cluster == "electronics"
    assert enterprise.industry_division in {"34", "39"}
    assert set(enterprise.memberships.values_list("user__username", "role")) == {
        ("qiye", "owner"), ("qiye_viewer", "viewer")}

    provider = Provider.objects.select_related("region").get(uscc=demo.DEMO_PROVIDER_USCC)
    assert provider.region.code == "440305"
    assert provider.is_verified
    assert set(provider.memberships.values_list("user__username", "role")) == {("fuwushang", "owner")}
    assert is_valid_uscc(enterprise.uscc)
    assert is_valid_uscc(provider.uscc)


@pytest.mark.django_db
def test_the_administrators_get_exactly_their_admin_permissions():
    seed()
    xitong, anquan, shenji = (User.objects.get(username=name) for name in ("xitong", "anquan", "shenji"))
    # No administrator can read business data or grant access to it through the admin (三员). Their
    # console rights come from their role through the duty table alone; they hold no Django permissions.
    assert (xitong.is_staff, anquan.is_staff, shenji.is_staff) == (True, True, False)
    assert CONSOLE_DUTIES[StaffRole.SYSTEM_ADMIN] == {
        "portal.user": {"view", "add", "change"}, "portal.region": {"view", "add", "change"}}
    assert set(CONSOLE_DUTIES[StaffRole.SECURITY_ADMIN]) == {
        "portal.user", "otp_totp.totpdevice", "axes.accessattempt", "axes.accessfailurelog", "axes.accesslog"}
    assert CONSOLE_DUTIES[StaffRole.AUDIT_ADMIN] == {}
    assert xitong.get_all_permissions() == anquan.get_all_permissions() == shenji.get_all_permissions() == set()


@pytest.mark.django_db
def test_every_privileged_demo_account_has_a_confirmed_known_totp_device():
    seed()
    for account in demo.DEMO_ACCOUNTS:
        devices = TOTPDevice.objects.filter(user__username=account.username, confirmed=True)
        if account.staff_role in PRIVILEGED_ROLES:
            assert [d.key for d in devices] == [demo.demo_totp_key(account.username)]
        else:
            assert not devices.exists()


@pytest.mark.django_db
def test_reseeding_restores_a_changed_demo_account():
    seed()
    user = User.objects.get(username="longhua")
    user.set_password("Something-Else-2026!")
    user.is_active = False
    user.save()
    AccessAttempt.objects.create(username="longhua", ip_address="127.0.0.1", failures_since_start=5)
    seed()
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(demo.DEMO_PASSWORD)
    assert not AccessAttempt.objects.exists()


@pytest.mark.django_db
def test_it_prints_the_accounts_and_the_totp_hint():
    output = seed()
    for account in demo.DEMO_ACCOUNTS:
        assert account.username in output
    assert demo.DEMO_PASSWORD in output
    assert "python manage.py demo_totp longhua" in output
    assert "demo_totp qiye" not in output


@pytest.mark.django_db
def test_seeding_is_audited():
    seed()
    event = AuditEvent.objects.get(action="demo.seed")
    assert event.detail["enterprises_created"] == 50
    assert demo.DEMO_PASSWORD not in str(event.detail)


@pytest.mark.django_db
def test_demo_accounts_are_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE"):
        seed()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_organisations_alone_need_no_demo_mode(settings):
    settings.DEMO_MODE = False
    call_command("seed_demo", "--enterprises=30", "--providers=5", "--no-accounts", stdout=StringIO())
    assert Enterprise.objects.count() == 30
    assert Provider.objects.count() == 5
    assert not User.objects.exists()


@pytest.mark.parametrize("argument", ["--enterprises=-1", f"--providers={demo.MAX_PROVIDERS + 1}"])
def test_it_rejects_out_of_range_counts(argument):
    with pytest.raises(CommandError, match="between 0 and"):
        call_command("seed_demo", argument, stdout=StringIO())
