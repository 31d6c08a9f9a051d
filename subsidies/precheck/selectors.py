"""Pre-check: the programmes an enterprise may be eligible for, with the estimated amount.

The facts come from the enterprise's record and its latest standing result per standard (the
verified result once approved, else the self-declared one of a submitted assessment — the rule of
``diagnosis.results.selectors.verified_result``). What cannot be known before an application (the
chosen provider, earlier awards, declarations) is reported as "checked when you apply", never
assumed met. Amounts are estimates: the level reward from the level shown, every other instrument
"up to" its cap; the formula and any provisional parameter are shown with it."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from diagnosis.models import Assessment
from diagnosis.results.selectors import COUNTED_STATUSES, verified_result
from portal.models import Enterprise
from subsidies import labels, rules
from subsidies.models import ProgrammeVersion


def region_codes(enterprise: Enterprise, parks=None) -> tuple[str, ...]:
    codes = [c for c in enterprise.region.path.split("/") if c]
    if enterprise.park_id:
        codes.append((parks[enterprise.park_id] if parks is not None else enterprise.park).code)
    return tuple(reversed(codes))


def level_ranks() -> dict[str, dict[str, int]]:
    from diagnosis.spec import load_all_specs

    ranks: dict[str, dict[str, int]] = {}
    for spec in load_all_specs().values():
        ranks.setdefault(spec.code, {level.code: i for i, level in enumerate(spec.levels)})
    return ranks


def latest_results(enterprise: Enterprise) -> dict[str, rules.AssessmentFact]:
    """Per standard, the latest submitted or approved assessment as a fact."""
    return _latest_results_many([enterprise.pk])[enterprise.pk]


def _latest_results_many(enterprise_ids) -> dict[int, dict[str, rules.AssessmentFact]]:
    ranks = level_ranks()
    found: dict[int, dict[str, rules.AssessmentFact]] = {pk: {} for pk in enterprise_ids}
    rows = (Assessment.objects.filter(enterprise_id__in=list(found), status__in=COUNTED_STATUSES,
                                      submitted_at__isnull=False)
            .order_by("enterprise_id", "spec_code", "-submitted_at", "-pk"))
    for a in rows:
        facts = found[a.enterprise_id]
        if a.spec_code in facts:
            continue
        verified = verified_result(a) is not None
        level = a.verified_level if verified else a.level
        total = a.verified_total if verified else a.total
        facts[a.spec_code] = rules.AssessmentFact(
            standard=a.spec_code, level=level or "", level_rank=ranks.get(a.spec_code, {}).get(level or ""),
            total=total, assessed_on=timezone.localdate(a.submitted_at), verified=verified)
    return found


def enterprise_facts(enterprise: Enterprise, today=None) -> rules.Facts:
    return rules.Facts(
        today=today or timezone.localdate(), region_codes=region_codes(enterprise),
        above_scale=enterprise.above_scale, industry_section=enterprise.industry_section,
        industry_division=enterprise.industry_division, cluster=enterprise.cluster,
        established_year=enterprise.established_year, assessments=latest_results(enterprise),
        level_ranks=level_ranks())


def enterprise_facts_many(enterprises, today, *, parks) -> dict[int, rules.Facts]:
    """``enterprise_facts`` of many enterprises (``parks``: their parks by pk), one query."""
    results = _latest_results_many([e.pk for e in enterprises])
    ranks = level_ranks()
    return {e.pk: rules.Facts(
        today=today, region_codes=region_codes(e, parks), above_scale=e.above_scale,
        industry_section=e.industry_section, industry_division=e.industry_division, cluster=e.cluster,
        established_year=e.established_year, assessments=results[e.pk], level_ranks=ranks) for e in enterprises}


def candidate_versions(enterprise: Enterprise, today=None):
    """Published versions still taking applications whose region covers the enterprise."""
    return candidate_versions_in(region_codes(enterprise), today)


def candidate_versions_in(codes, today=None):
    """Published versions still taking applications of a programme in one of the regions ``codes``."""
    today = today or timezone.localdate()
    return (ProgrammeVersion.objects.filter(status=ProgrammeVersion.Status.PUBLISHED,
                                            programme__region__code__in=list(codes),
                                            applications_close__gte=today)
            .select_related("programme", "programme__region").order_by("programme__code"))


# Instruments whose amount follows from one figure the enterprise can state before applying: the
# planned investment (or, for a voucher, the service price).
BY_INVESTMENT = {rules.POST_HOC_REWARD: rules.post_hoc_reward, rules.DEMONSTRATION_GRANT: rules.demonstration_grant,
                 rules.OPEN_CALL: rules.open_call_award, rules.SERVICE_VOUCHER: rules.voucher,
                 rules.CLOUD_VOUCHER: rules.voucher}


def estimate(params: rules.InstrumentParams, facts: rules.Facts, investment: Decimal | None = None) -> dict:
    """{"kind": "exact" | "for_investment" | "up_to" | "none", "amount", "amount_text", …}."""
    if investment is not None and params.instrument in BY_INVESTMENT:
        result = BY_INVESTMENT[params.instrument](params, investment)
        return {"kind": "for_investment", "amount": result.value, "amount_text": labels.money(result.value),
                "investment_text": labels.money(investment), "capped": result.capped}
    if params.instrument == rules.LEVEL_REWARD:
        fact = facts.assessments.get(params["standard"])
        level = fact.level if fact else ""
        amount = rules.level_reward(params, level).value
        return {"kind": "exact" if amount else "none", "amount": amount, "amount_text": labels.money(amount),
                "level": labels.level_title(params["standard"], level) if level else "",
                "verified": bool(fact and fact.verified)}
    top = rules.maximum(params)
    return {"kind": "up_to" if top is not None else "none", "amount": top,
            "amount_text": labels.money(top) if top is not None else ""}


def precheck(enterprise: Enterprise, today=None, investment: Decimal | None = None) -> list[dict]:
    """One row per programme the enterprise's region is covered by: eligible ones first (highest
    estimate first), then those with unmet conditions. With ``investment`` (a checked yuan amount)
    the instruments that depend on it are estimated for that figure."""
    facts = enterprise_facts(enterprise, today)
    rows = []
    for version in candidate_versions(enterprise, facts.today):
        try:
            params = rules.parse_params(version.programme.instrument, version.params)
            conditions = rules.parse_conditions(version.conditions)
        except rules.RuleError:
            continue  # a stored document that cannot be read is shown to staff, not guessed at
        outcome = rules.evaluate(conditions, facts)
        rows.append({
            "programme": version.programme, "version": version, "eligible": outcome.eligible,
            "met": [labels.reason_text(r) for r in outcome.met],
            "unmet": [labels.reason_text(r) for r in outcome.unmet],
            "to_check": [labels.reason_text(r) for r in outcome.to_check],
            "estimate": estimate(params, facts, investment), "formula": labels.formula_text(params),
            "provisional": labels.provisional_names(params),
        })
    rows.sort(key=lambda r: (not r["eligible"], -(r["estimate"]["amount"] or Decimal(0)), r["programme"].code))
    return rows
