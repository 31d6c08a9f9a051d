"""Demo data of the leads feature: deterministic contact requests in every stage, and accepted
engagements of Longhua firms that re-assessed afterwards, so that a few providers show a rating by
measured outcome (n ≥ 3). Called by `manage.py seed_demo` through portal/demo.py (site wiring)
after the registry and the regional data exist: the leads go from the regional seed's Longhua
firms (GB/T 23020, assessed last year and this year) to active members of the pools serving
Longhua. Idempotent: a run that finds leads adds nothing. Rows are written in bulk, past the
services (no notifications, no audit events): they describe what happened before the demo."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from diagnosis.models import Assessment
from diagnosis.results.selectors import COUNTED_STATUSES
from portal.models import Enterprise, User
from providers.leads import selectors
from providers.models import Lead, ListingSolution, PoolMember

SEED = 10010
LONGHUA = "440309"
SPEC = "gbt23020-2013"
RATED_PROVIDERS = 3
ENGAGEMENTS_EACH = 5
# Open and closed leads besides the accepted engagements: (stage, how many).
PIPELINE_MIX = (("requested", 4), ("contacted", 3), ("proposal", 3), ("contract", 2), ("delivered", 2),
                ("declined", 2), ("closed", 2))


def _serving_providers(region_path: str) -> list[int]:
    today = timezone.localdate()
    ids = (PoolMember.objects.filter(status=PoolMember.Status.ACTIVE, valid_until__gte=today,
                                     pool__region__path__in=selectors.region_prefixes(region_path),
                                     provider__listing__solution_count__gt=0)
           .values_list("provider_id", flat=True).distinct())
    return sorted(ids)


def _summary_ok(assessment: Assessment) -> dict | None:
    summary = selectors.diagnosis_summary(assessment)
    return summary if summary["weak_dimensions"] else None


def _lead(*, enterprise_id, provider_id, solution, assessment, summary, user, stage, start: dt.date,
          rng: random.Random, withdrawn=False) -> Lead:
    """A lead requested on ``start`` and moved to ``stage`` a few days per step."""
    steps = ("contacted", "proposal", "contract", "delivered", "accepted")
    lead = Lead(enterprise_id=enterprise_id, provider_id=provider_id, solution_key=solution.key,
                solution_title=solution.title, solution_areas=solution.areas, assessment=assessment, summary=summary,
                targeted_dimensions=[d["code"] for d in summary["weak_dimensions"]],
                consent_version=selectors.CONSENT_VERSION, consented_by=user,
                consented_at=dt.datetime.combine(start, dt.time(10), tzinfo=dt.UTC), stage=stage)
    day, version = start, 0
    amount = Decimal(rng.randrange(8, 90) * 10_000)
    if stage == "requested":
        reached = ()
    elif stage in steps:
        reached = steps[:steps.index(stage) + 1]
    else:  # declined after the first contact, closed after a proposal
        reached = steps[:1 if stage == "declined" else 2]
    for step in reached:
        day += dt.timedelta(days=rng.randint(3, 21) if step != "delivered" else rng.randint(40, 90))
        setattr(lead, f"{step}_on", day)
        version += 1
        if step == "proposal":
            lead.proposal_amount = amount
        if step == "contract":
            lead.contract_amount = (amount * Decimal("0.92")).quantize(Decimal("0.01"))
    if stage in ("declined", "closed") or withdrawn:
        day += dt.timedelta(days=rng.randint(2, 10))
        lead.closed_on = day
        lead.stage = "closed" if withdrawn else stage
        lead.close_note = "" if withdrawn else ("暂无合适方案" if stage == "declined" else "企业暂缓实施")
        version += 1
    if withdrawn:
        lead.withdrawn_at, lead.withdrawn_by = dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC), user
    lead.state_version = version
    return lead


def seed_leads(*, seed: int = SEED, consenting_user: User | None = None, featured_provider_id: int | None = None,
               featured_enterprise_id: int | None = None, featured_owner: User | None = None) -> int:
    """Create the demo leads once; returns how many were created (0 when leads exist or the
    regional data or the pools are missing). The featured enterprise (the demo accounts') gets one
    lead at the proposal stage, consented by ``featured_owner``, to the featured provider when a
    pool serving Longhua lists it."""
    if Lead.objects.exists():
        return 0
    region = Enterprise.objects.filter(region__code=LONGHUA).values_list("region__path", flat=True).first()
    if region is None:
        return 0
    providers = _serving_providers(region)
    if len(providers) < RATED_PROVIDERS + 1:
        return 0
    user = consenting_user or User.objects.filter(username="demo_regional_seed").first()
    if user is None:
        return 0
    rng = random.Random(f"leads:{seed}")
    solutions = defaultdict(list)
    for solution in ListingSolution.objects.filter(listing__provider_id__in=providers).order_by("pk"):
        solutions[solution.listing.provider_id].append(solution)
    # Longhua firms assessed twice on GB/T 23020 (T0 last year, T1 this year): candidates, in a fixed order.
    twice = (Assessment.objects.filter(spec_code=SPEC, status__in=COUNTED_STATUSES, enterprise__region__code=LONGHUA)
             .order_by().values("enterprise_id").annotate(n=Count("pk")).filter(n__gte=2)
             .values_list("enterprise_id", flat=True))
    firms = sorted(twice)
    rng.shuffle(firms)
    firms = firms[:120]
    series = defaultdict(list)
    for a in (Assessment.objects.filter(enterprise_id__in=firms, spec_code=SPEC, status__in=COUNTED_STATUSES)
              .select_related("enterprise").order_by("submitted_at", "pk")):
        series[a.enterprise_id].append(a)
    today = timezone.localdate()
    leads, used = [], set()

    def take(needs_gap: bool):
        for firm in firms:
            rows = series[firm]
            if firm in used or len(rows) < 2:
                continue
            t0, t1 = rows[0], rows[1]
            gap = (t1.submitted_at.date() - t0.submitted_at.date()).days
            if needs_gap and gap < 150:
                continue
            summary = _summary_ok(t0 if needs_gap else t1)
            if summary is None:
                continue
            used.add(firm)
            return (t0, t1, summary) if needs_gap else (t1, None, summary)
        return None

    # Accepted engagements: requested soon after T0, accepted before T1 (the re-assessment measures them).
    rated = [p for p in providers if solutions[p]][:RATED_PROVIDERS]
    for provider_id in rated:
        for _n in range(ENGAGEMENTS_EACH):
            found = take(needs_gap=True)
            if found is None:
                break
            t0, t1, summary = found
            start = t0.submitted_at.date() + dt.timedelta(days=2)
            lead = _lead(enterprise_id=t0.enterprise_id, provider_id=provider_id, solution=rng.choice(solutions[provider_id]),
                         assessment=t0, summary=summary, user=user, stage="accepted", start=start, rng=rng)
            if lead.accepted_on >= t1.submitted_at.date():  # compress the steps to land before T1
                span = (t1.submitted_at.date() - start).days
                for i, field in enumerate(("contacted_on", "proposal_on", "contract_on", "delivered_on",
                                           "accepted_on"), start=1):
                    setattr(lead, field, start + dt.timedelta(days=span * i // 7))
            leads.append(lead)
    # Every other stage, to the remaining serving providers in turn, from this year's assessments.
    others = [p for p in providers if solutions[p] and p not in rated] or rated
    if featured_provider_id in providers and solutions[featured_provider_id]:
        # The demo provider's inbox has something in it.
        others = [featured_provider_id] + [p for p in others if p != featured_provider_id]
    turn = 0
    for stage, count in (*PIPELINE_MIX, ("withdrawn", 2)):
        for _n in range(count):
            found = take(needs_gap=False)
            if found is None:
                break
            t1, _none, summary = found
            provider_id = others[turn % len(others)]
            turn += 1
            start = max(t1.submitted_at.date() + dt.timedelta(days=1), today - dt.timedelta(days=120))
            start = min(start, today - dt.timedelta(days=60))
            lead = _lead(enterprise_id=t1.enterprise_id, provider_id=provider_id,
                         solution=rng.choice(solutions[provider_id]), assessment=t1, summary=summary, user=user,
                         stage="contacted" if stage == "withdrawn" else stage, start=start, rng=rng,
                         withdrawn=stage == "withdrawn")
            for field in ("contacted_on", "proposal_on", "contract_on", "delivered_on", "accepted_on", "closed_on"):
                if getattr(lead, field) and getattr(lead, field) > today:
                    setattr(lead, field, today)
            leads.append(lead)
    featured = (Assessment.objects.filter(enterprise_id=featured_enterprise_id, status__in=COUNTED_STATUSES,
                                          result__isnull=False).order_by("-submitted_at", "-pk").first()
                if featured_enterprise_id and featured_owner else None)
    summary = featured and _summary_ok(featured)
    if summary:
        provider_id = others[0]
        start = min(featured.submitted_at.date() + dt.timedelta(days=20), today - dt.timedelta(days=30))
        lead = _lead(enterprise_id=featured_enterprise_id, provider_id=provider_id,
                     solution=solutions[provider_id][0], assessment=featured, summary=summary, user=featured_owner,
                     stage="proposal", start=start, rng=rng)
        for field in ("contacted_on", "proposal_on"):
            if getattr(lead, field) > today:
                setattr(lead, field, today)
        leads.append(lead)
    with transaction.atomic():
        created = Lead.objects.bulk_create(leads)
        # requested_at is auto_now_add: set it to the consent time the story says.
        for lead in created:
            Lead.objects.filter(pk=lead.pk).update(requested_at=lead.consented_at)
    selectors.forget_outcome_ratings()
    return len(created)

