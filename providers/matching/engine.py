"""The matching engine: for one enterprise, its scenes (``providers.matching.scenes``) against the
published solutions and their providers, ranked with an explanation in plain Chinese.

Pure: plain data in (frozen dataclasses below), frozen ``Match`` rows out; no Django.

Each solution earns, per component c, ``points(c) × share(c)`` where ``points`` are the weights
(out of 100, versioned data: ``weights.toml`` or a staff-made ``MatchingWeights`` version) and
``share`` is 0–1:

* need — the scenes' weight in the need categories the solution covers, over all scenes' weight;
* scenario — the weight of the scenes (items) the solution names directly, over all;
* area — the weight of the capability areas the scenes need that the solution covers, over all
  areas' weight (a scene gives its weight to each of its areas);
* capability — the provider's declared level (1–5, ÷ 5) in each needed area, weighted the same way;
* outcome — the provider's outcome rating per area (input, 0–1; None = not rated yet counts 0);
* industry — clients in the enterprise's GB/T 4754 division (3 or more = 1); a solution that names
  the division gets at least ½;
* pool — the best tier of the provider's active pool memberships (``pool_tiers``);
* region — same district 1, serves the enterprise's area 0.8, same city 0.6, same province 0.3;
* price — 1 when the price (net of subsidies when the subsidy extension gives one, else the listed
  starting price) is within the budget of the enterprise's revenue band, else budget ÷ price; ½
  when the solution has no price.

Shares are computed in integer parts of 10 000 and contributions in whole hundredths of a point
(rounded down), so the sum shown is the score ranked on and the order is exact: score descending,
then solution id. A solution that covers neither a need category nor a scene of the enterprise is
not a match. Every share only grows with what a provider adds (a capability, a higher level, a
client, an area): adding never lowers a score.
"""

from __future__ import annotations

import heapq
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from types import MappingProxyType

from diagnosis.results.needs import CATEGORIES
from providers.matching.scenes import Scene
from providers.taxonomy import CAPABILITY_AREAS, LEVEL_MAX, titles

WEIGHTS_PATH = Path(__file__).with_name("weights.toml")
SCALE = 10_000  # shares in parts of 10 000
CENT = Decimal("0.01")
MAX_POINTS = Decimal(100)
INDUSTRY_SATURATION = 3  # clients in the division that count as full experience
SOLUTION_INDUSTRY_SHARE = SCALE // 2
UNPRICED_SHARE = SCALE // 2
REGION_SHARES = MappingProxyType({"district": SCALE, "serves": 8_000, "city": 6_000, "province": 3_000,
                                  "elsewhere": 0})

COMPONENTS: tuple[tuple[str, str], ...] = (
    ("need", "需求契合"),
    ("scenario", "场景契合"),
    ("area", "能力领域覆盖"),
    ("capability", "服务能力等级"),
    ("outcome", "实测成效评分"),
    ("industry", "同行业经验"),
    ("pool", "资源池入库"),
    ("region", "地域便利"),
    ("price", "价格与企业规模"),
)
COMPONENT_CODES = tuple(code for code, _label in COMPONENTS)
COMPONENT_LABELS = MappingProxyType(dict(COMPONENTS))
TIER_WORDS = MappingProxyType({"province": "省级资源池", "city": "市级资源池", "district": "区级资源池"})
_AREA_TITLES = titles(CAPABILITY_AREAS)
_CATEGORY_TITLES = {c.code: c.title for c in CATEGORIES}


class WeightsError(ValueError):
    """Weights that cannot be used; ``code`` says why (the form translates it)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# ─── Inputs ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Weights:
    version: str
    points: Mapping[str, Decimal]  # component code → points out of 100 (they sum to 100)
    pool_tiers: Mapping[str, Decimal]
    budgets: Mapping[str, Decimal]  # revenue band → ¥10k


@dataclass(frozen=True, slots=True)
class EnterpriseFacts:
    id: int
    division: str  # GB/T 4754 division ("39"), may be ""
    division_title: str
    region_path: str  # "440000/440300/440309/"
    revenue_band: str


@dataclass(frozen=True, slots=True)
class ProviderFacts:
    id: int  # portal Provider pk
    name: str
    region_path: str
    service_regions: frozenset[str] = frozenset()  # region codes it declares to serve
    levels: Mapping[str, int] = field(default_factory=dict)  # area → declared level 1–5
    clients: Mapping[str, int] = field(default_factory=dict)  # division → clients
    pool_tier: str = ""  # best tier of its active memberships, "" when none


@dataclass(frozen=True, slots=True)
class SolutionFacts:
    id: int
    provider_id: int
    title: str
    categories: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    items: frozenset[tuple[str, str]] = frozenset()  # (spec code, item code)
    price_min: Decimal | None = None  # ¥10k
    price_max: Decimal | None = None
    light: bool = False


@dataclass(frozen=True, slots=True)
class Catalog:
    """The published supply, loaded once and shared by every enterprise ranked against it."""

    providers: Mapping[int, ProviderFacts]
    solutions: tuple[SolutionFacts, ...]


# ─── Output ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Component:
    code: str
    label: str
    points: Decimal  # the component's weight (out of 100)
    share: Decimal  # 0–1, four places
    contribution: Decimal  # points × share, rounded down to 0.01
    detail: str  # plain Chinese: why this share


@dataclass(frozen=True, slots=True)
class Match:
    rank: int
    solution_id: int
    provider_id: int
    solution_title: str
    provider_name: str
    score: Decimal  # sum of the contributions, out of 100
    components: tuple[Component, ...]
    scene_codes: tuple[str, ...]  # the enterprise's scenes the solution names directly
    categories: tuple[str, ...]  # the enterprise's need categories it covers
    gross_price: Decimal | None
    price_max: Decimal | None
    net_price: Decimal | None  # after subsidies, when the subsidy extension gave one
    weights_version: str
    light: bool = False

    @property
    def price_used(self) -> Decimal | None:
        return self.net_price if self.net_price is not None else self.gross_price

    @property
    def explanation(self) -> str:
        parts = "；".join(f"{c.label} +{c.contribution}（{c.detail}）" for c in self.components)
        return f"匹配得分 {self.score}（满分 100）：{parts}。"


# ─── Weights ─────────────────────────────────────────────────────────────────────────────────


def _decimal(value, *, code: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise WeightsError("not_number", f"{code}: not a number") from None
    if not number.is_finite():
        raise WeightsError("not_number", f"{code}: not a number")
    return number


def parse_points(raw: Mapping) -> dict[str, Decimal]:
    """Component points from plain input: every component, 0–100 with at most two places, sum 100."""
    if not isinstance(raw, Mapping):
        raise WeightsError("shape", "weights must be a mapping")
    unknown = set(raw) - set(COMPONENT_CODES)
    if unknown:
        raise WeightsError("unknown", f"unknown components: {sorted(unknown)}")
    points = {}
    for code in COMPONENT_CODES:
        if code not in raw:
            raise WeightsError("missing", f"{code}: missing")
        value = _decimal(raw[code], code=code)
        if value < 0 or value > MAX_POINTS:
            raise WeightsError("range", f"{code}: must lie between 0 and 100")
        if value != value.quantize(CENT):
            raise WeightsError("places", f"{code}: at most two decimal places")
        points[code] = value.quantize(CENT)
    if sum(points.values()) != MAX_POINTS:
        raise WeightsError("sum", "the points must add up to 100")
    return points


def make_weights(version: str, points: Mapping, *, base: Weights | None = None) -> Weights:
    base = base or default_weights()
    return Weights(str(version), MappingProxyType(parse_points(points)), base.pool_tiers, base.budgets)


@cache
def default_weights() -> Weights:
    """The shipped defaults (``weights.toml``)."""
    with WEIGHTS_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    return Weights(
        version=str(data["version"]), points=MappingProxyType(parse_points(data["weights"])),
        pool_tiers=MappingProxyType({k: Decimal(v) for k, v in data["pool_tiers"].items()}),
        budgets=MappingProxyType({k: Decimal(v) for k, v in data["budgets"].items()}),
    )


def default_source() -> str:
    with WEIGHTS_PATH.open("rb") as handle:
        return str(tomllib.load(handle).get("source", ""))


# ─── Ranking ─────────────────────────────────────────────────────────────────────────────────

NetPrices = Mapping[int, Decimal] | Callable[[Sequence[SolutionFacts]], Mapping[int, Decimal]] | None
Outcomes = Mapping[tuple[int, str], Decimal | None] | None


def _share(numerator: int, denominator: int) -> int:
    return numerator * SCALE // denominator if denominator > 0 else 0


def _unit(value: Decimal | None) -> int:
    """A 0–1 Decimal as parts of SCALE (clamped); None counts 0."""
    if value is None:
        return 0
    return max(0, min(SCALE, int(value * SCALE)))


def _path_codes(path: str) -> list[str]:
    return [code for code in path.split("/") if code]


class _Ranker:
    def __init__(self, enterprise: EnterpriseFacts, scenes: Sequence[Scene], catalog: Catalog, weights: Weights,
                 outcomes: Outcomes):
        self.enterprise, self.catalog, self.weights = enterprise, catalog, weights
        self.outcomes = outcomes or {}
        self.cents = {code: int(weights.points.get(code, 0) * 100) for code in COMPONENT_CODES}
        self.scene_weight: dict[tuple[str, str], int] = {}
        self.category_weight: dict[str, int] = {}
        self.area_weight: dict[str, int] = {}
        self.scene_title: dict[tuple[str, str], str] = {}
        # What a solution may name to address a scene: the question itself or a dimension above it.
        self.key_scenes: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for scene in scenes:
            units = int(scene.weight * SCALE)
            if units <= 0:
                continue
            self.scene_weight[scene.key] = self.scene_weight.get(scene.key, 0) + units
            self.scene_title[scene.key] = scene.title
            for key in (scene.key, *((scene.spec_code, code) for code in scene.ancestors)):
                targets = self.key_scenes.setdefault(key, [])
                if scene.key not in targets:
                    targets.append(scene.key)
            self.category_weight[scene.category] = self.category_weight.get(scene.category, 0) + units
            for area in scene.areas:
                self.area_weight[area] = self.area_weight.get(area, 0) + units
        self.total = sum(self.scene_weight.values())
        self.area_total = sum(self.area_weight.values())
        self.ent_codes = _path_codes(enterprise.region_path)
        self.budget = weights.budgets.get(enterprise.revenue_band)
        self.budget_cents = int(self.budget * 100) if self.budget is not None else None
        self._provider_cache: dict[int, tuple[int, int, int, int, int]] = {}

    # Provider-level shares (capability, outcome, pool, region, clients in the division), once each.
    def provider_shares(self, provider: ProviderFacts | None) -> tuple[int, int, int, int, int]:
        if provider is None:
            return (0, 0, 0, 0, 0)
        found = self._provider_cache.get(provider.id)
        if found is not None:
            return found
        capability = outcome = 0
        for area, weight in self.area_weight.items():
            level = provider.levels.get(area)
            if level:
                capability += weight * min(level, LEVEL_MAX)
            outcome += weight * _unit(self.outcomes.get((provider.id, area)))
        capability = capability * SCALE // (LEVEL_MAX * self.area_total) if self.area_total else 0
        outcome = outcome // self.area_total if self.area_total else 0
        pool = _unit(self.weights.pool_tiers.get(provider.pool_tier)) if provider.pool_tier else 0
        shares = (capability, outcome, pool, REGION_SHARES[self.region_kind(provider)],
                  provider.clients.get(self.enterprise.division, 0) if self.enterprise.division else 0)
        self._provider_cache[provider.id] = shares
        return shares

    def region_kind(self, provider: ProviderFacts) -> str:
        ent, own = self.ent_codes, _path_codes(provider.region_path)
        if len(own) >= 3 and ent[:len(own)] == own:
            return "district"
        if provider.service_regions and any(code in provider.service_regions for code in ent):
            return "serves"
        if len(own) >= 2 and ent[:2] == own[:2]:
            return "city"
        if own and ent[:1] == own[:1]:
            return "province"
        return "elsewhere"

    def relevant(self, solution: SolutionFacts) -> bool:
        categories = self.category_weight
        if any(c in categories for c in solution.categories):
            return True
        keys = self.key_scenes
        return any(i in keys for i in solution.items)

    def named_scenes(self, solution: SolutionFacts) -> set[tuple[str, str]]:
        keys = self.key_scenes
        return {scene for i in solution.items if i in keys for scene in keys[i]}

    def price_share(self, price: Decimal | None) -> int:
        if price is None or self.budget_cents is None:
            return UNPRICED_SHARE
        cents = int(price * 100)
        if cents <= self.budget_cents:
            return SCALE
        return self.budget_cents * SCALE // cents

    def shares(self, solution: SolutionFacts, price: Decimal | None) -> tuple[int, ...]:
        need = _share(sum(self.category_weight.get(c, 0) for c in solution.categories), self.total)
        scenario = _share(sum(self.scene_weight[k] for k in self.named_scenes(solution)), self.total)
        area = _share(sum(self.area_weight.get(a, 0) for a in solution.areas), self.area_total)
        capability, outcome, pool, region, clients = self.provider_shares(
            self.catalog.providers.get(solution.provider_id))
        industry = min(clients, INDUSTRY_SATURATION) * SCALE // INDUSTRY_SATURATION
        if self.enterprise.division and self.enterprise.division in solution.industries:
            industry = max(industry, SOLUTION_INDUSTRY_SHARE)
        return (need, scenario, area, capability, outcome, industry, pool, region, self.price_share(price))

    def total_cents(self, shares: tuple[int, ...]) -> int:
        cents = self.cents
        return sum(cents[code] * share // SCALE for code, share in zip(COMPONENT_CODES, shares, strict=True))


def rank(enterprise: EnterpriseFacts, scenes: Sequence[Scene], catalog: Catalog, weights: Weights | None = None,
         *, outcomes: Outcomes = None, net_prices: NetPrices = None, limit: int = 10,
         provider_ids: Iterable[int] | None = None) -> tuple[Match, ...]:
    """The best ``limit`` solutions for ``enterprise``, best first (ties: lower solution id)."""
    weights = weights or default_weights()
    ranker = _Ranker(enterprise, scenes, catalog, weights, outcomes)
    if not ranker.total or limit <= 0:
        return ()
    allowed = frozenset(provider_ids) if provider_ids is not None else None
    candidates = [s for s in catalog.solutions
                  if (allowed is None or s.provider_id in allowed) and ranker.relevant(s)]
    net = dict(net_prices(candidates) or {}) if callable(net_prices) else dict(net_prices or {})
    scored = []
    for index, solution in enumerate(candidates):
        price = net.get(solution.id, solution.price_min)
        scored.append((-ranker.total_cents(ranker.shares(solution, price)), solution.id, index))
    best = heapq.nsmallest(limit, scored)
    return tuple(_match(ranker, rank_, candidates[index], net.get(candidates[index].id))
                 for rank_, (_neg, _id, index) in enumerate(best, start=1))


def best_per_provider(matches: Iterable[Match]) -> tuple[Match, ...]:
    """Each provider's best match, in the order given (ranked lists stay ranked)."""
    seen, kept = set(), []
    for match in matches:
        if match.provider_id not in seen:
            seen.add(match.provider_id)
            kept.append(match)
    return tuple(kept)


# ─── Explanations ────────────────────────────────────────────────────────────────────────────


def _percent(share: int) -> str:
    return f"{share * 100 // SCALE}%"


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT)} 万元"


def _match(ranker: _Ranker, rank_: int, solution: SolutionFacts, net_price: Decimal | None) -> Match:
    price = net_price if net_price is not None else solution.price_min
    shares = ranker.shares(solution, price)
    provider = ranker.catalog.providers.get(solution.provider_id)
    details = _details(ranker, solution, provider, shares, net_price)
    components = []
    for (code, label), share, detail in zip(COMPONENTS, shares, details, strict=True):
        cents = ranker.cents[code] * share // SCALE
        components.append(Component(code=code, label=label, points=ranker.weights.points.get(code, Decimal(0)),
                                    share=Decimal(share).scaleb(-4), contribution=Decimal(cents).scaleb(-2),
                                    detail=detail))
    score = sum((c.contribution for c in components), Decimal("0.00"))
    named = ranker.named_scenes(solution)
    scene_codes = tuple(code for (spec, code) in sorted(named, key=lambda k: (-ranker.scene_weight[k], k)))
    categories = tuple(c.code for c in CATEGORIES if c.code in solution.categories and c.code in ranker.category_weight)
    return Match(
        rank=rank_, solution_id=solution.id, provider_id=solution.provider_id, solution_title=solution.title,
        provider_name=provider.name if provider else "", score=score, components=tuple(components),
        scene_codes=scene_codes, categories=categories, gross_price=solution.price_min,
        price_max=solution.price_max, net_price=net_price, weights_version=ranker.weights.version,
        light=solution.light,
    )


def _details(ranker: _Ranker, solution: SolutionFacts, provider: ProviderFacts | None, shares: tuple[int, ...],
             net_price: Decimal | None) -> tuple[str, ...]:
    need, scenario, area, capability, outcome, industry, pool, region, price = shares
    categories = [t for c, t in _CATEGORY_TITLES.items()
                  if c in solution.categories and c in ranker.category_weight]
    need_text = (f"覆盖您的薄弱需求类别：{'、'.join(categories)}，占您全部需求权重的 {_percent(need)}"
                 if categories else "未覆盖您的薄弱需求类别")
    named = [ranker.scene_title[k] for k in sorted(ranker.named_scenes(solution),
                                                   key=lambda k: (-ranker.scene_weight[k], k))]
    scenario_text = (f"直接针对诊断出的 {len(named)} 个薄弱环节：{'、'.join(named[:4])}"
                     f"{'等' if len(named) > 4 else ''}，占 {_percent(scenario)}"
                     if named else "未直接对应诊断中的具体环节")
    covered = [_AREA_TITLES[a] for a in _AREA_TITLES if a in solution.areas and a in ranker.area_weight]
    area_text = (f"方案涉及所需能力领域：{'、'.join(covered)}，覆盖所需能力的 {_percent(area)}"
                 if covered else "方案未涉及您所需的能力领域")
    if provider is None:
        return (need_text, scenario_text, area_text, "服务商信息缺失", "暂无", "暂无", "暂无", "暂无", "暂无")
    levels = [f"{_AREA_TITLES[a]} {provider.levels[a]} 级" for a in _AREA_TITLES
              if a in ranker.area_weight and provider.levels.get(a)]
    capability_text = (f"服务商自报等级（满级 {LEVEL_MAX}）：{'、'.join(levels)}，折合 {_percent(capability)}"
                       if levels else "服务商未在您所需的能力领域自报等级")
    rated = [f"{_AREA_TITLES[a]} {Decimal(ranker.outcomes[(provider.id, a)]).quantize(CENT)}" for a in _AREA_TITLES
             if a in ranker.area_weight and ranker.outcomes.get((provider.id, a)) is not None]
    outcome_text = (f"按已验收项目的实测提升评分：{'、'.join(rated)}，折合 {_percent(outcome)}"
                    if rated else "暂无按实测成效的评分（样本不足或尚未评定），本项计 0 分")
    clients = provider.clients.get(ranker.enterprise.division, 0) if ranker.enterprise.division else 0
    division = ranker.enterprise.division_title or ranker.enterprise.division
    if not ranker.enterprise.division:
        industry_text = "未登记企业所属行业大类，本项计 0 分"
    elif clients:
        industry_text = f"在您所属行业（{division}）服务过 {clients} 家客户（{INDUSTRY_SATURATION} 家及以上计满分）"
    elif ranker.enterprise.division in solution.industries:
        industry_text = f"方案面向您所属行业（{division}），但服务商未登记该行业客户"
    else:
        industry_text = f"未登记您所属行业（{division}）的客户"
    pool_text = f"已入选{TIER_WORDS[provider.pool_tier]}" if provider.pool_tier in TIER_WORDS else "未入选资源池"
    region_text = {
        "district": "与您同在一个区（县）", "serves": "声明服务您所在地区", "city": "与您同在一个市",
        "province": "与您同在一个省", "elsewhere": "外地服务商",
    }[ranker.region_kind(provider)]
    if net_price is not None:
        basis = f"补贴后净价 {_money(net_price)}（标价起 {_money(solution.price_min)}）" if solution.price_min is not None \
            else f"补贴后净价 {_money(net_price)}"
    elif solution.price_min is not None:
        basis = f"标价起 {_money(solution.price_min)}（未测算补贴，按标价计）"
    else:
        basis = None
    if basis is None:
        price_text = "方案未标价，本项按一半计"
    elif ranker.budget is None:
        price_text = f"{basis}；企业规模档未知，本项按一半计"
    else:
        price_text = f"{basis}；您所在规模档的参考投入约 {_money(ranker.budget)}，契合 {_percent(price)}"
    return (need_text, scenario_text, area_text, capability_text, outcome_text, industry_text, pool_text,
            region_text, price_text)
