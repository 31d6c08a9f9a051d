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

import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType

import numpy as np

from diagnosis.results.needs import CATEGORIES
from providers.matching.scenes import Scene
from providers.taxonomy import CAPABILITY_AREAS, CAPABILITY_CODES, LEVEL_MAX, titles

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


@dataclass(frozen=True)
class Catalog:
    """The published supply, loaded once and shared by every enterprise ranked against it."""

    providers: Mapping[int, ProviderFacts]
    solutions: tuple[SolutionFacts, ...]

    @cached_property
    def index(self) -> CatalogIndex:
        """The supply as arrays (built on first use, then shared by every ranking against it)."""
        return index_catalog(self)


@dataclass(frozen=True, eq=False)
class CatalogIndex:
    """The catalogue as numpy arrays: each solution's position in a table of the distinct category
    sets, item sets, area sets, industry sets and prices, and its provider's row (the last row
    stands for a provider missing from the catalogue: it earns nothing)."""

    ids: np.ndarray
    position: Mapping[int, int]  # solution id → position
    provider_ids: np.ndarray  # per solution
    provider_row: np.ndarray  # per solution
    provider_rows: Mapping[int, int]  # provider id → row
    category_keys: tuple[frozenset[str], ...]
    category_idx: np.ndarray
    item_keys: tuple[frozenset[tuple[str, str]], ...]
    item_idx: np.ndarray
    member_keys: tuple[tuple[str, str], ...]  # every (spec, code) named by some item set
    member_idx: np.ndarray  # flattened members of the item sets …
    member_set: np.ndarray  # … and the item set each belongs to
    area_keys: tuple[frozenset[str], ...]
    area_idx: np.ndarray
    industry_keys: tuple[frozenset[str], ...]
    industry_idx: np.ndarray
    price_keys: tuple[Decimal | None, ...]
    price_idx: np.ndarray
    area_codes: tuple[str, ...]
    levels: np.ndarray  # provider row × area code, 0–LEVEL_MAX
    tier_keys: tuple[str, ...]
    tier_idx: np.ndarray  # per provider row
    region_keys: tuple[tuple[str, frozenset[str]] | None, ...]  # None: the missing provider
    region_idx: np.ndarray  # per provider row
    clients: Mapping[str, tuple[np.ndarray, np.ndarray]]  # division → (provider rows, clients)
    # Per-enterprise arrays that depend on one small input only (the region shares per enterprise
    # region path), kept with the index for the next enterprise of a batch.
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def _interned(values, keys: dict) -> np.ndarray:
    return np.fromiter((keys.setdefault(v, len(keys)) for v in values), dtype=np.int64, count=len(values))


def index_catalog(catalog: Catalog) -> CatalogIndex:
    providers = list(catalog.providers.values())
    rows = {p.id: row for row, p in enumerate(providers)}
    missing = len(providers)
    solutions = catalog.solutions
    area_codes = tuple(sorted({a for p in providers for a in p.levels} | set(CAPABILITY_CODES)))
    area_col = {a: i for i, a in enumerate(area_codes)}
    levels = np.zeros((missing + 1, len(area_codes)), dtype=np.int64)
    for row, provider in enumerate(providers):
        for area, level in provider.levels.items():
            if level:
                levels[row, area_col[area]] = min(level, LEVEL_MAX)
    tiers: dict = {}
    regions: dict = {}
    tier_idx = np.array([tiers.setdefault(p.pool_tier, len(tiers)) for p in providers]
                        + [tiers.setdefault("", len(tiers))], dtype=np.int64)
    region_idx = np.array([regions.setdefault((p.region_path, p.service_regions), len(regions)) for p in providers]
                          + [regions.setdefault(None, len(regions))], dtype=np.int64)
    by_division: dict[str, tuple[list[int], list[int]]] = {}
    for row, provider in enumerate(providers):
        for division, count in provider.clients.items():
            if count:
                found = by_division.setdefault(division, ([], []))
                found[0].append(row)
                found[1].append(count)
    categories, items, areas, industries, prices = {}, {}, {}, {}, {}
    provider_ids = np.fromiter((s.provider_id for s in solutions), dtype=np.int64, count=len(solutions))
    item_idx = _interned([s.items for s in solutions], items)
    members: dict[tuple[str, str], int] = {}
    member_idx, member_set = [], []
    for set_no, item_set in enumerate(items):
        for member in item_set:
            member_idx.append(members.setdefault(member, len(members)))
            member_set.append(set_no)
    return CatalogIndex(
        ids=np.fromiter((s.id for s in solutions), dtype=np.int64, count=len(solutions)),
        position={s.id: i for i, s in enumerate(solutions)},
        provider_ids=provider_ids,
        provider_row=np.fromiter((rows.get(s.provider_id, missing) for s in solutions), dtype=np.int64,
                                 count=len(solutions)),
        provider_rows=rows,
        category_idx=_interned([s.categories for s in solutions], categories), category_keys=tuple(categories),
        item_idx=item_idx, item_keys=tuple(items), member_keys=tuple(members),
        member_idx=np.array(member_idx, dtype=np.int64), member_set=np.array(member_set, dtype=np.int64),
        area_idx=_interned([s.areas for s in solutions], areas), area_keys=tuple(areas),
        industry_idx=_interned([s.industries for s in solutions], industries), industry_keys=tuple(industries),
        price_idx=_interned([s.price_min for s in solutions], prices), price_keys=tuple(prices),
        area_codes=area_codes, levels=levels, tier_keys=tuple(tiers), tier_idx=tier_idx,
        region_keys=tuple(regions), region_idx=region_idx,
        clients={d: (np.array(r, dtype=np.int64), np.array(c, dtype=np.int64)) for d, (r, c) in by_division.items()},
    )


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
    """The per-enterprise state of one ranking. Each component's share depends on one input only
    (the solution's category set, its items, its areas, its provider, its price), so shares are
    memoised per distinct input: a catalogue of 50 k solutions has far fewer distinct inputs."""

    def __init__(self, enterprise: EnterpriseFacts, scenes: Sequence[Scene], catalog: Catalog, weights: Weights,
                 outcomes: Outcomes):
        self.enterprise, self.catalog, self.weights = enterprise, catalog, weights
        self.outcomes = outcomes or {}
        self.outcomes_by_provider: dict[int, dict[str, Decimal]] = {}
        for (provider_id, area), value in self.outcomes.items():
            if value is not None:
                self.outcomes_by_provider.setdefault(provider_id, {})[area] = value
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
        self._provider_memo: dict[int, tuple[int, int, int, int, int]] = {}
        self._region_memo: dict[tuple[str, frozenset[str]], str] = {}
        self._memo: dict[str, dict] = {"need": {}, "scenario": {}, "area": {}, "price": {}}

    # ── shares, one input each ──
    def need_share(self, categories: frozenset[str]) -> int:
        memo = self._memo["need"]
        share = memo.get(categories)
        if share is None:
            weights = self.category_weight
            share = memo[categories] = _share(sum(weights.get(c, 0) for c in categories), self.total)
        return share

    def scenario_share(self, items: frozenset[tuple[str, str]]) -> int:
        if not items:
            return 0
        memo = self._memo["scenario"]
        share = memo.get(items)
        if share is None:
            share = memo[items] = _share(sum(self.scene_weight[k] for k in self.named_scenes_of(items)), self.total)
        return share

    def area_share(self, areas: frozenset[str]) -> int:
        memo = self._memo["area"]
        share = memo.get(areas)
        if share is None:
            weights = self.area_weight
            share = memo[areas] = _share(sum(weights.get(a, 0) for a in areas), self.area_total)
        return share

    def price_share(self, price: Decimal | None) -> int:
        memo = self._memo["price"]
        share = memo.get(price)
        if share is None:
            if price is None or self.budget_cents is None:
                share = UNPRICED_SHARE
            else:
                cents = int(price * 100)
                share = SCALE if cents <= self.budget_cents else self.budget_cents * SCALE // cents
            memo[price] = share
        return share

    def industry_share(self, clients: int, solution: SolutionFacts) -> int:
        share = min(clients, INDUSTRY_SATURATION) * SCALE // INDUSTRY_SATURATION
        if self.enterprise.division and self.enterprise.division in solution.industries:
            share = max(share, SOLUTION_INDUSTRY_SHARE)
        return share

    def provider_shares(self, provider: ProviderFacts | None) -> tuple[int, int, int, int, int]:
        """(capability, outcome, pool, region, clients in the enterprise's division), once per provider."""
        if provider is None:
            return (0, 0, 0, 0, 0)
        found = self._provider_memo.get(provider.id)
        if found is not None:
            return found
        weights, capability, outcome = self.area_weight, 0, 0
        for area, level in provider.levels.items():
            if level and area in weights:
                capability += weights[area] * min(level, LEVEL_MAX)
        for area, value in self.outcomes_by_provider.get(provider.id, {}).items():
            if area in weights:
                outcome += weights[area] * _unit(value)
        capability = capability * SCALE // (LEVEL_MAX * self.area_total) if self.area_total else 0
        outcome = outcome // self.area_total if self.area_total else 0
        pool = _unit(self.weights.pool_tiers.get(provider.pool_tier)) if provider.pool_tier else 0
        shares = (capability, outcome, pool, REGION_SHARES[self.region_kind(provider)],
                  provider.clients.get(self.enterprise.division, 0) if self.enterprise.division else 0)
        self._provider_memo[provider.id] = shares
        return shares

    def region_kind(self, provider: ProviderFacts) -> str:
        key = (provider.region_path, provider.service_regions)
        kind = self._region_memo.get(key)
        if kind is None:
            kind = self._region_memo[key] = self._region_kind(provider)
        return kind

    def _region_kind(self, provider: ProviderFacts) -> str:
        return self.region_kind_of(provider.region_path, provider.service_regions)

    def region_kind_of(self, region_path: str, service_regions: frozenset[str]) -> str:
        ent, own = self.ent_codes, _path_codes(region_path)
        if len(own) >= 3 and ent[:len(own)] == own:
            return "district"
        if service_regions and any(code in service_regions for code in ent):
            return "serves"
        if len(own) >= 2 and ent[:2] == own[:2]:
            return "city"
        if own and ent[:1] == own[:1]:
            return "province"
        return "elsewhere"

    def named_scenes_of(self, items: frozenset[tuple[str, str]]) -> set[tuple[str, str]]:
        keys = self.key_scenes
        return {scene for i in items if i in keys for scene in keys[i]}

    def named_scenes(self, solution: SolutionFacts) -> set[tuple[str, str]]:
        return self.named_scenes_of(solution.items)

    def relevant(self, solution: SolutionFacts) -> bool:
        return bool(self.need_share(solution.categories) or self.scenario_share(solution.items))

    def shares(self, solution: SolutionFacts, price: Decimal | None) -> tuple[int, ...]:
        capability, outcome, pool, region, clients = self.provider_shares(
            self.catalog.providers.get(solution.provider_id))
        return (self.need_share(solution.categories), self.scenario_share(solution.items),
                self.area_share(solution.areas), capability, outcome, self.industry_share(clients, solution), pool,
                region, self.price_share(price))

    def cents_of(self, code: str, share: int) -> int:
        return self.cents[code] * share // SCALE

    def total_cents(self, shares: tuple[int, ...]) -> int:
        return sum(self.cents_of(code, share) for code, share in zip(COMPONENT_CODES, shares, strict=True))


def _scenario_shares(ranker: _Ranker, idx: CatalogIndex) -> np.ndarray:
    """``ranker.scenario_share`` of every distinct item set, summed on arrays where that is exact:
    a set whose named scenes are each named by one member only (a question names itself) is the sum
    of its members' weights; a set with a member naming several scenes (a dimension) may count a
    scene twice that way, so its union is taken in Python."""
    n_sets = len(idx.item_keys)
    if not n_sets or not len(idx.member_idx):
        return np.zeros(n_sets, dtype=np.int64)
    plain = np.zeros(len(idx.member_keys), dtype=np.int64)
    complex_ = np.zeros(len(idx.member_keys), dtype=np.int64)
    for i, key in enumerate(idx.member_keys):
        targets = ranker.key_scenes.get(key)
        if not targets:
            continue
        if targets == [key]:
            plain[i] = ranker.scene_weight[key]
        else:
            complex_[i] = 1
    sums = np.bincount(idx.member_set, weights=plain[idx.member_idx], minlength=n_sets).astype(np.int64)
    mixed = np.bincount(idx.member_set, weights=complex_[idx.member_idx], minlength=n_sets) > 0
    shares = sums * SCALE // ranker.total
    for set_no in np.flatnonzero(mixed).tolist():
        shares[set_no] = ranker.scenario_share(idx.item_keys[set_no])
    return shares


def rank(enterprise: EnterpriseFacts, scenes: Sequence[Scene], catalog: Catalog, weights: Weights | None = None,
         *, outcomes: Outcomes = None, net_prices: NetPrices = None, limit: int = 10,
         provider_ids: Iterable[int] | None = None) -> tuple[Match, ...]:
    """The best ``limit`` solutions for ``enterprise``, best first (ties: lower solution id).

    The hot path (50 k solutions per enterprise) works on the catalogue's arrays: each share is
    computed once per distinct input (``_Ranker``), turned into whole cents exactly as the
    explanation does, gathered per solution and summed in int64; the explanation of each returned
    match is then rebuilt by ``_Ranker.shares`` and adds up to the same score."""
    weights = weights or default_weights()
    ranker = _Ranker(enterprise, scenes, catalog, weights, outcomes)
    if not ranker.total or limit <= 0 or not catalog.solutions:
        return ()
    idx = catalog.index
    cents = ranker.cents

    def contribution(code: str, shares) -> np.ndarray:
        return cents[code] * np.asarray(shares, dtype=np.int64) // SCALE

    need_share = np.array([ranker.need_share(k) for k in idx.category_keys], dtype=np.int64)
    scenario_share = _scenario_shares(ranker, idx)
    relevant = (need_share[idx.category_idx] > 0) | (scenario_share[idx.item_idx] > 0)
    if provider_ids is not None:
        relevant &= np.isin(idx.provider_ids, np.fromiter(set(provider_ids), dtype=np.int64))
    candidates = np.flatnonzero(relevant)
    if not len(candidates):
        return ()
    # Provider rows: capability, outcome, pool and region, and the industry part.
    area_weight = np.array([ranker.area_weight.get(a, 0) for a in idx.area_codes], dtype=np.int64)
    outcome_sum = np.zeros(len(idx.tier_idx), dtype=np.int64)
    for provider_id, by_area in ranker.outcomes_by_provider.items():
        row = idx.provider_rows.get(provider_id)
        if row is not None:
            outcome_sum[row] = sum(ranker.area_weight.get(a, 0) * _unit(v) for a, v in by_area.items())
    if ranker.area_total:
        capability = idx.levels @ area_weight * SCALE // (LEVEL_MAX * ranker.area_total)
        outcome = outcome_sum // ranker.area_total
    else:
        capability = outcome = np.zeros(len(idx.tier_idx), dtype=np.int64)
    pool = np.array([_unit(weights.pool_tiers.get(t)) if t else 0 for t in idx.tier_keys], dtype=np.int64)
    region = idx.memo.get(("region", enterprise.region_path))
    if region is None:
        region = idx.memo[("region", enterprise.region_path)] = np.array(
            [REGION_SHARES[ranker.region_kind_of(*key)] if key else 0 for key in idx.region_keys], dtype=np.int64)
    clients = np.zeros(len(idx.tier_idx), dtype=np.int64)
    if enterprise.division and enterprise.division in idx.clients:
        rows, counts = idx.clients[enterprise.division]
        clients[rows] = counts
    by_clients = np.minimum(clients, INDUSTRY_SATURATION) * SCALE // INDUSTRY_SATURATION
    fixed = (contribution("capability", capability) + contribution("outcome", outcome)
             + contribution("pool", pool)[idx.tier_idx] + contribution("region", region)[idx.region_idx])
    industry_without = contribution("industry", by_clients)
    industry_with = contribution("industry", np.maximum(by_clients, SOLUTION_INDUSTRY_SHARE))
    names_division = np.array([bool(enterprise.division) and enterprise.division in k for k in idx.industry_keys],
                              dtype=bool)
    price = np.array([ranker.price_share(p) for p in idx.price_keys], dtype=np.int64)

    rows = idx.provider_row[candidates]
    total = (contribution("need", need_share)[idx.category_idx[candidates]]
             + contribution("scenario", scenario_share)[idx.item_idx[candidates]]
             + contribution("area", [ranker.area_share(k) for k in idx.area_keys])[idx.area_idx[candidates]]
             + fixed[rows]
             + np.where(names_division[idx.industry_idx[candidates]], industry_with[rows], industry_without[rows])
             + contribution("price", price)[idx.price_idx[candidates]])
    net: dict[int, Decimal] = {}
    if callable(net_prices):
        net = dict(net_prices([catalog.solutions[i] for i in candidates]) or {})
    elif net_prices:
        net = dict(net_prices)
    if net:
        at = {int(p): i for i, p in enumerate(candidates)}
        for solution_id, value in net.items():
            i = at.get(idx.position.get(solution_id, -1))
            if i is not None:
                gross = catalog.solutions[candidates[i]].price_min
                total[i] += (cents["price"] * ranker.price_share(value) // SCALE
                             - cents["price"] * ranker.price_share(gross) // SCALE)
    order = np.lexsort((idx.ids[candidates], -total))[:limit]
    return tuple(_match(ranker, rank_, catalog.solutions[candidates[i]],
                        net.get(catalog.solutions[candidates[i]].id))
                 for rank_, i in enumerate(order.tolist(), start=1))


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
