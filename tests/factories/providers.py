"""Builders for the provider registry: a complete, valid profile document and a published profile
(version + listing) for a provider, so tests of pools, the directory and matching start from the
same realistic data."""

import uuid

from django.utils import timezone

from diagnosis.results.needs import CATEGORY_CODES
from providers.models import ProfileVersion
from providers.profiles.document import parse
from providers.profiles.projection import project


def new_key() -> str:
    return str(uuid.uuid4())


def profile_document(**overrides) -> dict:
    """A filled profile: every section present, values valid for parse()."""
    case_key = new_key()
    document = {
        "facts": {
            "summary": "专注离散制造业MES与设备联网的数字化服务商。",
            "registered_capital": "1000.00", "founded_year": 2012, "employees": 180, "rd_staff": 60,
            "website": "https://example.cn", "service_regions": ["440300"],
            "contacts": [{"name": "王经理", "role": "销售总监", "phone": "13800138000", "email": "wang@example.cn"}],
        },
        "qualifications": [{"key": new_key(), "kind": "high_tech", "name": "高新技术企业证书",
                            "number": "GR202344001234", "issuer": "广东省科学技术厅", "expires": "2027-12-31"}],
        "capabilities": [{"area": "software", "level": 4, "description": "MES、WMS 自主研发", "cases": [case_key]},
                         {"area": "integration", "level": 3, "description": "", "cases": []}],
        "new_tech": ["ai", "5g"],
        "industries": [{"division": "39", "clients": 25}, {"division": "34", "clients": 8}],
        "apps": [{"key": new_key(), "name": "轻量化MES", "category": "production", "deployment": "saas",
                  "price_model": "subscription", "clients": 40}],
        "solutions": [{"key": new_key(), "title": "电子装配车间数字化改造", "summary": "设备联网、MES与看板",
                       "categories": ["smart_manufacturing", "digital_management"],
                       "items": [{"spec": "sme-2024", "item": "equipment-systems"}],
                       "industries": ["39"], "areas": ["software", "integration"],
                       "price_min": "20.00", "price_max": "80.00", "delivery_days": 90, "light": True}],
        "cases": [{"key": case_key, "client_name": "龙华某电子厂", "client_uscc": "", "division": "39",
                   "scope": "SMT车间设备联网与MES", "investment": "60.00", "before": "人工报工",
                   "after": "在制品周转缩短30%", "year": 2024, "areas": ["software"]}],
    }
    document.update(overrides)
    return document


def published_profile(provider, *, document: dict | None = None, actor=None) -> ProfileVersion:
    """Publish ``document`` (default: profile_document()) for ``provider`` as its next version,
    superseding the current one, and project it into the listing, as approval does."""
    document = document if document is not None else profile_document()
    parsed = parse(document, today=timezone.localdate(), categories=CATEGORY_CODES)
    assert parsed.ok, parsed.problems
    actor = actor or provider.memberships.first().user if provider.memberships.exists() else actor
    if actor is None:
        from tests.factories.portal import UserFactory
        actor = UserFactory()
    ProfileVersion.objects.filter(provider=provider, status=ProfileVersion.Status.PUBLISHED).update(
        status=ProfileVersion.Status.SUPERSEDED)
    number = (ProfileVersion.objects.filter(provider=provider).order_by("-number")
              .values_list("number", flat=True).first() or 0) + 1
    now = timezone.now()
    version = ProfileVersion.objects.create(
        provider=provider, number=number, status=ProfileVersion.Status.PUBLISHED, document=document,
        created_by=actor, submitted_at=now, submitted_by=actor, decided_at=now, published_at=now)
    project([(version, parsed.profile)])
    return version


# ─── Pools ───────────────────────────────────────────────────────────────────────────────────


def open_pool(*, region_code: str = "440309", created_by=None, **fields):
    """An open district (or city) pool whose call runs today."""
    import datetime as dt

    from portal.models import Region
    from providers.models import Pool
    from tests.factories.portal import StaffFactory, region

    place = region(region_code)
    tier = {Region.Level.DISTRICT: Pool.Tier.DISTRICT, Region.Level.CITY: Pool.Tier.CITY,
            Region.Level.PROVINCE: Pool.Tier.PROVINCE}[place.level]
    today = timezone.localdate()
    values = {"name": f"{place.name}数字化服务商资源池", "region": place, "tier": tier, "year": today.year,
              "call_opens": today - dt.timedelta(days=10), "call_closes": today + dt.timedelta(days=20),
              "status": Pool.Status.OPEN, "objection_days": 7, "validity_months": 36,
              "min_confirmed_clients": 1,
              "created_by": created_by or StaffFactory(staff_role="district_staff", region=region("440309"))}
    values.update(fields)
    return Pool.objects.create(**values)


def applicant(provider=None):
    """A provider with a published profile and its owner: (provider, owner)."""
    from tests.factories.portal import MembershipFactory, ProviderFactory

    provider = provider or ProviderFactory()
    owner = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    published_profile(provider, actor=owner)
    return provider, owner


def application_in(pool, status: str = "submitted", *, provider=None, **fields):
    """An application of a provider with a published profile, put straight into ``status``."""
    from providers.models import PoolApplication

    provider, owner = applicant(provider)
    version = ProfileVersion.objects.get(provider=provider, status=ProfileVersion.Status.PUBLISHED)
    return PoolApplication.objects.create(pool=pool, provider=provider, profile_version=version, status=status,
                                          submitted_by=owner, **fields)


def member_of(pool, *, provider=None, status: str = "active", due_days_ago: int = 1, **fields):
    """A pool member whose yearly re-check fell due ``due_days_ago`` days ago."""
    import datetime as dt

    from providers.models import PoolMember

    provider = provider or applicant()[0]
    today = timezone.localdate()
    values = {"admitted_at": today - dt.timedelta(days=365), "valid_until": today + dt.timedelta(days=700),
              "next_recheck": today - dt.timedelta(days=due_days_ago), "status": status}
    values.update(fields)
    return PoolMember.objects.create(pool=pool, provider=provider, **values)


def submitted_profile(provider, actor, *, document: dict | None = None, reason: str = "首次提交"):
    """A draft filled with ``document`` (default: profile_document()) and submitted by ``actor``."""
    from providers.profiles import services

    version = services.start_draft(provider=provider, actor=actor)
    ProfileVersion.objects.filter(pk=version.pk).update(document=document if document is not None else profile_document())
    version.refresh_from_db()
    return services.submit(version=version, reason=reason, actor=actor)
