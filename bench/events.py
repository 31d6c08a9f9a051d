"""Matchmaking-event pairing benchmark (issue #10): a district's 1,640 assessed firms against the
pool providers serving it, in the pairing job (``providers.events.services.pairing_generate``, the
Celery task's body, run in-process), beside a plain scan of the same rows measured in the same run.

Setup (not timed): seed_demo's generators for 292 providers with published profiles and the demo
pools (providers.demo), then 1,640 enterprises in Longhua (440309), each with a submitted SME-2024
assessment whose answers are one of eight scored variants (weak in different places), all invited
to one district event with every active member of the pools covering Longhua.

Figures:
- ``pairing job``: claim → rank (``providers.matching.selectors.rank_many``, chunk by chunk) →
  upsert pairings → done, for every participant. Goal < 30 s.
- ``pairing job, second run``: the same job again (idempotent: same pairings, none created).
Baseline: reading the rows the job reads (participants, their assessments' results, and the
published supply's listings, capabilities, industries, solutions and items) with plain
``values_list`` scans. Checked: the job ends done with every participant counted, and the second
run leaves the pairings as they were; anything else is a BenchError.
"""

from __future__ import annotations

import time

from bench import BenchError, Figure, Run

DISTRICT = "440309"
FIRMS = 1640
PROVIDERS = 292
MEAN_APPS = 6.0
GOAL_SECONDS = 30.0
VARIANTS = 8
SPEC = "sme-2024@1.0"


def _variants(spec, owner, district):
    """Eight scored assessments of eight template firms, weak in different places."""
    from tests.diagnosis.answers import full_answers, worst_answer
    from tests.factories.diagnosis import scored_assessment
    from tests.factories.portal import EnterpriseFactory

    best = full_answers(spec, best=True)
    items = spec.items
    codes = sorted(best)
    templates = []
    for k in range(VARIANTS):
        worse = {code: worst_answer(items[code]) for i, code in enumerate(codes)
                 if code in items and i % VARIANTS in (k, (k + 3) % VARIANTS)}
        enterprise = EnterpriseFactory(region=district, name=f"基准对接模板{k}制造有限公司")
        templates.append(scored_assessment(enterprise, user=owner, answers=worse, best=True))
    return templates


def seed_event(*, firms: int, providers: int, mean_apps: float):
    """Everything the job reads; returns (event, staff user, participants, invited providers)."""
    from diagnosis.models import Assessment
    from diagnosis.spec import get_spec
    from portal.demo import seed_organisations
    from portal.models import Enterprise, OrgStatus, Region
    from providers.demo import seed_pools, seed_profiles
    from providers.events import selectors
    from providers.models import EventParticipant, EventProvider, MatchEvent
    from tests.factories.portal import StaffFactory, UserFactory

    seed_organisations(enterprises=0, providers=providers, seed=2026)
    seed_profiles(seed=2026, mean_apps=mean_apps)
    seed_pools(seed=2026)
    district = Region.objects.get(code=DISTRICT)
    staff = StaffFactory(username="bench-events-staff", staff_role="district_staff", region=district)
    owner = UserFactory(username="bench-events-owner")
    spec = get_spec(SPEC)
    templates = _variants(spec, owner, district)
    rows = [Enterprise(name=f"基准对接{i:05d}制造有限公司", uscc=f"E{i:017d}", region=district,
                       status=OrgStatus.VERIFIED, industry_section="C",
                       industry_division=("39", "34", "35", "38")[i % 4], employees=50 + i % 400,
                       revenue_band=Enterprise.RevenueBand.FROM_20M, cluster="electronics")
            for i in range(firms - len(templates))]
    created = Enterprise.objects.bulk_create(rows, batch_size=500)
    copies = []
    for index, enterprise in enumerate(created):
        template = templates[index % len(templates)]
        copies.append(Assessment(
            enterprise=enterprise, region=district, spec_code=template.spec_code, spec_version=template.spec_version,
            status=Assessment.Status.SUBMITTED, year=template.year, context=template.context,
            submitted_answers=template.submitted_answers, result=template.result, total=template.total,
            level=template.level, created_by=owner, submitted_at=template.submitted_at))
    Assessment.objects.bulk_create(copies, batch_size=500)
    event = MatchEvent.objects.create(title="基准：龙华区供需对接会", kind=MatchEvent.Kind.DISTRICT, region=district,
                                      date=templates[0].submitted_at.date(), created_by=staff)
    firm_ids = [t.enterprise_id for t in templates] + [e.pk for e in created]
    EventParticipant.objects.bulk_create([EventParticipant(event=event, enterprise_id=pk, invited_by=staff)
                                          for pk in firm_ids], batch_size=1000)
    members = selectors.uninvited_members(event)
    EventProvider.objects.bulk_create([EventProvider(event=event, provider_id=m.provider_id, member=m,
                                                     invited_by=staff) for m in members])
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return event, staff, len(firm_ids), len(members)


def _plain_scan(event) -> int:
    from diagnosis.models import Assessment
    from providers.models import (
        EventParticipant,
        EventProvider,
        Listing,
        ListingCapability,
        ListingIndustry,
        ListingSolution,
        SolutionItem,
    )

    firms = list(EventParticipant.objects.filter(event=event).values_list("enterprise_id", flat=True))
    results = list(Assessment.objects.filter(enterprise_id__in=firms).values_list("enterprise_id", "result"))
    providers = list(EventProvider.objects.filter(event=event).values_list("provider_id", flat=True))
    rows = len(results)
    for model, field in ((Listing, "provider_id"), (ListingCapability, "listing__provider_id"),
                         (ListingIndustry, "listing__provider_id"), (ListingSolution, "listing__provider_id"),
                         (SolutionItem, "solution__listing__provider_id")):
        rows += len(list(model.objects.filter(**{f"{field}__in": providers}).values_list("pk", flat=True)))
    return rows


def _job(event, staff) -> tuple[float, object]:
    from providers.events import services
    from providers.models import PairingJob

    job = PairingJob.objects.create(event=event, requested_by=staff, total=0)
    started = time.perf_counter()
    outcome = services.pairing_generate(job_id=job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    if outcome != services.JobOutcome.DONE or job.status != PairingJob.Status.DONE:
        raise BenchError(f"the pairing job ended {outcome} ({job.status}): {job.error[:300]}")
    return elapsed, job


def measure_pairing(*, firms: int, providers: int, mean_apps: float) -> list[Figure]:
    from providers.matching.selectors import clear_catalog
    from providers.models import Pairing

    started = time.perf_counter()
    event, staff, participants, invited = seed_event(firms=firms, providers=providers, mean_apps=mean_apps)
    seeding = time.perf_counter() - started
    started = time.perf_counter()
    scanned = _plain_scan(event)
    baseline = time.perf_counter() - started
    clear_catalog()  # the first run reads the supply, as a worker's first job does
    first, job = _job(event, staff)
    if job.done != participants or job.total != participants:
        raise BenchError(f"the job counted {job.done}/{job.total} of {participants} participants")
    pairings = list(Pairing.objects.filter(event=event).order_by("pk").values_list("pk", "solution_key", "rank"))
    if not pairings:
        raise BenchError("the job made no pairing: the engine found nothing to suggest")
    second, again = _job(event, staff)
    if again.created or list(Pairing.objects.filter(event=event).order_by("pk")
                             .values_list("pk", "solution_key", "rank")) != pairings:
        raise BenchError("the second run changed the pairings")
    verdict = "PASS" if first < GOAL_SECONDS else "MISS"
    note = f"{participants:,} firms × {invited} pool providers → {len(pairings):,} pairings"
    return [
        Figure(name=f"pairing job, {participants:,} firms", value=first, unit="s", baseline=baseline,
               baseline_name=f"plain scan of the same {scanned:,} rows", higher_is_better=False,
               note=f"goal < {GOAL_SECONDS:.0f} s: {verdict}; {note}"),
        Figure(name="pairing job, second run (idempotent)", value=second, unit="s", baseline=baseline,
               baseline_name="plain scan", higher_is_better=False, note="same pairings, none created"),
        Figure(name="setup: seeding (not the figure)", value=seeding, unit="s", higher_is_better=False,
               note=f"{providers} providers with profiles, demo pools, {participants:,} assessed firms"),
    ]


def run_events(run: Run) -> list[Figure]:
    run.database()
    if run.quick:
        return measure_pairing(firms=60, providers=120, mean_apps=3)
    return measure_pairing(firms=FIRMS, providers=PROVIDERS, mean_apps=MEAN_APPS)


BENCHMARKS = {"events": run_events}
