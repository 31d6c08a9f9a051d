"""Reads for matching: the published supply as the engine's plain data, the enterprise's scenes,
the weights in force, and the two entry points other features call:

* ``rank_for_enterprise(enterprise, *, assessment=None, weights=None, limit=10, provider_ids=None)``
* ``rank_many(enterprises_with_assessments, *, weights=None, limit=10, provider_ids=None)``

The supply (``Catalog``) is read with one query per table (listings, capabilities, industries,
solutions, solution items, active pool memberships) and kept in the process, keyed on the
registry's version (``providers/cache.py``): a publication or a pool change bumps the version and
the next ranking reads the tables again. ``rank_many`` reads it once for the whole batch.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache

from diagnosis.models import Assessment, Campaign, ItemCorrection
from diagnosis.results.context import standing_answers
from diagnosis.results.roadmap import build_roadmap
from diagnosis.results.selectors import COUNTED_STATUSES, verified_result
from diagnosis.spec import get_spec
from portal.fragments import version
from portal.models import Enterprise
from portal.reference import INDUSTRY_DIVISIONS
from providers import cache as registry_cache
from providers.matching import engine
from providers.matching.benefit import BenefitEstimate, estimate
from providers.matching.engine import Catalog, EnterpriseFacts, Match, ProviderFacts, SolutionFacts, Weights
from providers.matching.extensions import net_price_batch, net_price_fn, outcome_ratings_fn
from providers.matching.scenes import Scene, build_scenes
from providers.models import (
    Listing,
    ListingCapability,
    ListingIndustry,
    ListingSolution,
    MatchingWeights,
    Pool,
    PoolMember,
    SolutionItem,
)
from providers.signals import WEIGHTS_VERSION

TIER_ORDER = {Pool.Tier.PROVINCE: 3, Pool.Tier.CITY: 2, Pool.Tier.DISTRICT: 1}

_catalog_cache: dict[str, Any] = {"version": None, "catalog": None}


def _tags(value: str, memo: dict[str, frozenset[str]] | None = None) -> frozenset[str]:
    if memo is not None:
        found = memo.get(value)
        if found is None:
            found = memo[value] = frozenset(code for code in value.split(",") if code)
        return found
    return frozenset(code for code in value.split(",") if code)


def load_catalog(provider_ids: Iterable[int] | None = None) -> Catalog:
    """The published supply as plain data: six queries, whatever its size."""
    ids = list(provider_ids) if provider_ids is not None else None

    def scoped(qs, field):
        return qs.filter(**{f"{field}__in": ids}) if ids is not None else qs

    listings = list(scoped(Listing.objects.public(), "provider_id").order_by()
                    .values_list("pk", "provider_id", "name", "region_path", "service_regions"))
    levels: dict[int, dict[str, int]] = defaultdict(dict)
    for listing_id, area, level in (scoped(ListingCapability.objects, "listing__provider_id").order_by()
                                    .values_list("listing_id", "area", "level")):
        levels[listing_id][area] = level
    clients: dict[int, dict[str, int]] = defaultdict(dict)
    for listing_id, division, count in (scoped(ListingIndustry.objects, "listing__provider_id").order_by()
                                        .values_list("listing_id", "division", "clients")):
        clients[listing_id][division] = count
    tiers: dict[int, str] = {}
    for provider_id, tier in (scoped(PoolMember.objects.filter(status=PoolMember.Status.ACTIVE), "provider_id")
                              .order_by().values_list("provider_id", "pool__tier")):
        if TIER_ORDER.get(tier, 0) > TIER_ORDER.get(tiers.get(provider_id), 0):
            tiers[provider_id] = tier
    provider_of: dict[int, int] = {}
    providers: dict[int, ProviderFacts] = {}
    for listing_id, provider_id, name, region_path, service_regions in listings:
        provider_of[listing_id] = provider_id
        providers[provider_id] = ProviderFacts(
            id=provider_id, name=name, region_path=region_path, service_regions=_tags(service_regions),
            levels=levels.get(listing_id, {}), clients=clients.get(listing_id, {}),
            pool_tier=str(tiers.get(provider_id, "")))
    items: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for solution_id, spec_code, item_code in (scoped(SolutionItem.objects, "solution__listing__provider_id")
                                              .order_by().values_list("solution_id", "spec_code", "item_code")):
        items[solution_id].add((spec_code, item_code))
    # Equal tag sets become one object: fewer allocations, and the engine's lookups hit by identity.
    tags: dict[str, frozenset[str]] = {}
    item_sets: dict[frozenset, frozenset] = {frozenset(): frozenset()}

    def interned(found: set | None) -> frozenset:
        if not found:
            return item_sets[frozenset()]
        key = frozenset(found)
        return item_sets.setdefault(key, key)

    solutions = tuple(
        SolutionFacts(id=pk, provider_id=provider_of[listing_id], title=title, categories=_tags(categories, tags),
                      areas=_tags(areas, tags), industries=_tags(industries, tags), items=interned(items.get(pk)),
                      price_min=price_min, price_max=price_max, light=light)
        for pk, listing_id, title, categories, areas, industries, price_min, price_max, light in (
            scoped(ListingSolution.objects, "listing__provider_id").order_by("pk")
            .values_list("pk", "listing_id", "title", "categories", "areas", "industries", "price_min",
                         "price_max", "light"))
        if listing_id in provider_of
    )
    return Catalog(providers=providers, solutions=solutions)


def catalog() -> Catalog:
    """The whole published supply, read once per registry version and kept in the process."""
    version = registry_cache.version()
    if _catalog_cache["version"] != version or _catalog_cache["catalog"] is None:
        _catalog_cache["catalog"] = load_catalog()
        _catalog_cache["version"] = version
    return _catalog_cache["catalog"]


def clear_catalog() -> None:
    _catalog_cache.update(version=None, catalog=None)


# ─── The enterprise side ─────────────────────────────────────────────────────────────────────


def enterprise_facts(enterprise: Enterprise) -> EnterpriseFacts:
    division = str(enterprise.industry_division or "")
    return EnterpriseFacts(id=enterprise.pk, division=division,
                           division_title=f"{division} {INDUSTRY_DIVISIONS.get(division, '')}".strip(),
                           region_path=enterprise.region.path if enterprise.region_id else "",
                           revenue_band=str(enterprise.revenue_band or ""))


def latest_assessment(enterprise: Enterprise) -> Assessment | None:
    """The enterprise's latest scored assessment it stands by (submitted or approved)."""
    return (Assessment.objects.filter(enterprise=enterprise, status__in=COUNTED_STATUSES, result__isnull=False)
            .order_by("-submitted_at", "-pk").first())


def scenes_of(assessment: Assessment | None) -> tuple[Scene, ...]:
    """The scenes of a scored assessment, from its verified result where there is one."""
    if assessment is None or assessment.result is None:
        return ()
    try:
        spec = get_spec(assessment.spec_key)
    except (KeyError, LookupError, ValueError):
        return ()
    result = verified_result(assessment) or assessment.result
    return build_scenes(spec, result, standing_answers(assessment), assessment.priorities)


# ─── Weights ─────────────────────────────────────────────────────────────────────────────────


def as_weights(version: MatchingWeights) -> Weights:
    return engine.make_weights(version.version_label, version.weights)


def weights_version_for(enterprise: Enterprise | None = None, campaign: Campaign | None = None
                        ) -> MatchingWeights | None:
    """The version in force: the campaign's latest when a campaign is given and has one, else the
    latest general version of the nearest region above (or at) the enterprise's; None → defaults."""
    if campaign is not None:
        found = (MatchingWeights.objects.select_related("region").filter(campaign=campaign)
                 .order_by("-number").first())
        if found is not None:
            return found
    if enterprise is None or not enterprise.region_id:
        return None
    path = enterprise.region.path
    ancestors = [path[:i + 1] for i, ch in enumerate(path) if ch == "/"]
    candidates = (MatchingWeights.objects.select_related("region")
                  .filter(campaign__isnull=True, region__path__in=ancestors))
    return max(candidates, key=lambda w: (len(w.region.path), w.number), default=None)


def weights_pk_for(enterprise: Enterprise, *, weights_version: int | None = None) -> int | None:
    """``weights_version_for(enterprise)``'s pk (None: the defaults), kept in the cache per region
    until any weights version is saved or deleted (providers/signals.py bumps ``WEIGHTS_VERSION``;
    the caller may pass its value, read with others in one round trip)."""
    current = version(WEIGHTS_VERSION) if weights_version is None else weights_version
    key = f"providers:matching-weights-in-force:{current}:{enterprise.region_id}"
    # Also kept in the process for as long as in the cache: the key names the shared version, so a
    # weights version saved anywhere is seen at once; the time bounds what it does not name (regions).
    kept = _weights_in_force.get(key)
    if kept is not None and kept[1] > time.monotonic():
        return kept[0] or None
    found = cache.get(key)
    if found is None:
        weights = weights_version_for(enterprise)
        found = weights.pk if weights else 0
        cache.set(key, found, WEIGHTS_IN_FORCE_SECONDS)
    if len(_weights_in_force) > 4096:
        _weights_in_force.clear()
    _weights_in_force[key] = (found, time.monotonic() + WEIGHTS_IN_FORCE_SECONDS)
    return found or None


WEIGHTS_IN_FORCE_SECONDS = 3600


_weights_in_force: dict[str, tuple[int, float]] = {}


def _weights(weights, enterprise: Enterprise | None) -> Weights:
    if isinstance(weights, Weights):
        return weights
    if isinstance(weights, MatchingWeights):
        return as_weights(weights)
    version = weights_version_for(enterprise)
    return as_weights(version) if version is not None else engine.default_weights()


# ─── Entry points ────────────────────────────────────────────────────────────────────────────


def _outcomes(supply: Catalog) -> dict | None:
    fn = outcome_ratings_fn()
    return dict(fn(list(supply.providers)) or {}) if fn is not None else None


def _net_prices(enterprise: Enterprise):
    fn = net_price_fn()
    if fn is None:
        return None
    return lambda solutions: fn(enterprise, solutions)


def rank_for_enterprise(enterprise: Enterprise, *, assessment: Assessment | None = None,
                        weights: Weights | MatchingWeights | None = None, limit: int = 10,
                        provider_ids: Iterable[int] | None = None) -> list[Match]:
    """The best ``limit`` solutions for ``enterprise`` (best first), from ``assessment`` (default:
    its latest submitted or approved one; its verified result where present). ``weights``: a
    version or engine weights (default: the version in force for the enterprise's region, else the
    shipped defaults). ``provider_ids``: only these providers (portal Provider pks), e.g. a pool's."""
    assessment = assessment if assessment is not None else latest_assessment(enterprise)
    return rank_scenes(enterprise, scenes_of(assessment), weights=weights, limit=limit, provider_ids=provider_ids)


def rank_scenes(enterprise: Enterprise, scenes: tuple[Scene, ...], *, weights=None, limit: int = 10,
                provider_ids: Iterable[int] | None = None) -> list[Match]:
    """``rank_for_enterprise`` from scenes already built (the panel shows them too)."""
    if not scenes:
        return []
    supply = catalog()
    return list(engine.rank(enterprise_facts(enterprise), scenes, supply, _weights(weights, enterprise),
                            outcomes=_outcomes(supply), net_prices=_net_prices(enterprise), limit=limit,
                            provider_ids=provider_ids))


def rank_many(enterprises_with_assessments: Iterable[tuple[Enterprise, Assessment | None]], *,
              weights: Weights | MatchingWeights | None = None, limit: int = 10,
              provider_ids: Iterable[int] | None = None) -> dict[int, list[Match]]:
    """``rank_for_enterprise`` for many enterprises at once, keyed by enterprise pk, with the same
    matches: the supply, the outcome ratings, explicit weights, the weights per region, the
    missing latest assessments (one query), the reviewers' corrections (one query) and the net
    price's reads (the extension's ``prepare``) are read once for the batch."""
    pairs = list(enterprises_with_assessments)
    supply = catalog()
    outcomes = _outcomes(supply)
    allowed = list(provider_ids) if provider_ids is not None else None
    fixed = _weights(weights, None) if weights is not None else None
    weights_by_region: dict[int, Weights] = {}
    missing = _latest_assessments([e.pk for e, a in pairs if a is None])
    pairs = [(e, a if a is not None else missing.get(e.pk)) for e, a in pairs]
    scenes = scenes_many([a for _e, a in pairs if a is not None])
    with_scenes = [e for e, a in pairs if a is not None and scenes.get(a.pk)]
    pricer = net_price_batch(with_scenes) if with_scenes else None
    ranked: dict[int, list[Match]] = {}
    for enterprise, assessment in pairs:
        found = scenes.get(assessment.pk, ()) if assessment is not None else ()
        if not found:
            ranked[enterprise.pk] = []
            continue
        if fixed is None and enterprise.region_id not in weights_by_region:
            weights_by_region[enterprise.region_id] = _weights(None, enterprise)
        net = (lambda solutions, enterprise=enterprise: pricer(enterprise, solutions)) if pricer else None
        ranked[enterprise.pk] = list(engine.rank(
            enterprise_facts(enterprise), found, supply, fixed or weights_by_region[enterprise.region_id],
            outcomes=outcomes, net_prices=net, limit=limit, provider_ids=allowed))
    return ranked


def _latest_assessments(enterprise_ids: list[int]) -> dict[int, Assessment]:
    """``latest_assessment`` of each enterprise, one query."""
    found: dict[int, Assessment] = {}
    if not enterprise_ids:
        return found
    for assessment in (Assessment.objects.filter(enterprise_id__in=enterprise_ids, status__in=COUNTED_STATUSES,
                                                 result__isnull=False)
                       .order_by("enterprise_id", "-submitted_at", "-pk")):
        found.setdefault(assessment.enterprise_id, assessment)
    return found


def scenes_many(assessments: Iterable[Assessment]) -> dict[int, tuple[Scene, ...]]:
    """``scenes_of`` of each assessment, keyed by pk: the reviewers' corrections of the approved
    ones in one query, each spec looked up once."""
    assessments = [a for a in assessments if a.result is not None]
    verified = {a.pk for a in assessments if verified_result(a) is not None}
    corrections: dict[int, dict[str, Any]] = defaultdict(dict)
    if verified:
        for assessment_id, item_code, value in (ItemCorrection.objects.filter(assessment_id__in=verified)
                                                .values_list("assessment_id", "item_code", "verified_value")):
            corrections[assessment_id][item_code] = value
    specs: dict[str, Any] = {}
    found: dict[int, tuple[Scene, ...]] = {}
    for assessment in assessments:
        key = assessment.spec_key
        if key not in specs:
            try:
                specs[key] = get_spec(key)
            except (KeyError, LookupError, ValueError):
                specs[key] = None
        spec = specs[key]
        if spec is None:
            found[assessment.pk] = ()
            continue
        answers = dict(assessment.submitted_answers or {})
        if assessment.pk in verified:
            answers.update(corrections.get(assessment.pk, {}))
        result = verified_result(assessment) or assessment.result
        found[assessment.pk] = build_scenes(spec, result, answers, assessment.priorities)
    return found


def solutions_for_matches(matches: Iterable[Match]) -> dict[int, ListingSolution]:
    """The listed solutions behind ``matches`` (for their summaries), one query."""
    ids = [m.solution_id for m in matches]
    return {s.pk: s for s in ListingSolution.objects.filter(pk__in=ids).select_related("listing")}


def benefit_for(assessment: Assessment) -> BenefitEstimate | None:
    """The benefit estimate of the assessment's recommended roadmap steps (verified result where present)."""
    if assessment.result is None:
        return None
    try:
        spec = get_spec(assessment.spec_key)
    except (KeyError, LookupError, ValueError):
        return None
    result = verified_result(assessment) or assessment.result
    roadmap = build_roadmap(spec, result, standing_answers(assessment), assessment.priorities)
    return estimate(spec, roadmap, division=str(assessment.enterprise.industry_division or ""))


def weights_versions(user):
    """The versions ``user`` may read, newest first."""
    return (MatchingWeights.objects.visible_to(user).select_related("region", "campaign", "created_by")
            .order_by("region__path", "campaign_id", "-number"))


def latest_number(region_id: int) -> int:
    """The region's latest version number (versions count up per region, campaigns included); 0: none."""
    return (MatchingWeights.objects.filter(region_id=region_id).order_by("-number")
            .values_list("number", flat=True).first() or 0)
