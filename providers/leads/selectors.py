"""Reads of the leads feature: the diagnosis summary an enterprise consents to share, whether a
provider serves the enterprise's region through an active pool, each side's lead lists, the
staff's regional list, and the providers' outcome ratings (providers/leads/outcomes.py)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from diagnosis.models import Assessment
from diagnosis.results.selectors import COUNTED_STATUSES, verified_result
from portal.roles import staff_region_path
from providers.leads import outcomes
from providers.leads.outcomes import OutcomeRating
from providers.models import Lead, ListingSolution, Pool, PoolMember, SolutionItem
from providers.taxonomy import CAPABILITY_AREAS, titles

# What the consent covers, by version: the consent page names these parts, the summary holds them.
CONSENT_VERSION = "2026-11"
WEAK_PERCENT = Decimal(60)  # a dimension below 60 % of its points is weak (diagnosis/results/needs.py)


def standing_result(assessment: Assessment) -> Mapping[str, Any] | None:
    """The result every page shows: the verified one once approved, else the self-declared one."""
    return verified_result(assessment) or assessment.result


def shareable(assessment: Assessment) -> bool:
    return assessment.status in COUNTED_STATUSES and assessment.result is not None


def _dimension_rates(result: Mapping[str, Any]) -> dict[str, Decimal]:
    rates, stack = {}, list(result.get("dimensions") or ())
    while stack:
        node = stack.pop()
        rates[node["code"]] = Decimal(str(node.get("percent") or 0))
        stack.extend(node.get("children") or ())
    return rates


def diagnosis_summary(assessment: Assessment) -> dict:
    """Exactly what a lead shares with the provider (the consent page shows this very dict): the
    standard, year, total and level or stage, the weak top-level dimensions, the stated needs
    (category, urgency, budget) and the enterprise's name, industry, size band and contact."""
    result = standing_result(assessment) or {}
    enterprise = assessment.enterprise
    grade = result.get("level") or result.get("stage") or {}
    weak = [{"code": d["code"], "title": d.get("title", d["code"]), "percent": str(d.get("percent"))}
            for d in result.get("dimensions") or () if Decimal(str(d.get("percent") or 0)) < WEAK_PERCENT]
    needs = [{"category": need.category, "title": str(need.get_category_display()), "urgency": need.urgency,
              "urgency_title": str(need.get_urgency_display()),
              "budget_wan": None if need.budget_wan is None else str(need.budget_wan)}
             for need in assessment.needs.order_by("category")]
    return {
        "enterprise": {"name": enterprise.name, "industry_division": enterprise.industry_division,
                       "industry": str(enterprise.get_industry_division_display() or enterprise.industry_section),
                       "size": str(enterprise.get_revenue_band_display()), "employees": enterprise.employees,
                       "contact_name": enterprise.contact_name, "contact_phone": enterprise.contact_phone},
        "spec_code": assessment.spec_code, "spec_version": assessment.spec_version,
        "spec_title": result.get("spec_title", assessment.spec_code), "year": assessment.year,
        "total": str(result.get("total", assessment.total)), "max_total": str(result.get("max_total", "")),
        "verified": verified_result(assessment) is not None,
        "grade": grade.get("title", "") if isinstance(grade, dict) else "",
        "weak_dimensions": weak,
        "needs": needs,
    }


def targeted_dimensions(assessment: Assessment, solution: ListingSolution, summary: dict) -> list[str]:
    """The top-level dimensions the solution works on: those holding the items it names for this
    standard; else the weak dimensions of the summary."""
    result = standing_result(assessment) or {}
    items = set(SolutionItem.objects.filter(solution=solution, spec_code=assessment.spec_code)
                .values_list("item_code", flat=True))
    targets = []
    if items:
        for top in result.get("dimensions") or ():
            stack, codes = [top], set()
            while stack:
                node = stack.pop()
                codes.update(node.get("items") or ())
                codes.add(node["code"])
                stack.extend(node.get("children") or ())
            if codes & items:
                targets.append(top["code"])
    return targets or [d["code"] for d in summary["weak_dimensions"]]


def region_prefixes(path: str) -> list[str]:
    """The paths of a region and its ancestors: "440000/", "440000/440300/", …"""
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[:i]) for i in range(1, len(parts) + 1)]


def serving_memberships(provider_id: int, enterprise) -> QuerySet[PoolMember]:
    """The provider's active pool memberships (in force today) in pools whose region contains the
    enterprise's: a district pool of its district, its city's pool, its province's."""
    today = timezone.localdate()
    return PoolMember.objects.filter(
        provider_id=provider_id, status=PoolMember.Status.ACTIVE, valid_until__gte=today,
        pool__region__path__in=region_prefixes(enterprise.region.path)).exclude(pool__status=Pool.Status.DRAFT)


def enterprise_leads(user) -> QuerySet[Lead]:
    return (Lead.objects.of_enterprises_of(user).select_related("enterprise", "provider", "assessment")
            .order_by("-requested_at", "-pk"))


def provider_leads(user, *, stage: str = "") -> QuerySet[Lead]:
    qs = Lead.objects.of_providers_of(user).select_related("enterprise", "provider").order_by("-requested_at", "-pk")
    return qs.filter(stage=stage) if stage else qs


def staff_leads(user) -> QuerySet[Lead]:
    if staff_region_path(user) is None:
        return Lead.objects.none()
    return (Lead.objects.visible_to(user).select_related("enterprise__region", "provider")
            .order_by("-requested_at", "-pk"))


def staff_enterprise_name(lead: Lead) -> str | None:
    """The enterprise's name as the staff export may show it: none once the enterprise withdrew its
    consent, since the name came with the shared summary and the withdrawal takes both back."""
    return lead.enterprise.name if lead.consent_active else None


def staff_export_rows(leads: QuerySet[Lead], *, withdrawn_label: str) -> list[list[Any]]:
    """The staff list as export rows, one per lead, in the list's order: enterprise (``withdrawn_label``
    in place of a withdrawn one's name), district, provider, solution, stage, the day consent was
    withdrawn, requested on, contract amount. Never the diagnosis summary: it stays between the
    enterprise and the provider (and is not even read here)."""
    rows = leads.only("enterprise__name", "enterprise__region__name", "provider__name", "solution_title", "stage",
                      "withdrawn_at", "requested_at", "contract_amount")
    return [[staff_enterprise_name(lead) or withdrawn_label, lead.enterprise.region.name, lead.provider.name,
             lead.solution_title, str(lead.get_stage_display()),
             timezone.localtime(lead.withdrawn_at).date() if lead.withdrawn_at else None,
             timezone.localtime(lead.requested_at).date(), lead.contract_amount]
            for lead in rows.iterator(chunk_size=2000)]


def stage_counts(queryset: QuerySet[Lead]) -> dict[str, int]:
    counts = dict(queryset.order_by().values("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    return {stage: counts.get(stage, 0) for stage in Lead.Stage.values}


# ─── outcome ratings ────────────────────────────────────────────────────────────────────────────

RATINGS_CACHE_KEY = "providers:leads:outcome-ratings"
RATINGS_TTL = 600  # seconds; a lead's acceptance clears it at once, a re-assessment within this time
ENGAGED_STAGES = ("contract", "delivered", "accepted")


def _reading(row: dict) -> outcomes.Reading | None:
    verified = row["status"] == Assessment.Status.APPROVED and row["verified_total"] is not None
    prefix = "v_" if verified else "r_"
    dimensions, total, max_total = row[f"{prefix}dimensions"], row[f"{prefix}total"], row[f"{prefix}max_total"]
    if not dimensions or total is None or row["submitted_at"] is None:
        return None
    # Local time: the acceptance day it is compared with is a local date.
    return outcomes.Reading(row["pk"], row["enterprise_id"], row["spec_code"], timezone.localtime(row["submitted_at"]),
                            outcomes.percent(Decimal(str(total)), Decimal(str(max_total or 0))),
                            _dimension_rates({"dimensions": dimensions}))


# Only the parts of the stored results the rating reads: the whole result (every item) costs ten
# times as much to fetch and decode.
_RESULT_PARTS = {f"{short}_{part}": KeyTransform(part, column)
                 for short, column in (("r", "result"), ("v", "verified_result"))
                 for part in ("dimensions", "total", "max_total")}


def compute_outcome_ratings() -> dict[tuple[int, str | None], OutcomeRating]:
    """Read the accepted engagements and every counted assessment of the standards they were
    diagnosed on, and rate (providers/leads/outcomes.py)."""
    accepted = list(Lead.objects.filter(stage=Lead.Stage.ACCEPTED, withdrawn_at__isnull=True)
                    .values("pk", "provider_id", "enterprise_id", "assessment_id", "accepted_on",
                            "targeted_dimensions", "solution_areas", "assessment__spec_code"))
    if not accepted:
        return {}
    specs = {row["assessment__spec_code"] for row in accepted}
    # One plain scan (an enterprise seen once drops out in the pure module): filtering on "assessed at
    # least twice" in SQL let the planner pick a nested loop that took seconds.
    rows = (Assessment.objects.filter(spec_code__in=specs, status__in=COUNTED_STATUSES, result__isnull=False)
            .order_by().annotate(**_RESULT_PARTS)
            .values("pk", "enterprise_id", "spec_code", "submitted_at", "status", "verified_total", *_RESULT_PARTS))
    readings = [r for r in (_reading(row) for row in rows.iterator(chunk_size=2000)) if r is not None]
    engaged = frozenset(Lead.objects.filter(Q(stage__in=ENGAGED_STAGES) | Q(contract_on__isnull=False))
                        .values_list("enterprise_id", flat=True))
    engagements = [outcomes.Engagement(row["pk"], row["provider_id"], row["enterprise_id"], row["assessment_id"],
                                       row["accepted_on"], tuple(row["targeted_dimensions"] or ()),
                                       tuple(a for a in row["solution_areas"].split(",") if a))
                   for row in accepted]
    return outcomes.rate(engagements, readings, engaged)


def outcome_ratings() -> dict[tuple[int, str | None], OutcomeRating]:
    """The providers' outcome ratings that may be shown (n ≥ 3), keyed by (provider id, capability
    area or None for all engagements): what the matching engine and the portraits read. Cached
    (RATINGS_TTL); a lead reaching or leaving "accepted" clears the cache."""
    ratings = cache.get(RATINGS_CACHE_KEY)
    if ratings is None:
        ratings = compute_outcome_ratings()
        cache.set(RATINGS_CACHE_KEY, ratings, RATINGS_TTL)
    return ratings


def forget_outcome_ratings() -> None:
    cache.delete(RATINGS_CACHE_KEY)


def provider_outcome_ratings(provider_id: int) -> list[tuple[str, OutcomeRating]]:
    """One provider's shown ratings with their titles: the overall one first, then per area."""
    area_title = titles(CAPABILITY_AREAS)
    mine = [(area, rating) for (pid, area), rating in outcome_ratings().items() if pid == provider_id]
    mine.sort(key=lambda item: (item[0] is not None, item[0] or ""))
    return [(area_title.get(area, area) if area else "", rating) for area, rating in mine]
