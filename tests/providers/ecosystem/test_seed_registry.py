"""seed_demo's registry part: every verified provider gets a valid published profile (the demo
provider included), pools hold their members, applications cover every status, a re-run adds
nothing, and the generated ecosystem has the seed's shape (strong and weak areas, leading industries)."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from diagnosis.results.needs import CATEGORY_CODES
from diagnosis.spec.registry import latest_spec
from portal import demo
from portal.models import OrgStatus, Provider, Region
from providers import demo as registry_demo
from providers.models import (
    Listing,
    ListingApp,
    Pool,
    PoolApplication,
    PoolMember,
    ProfileVersion,
    SolutionItem,
)
from providers.profiles.document import parse

TODAY = dt.date(2026, 11, 30)


def _providers(count):
    # Unsaved rows: the generator reads only the provider's fields and its region's path.
    for record in demo.generate_providers(count, seed=demo.DEFAULT_SEED):
        yield Provider(uscc=record["uscc"], name=record["name"], description=record["description"],
                       website=record["website"], contact_name=record["contact_name"],
                       contact_phone=record["contact_phone"],
                       region=Region(code=record["region_code"], path=f"440000/{record['region_code']}/"))


def test_generated_profiles_are_valid_deterministic_and_shaped_like_the_seed():
    spec_items = set(latest_spec("sme-2024").items)
    areas, industries, apps = Counter(), Counter(), 0
    providers = list(_providers(600))
    for provider in providers:
        document = registry_demo.profile_document(provider, seed=7, today=TODAY)
        assert document == registry_demo.profile_document(provider, seed=7, today=TODAY)
        parsed = parse(document, today=TODAY, categories=CATEGORY_CODES)
        assert parsed.ok, parsed.problems
        areas.update(c.area for c in parsed.profile.capabilities)
        industries.update(i.division for i in parsed.profile.industries)
        apps += len(parsed.profile.apps)
        for solution in parsed.profile.solutions:
            assert {ref.item for ref in solution.items} <= spec_items  # real sme-2024 codes
    ranked = [area for area, _n in areas.most_common()]
    assert set(ranked[:3]) == {"software", "smart_hardware", "platform"}
    assert set(ranked[-2:]) == {"security", "consulting"}
    links = sum(industries.values())
    assert [division for division, _n in industries.most_common(3)] == ["39", "44", "74"]
    assert 0.09 < industries["39"] / links < 0.125
    assert len(industries) == 23
    assert 30 < apps / len(providers) < 48  # about 9,671 apps over the 249 published of 292


@pytest.mark.django_db
def test_seed_demo_publishes_profiles_and_pools_and_is_idempotent():
    out = StringIO()
    call_command("seed_demo", "--enterprises=40", "--providers=120", stdout=out)
    verified = Provider.objects.filter(status=OrgStatus.VERIFIED)
    assert Listing.objects.count() == verified.count()
    assert not Listing.objects.exclude(provider__status=OrgStatus.VERIFIED).exists()
    demo_listing = Listing.objects.get(provider__uscc=demo.DEMO_PROVIDER_USCC)
    assert demo_listing.version.created_by.username == "fuwushang"
    assert SolutionItem.objects.filter(spec_code="sme-2024").exists()
    assert set(PoolApplication.objects.values_list("status", flat=True)) == set(PoolApplication.Status.values)
    assert Pool.objects.count() == 3
    city = Pool.objects.get(tier="city")
    assert city.members.filter(provider__uscc=demo.DEMO_PROVIDER_USCC, status="active").exists()
    for member in PoolMember.objects.select_related("application"):
        assert member.application.status == "admitted" and member.application.provider_id == member.provider_id
    counts = [m.objects.count() for m in (ProfileVersion, Listing, ListingApp, Pool, PoolMember, PoolApplication)]
    call_command("seed_demo", "--enterprises=40", "--providers=120", stdout=StringIO())
    assert [m.objects.count() for m in (ProfileVersion, Listing, ListingApp, Pool, PoolMember,
                                         PoolApplication)] == counts
    assert "published profiles" in out.getvalue()


@pytest.mark.django_db
def test_pool_quotas_at_the_default_size():
    call_command("seed_demo", "--enterprises=20", stdout=StringIO())
    active = Counter(PoolMember.objects.filter(status="active").values_list("pool__tier", flat=True))
    assert active["city"] == 42 and active["province"] == 18
    assert 9000 < ListingApp.objects.count() < 10500


@pytest.mark.django_db
def test_seed_demo_fills_every_pools_screen_deterministically_and_once():
    from providers.models import Appeal, Complaint, ExpertScore, Objection, Rating, Recheck

    call_command("seed_demo", "--enterprises=40", "--providers=120", stdout=StringIO())
    lifecycle = (ExpertScore, Objection, Recheck, Appeal, Rating, Complaint)
    counts = [m.objects.count() for m in lifecycle]
    scored = PoolApplication.objects.filter(status__in=registry_demo.SCORED)
    assert scored.exists() and not scored.filter(expert_scores__isnull=True).exists()
    assert ExpertScore.objects.filter(conflict_declared=True).count() == 1
    # The demo expert has a sheet still to fill on an application in expert review.
    assert ExpertScore.objects.filter(expert__username="zhuanjia", submitted_at__isnull=True,
                                      conflict_declared=False, application__status="expert_review").exists()
    for application in scored.exclude(status="expert_review"):
        assert application.total_score is not None  # the average of the submitted sheets
    assert set(Objection.objects.values_list("status", flat=True)) == {"open", "dismissed"}
    assert Objection.objects.get(status="open").application.status == "notice"
    assert set(Recheck.objects.values_list("outcome", flat=True)) == {"pass", "suspend"}
    appeal = Appeal.objects.get()
    assert appeal.status == "open" and appeal.member.status == "suspended"
    assert Rating.objects.exists()
    assert Complaint.objects.filter(status="upheld").count() == 1
    sheets = list(ExpertScore.objects.order_by("application__pool__name", "application__provider__uscc",
                                               "expert__username").values_list("total", flat=True))

    call_command("seed_demo", "--enterprises=40", "--providers=120", stdout=StringIO())
    assert [m.objects.count() for m in lifecycle] == counts
    assert list(ExpertScore.objects.order_by("application__pool__name", "application__provider__uscc",
                                             "expert__username").values_list("total", flat=True)) == sheets
