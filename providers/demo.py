"""Demo data of the provider registry: published profiles (with listings, built through the same
projection as approval), case confirmations, and three resource pools with members and
applications. Called by `manage.py seed_demo` through portal/demo.py (site wiring) after the
organisations exist, and by the benchmarks.

Realism (../shared/reference/domain.md, seed 000, Longhua's provider survey): capability areas
weighted so that 软件和模型开发, 智能硬件产品及服务 and 平台开发 are strong and 安全防护 and
数字化咨询 weak; 23 industries served, led by 电子 (39) ≈ 10.6 %, 电力 (44) ≈ 9.3 % and 服务业
≈ 7.9 % of the provider–industry links (GB/T 4754 has no single "services" division; 74
专业技术服务业 stands for it); about 9,671 apps over the 292 providers of the default run
(≈ 39 per published provider: the unverified ones publish nothing); service regions local for most
providers (their district, sometimes one or two more) and city-wide for about a third, so the
supply-demand gap map differs between districts; a Shenzhen city pool with 42
active members, a Guangdong province pool with 18 and a Longhua district pool (seed 002's 42
city- and 18 province-level providers), and pool applications in every status.

Deterministic: each provider's profile comes from a generator seeded with the run's seed and the
provider's USCC, so it does not depend on how many providers are seeded or in which order, and a
re-run skips providers that already have a profile (idempotent). Dates (qualification expiry,
re-checks) are relative to the day of the run so that the pool-health screen has something due.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from diagnosis.results.needs import CATEGORY_CODES
from portal.models import Enterprise, OrgStatus, Provider, Region
from portal.roles import StaffRole
from providers.models import (
    Appeal,
    CaseConfirmation,
    Complaint,
    ExpertScore,
    Listing,
    Objection,
    Pool,
    PoolApplication,
    PoolMember,
    ProfileVersion,
    Rating,
    Recheck,
)
from providers.pools import workflow
from providers.profiles.document import parse
from providers.profiles.projection import project
from providers.taxonomy import CAPABILITY_AREAS

SEED_USERNAME = "seed-registry"
DEFAULT_MEAN_APPS = 39.0
BATCH = 500

# Capability areas: how often an area is declared, and the level it tends to reach.
AREA_WEIGHTS = {"software": 10, "smart_hardware": 8, "platform": 9, "integration": 6, "data": 5, "cloud": 4,
                "network_5g": 3, "industrial_app": 5, "security": 1.2, "consulting": 1.0}
AREA_LEVEL_BIAS = {"software": 1, "smart_hardware": 1, "platform": 1, "security": -1, "consulting": -1}
_AREA_BY_TITLE = {t.title: t.code for t in CAPABILITY_AREAS}

# 23 industries served; the first three are the seed's figures (percent of provider–industry links).
INDUSTRY_WEIGHTS = {
    "39": 10.6, "44": 9.3, "74": 7.9, "38": 6.4, "34": 6.2, "35": 6.0, "36": 5.6, "33": 5.2, "29": 4.8, "27": 4.4,
    "26": 4.2, "40": 4.0, "18": 3.6, "14": 3.4, "21": 3.0, "30": 2.8, "32": 2.6, "17": 2.4, "22": 2.2, "24": 2.0,
    "37": 1.8, "65": 0.8, "43": 0.8,
}
_INDUSTRY_WORD = {"39": "电子", "44": "电力", "74": "工程技术服务", "38": "电气机械", "34": "通用设备", "35": "专用设备",
                  "36": "汽车零部件", "33": "五金", "29": "塑胶", "27": "医药", "26": "化工", "40": "仪器仪表",
                  "18": "服装", "14": "食品", "21": "家具", "30": "建材", "32": "有色金属", "17": "纺织",
                  "22": "造纸包装", "24": "文体用品", "37": "运输设备", "65": "软件信息", "43": "设备维修"}

# Need categories: 80 % of the demand falls in the first three (seed 000).
CATEGORY_WEIGHTS = dict(zip(CATEGORY_CODES, (30, 28, 22, 7, 7, 6), strict=True))
# The sme-2024 scenarios and items a solution of each category usually addresses.
CATEGORY_ITEMS = {
    "digital_management": ("sc-finance", "sc-hr", "sc-office", "sc-decision", "sc-procurement", "it-coverage",
                           "management-mechanisms", "planning-implementation"),
    "smart_manufacturing": ("sc-planning", "sc-production-control", "sc-quality", "sc-equipment", "sc-safety",
                            "sc-energy", "device-networking", "device-digitisation", "data-collection-links"),
    "networked_collaboration": ("sc-procurement", "sc-warehousing", "sc-marketing", "network", "data-security",
                                "network-security"),
    "personalised_customisation": ("sc-product-design", "sc-marketing", "sc-process-design"),
    "service_extension": ("sc-after-sales", "sc-marketing", "sc-equipment"),
    "platform_design": ("sc-product-design", "sc-process-design", "it-coverage"),
}
_SCENARIO_TITLE = {
    "sc-finance": "业财一体化", "sc-hr": "人力资源数字化", "sc-office": "协同办公", "sc-decision": "经营决策驾驶舱",
    "sc-procurement": "采购协同", "it-coverage": "ERP上云", "management-mechanisms": "数字化管理体系",
    "planning-implementation": "数字化转型规划", "sc-planning": "智能排产", "sc-production-control": "MES生产管控",
    "sc-quality": "质量追溯", "sc-equipment": "设备预测性维护", "sc-safety": "安全生产监测", "sc-energy": "能耗管理",
    "device-networking": "设备联网", "device-digitisation": "设备数字化改造", "data-collection-links": "数据采集",
    "sc-warehousing": "智能仓储", "sc-marketing": "数字营销", "network": "5G工业专网", "data-security": "数据安全",
    "network-security": "工控安全", "sc-product-design": "协同研发设计", "sc-process-design": "数字化工艺",
    "sc-after-sales": "远程运维服务",
}
_SOLUTION_SUFFIX = ("解决方案", "轻量化方案", "一体化方案", "改造方案", "SaaS服务")

APP_CATEGORY_WEIGHTS = {"production": 24, "operations": 18, "equipment": 14, "quality": 12, "supply_chain": 11,
                        "rd_design": 9, "energy_safety": 7, "marketing_service": 5}
_APP_WORDS = {
    "production": ("生产执行MES", "工单报工", "车间看板", "智能排程", "物料追溯", "产线平衡", "作业指导"),
    "operations": ("ERP", "财务管理", "合同管理", "经营分析", "人事考勤", "OA协同", "预算管控"),
    "equipment": ("设备点检", "设备台账", "预测性维护", "设备OEE分析", "备件管理", "远程监控"),
    "quality": ("质量检验", "SPC分析", "视觉质检", "来料检验", "质量追溯", "不良分析"),
    "supply_chain": ("WMS仓储", "采购协同", "供应商门户", "物流跟踪", "库存优化", "条码管理"),
    "rd_design": ("PLM", "PDM图文档", "BOM管理", "工艺设计CAPP", "仿真分析", "需求管理"),
    "energy_safety": ("能耗监测", "碳排放核算", "安全巡检", "危化品管理", "环保监测"),
    "marketing_service": ("CRM", "售后工单", "经销商管理", "电商订单", "客户服务"),
}
_APP_EDITIONS = ("", "云版", "轻量版", "专业版", "移动端", "标准版", "V2", "V3", "行业版")
DEPLOYMENT_WEIGHTS = {"saas": 55, "private": 35, "edge": 10}
PRICE_WEIGHTS = {"subscription": 45, "licence": 20, "project": 20, "usage": 10, "free": 5}
TECH_WEIGHTS = {"ai": 30, "cloud_native": 25, "5g": 15, "digital_twin": 12, "identifier": 10, "blockchain": 5}
QUALIFICATIONS = (("high_tech", "高新技术企业证书", "广东省科学技术厅", 0.7), ("cmmi", "CMMI 3级", "CMMI Institute", 0.3),
                  ("iso9001", "ISO 9001 质量管理体系认证", "中国质量认证中心", 0.5),
                  ("iso27001", "ISO 27001 信息安全管理体系认证", "中国网络安全审查认证和市场监管大数据中心", 0.25),
                  ("system_integration", "信息系统建设和服务能力等级证书", "中国电子信息行业联合会", 0.2))


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _distinct(rng: random.Random, weights: dict[str, float], k: int, first: str | None = None) -> list[str]:
    chosen = [first] if first else []
    while len(chosen) < min(k, len(weights)):
        code = _weighted(rng, weights)
        if code not in chosen:
            chosen.append(code)
    return chosen


def _key(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _app_count(rng: random.Random, mean: float) -> int:
    # Skewed: most providers list a handful of apps, a few platform vendors list hundreds.
    sigma = 1.0
    mu = math.log(max(mean, 1.0)) - sigma * sigma / 2
    return max(0, min(2000, int(rng.lognormvariate(mu, sigma) + 0.5)))


def profile_document(provider: Provider, *, seed: int, today: dt.date, mean_apps: float = DEFAULT_MEAN_APPS,
                     clients: list[tuple[str, str, str]] = ()) -> dict:
    """A plausible published profile for ``provider``, deterministic in (seed, USCC, today).
    ``clients`` are (uscc, name, division) of portal enterprises a case may name."""
    rng = random.Random(f"profile:{seed}:{provider.uscc}")
    declared = provider.description.split("，", 1)[0].removeprefix("专注")
    primary = _AREA_BY_TITLE.get(declared) or _weighted(rng, AREA_WEIGHTS)
    areas = _distinct(rng, AREA_WEIGHTS, rng.choice((1, 2, 2, 3, 3, 4)), first=primary)
    divisions = _distinct(rng, INDUSTRY_WEIGHTS, rng.choice((2, 3, 3, 3, 4)))
    cases, case_keys = [], {}
    for _index in range(rng.choice((1, 2, 2, 3, 4))):
        key, area = _key(rng), rng.choice(areas)
        division = rng.choice(divisions)
        client = rng.choice(clients) if clients and rng.random() < 0.5 else None
        scenario = rng.choice(CATEGORY_ITEMS["smart_manufacturing"] + CATEGORY_ITEMS["digital_management"])
        cases.append({
            "key": key, "client_name": client[1] if client else f"{_INDUSTRY_WORD[division]}行业某制造企业",
            "client_uscc": client[0] if client else "", "division": client[2] if client and client[2] else division,
            "scope": f"{_SCENARIO_TITLE.get(scenario, '数字化改造')}项目", "investment": f"{rng.randint(5, 300)}.00",
            "before": "人工记录、数据分散", "after": rng.choice(("生产效率提升15%", "不良率下降30%", "库存周转提升20%",
                                                           "设备综合效率提升12%", "交付周期缩短25%")),
            "year": rng.randint(max(2018, today.year - 6), today.year), "areas": [area]})
        case_keys.setdefault(area, []).append(key)
    capabilities = []
    for index, area in enumerate(areas):
        base = 3 if index == 0 else 2
        level = max(1, min(5, base + AREA_LEVEL_BIAS.get(area, 0) + rng.choice((-1, 0, 0, 1))))
        capabilities.append({"area": area, "level": level, "description": "", "cases": case_keys.get(area, [])})
    apps = []
    for _index in range(_app_count(rng, mean_apps)):
        category = _weighted(rng, APP_CATEGORY_WEIGHTS)
        name = rng.choice(_APP_WORDS[category]) + rng.choice(_APP_EDITIONS)
        apps.append({"key": _key(rng), "name": name[:100], "category": category,
                     "deployment": _weighted(rng, DEPLOYMENT_WEIGHTS), "price_model": _weighted(rng, PRICE_WEIGHTS),
                     "clients": min(5000, int(rng.paretovariate(1.5) * 3))})
    solutions = []
    for _index in range(rng.choice((1, 1, 2, 2, 3, 4, 5))):
        categories = _distinct(rng, CATEGORY_WEIGHTS, rng.choice((1, 1, 2)))
        items = sorted({rng.choice(CATEGORY_ITEMS[c]) for c in categories for _ in range(2)})
        industries = rng.sample(divisions, min(len(divisions), rng.choice((1, 2))))
        low = rng.choice((3, 5, 8, 10, 20, 30, 50))
        light = rng.random() < 0.45
        solutions.append({
            "key": _key(rng),
            "title": f"{_INDUSTRY_WORD[industries[0]]}行业{_SCENARIO_TITLE.get(items[0], '数字化')}"
                     f"{rng.choice(_SOLUTION_SUFFIX)}"[:100],
            "summary": f"面向{_INDUSTRY_WORD[industries[0]]}行业中小企业，覆盖"
                       + "、".join(_SCENARIO_TITLE.get(i, i) for i in items) + "。",
            "categories": categories, "items": [{"spec": "sme-2024", "item": i} for i in items],
            "industries": industries, "areas": rng.sample(areas, min(len(areas), rng.choice((1, 2)))),
            "price_min": f"{low}.00", "price_max": f"{low * rng.choice((2, 3, 4))}.00",
            "delivery_days": rng.choice((15, 30, 45, 60, 90, 120, 180)) if not light else rng.choice((7, 15, 30)),
            "light": light})
    qualifications = []
    for kind, name, issuer, chance in QUALIFICATIONS:
        if rng.random() < chance or (kind == "high_tech" and not qualifications and rng.random() < 0.5):
            # Spread over the next three years; about one in twelve falls within the next 90 days.
            expires = today + dt.timedelta(days=rng.randint(-30, 3 * 365))
            qualifications.append({"key": _key(rng), "kind": kind, "name": name, "issuer": issuer,
                                   "number": f"{kind[:2].upper()}{rng.randrange(10**9):09d}",
                                   "expires": expires.isoformat()})
    employees = int(rng.lognormvariate(math.log(120), 0.9)) + 10
    region_codes = _service_regions(provider, seed)
    return {
        "facts": {
            "summary": provider.description, "registered_capital": f"{rng.choice((100, 200, 500, 1000, 2000, 5000))}.00",
            "founded_year": rng.randint(2003, min(2022, today.year)), "employees": employees,
            "rd_staff": max(1, int(employees * rng.uniform(0.2, 0.6))), "website": provider.website,
            "service_regions": region_codes,
            "contacts": [{"name": provider.contact_name or "联系人", "role": "市场负责人",
                          "phone": provider.contact_phone, "email": ""}],
        },
        "qualifications": qualifications, "capabilities": capabilities,
        "new_tech": _distinct(rng, TECH_WEIGHTS, rng.choice((0, 1, 1, 2, 3))),
        "industries": [{"division": d, "clients": rng.randint(1, 40)} for d in divisions],
        "apps": apps, "solutions": solutions, "cases": cases,
    }


# Share of providers serving their whole city; the others serve their own district and, for some,
# one or two neighbouring districts, so the gap map's supply differs from district to district.
CITY_WIDE_SHARE = 0.3


def _service_regions(provider: Provider, seed: int) -> list[str]:
    """Where a provider offers its services: its own region and, for about one in three, its whole
    city; a district provider that does not serve the city also serves up to two other districts of
    it. Its own generator (seeded by USCC), so the rest of the profile does not change with it."""
    rng = random.Random(f"regions:{seed}:{provider.uscc}")
    chain = provider.region.path.strip("/").split("/")[1:]  # below the province: city, district, park
    if len(chain) <= 1 or rng.random() < CITY_WIDE_SHARE:
        return chain[:1] or chain
    district = chain[1]
    neighbours = [code for code in _districts_of_city(chain[0]) if code != district]
    extra = rng.sample(neighbours, min(len(neighbours), rng.choice((0, 1, 1, 2))))
    return [district, *sorted(extra)]


@functools.lru_cache(maxsize=64)
def _districts_of_city(code: str) -> tuple[str, ...]:
    return tuple(Region.objects.filter(parent__code=code, level=Region.Level.DISTRICT).order_by("code")
                 .values_list("code", flat=True))


def seed_user():
    """The account the seeded rows name as their author: inactive, no password, never signs in."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=SEED_USERNAME, defaults={
        "first_name": "演示数据", "is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@dataclass(frozen=True)
class RegistryCounts:
    profiles_created: int
    listings_total: int
    apps_total: int
    pools_created: int
    members_total: int
    applications_total: int


def seed_profiles(*, seed: int, mean_apps: float = DEFAULT_MEAN_APPS, today: dt.date | None = None,
                  authors: dict[int, object] | None = None, progress: Callable[[str, int], None] | None = None) -> int:
    """Publish a generated profile for every verified provider that has none yet; returns how many."""
    today = today or timezone.localdate()
    author = seed_user()
    authors = authors or {}
    clients = list(Enterprise.objects.filter(status=OrgStatus.VERIFIED).order_by("uscc")
                   .values_list("uscc", "name", "industry_division")[:2000])
    client_ids = dict(Enterprise.objects.filter(uscc__in=[c[0] for c in clients]).values_list("uscc", "pk"))
    pending = list(Provider.objects.filter(status=OrgStatus.VERIFIED, profile_versions__isnull=True)
                   .select_related("region").order_by("uscc"))
    done = 0
    now = timezone.now()
    for start in range(0, len(pending), BATCH):
        batch = pending[start:start + BATCH]
        with transaction.atomic():
            versions, parsed, confirmations = [], [], []
            for provider in batch:
                document = profile_document(provider, seed=seed, today=today, mean_apps=mean_apps, clients=clients)
                result = parse(document, today=today, categories=CATEGORY_CODES)
                if not result.ok:
                    raise ValueError(f"generated profile of {provider.uscc} is invalid: {result.problems[:3]}")
                actor = authors.get(provider.pk, author)
                versions.append(ProfileVersion(
                    provider=provider, number=1, status=ProfileVersion.Status.PUBLISHED, document=document,
                    created_by=actor, submitted_at=now, submitted_by=actor, decided_at=now, decided_by=author,
                    published_at=now))
                parsed.append(result.profile)
                confirmations += [CaseConfirmation(provider=provider, case_key=c.key,
                                                   enterprise_id=client_ids[c.client_uscc],
                                                   status=CaseConfirmation.Status.CONFIRMED, decided_at=now)
                                  for c in result.profile.cases if c.client_uscc in client_ids]
            ProfileVersion.objects.bulk_create(versions, batch_size=BATCH)
            CaseConfirmation.objects.bulk_create(confirmations, batch_size=BATCH, ignore_conflicts=True)
            project(list(zip(versions, parsed, strict=True)))
        done += len(batch)
        if progress:
            progress("profiles", done)
    return done


# Pools: (name, region code, tier, active members wanted, criteria).
POOLS = (
    ("深圳市中小企业数字化转型服务商资源池（2025年度）", "440300", Pool.Tier.CITY, 42,
     "在深圳市注册的独立法人；近三年至少3个制造业数字化转型案例；具备高新技术企业或同等资质；承诺对中小企业让利。"),
    ("广东省中小企业数字化转型服务商资源池（2025年度）", "440000", Pool.Tier.PROVINCE, 18,
     "在广东省注册；具备省级以上资质或标杆案例；服务覆盖两个以上地市；近三年无不良记录。"),
    ("龙华区数字化转型服务商资源池（2025年度）", "440309", Pool.Tier.DISTRICT, 12,
     "服务龙华区企业；近两年至少2个龙华区企业案例；提供本地化驻场服务。"),
)


def seed_pools(*, seed: int, today: dt.date | None = None, creator=None,
               featured: frozenset[int] = frozenset()) -> tuple[int, int, int]:
    """The three demo pools with active (and a few suspended or overdue) members, each admitted
    through an application, and further applications in every other status. Idempotent: a pool
    that exists (by name) is left as it is. ``featured`` providers (the demo provider) are admitted
    to every pool whose region holds them. Returns (pools created, members, applications)."""
    today = today or timezone.localdate()
    author = seed_user()
    creator = creator or author
    rng = random.Random(f"pools:{seed}")
    regions = {r.code: r for r in Region.objects.filter(code__in=[code for _n, code, *_rest in POOLS])}
    created = 0
    for name, code, tier, wanted, criteria in POOLS:
        if Pool.objects.filter(name=name).exists() or code not in regions:
            continue
        created += 1
        pool = Pool.objects.create(
            name=name, region=regions[code], tier=tier, year=2025, criteria=criteria, call_opens=dt.date(2025, 3, 1),
            call_closes=dt.date(2025, 4, 30), status=Pool.Status.OPEN, created_by=creator,
            validity_months=36 if tier != Pool.Tier.DISTRICT else 24)
        listings = list(Listing.objects.filter(region_path__startswith=regions[code].path)
                        .select_related("version").order_by("-verified_case_count", "-solution_count", "provider__uscc"))
        # Members come from the strongest third (verified cases, solutions), in random order; the
        # demo provider first; the next ones apply.
        strongest = listings[:max(3 * wanted, wanted + 20)]
        rng.shuffle(strongest)
        ordered = sorted(strongest, key=lambda listing: listing.provider_id not in featured) + listings[len(strongest):]
        members, applicants = ordered[:wanted + 4], ordered[wanted + 4:wanted + 4 + 14]
        statuses = [PoolApplication.Status.ADMITTED] * len(members)
        other = [PoolApplication.Status.SUBMITTED, PoolApplication.Status.RETURNED, PoolApplication.Status.EXPERT_REVIEW,
                 PoolApplication.Status.NOTICE, PoolApplication.Status.REFUSED, PoolApplication.Status.WITHDRAWN]
        now = timezone.now()
        for index, listing in enumerate(members + applicants):
            status = statuses[index] if index < len(members) else other[(index - len(members)) % len(other)]
            decided = status in (PoolApplication.Status.ADMITTED, PoolApplication.Status.REFUSED)
            application = PoolApplication.objects.create(
                pool=pool, provider_id=listing.provider_id, profile_version=listing.version, status=status,
                discount_offer=rng.choice(("首年服务费八折", "诊断服务免费", "SaaS 订阅首年五折", "")),
                statement="申请入库，承诺按资源池管理办法提供服务。", submitted_by=author,
                check_note="材料齐全。" if status not in (PoolApplication.Status.SUBMITTED,
                                                     PoolApplication.Status.RETURNED) else
                ("请补充近三年案例的验收材料。" if status == PoolApplication.Status.RETURNED else ""),
                checked_by=creator if status != PoolApplication.Status.SUBMITTED else None,
                checked_at=now if status != PoolApplication.Status.SUBMITTED else None,
                # The expert score comes from the score sheets (seed_pool_lifecycle).
                notice_starts=today - dt.timedelta(days=3) if status == PoolApplication.Status.NOTICE else None,
                notice_ends=today + dt.timedelta(days=4) if status == PoolApplication.Status.NOTICE else None,
                decided_by=creator if decided else None, decided_at=now if decided else None,
                decision_note={PoolApplication.Status.REFUSED: "专家评分未达到入库分数线。"}.get(status, ""))
            if status != PoolApplication.Status.ADMITTED:
                continue
            admitted = dt.date(2025, 6, 1) + dt.timedelta(days=rng.randint(0, 30))
            member_status, recheck, reason = PoolMember.Status.ACTIVE, admitted + dt.timedelta(days=365), ""
            if index >= wanted:  # beyond the active quota: suspended after a failed re-check
                member_status, reason = PoolMember.Status.SUSPENDED, "年度复核：资质证书已过期，且确认客户不足。"
            elif index % 9 == 4:  # some re-checks are overdue
                recheck = today - dt.timedelta(days=rng.randint(1, 60))
            else:
                recheck = today + dt.timedelta(days=rng.randint(10, 330))
            PoolMember.objects.create(
                pool=pool, provider_id=listing.provider_id, application=application, status=member_status,
                admitted_at=admitted, valid_until=admitted + dt.timedelta(days=30 * pool.validity_months),
                next_recheck=recheck, suspended_reason=reason)
    return (created, PoolMember.objects.count(), PoolApplication.objects.count())


SEED_EXPERTS = (("seed-expert-1", "王建国"), ("seed-expert-2", "陈思远"))
SCORED = (PoolApplication.Status.EXPERT_REVIEW, PoolApplication.Status.NOTICE, PoolApplication.Status.ADMITTED,
          PoolApplication.Status.REFUSED)


def _seed_experts(featured_expert=None) -> list:
    """The demo expert (when the accounts exist) and two inactive seed experts who never sign in."""
    user_model = get_user_model()
    experts = [featured_expert] if featured_expert is not None else []
    for username, name in SEED_EXPERTS:
        user, created = user_model.objects.get_or_create(username=username, defaults={
            "first_name": name, "is_active": False, "staff_role": StaffRole.EXPERT})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        experts.append(user)
    return experts


def _sheet_scores(rng: random.Random, refused: bool) -> dict:
    low, high = (35, 62) if refused else (62, 96)
    return {code: Decimal(rng.randint(low, high)) for code in workflow.PART_CODES}


def _seed_sheets(application, experts, *, creator, now, conflict: bool, pending_expert=None) -> None:
    """One score sheet per expert; submitted, except ``pending_expert``'s (still to score) and, with
    ``conflict``, the last expert's, who declared a conflict of interest. The application's expert
    score is the services' average of what counts."""
    rng = random.Random(f"sheets:{application.pool.name}:{application.provider.uscc}")
    for index, expert in enumerate(experts):
        sheet = ExpertScore(application=application, expert=expert, assigned_by=creator)
        if conflict and index == len(experts) - 1:
            sheet.conflict_declared = True
            sheet.conflict_note = "本人近两年曾为该服务商提供咨询服务，申请回避。"
        elif expert != pending_expert:
            scores = _sheet_scores(rng, application.status == PoolApplication.Status.REFUSED)
            for code, value in scores.items():
                setattr(sheet, code, value)
            sheet.total = workflow.sheet_total(scores).total
            sheet.comment = rng.choice(("案例材料翔实，交付能力较强。", "方案针对性强，让利承诺明确。",
                                        "资质齐全，但本地化服务团队偏小。", "案例与申报领域匹配度一般。"))
            sheet.submitted_at = now
        sheet.save()
    sheets = [workflow.Sheet(total=s.total if s.submitted_at else None, conflict=s.conflict_declared)
              for s in application.expert_scores.all()]
    application.total_score = workflow.average(sheets, pass_score=application.pool.pass_score).score
    application.save(update_fields=["total_score"])


def seed_pool_lifecycle(*, seed: int, today: dt.date | None = None, creator=None, expert=None) -> dict[str, int]:
    """What follows admission in the demo pools, so every pools screen has rows: expert score
    sheets for every application that reached expert review (one expert declared a conflict; the
    demo expert still has a sheet to fill), objections during the public notice (one open, one
    dismissed), re-checks (one passed; one suspended with an open appeal), and enterprises'
    ratings and complaints (one upheld, one open). Deterministic (ordered by pool name and USCC)
    and idempotent: each row is looked up by its natural key before it is created."""
    today = today or timezone.localdate()
    author = seed_user()
    creator = creator or author
    now = timezone.now()
    experts = _seed_experts(expert)
    rng = random.Random(f"lifecycle:{seed}")
    applications = list(PoolApplication.objects.filter(submitted_by=author, status__in=SCORED)
                        .select_related("pool", "provider").order_by("pool__name", "provider__uscc"))
    in_review = [a for a in applications if a.status == PoolApplication.Status.EXPERT_REVIEW]
    conflicted = (in_review or applications or [None])[-1]
    pending = in_review[0] if in_review else None
    for application in applications:
        if application.expert_scores.exists():
            continue
        _seed_sheets(application, experts, creator=creator, now=now, conflict=application == conflicted,
                     pending_expert=experts[0] if application == pending else None)

    # Objections: one open on an application in its public notice, one dismissed on another.
    notices = [a for a in applications if a.status == PoolApplication.Status.NOTICE]
    objections = (("该服务商申报的龙华某电子厂案例，据了解项目尚未验收，请核实。", Objection.Status.OPEN, ""),
                  ("该服务商近期有合同纠纷，建议暂缓入库。", Objection.Status.DISMISSED,
                   "经核实，所涉纠纷已于2024年调解结案，与入库条件无关，异议不成立。"))
    for application, (text, status, resolution) in zip(notices, objections, strict=False):
        if not Objection.objects.filter(application=application, text=text).exists():
            decided = status != Objection.Status.OPEN
            Objection.objects.create(application=application, filed_by=author, text=text, status=status,
                                     resolution=resolution, resolved_by=creator if decided else None,
                                     resolved_at=now if decided else None)

    # Re-checks: an active member passed last year's; a suspended one failed it and appeals.
    members = list(PoolMember.objects.filter(application__submitted_by=author).select_related("provider")
                   .order_by("pool__name", "provider__uscc"))
    passed = next((m for m in members if m.status == PoolMember.Status.ACTIVE), None)
    suspended = next((m for m in members if m.status == PoolMember.Status.SUSPENDED), None)
    year = today.year - 1
    if passed is not None:
        Recheck.objects.get_or_create(member=passed, year=year, defaults={
            "outcome": Recheck.Outcome.PASS, "reasons": [], "decided_by": creator})
    if suspended is not None:
        Recheck.objects.get_or_create(member=suspended, year=year, defaults={
            "outcome": Recheck.Outcome.SUSPEND, "decided_by": creator,
            "reasons": [{"code": "expired_qualification", "name": "高新技术企业证书",
                         "expires": (today - dt.timedelta(days=40)).isoformat()},
                        {"code": "few_clients", "have": "1", "need": str(suspended.pool.min_confirmed_clients)}]})
        if not suspended.appeals.exists():
            owner = (get_user_model().objects.filter(memberships__provider_id=suspended.provider_id)
                     .order_by("pk").first() or author)
            Appeal.objects.create(member=suspended, filed_by=owner,
                                  text="高新技术企业证书已于上月完成复审，新证书已上传至能力档案；另有两家客户"
                                       "已在平台确认案例，请予恢复入库资格。")

    # Ratings and complaints by clients that confirmed a case of a member.
    confirmed = list(CaseConfirmation.objects.filter(status=CaseConfirmation.Status.CONFIRMED,
                                                     provider_id__in=[m.provider_id for m in members])
                     .order_by("provider__uscc", "enterprise__uscc").values_list("provider_id", "enterprise_id"))
    ratings = 0
    for provider_id, enterprise_id in confirmed[:12]:
        _rating, created = Rating.objects.get_or_create(
            provider_id=provider_id, enterprise_id=enterprise_id, year=year,
            defaults={"rated_by": author, "score": rng.choice((3, 4, 4, 5, 5)),
                      "comment": rng.choice(("交付及时，驻场工程师专业。", "系统上线后报工效率明显提升。",
                                             "售后响应偏慢，整体满意。"))})
        ratings += created
    complaints = (("项目延期交付", "合同约定90天交付，实际延期两个月，且未提前告知。", Complaint.Status.UPHELD,
                   "经核实，延期属实，已责令服务商整改并向企业致歉；计入年度复核。"),
                  ("售后响应不及时", "系统故障报修后三天无人响应。", Complaint.Status.OPEN, ""))
    for (provider_id, enterprise_id), (subject, text, status, resolution) in zip(
            confirmed[12:14], complaints, strict=False):
        if not Complaint.objects.filter(provider_id=provider_id, enterprise_id=enterprise_id, subject=subject).exists():
            handled = status != Complaint.Status.OPEN
            Complaint.objects.create(provider_id=provider_id, enterprise_id=enterprise_id, filed_by=author,
                                     subject=subject, text=text, status=status, resolution=resolution,
                                     handled_by=creator if handled else None, handled_at=now if handled else None)
    return {"sheets": ExpertScore.objects.count(), "objections": Objection.objects.count(),
            "rechecks": Recheck.objects.count(), "appeals": Appeal.objects.count(),
            "ratings": Rating.objects.count(), "complaints": Complaint.objects.count(), "ratings_created": ratings}


def seed_registry(*, seed: int, mean_apps: float = DEFAULT_MEAN_APPS, authors: dict | None = None, creator=None,
                  expert=None, progress: Callable[[str, int], None] | None = None) -> RegistryCounts:
    """Profiles for every verified provider without one, then the pools (both idempotent)."""
    from providers.models import ListingApp

    today = timezone.localdate()
    profiles = seed_profiles(seed=seed, mean_apps=mean_apps, today=today, authors=authors, progress=progress)
    pools, members, applications = seed_pools(seed=seed, today=today, creator=creator,
                                              featured=frozenset((authors or {}).keys()))
    seed_pool_lifecycle(seed=seed, today=today, creator=creator, expert=expert)
    seed_matching_weights(creator)
    return RegistryCounts(profiles, Listing.objects.count(), ListingApp.objects.count(), pools, members, applications)


# The city bureau's first tuning of the matching weights (the weights page shows it beside the
# shipped defaults): a little more weight on need and scenario fit, a little less on region.
DEMO_WEIGHTS = {"need": "22", "scenario": "22", "area": "8", "capability": "15", "outcome": "10", "industry": "8",
                "pool": "7", "region": "3", "price": "5"}


def seed_matching_weights(creator) -> int:
    """One weights version by ``creator`` (city staff) for their region, once; returns rows added."""
    from providers.models import MatchingWeights

    if creator is None or not creator.region_id or MatchingWeights.objects.filter(region_id=creator.region_id).exists():
        return 0
    MatchingWeights.objects.create(region_id=creator.region_id, number=1, weights=dict(DEMO_WEIGHTS),
                                   note="示例：更看重需求与场景契合，地域权重调低", created_by=creator)
    return 1
