"""Demo data for the regional dashboards (issue #12): assessed 规上 enterprises over several districts of
Shenzhen and Dongguan, two assessment years (T0 last year, T1 this year) under GB/T 23020, approved
with their verified result, plus the transformation needs behind the demand map.

Deterministic (fixed seed, fixed targets) and idempotent: the first run creates everything in one
transaction, later runs find the first enterprise and add nothing. Every stored result is a real
``ScoreResult.to_dict()`` of the stored answers, computed by the scoring engine: a pool of scored
answer sets is built once and each firm takes the answer set whose total is closest to the score
drawn for it. A final balancing pass swaps a few firms' answer sets so that this year's GB/T 23020
means come out at the published figures: Longhua 62.4, Shenzhen 62.3, Guangdong 61.5 (rounded to 0.1).

Also gives the demo enterprise of ``qiye`` (when the demo accounts exist) an approved T0 assessment
last year and a returned T1 this year, so its result page and benchmarks have data; a returned
assessment is not counted, so the regional figures stay as balanced.

Site wiring like ``portal/demo.py``: it writes diagnosis rows, so it is named in pyproject.toml's
``ignore_imports``.
"""

from __future__ import annotations

import bisect
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from diagnosis.models import Answer, Assessment, Need
from diagnosis.results.needs import suggest_needs
from diagnosis.scoring import score, validate_answer
from diagnosis.spec import get_spec
from portal.models import Enterprise, OrgStatus, Region, User
from portal.uscc import ALPHABET, check_character

SEED = 12012
SPEC_KEY = "gbt23020-2013@1.0"
SEED_USERNAME = "demo_regional_seed"
BATCH = 500
POOL_SIZE = 900
SPREAD = 11.0  # standard deviation of firm scores around their district's mean

# This year's published GB/T 23020 means the seeded data must give (issue #12).
LONGHUA, SHENZHEN, GUANGDONG = "440309", "440300", "440000"
TARGETS = {LONGHUA: Decimal("62.4"), SHENZHEN: Decimal("62.3"), GUANGDONG: Decimal("61.5")}
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class DistrictPlan:
    code: str
    firms: int
    mean: float  # this year's rough mean before balancing
    above_scale_share: float
    park: str | None = None


PLANS: tuple[DistrictPlan, ...] = (
    DistrictPlan(LONGHUA, 1640, 62.4, 1.0, "440309P01"),  # Longhua's 1,640 assessed 规上 firms
    DistrictPlan("440305", 210, 66.0, 0.7),                # Nanshan
    DistrictPlan("440304", 120, 64.5, 0.7),                # Futian
    DistrictPlan("440306", 220, 61.0, 0.7, "440306P01"),   # Bao'an
    DistrictPlan("440307", 180, 60.5, 0.7),                # Longgang
    DistrictPlan("440303", 60, 61.5, 0.6),                 # Luohu
    DistrictPlan("440310", 70, 59.0, 0.7),                 # Pingshan
    DistrictPlan("440311", 80, 60.0, 0.7),                 # Guangming
    DistrictPlan("441900401", 110, 63.0, 0.8),             # Songshan Lake
    DistrictPlan("441900119", 140, 58.5, 0.7, "441900119P01"),  # Chang'an
    DistrictPlan("441900106", 100, 57.5, 0.7, "441900106P01"),  # Hengli
    DistrictPlan("441900121", 120, 58.0, 0.7),             # Humen
    DistrictPlan("441900003", 90, 59.5, 0.6),              # Dongcheng
    DistrictPlan("441900113", 90, 57.0, 0.7),              # Dalang
)
# seed_demo adds the regional data to a full demo only (the default 300 generated enterprises or
# more); smaller runs — tests, quick checks, --enterprises=0 — stay as small as they ask.
FULL_DEMO_ENTERPRISES = 300
T0_SHARE = 0.75  # firms also assessed last year
T0_GAIN = 2.6  # mean improvement from T0 to T1
T1_APPROVED_SHARE = 0.85  # the rest of this year's assessments are still submitted (self-declared)

# GB/T 4754 manufacturing divisions with the name word and the 20-cluster code that fits.
DIVISIONS: tuple[tuple[str, float, str, str], ...] = (
    ("39", 0.30, "电子", "electronics"),
    ("34", 0.08, "机械", "high_end_equipment"),
    ("35", 0.07, "智能装备", "robotics"),
    ("33", 0.10, "五金", "advanced_materials"),
    ("38", 0.10, "电气", "appliances"),
    ("29", 0.08, "塑胶", "advanced_materials"),
    ("36", 0.05, "汽车零部件", "automotive"),
    ("40", 0.06, "仪器", "precision_instruments"),
    ("27", 0.04, "医药", "biomedicine"),
    ("18", 0.06, "服饰", "light_textile"),
    ("21", 0.06, "家具", "light_textile"),
)
# The industry chain (产业链, for 一链一策) each division's firms belong to; one firm in ten names none.
CHAINS = {"39": "新一代电子信息产业链", "34": "高端装备制造产业链", "35": "高端装备制造产业链",
          "33": "新材料产业链", "29": "新材料产业链", "38": "智能家电产业链", "36": "新能源汽车产业链",
          "40": "精密仪器产业链", "27": "生物医药产业链", "18": "现代轻工纺织产业链", "21": "现代轻工纺织产业链"}
# About 80 % of the stated needs fall in the first three of the six categories.
NEED_WEIGHTS = (0.34, 0.28, 0.18, 0.08, 0.07, 0.05)
BRAND_FIRST = "华锐恒鑫盛宏泰创联信瑞丰嘉新宇腾博昌隆天海金通明德安佳汇永兴荣富凯晟鼎铭捷众迅远欣卓诚志高精宝中万伟康顺达立拓科力"
BRAND_SECOND = "拓立达盛泰源丰科创信华通鑫辉茂邦能威讯智赛维诺捷弘发宸尔美嘉翔驰耀光锋业宏基晖扬元昊朗航安德润迪旺"


@dataclass(frozen=True)
class PoolEntry:
    answers: dict
    result: dict
    total: Decimal
    stage: str
    provisional: bool
    weak: dict  # category → weak item codes


@dataclass(frozen=True)
class RegionalSeedCounts:
    enterprises: int
    assessments: int
    needs: int


def _answers(spec, rng: random.Random, skill: float) -> dict:
    answers = {}
    for code, item in spec.items.items():
        if item.kind == "choice":
            options = sorted(item.options, key=lambda o: o.points or 0)
            index = round(min(max(rng.gauss(skill, 0.22), 0), 1) * (len(options) - 1))
            answers[code] = options[index].code
        else:  # ratio: a share in per cent
            answers[code] = {"numerator": round(min(max(rng.gauss(skill, 0.25), 0), 1) * 100), "denominator": 100}
    return answers


def build_pool(seed: int = SEED) -> list[PoolEntry]:
    """Scored answer sets across the whole range, sorted by total (deterministic in ``seed``)."""
    spec = get_spec(SPEC_KEY)
    rng = random.Random(f"pool:{seed}")
    context = {"industry_section": "C", "industry_division": "39", "production_type": "discrete",
               "above_scale": True, "revenue_band": "20m_400m"}
    pool = []
    for index in range(POOL_SIZE):
        answers = _answers(spec, rng, index / (POOL_SIZE - 1))
        result = score(spec, answers, context)
        stored = json.loads(json.dumps(result.to_dict()))
        weak = {s.category.code: list(s.codes) for s in suggest_needs(spec, stored)}
        pool.append(PoolEntry(answers, stored, result.total, result.stage.code if result.stage else "",
                              result.provisional, weak))
    pool.sort(key=lambda entry: entry.total)
    return pool


class _Picker:
    def __init__(self, pool: list[PoolEntry]):
        self.pool = pool
        self.totals = [float(entry.total) for entry in pool]

    def nearest(self, wanted: float) -> int:
        i = bisect.bisect_left(self.totals, wanted)
        candidates = [j for j in (i - 1, i) if 0 <= j < len(self.totals)]
        return min(candidates, key=lambda j: abs(self.totals[j] - wanted))


def _balance(firms: list[dict], picker: _Picker, *, target_sum: Decimal, current_sum: Decimal, n: int,
             rng: random.Random) -> Decimal:
    """Swap answer sets of ``firms`` (each {"pool": index}) until the population's sum is within
    0.01·n of ``target_sum``; returns the new sum."""
    order = list(range(len(firms)))
    rng.shuffle(order)
    tolerance = Decimal("0.01") * n
    for i in order:
        delta = target_sum - current_sum
        if abs(delta) <= tolerance:
            break
        firm = firms[i]
        old = picker.pool[firm["pool"]].total
        wanted = float(old + max(min(delta, Decimal(8)), Decimal(-8)))
        if not 20 <= wanted <= 95:
            continue
        new = picker.nearest(wanted)
        firm["pool"] = new
        current_sum += picker.pool[new].total - old
    if abs(target_sum - current_sum) > tolerance:
        raise RuntimeError("regional demo balancing did not converge")
    return current_sum


def _uscc(region_code: str, index: int) -> str:
    # "RG" + six base-31 characters: bodies no other demo generator or test factory produces.
    digits, n = [], index
    for _ in range(6):
        n, d = divmod(n, len(ALPHABET))
        digits.append(ALPHABET[d])
    body = "RG" + "".join(reversed(digits))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(ch, 36) * w for ch, w in zip(body, weights, strict=True)) % 11
    region6 = region_code if len(region_code) == 6 else region_code[:6]
    first17 = f"91{region6}{body}{ {10: 'X', 11: '0'}.get(check, str(check))}"
    return first17 + check_character(first17)


def first_uscc() -> str:
    return _uscc(PLANS[0].code, 0)


def _seed_user() -> User:
    user, created = User.objects.get_or_create(username=SEED_USERNAME, defaults={
        "first_name": "区域演示数据", "is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _when(rng: random.Random, year: int, latest: datetime) -> datetime:
    start = datetime(year, 3, 1, 9, tzinfo=UTC)
    end = min(datetime(year, 11, 15, 18, tzinfo=UTC), latest)
    span = max((end - start).total_seconds(), 3600)
    return start + timedelta(seconds=rng.uniform(0, span))


def _plan_firms(rng: random.Random, picker: _Picker) -> list[dict]:
    firms, names = [], set()
    serial = 0
    for plan in PLANS:
        city = "深圳市" if plan.code.startswith("4403") else "东莞市"
        for _ in range(plan.firms):
            division, _w, word, cluster = rng.choices(DIVISIONS, weights=[d[1] for d in DIVISIONS])[0]
            while True:
                name = f"{city}{rng.choice(BRAND_FIRST)}{rng.choice(BRAND_SECOND)}{word}"
                name += "科技有限公司" if rng.random() < 0.5 else "实业有限公司"
                if name not in names:
                    break
            names.add(name)
            above = rng.random() < plan.above_scale_share
            band = ("gte400m" if rng.random() < 0.15 else "20m_400m") if above else \
                ("3m_20m" if rng.random() < 0.7 else "lt3m")
            t1 = min(max(rng.gauss(plan.mean, SPREAD), 22.0), 94.0)
            firms.append({
                "serial": serial, "district": plan.code, "name": name, "division": division,
                "cluster": cluster if rng.random() < 0.9 else "", "above": above, "band": band,
                "park": plan.park if plan.park and rng.random() < 0.3 else None,
                "employees": rng.randint(300, 3000) if above else rng.randint(20, 290),
                "pool": picker.nearest(t1),
                "t0": picker.nearest(min(max(t1 - rng.gauss(T0_GAIN, 3.0), 20.0), 94.0))
                if rng.random() < T0_SHARE else None,
                "approved": rng.random() < T1_APPROVED_SHARE,
            })
            serial += 1
    return firms


def _balance_targets(firms: list[dict], picker: _Picker, rng: random.Random) -> None:
    """This year's means: Longhua, then Shenzhen (moving its other districts), then Guangdong
    (moving Dongguan's), so each level's mean rounds to its target at 0.1."""
    def total(group):
        return sum((picker.pool[f["pool"]].total for f in group), Decimal(0))

    longhua = [f for f in firms if f["district"] == LONGHUA]
    shenzhen = [f for f in firms if f["district"].startswith("4403")]
    dongguan = [f for f in firms if f["district"].startswith("4419")]
    _balance(longhua, picker, target_sum=TARGETS[LONGHUA] * len(longhua), current_sum=total(longhua),
             n=len(longhua), rng=rng)
    others = [f for f in shenzhen if f["district"] != LONGHUA]
    _balance(others, picker, target_sum=TARGETS[SHENZHEN] * len(shenzhen), current_sum=total(shenzhen),
             n=len(shenzhen), rng=rng)
    _balance(dongguan, picker, target_sum=TARGETS[GUANGDONG] * len(firms), current_sum=total(firms),
             n=len(firms), rng=rng)


def _assessment(firm_pk: int, region_id: int, entry: PoolEntry, *, year: int, approved: bool, context: dict,
                user: User, when: datetime) -> Assessment:
    row = Assessment(
        enterprise_id=firm_pk, spec_code="gbt23020-2013", spec_version="1.0", year=year, region_id=region_id,
        context=context, submitted_answers=entry.answers, result=entry.result, total=entry.total,
        level=entry.result["level"]["code"] if entry.result.get("level") else "", stage=entry.stage,
        provisional=entry.provisional, created_by=user, submitted_at=when,
        status=Assessment.Status.APPROVED if approved else Assessment.Status.SUBMITTED,
    )
    if approved:
        # The reviewers confirmed every answer: the verified result is the declared one.
        row.verified_result, row.verified_total = entry.result, entry.total
        row.verified_level = row.level
        row.reviewed_by, row.reviewed_at = user, when + timedelta(days=12)
        row.review_comment = "材料核实无误，予以确认。"
        row.review_version = 1
    return row


def seed_regional(*, seed: int = SEED, year: int | None = None, generated: int | None = None) -> RegionalSeedCounts:
    """Create the regional demo data once (see the module docstring); a re-run adds nothing.
    ``generated``: the enterprises seed_demo was asked for; under FULL_DEMO_ENTERPRISES nothing is added."""
    if generated is not None and generated < FULL_DEMO_ENTERPRISES:
        return RegionalSeedCounts(0, 0, 0)
    year = year or timezone.localdate().year
    if Enterprise.objects.filter(uscc=first_uscc()).exists():
        seed_demo_enterprise(year)
        return RegionalSeedCounts(0, 0, 0)
    rng = random.Random(f"regional:{seed}")
    pool = build_pool(seed)
    picker = _Picker(pool)
    firms = _plan_firms(rng, picker)
    _balance_targets(firms, picker, rng)
    codes = {p.code for p in PLANS} | {p.park for p in PLANS if p.park}
    regions = dict(Region.objects.filter(code__in=codes).values_list("code", "pk"))
    now = timezone.now()
    assessments = needs = 0
    with transaction.atomic():
        user = _seed_user()
        rows = [Enterprise(
            uscc=_uscc(f["district"], f["serial"]), name=f["name"], region_id=regions[f["district"]],
            park_id=regions[f["park"]] if f["park"] else None, status=OrgStatus.VERIFIED,
            verified_at=now - timedelta(days=400), verified_by=None, industry_section="C",
            industry_division=f["division"], above_scale=f["above"], employees=f["employees"],
            revenue_band=f["band"], cluster=f["cluster"],
            chain=CHAINS.get(f["division"], "") if f["serial"] % 10 else "", established_year=2000 + f["serial"] % 20,
        ) for f in firms]
        Enterprise.objects.bulk_create(rows, batch_size=BATCH)
        pks = dict(Enterprise.objects.filter(uscc__in=[r.uscc for r in rows]).values_list("uscc", "pk"))
        batch, t1_rows = [], []
        for firm, row in zip(firms, rows, strict=True):
            pk, region_id = pks[row.uscc], regions[firm["district"]]
            context = {"industry_section": "C", "industry_division": firm["division"],
                       "production_type": "discrete", "above_scale": firm["above"], "revenue_band": firm["band"]}
            if firm["t0"] is not None:
                batch.append(_assessment(pk, region_id, pool[firm["t0"]], year=year - 1, approved=True,
                                         context=context, user=user, when=_when(rng, year - 1, now)))
            # Approved ones were submitted through the year; the rest wait in the review queue, recently submitted.
            when = _when(rng, year, now - timedelta(days=14)) if firm["approved"] else \
                now - timedelta(days=rng.uniform(1, 28))
            t1 = _assessment(pk, region_id, pool[firm["pool"]], year=year, approved=firm["approved"],
                             context=context, user=user, when=when)
            batch.append(t1)
            t1_rows.append((t1, firm))
            if len(batch) >= BATCH:
                Assessment.objects.bulk_create(batch)
                assessments += len(batch)
                batch = []
        Assessment.objects.bulk_create(batch)
        assessments += len(batch)
        categories = list(pool[0].weak)
        need_rows = []
        for t1, firm in t1_rows:
            chosen = set()
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                chosen.add(rng.choices(categories, weights=NEED_WEIGHTS)[0])
            entry = pool[firm["pool"]]
            for category in sorted(chosen, key=categories.index):
                need_rows.append(Need(
                    assessment_id=t1.pk, category=category, item_codes=entry.weak.get(category, [])[:5],
                    urgency=rng.choice((1, 2, 2, 3)),
                    budget_wan=Decimal(rng.randrange(10, 300)).quantize(Decimal("1"), ROUND_HALF_UP),
                    created_by=user))
        Need.objects.bulk_create(need_rows, batch_size=BATCH)
        needs = len(need_rows)
        seed_demo_enterprise(year, pool=pool)
    return RegionalSeedCounts(len(rows), assessments, needs)


def seed_demo_enterprise(year: int, pool: list[PoolEntry] | None = None) -> None:
    """The demo enterprise (qiye's): an approved T0 last year and a returned T1 this year, each
    only when it has no GB/T 23020 assessment of that year yet."""
    from portal.demo import DEMO_ENTERPRISE_USCC

    enterprise = Enterprise.objects.filter(uscc=DEMO_ENTERPRISE_USCC).first()
    owner = enterprise and User.objects.filter(memberships__enterprise=enterprise,
                                               memberships__role="owner").first()
    if enterprise is None or owner is None:
        return
    have = set(Assessment.objects.filter(enterprise=enterprise, spec_code="gbt23020-2013")
               .values_list("year", flat=True))
    if {year - 1, year} <= have:
        return
    pool = pool or build_pool()
    picker = _Picker(pool)
    context = json.loads(json.dumps(enterprise.assessment_context()))
    with transaction.atomic():
        if year - 1 not in have:
            row = _assessment(enterprise.pk, enterprise.region_id, pool[picker.nearest(58.0)], year=year - 1,
                              approved=True, context=context, user=owner,
                              when=datetime(year - 1, 6, 18, 10, tzinfo=UTC))
            row.reviewed_by = User.objects.filter(username="longhua").first() or owner
            row.save()
        if year not in have:
            row = _assessment(enterprise.pk, enterprise.region_id, pool[picker.nearest(64.5)], year=year,
                              approved=False, context=context, user=owner,
                              when=min(datetime(year, 6, 20, 10, tzinfo=UTC), timezone.now()))
            # Returned for revision: the enterprise sees the reviewer's comment and its scored result;
            # a returned assessment is not counted in the regional figures.
            row.status = Assessment.Status.RETURNED
            row.review_comment = "请补充自动化设备台账等佐证材料后重新提交。"
            row.reviewed_by = User.objects.filter(username="longhua").first()
            row.reviewed_at = row.submitted_at + timedelta(days=5)
            row.review_version = 1
            row.save()
            # The working answers the enterprise revises, as answer_save stores them.
            spec = get_spec(SPEC_KEY)
            Answer.objects.bulk_create([
                Answer(assessment=row, item_code=code, value=validate_answer(spec, code, value), updated_by=owner)
                for code, value in row.submitted_answers.items()])
