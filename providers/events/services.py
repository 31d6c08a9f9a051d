"""Writes of the matchmaking events feature (供需对接会): creating and editing an event, opening and
closing it, inviting enterprises and pool providers, the pairing job, recording meetings and
outcomes, and the audited Excel export.

The pairing job follows the report's pattern (docs/architecture.md, Background jobs): a
``PairingJob`` tracking row per run, at most one queued or running per event (a partial unique
constraint), claimed by the worker with a conditional UPDATE and a lease, its progress written as
it goes, enqueued on commit and swept when its publish failed or its worker died. Running it
twice gives the same pairings: rows are keyed by (event, enterprise, provider, solution) and
updated in place; suggestions that dropped out are removed unless someone already acted on them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import Assessment
from portal.audit import audit_log
from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.exports import table_workbook
from portal.jobs import enqueue, enqueue_on_commit
from portal.models import AuditEvent, Enterprise, Region
from portal.roles import is_bureau_staff, staff_region_path
from portal.services import audit_export
from providers.events import selectors
from providers.events.tasks import pairing_generate as pairing_generate_task
from providers.models import EventParticipant, EventProvider, ListingSolution, MatchEvent, Pairing, PairingJob

logger = logging.getLogger(__name__)

TEXT_MAX = 2000
NOTES_MAX = 4000
MAX_ATTEMPTS = 3
SUGGESTIONS_PER_ENTERPRISE = 5
INVITE_MAX = 5000  # enterprises one "invite all" may add; a filter narrows a larger list first
CHUNK = 50  # participants ranked together, stored in one transaction, between two progress writes
EXPORTS_PER_HOUR = 30


class EventConflict(Conflict):
    def __init__(self, message, code: str = "conflict"):
        super().__init__(message, code=code)


def _stale() -> EventConflict:
    return EventConflict(_("Someone else changed this after you opened the page. Nothing was changed: check the "
                           "current state and try again."), code="stale")


def _staff_path(actor) -> str:
    path = staff_region_path(actor)
    if not is_bureau_staff(actor) or path is None:
        raise Forbidden(_("Only bureau staff may run matchmaking events."), code="not_staff")
    return path


def _clean_text(value: Any, *, limit: int, code: str, required: bool = False, missing: str = "") -> str:
    value = str(value or "").strip()
    if "\x00" in value:
        raise Invalid(_("The text contains characters that cannot be stored."), code=f"{code}_invalid")
    if required and not value:
        raise Invalid(missing or _("This field is required."), code=f"{code}_required")
    if len(value) > limit:
        raise Invalid(_("At most %(limit)d characters, please.") % {"limit": limit}, code=f"{code}_too_long")
    return value


def _state(event: MatchEvent) -> dict:
    return {"title": event.title, "kind": event.kind, "region": event.region_id, "cluster": event.cluster,
            "park": event.park_id, "date": event.date.isoformat(), "venue": event.venue, "status": event.status}


# ─── events ──────────────────────────────────────────────────────────────────────────────────

EVENT_FIELDS = ("title", "kind", "region", "cluster", "park", "date", "venue")


def _check_event(*, actor, kind: str, region: Region, cluster: str, park: Region | None) -> None:
    path = _staff_path(actor)
    if not region.path.startswith(path):
        raise Forbidden(_("You can only hold events in your own region."), code="region")
    if kind not in MatchEvent.Kind.values:
        raise Invalid(_("Choose the kind of event."), code="kind")
    if kind == MatchEvent.Kind.CLUSTER and not cluster:
        raise Invalid(_("Choose the cluster of a cluster event."), code="cluster_required")
    if cluster and cluster not in dict(Enterprise.CLUSTER_CHOICES):
        raise Invalid(_("Unknown cluster."), code="cluster")
    if kind == MatchEvent.Kind.PARK and park is None:
        raise Invalid(_("Choose the park of a park event."), code="park_required")
    if park is not None and (park.level != Region.Level.PARK or not park.path.startswith(region.path)):
        raise Invalid(_("The park must lie within the event's region."), code="park")


@transaction.atomic
def event_create(*, actor, title: str, kind: str, region: Region, date: date, venue: str = "", cluster: str = "",
                 park: Region | None = None, request=None) -> MatchEvent:
    _check_event(actor=actor, kind=kind, region=region, cluster=cluster, park=park)
    event = MatchEvent.objects.create(
        title=_clean_text(title, limit=100, code="title", required=True), kind=kind, region=region,
        cluster=cluster or "", park=park, date=date, venue=_clean_text(venue, limit=200, code="venue"),
        created_by=actor)
    audit_log(action="match_event.create", actor=actor, request=request, obj=event, detail=_state(event))
    return event


def _lock(event: MatchEvent, expected_version) -> MatchEvent:
    locked = MatchEvent.objects.select_for_update().select_related("region").get(pk=event.pk)
    if expected_version is not None and locked.state_version != expected_version:
        raise _stale()
    return locked


@transaction.atomic
def event_update(*, event: MatchEvent, actor, expected_version: int, title: str, kind: str, region: Region,
                 date: date, venue: str = "", cluster: str = "", park: Region | None = None,
                 request=None) -> MatchEvent:
    locked = _lock(event, expected_version)
    if locked.status == MatchEvent.Status.CLOSED:
        raise WrongState(_("A closed event can no longer be changed."), code="closed")
    _check_event(actor=actor, kind=kind, region=region, cluster=cluster, park=park)
    before = _state(locked)
    locked.title = _clean_text(title, limit=100, code="title", required=True)
    locked.kind, locked.region, locked.cluster, locked.park = kind, region, cluster or "", park
    locked.date, locked.venue = date, _clean_text(venue, limit=200, code="venue")
    locked.state_version += 1
    locked.save()
    audit_log(action="match_event.update", actor=actor, request=request, obj=locked,
              detail={"before": before, "after": _state(locked)})
    return locked


TRANSITIONS = {"open": (MatchEvent.Status.DRAFT, MatchEvent.Status.OPEN),
               "close": (MatchEvent.Status.OPEN, MatchEvent.Status.CLOSED)}


@transaction.atomic
def event_transition(*, event: MatchEvent, actor, action: str, expected_version: int, request=None) -> MatchEvent:
    _staff_path(actor)
    if action not in TRANSITIONS:
        raise Invalid(_("Unknown action."), code="action")
    locked = _lock(event, expected_version)
    source, target = TRANSITIONS[action]
    if locked.status != source:
        raise EventConflict(_("This event is now “%(status)s”, so this is no longer possible.")
                            % {"status": locked.get_status_display()}, code="wrong_status")
    locked.status = target
    if target == MatchEvent.Status.OPEN:
        locked.opened_at = timezone.now()
    locked.state_version += 1
    locked.save()
    audit_log(action=f"match_event.{action}", actor=actor, request=request, obj=locked,
              detail={"from": source, "to": target})
    return locked


def _not_closed(event: MatchEvent) -> None:
    if event.status == MatchEvent.Status.CLOSED:
        raise WrongState(_("A closed event can no longer be changed."), code="closed")


# ─── invitations ─────────────────────────────────────────────────────────────────────────────


@transaction.atomic
def participants_invite(*, event: MatchEvent, actor, enterprise_ids=None, filters: dict | None = None,
                        request=None) -> int:
    """Invite enterprises: the given ids (each must be a candidate: in scope, assessed, not yet
    invited) or, without ids, every candidate matching ``filters``. Unknown or ineligible ids
    refuse the whole request."""
    _staff_path(actor)
    locked = _lock(event, None)
    _not_closed(locked)
    filters = filters or {}
    pool = selectors.candidates(locked, **filters)
    if enterprise_ids is not None:
        ids = {int(pk) for pk in enterprise_ids}
        rows = list(pool.filter(pk__in=ids).values_list("pk", "latest"))
        if len(rows) != len(ids) or not ids:
            raise Invalid(_("Some of the chosen enterprises cannot be invited to this event (unknown, out of its "
                            "scope, without a submitted assessment, or invited already). Nothing was changed."),
                          code="not_candidate")
    else:
        rows = list(pool.values_list("pk", "latest")[:INVITE_MAX + 1])
        if len(rows) > INVITE_MAX:
            raise Invalid(_("More than %(max)d enterprises match: narrow the filters first.") % {"max": INVITE_MAX},
                          code="too_many")
    categories = selectors.need_categories(latest for _pk, latest in rows)
    EventParticipant.objects.bulk_create([
        EventParticipant(event=locked, enterprise_id=pk, categories=categories.get(latest, []), invited_by=actor)
        for pk, latest in rows], ignore_conflicts=True)
    audit_log(action="match_event.invite_enterprises", actor=actor, request=request, obj=locked,
              detail={"count": len(rows), "filters": {k: getattr(v, "pk", v) for k, v in filters.items() if v},
                      "ids": sorted(pk for pk, _l in rows)[:200]})
    return len(rows)


@transaction.atomic
def participant_remove(*, event: MatchEvent, actor, participant_id, request=None) -> None:
    _staff_path(actor)
    locked = _lock(event, None)
    _not_closed(locked)
    participant = EventParticipant.objects.filter(event=locked, pk=participant_id).first()
    if participant is None:
        raise Invalid(_("This enterprise is not invited to the event."), code="unknown_participant")
    if Pairing.objects.filter(event=locked, enterprise_id=participant.enterprise_id).exclude(
            status=Pairing.Status.SUGGESTED).exists():
        raise WrongState(_("Meetings were recorded for this enterprise, so it stays on the list."), code="has_meetings")
    Pairing.objects.filter(event=locked, enterprise_id=participant.enterprise_id).delete()
    participant.delete()
    audit_log(action="match_event.remove_enterprise", actor=actor, request=request, obj=locked,
              detail={"enterprise": participant.enterprise_id})


@transaction.atomic
def providers_invite(*, event: MatchEvent, actor, provider_ids, request=None) -> int:
    """Invite pool providers: each id must be an active member of a pool covering the event's region."""
    _staff_path(actor)
    locked = _lock(event, None)
    _not_closed(locked)
    ids = {int(pk) for pk in provider_ids}
    members = {}
    for member in selectors.eligible_members(locked).filter(provider_id__in=ids):
        members.setdefault(member.provider_id, member)
    invited = set(EventProvider.objects.filter(event=locked, provider_id__in=ids).values_list("provider_id", flat=True))
    if not ids or set(members) != ids or invited:
        raise Invalid(_("Only active members of a resource pool covering this event's region can be invited, once "
                        "each. Nothing was changed."), code="not_pool_member")
    EventProvider.objects.bulk_create([EventProvider(event=locked, provider_id=pk, member=member, invited_by=actor)
                                       for pk, member in sorted(members.items())])
    audit_log(action="match_event.invite_providers", actor=actor, request=request, obj=locked,
              detail={"providers": sorted(ids)})
    return len(ids)


@transaction.atomic
def provider_remove(*, event: MatchEvent, actor, event_provider_id, request=None) -> None:
    _staff_path(actor)
    locked = _lock(event, None)
    _not_closed(locked)
    row = EventProvider.objects.filter(event=locked, pk=event_provider_id).first()
    if row is None:
        raise Invalid(_("This provider is not invited to the event."), code="unknown_provider")
    if Pairing.objects.filter(event=locked, provider_id=row.provider_id).exclude(
            status=Pairing.Status.SUGGESTED).exists():
        raise WrongState(_("Meetings were recorded for this provider, so it stays on the list."), code="has_meetings")
    Pairing.objects.filter(event=locked, provider_id=row.provider_id).delete()
    row.delete()
    audit_log(action="match_event.remove_provider", actor=actor, request=request, obj=locked,
              detail={"provider": row.provider_id})


# ─── the pairing job ─────────────────────────────────────────────────────────────────────────


class JobOutcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    GAVE_UP = "gave_up"
    LEASE_HELD = "lease_held"
    NOTHING_TO_DO = "nothing_to_do"


def job_lease() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + settings.REPORT_LEASE_MARGIN_SECONDS)


def lease_remaining(job_id: int) -> float:
    started = PairingJob.objects.filter(pk=job_id).values_list("started_at", flat=True).first()
    if started is None:
        return 1.0
    return max(1.0, (started + job_lease() - timezone.now()).total_seconds())


def lease_expired(job: PairingJob, *, now=None) -> bool:
    now = now or timezone.now()
    return (job.status == PairingJob.Status.RUNNING and job.started_at is not None
            and job.started_at < now - job_lease())


def _mark_enqueued(job_id: int, at) -> None:
    PairingJob.objects.filter(pk=job_id).update(enqueued_at=at)


def _enqueue(job_id: int):
    handed_off = timezone.now()
    _mark_enqueued(job_id, handed_off)
    enqueue_on_commit(pairing_generate_task, job_id, otherwise=partial(_mark_enqueued, job_id, None),
                      in_thread=settings.REPORTS_IN_BACKGROUND_THREAD)
    return handed_off


def pairing_request(*, event: MatchEvent, actor, request=None) -> PairingJob:
    """Ask for pairing suggestions for every participant. Idempotent while a run is queued or
    running: the same row comes back (the status claim and the one-active constraint see to it).
    A run whose publish failed or whose worker died is queued again."""
    _staff_path(actor)
    try:
        with transaction.atomic():
            locked = _lock(event, None)
            _not_closed(locked)
            if not EventParticipant.objects.filter(event=locked).exists():
                raise WrongState(_("Invite enterprises first."), code="no_participants")
            if not EventProvider.objects.filter(event=locked).exists():
                raise WrongState(_("Invite pool providers first."), code="no_providers")
            job = PairingJob.objects.select_for_update().filter(event=locked, status__in=PairingJob.ACTIVE).first()
            if job is not None:
                if lease_expired(job) or (job.status == PairingJob.Status.QUEUED and job.enqueued_at is None):
                    _enqueue(job.pk)
                job.refresh_from_db()
                return job
            job = PairingJob.objects.create(event=locked, requested_by=actor,
                                            total=EventParticipant.objects.filter(event=locked).count())
            job.enqueued_at = _enqueue(job.pk)
            audit_log(action="match_event.pairing_request", actor=actor, request=request, obj=locked,
                      detail={"job": job.pk, "participants": job.total})
            return job
    except IntegrityError:
        # Two requests at once: the other one created the active row.
        return PairingJob.objects.filter(event=event, status__in=PairingJob.ACTIVE).first()


def ranker():
    """The matching engine's batch entry point, ``providers.matching.selectors.rank_many``: the
    supply is read once for a whole chunk of participants."""
    from providers.matching.selectors import rank_many

    return rank_many


def solution_keys(solution_ids) -> dict[int, str]:
    """The stable key of each listed solution (it survives a new profile version, its id does not)."""
    return dict(ListingSolution.objects.filter(pk__in=list(solution_ids)).values_list("pk", "key"))


def _latest_assessments(enterprise_ids) -> dict[int, Assessment]:
    found: dict[int, Assessment] = {}
    for assessment in (Assessment.objects.filter(enterprise_id__in=list(enterprise_ids),
                                                 status__in=selectors.COUNTED_STATUSES, result__isnull=False)
                       .order_by("enterprise_id", "-submitted_at", "-pk")):
        found.setdefault(assessment.enterprise_id, assessment)
    return found


def _score(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def suggestion_rows(matches, *, provider_ids, keys: dict[int, str]) -> list[dict]:
    """One participant's matches as pairing rows: only the event's providers, one row per
    solution, ranked 1… in the engine's order."""
    allowed = set(provider_ids)
    rows, seen = [], set()
    for match in matches:
        if match.provider_id not in allowed:
            continue  # the engine was told; this keeps an invitation the only way in
        key = keys.get(match.solution_id) or str(match.solution_id)
        if (match.provider_id, key) in seen:
            continue
        seen.add((match.provider_id, key))
        rows.append({"provider_id": match.provider_id, "solution_key": key[:36],
                     "solution_title": str(match.solution_title)[:100], "score": _score(match.score),
                     "explanation": str(match.explanation)[:4000], "rank": len(rows) + 1})
        if len(rows) >= SUGGESTIONS_PER_ENTERPRISE:
            break
    return rows


def _store(event_id: int, suggestions: dict[int, list[dict]]) -> int:
    """Upsert the suggestions of a chunk of participants (enterprise id → rows) in three
    statements and a few updates: new rows are created, changed ones updated, and earlier
    suggestions nobody acted on that are no longer suggested are dropped. Returns how many rows
    were created."""
    existing: dict[tuple[int, int, str], Pairing] = {
        (p.enterprise_id, p.provider_id, p.solution_key): p
        for p in Pairing.objects.select_for_update(of=("self",)).filter(
            event_id=event_id, enterprise_id__in=list(suggestions)).order_by()}
    keep, new = set(), []
    for enterprise_id, rows in suggestions.items():
        for row in rows:
            key = (enterprise_id, row["provider_id"], row["solution_key"])
            keep.add(key)
            pairing = existing.get(key)
            if pairing is None:
                new.append(Pairing(event_id=event_id, enterprise_id=enterprise_id, **row))
            elif (pairing.score, pairing.rank, pairing.explanation, pairing.solution_title) != (
                    row["score"], row["rank"], row["explanation"], row["solution_title"]):
                Pairing.objects.filter(pk=pairing.pk).update(score=row["score"], rank=row["rank"],
                                                             explanation=row["explanation"],
                                                             solution_title=row["solution_title"])
    stale = [p.pk for key, p in existing.items() if key not in keep and p.status == Pairing.Status.SUGGESTED]
    if stale:
        Pairing.objects.filter(pk__in=stale).delete()
    if new:
        Pairing.objects.bulk_create(new)
    return len(new)


GAVE_UP = f"gave up after {MAX_ATTEMPTS} attempts: the worker stopped before finishing each time"


def pairing_generate(*, job_id: int, rank=None) -> JobOutcome:
    """Run one pairing job; safe to call any number of times from any number of workers.

    1. Claim: QUEUED, or RUNNING with an expired lease, and fewer than MAX_ATTEMPTS claims →
       RUNNING with a new lease (started_at), attempts + 1. Anything else returns at once.
    2. In chunks of participants (in a stable order), rank the event's providers' solutions with
       the engine's ``rank_many`` and upsert the suggestions, one transaction per chunk; progress is
       written after each chunk, only while the lease is still ours.
    3. Complete with a conditional UPDATE on our lease. An error marks the row FAILED with the
       error; database connection errors propagate so the task retries them.
    """
    now = timezone.now()
    claimable = Q(status=PairingJob.Status.QUEUED) | Q(status=PairingJob.Status.RUNNING,
                                                       started_at__lt=now - job_lease())
    claimed = PairingJob.objects.filter(claimable, pk=job_id, attempts__lt=MAX_ATTEMPTS).update(
        status=PairingJob.Status.RUNNING, started_at=now, finished_at=None, attempts=F("attempts") + 1, error="",
        done=0)
    if claimed != 1:
        gave_up = PairingJob.objects.filter(claimable, pk=job_id, attempts__gte=MAX_ATTEMPTS).update(
            status=PairingJob.Status.FAILED, finished_at=now, error=GAVE_UP)
        if gave_up:
            return JobOutcome.GAVE_UP
        held = PairingJob.objects.filter(pk=job_id, status=PairingJob.Status.RUNNING).exists()
        return JobOutcome.LEASE_HELD if held else JobOutcome.NOTHING_TO_DO
    ours = Q(pk=job_id, status=PairingJob.Status.RUNNING, started_at=now)
    job = PairingJob.objects.select_related("event").get(pk=job_id)
    event = job.event
    try:
        rank_many = rank or ranker()
        provider_ids = sorted(EventProvider.objects.filter(event=event).values_list("provider_id", flat=True))
        enterprise_ids = list(EventParticipant.objects.filter(event=event).order_by("enterprise_id")
                              .values_list("enterprise_id", flat=True))
        PairingJob.objects.filter(ours).update(total=len(enterprise_ids))
        created = 0
        for start in range(0, len(enterprise_ids), CHUNK):
            chunk = enterprise_ids[start:start + CHUNK]
            enterprises = Enterprise.objects.select_related("region").in_bulk(chunk)
            latest = _latest_assessments(chunk)
            ranked = rank_many([(enterprises[pk], latest.get(pk)) for pk in chunk], limit=SUGGESTIONS_PER_ENTERPRISE * 2,
                               provider_ids=provider_ids)
            keys = solution_keys({m.solution_id for matches in ranked.values() for m in matches})
            # A participant without a scored assessment any more keeps its earlier suggestions.
            suggestions = {pk: suggestion_rows(ranked.get(pk, []), provider_ids=provider_ids, keys=keys)
                           for pk in chunk if pk in latest}
            with transaction.atomic():
                created += _store(event.pk, suggestions)
            done = start + len(chunk)
            if not PairingJob.objects.filter(ours).update(done=done, created=created):
                return JobOutcome.NOTHING_TO_DO  # our lease was taken over: the new holder finishes
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        logger.exception("pairing job %s failed", job_id)
        PairingJob.objects.filter(ours).update(status=PairingJob.Status.FAILED, finished_at=timezone.now(),
                                               error=repr(exc)[:2000])
        return JobOutcome.FAILED
    completed = PairingJob.objects.filter(ours).update(status=PairingJob.Status.DONE, finished_at=timezone.now(),
                                                       done=len(enterprise_ids), created=created)
    return JobOutcome.DONE if completed else JobOutcome.NOTHING_TO_DO


@dataclass(frozen=True)
class SweepOutcome:
    requeued: tuple[int, ...] = ()
    gave_up: int = 0
    unsent: int = 0


def pairing_sweep(*, now=None) -> SweepOutcome:
    """The pairing jobs' sweeper (portal/jobs.py): fail rows whose worker died MAX_ATTEMPTS times,
    queue again rows no message carries (publish failed, lease expired, message lost)."""
    now = now or timezone.now()
    lease = job_lease()
    gave_up = PairingJob.objects.filter(status=PairingJob.Status.RUNNING, started_at__lt=now - lease,
                                        attempts__gte=MAX_ATTEMPTS).update(
        status=PairingJob.Status.FAILED, finished_at=now, error=GAVE_UP)
    unqueued = Q(enqueued_at__isnull=True) | Q(
        enqueued_at__lt=now - timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT))
    due_q = (Q(status=PairingJob.Status.QUEUED) & unqueued) | (
        Q(status=PairingJob.Status.RUNNING, started_at__lt=now - lease, attempts__lt=MAX_ATTEMPTS)
        & (unqueued | Q(enqueued_at__lt=F("started_at") + lease)))
    due = list(PairingJob.objects.filter(due_q).order_by("pk").values_list("pk", flat=True)[:settings.JOB_SWEEP_BATCH])
    requeued = []
    for position, job_id in enumerate(due):
        published_at = timezone.now()
        if not enqueue(pairing_generate_task, job_id, in_thread=settings.REPORTS_IN_BACKGROUND_THREAD):
            return SweepOutcome(tuple(requeued), gave_up, unsent=len(due) - position)
        _mark_enqueued(job_id, published_at)
        requeued.append(job_id)
    if requeued:
        logger.warning("pairing sweep: queued jobs %s again", requeued)
    return SweepOutcome(tuple(requeued), gave_up)


# ─── meetings and outcomes ───────────────────────────────────────────────────────────────────

PAIRING_MOVES = {
    Pairing.Status.SUGGESTED: {Pairing.Status.SUGGESTED, Pairing.Status.MEETING, Pairing.Status.DECLINED},
    Pairing.Status.MEETING: {Pairing.Status.MEETING, Pairing.Status.AGREED, Pairing.Status.DECLINED},
    Pairing.Status.AGREED: {Pairing.Status.AGREED},
    Pairing.Status.DECLINED: {Pairing.Status.DECLINED, Pairing.Status.MEETING},
}


def _pairing_state(pairing: Pairing) -> dict:
    return {"status": pairing.status, "meeting_at": pairing.meeting_at.isoformat() if pairing.meeting_at else None,
            "meeting_notes": pairing.meeting_notes, "outcome": pairing.outcome,
            "state_version": pairing.state_version}


@transaction.atomic
def pairing_record(*, pairing: Pairing, actor, expected_version: int, status: str, meeting_at: datetime | None,
                   meeting_notes: str = "", outcome: str = "", request=None) -> Pairing:
    """Record a meeting and its outcome. The form carries the version it was rendered with: if
    someone recorded something meanwhile, nothing changes (409)."""
    _staff_path(actor)
    locked = Pairing.objects.select_for_update().select_related("event").get(pk=pairing.pk)
    if locked.state_version != expected_version:
        raise _stale()
    if locked.event.status == MatchEvent.Status.DRAFT:
        raise WrongState(_("Meetings are recorded once the event is open."), code="not_open")
    if status not in PAIRING_MOVES.get(locked.status, ()):
        raise EventConflict(_("This pairing is now “%(status)s”, so it cannot become “%(target)s”.")
                            % {"status": locked.get_status_display(),
                               "target": dict(Pairing.Status.choices).get(status, status)}, code="wrong_status")
    notes = _clean_text(meeting_notes, limit=NOTES_MAX, code="meeting_notes")
    outcome = _clean_text(outcome, limit=TEXT_MAX, code="outcome")
    if status in (Pairing.Status.MEETING, Pairing.Status.AGREED) and meeting_at is None:
        raise Invalid(_("Give the time of the meeting."), code="meeting_at_required")
    before = _pairing_state(locked)
    locked.status, locked.meeting_at, locked.meeting_notes, locked.outcome = status, meeting_at, notes, outcome
    locked.state_version += 1
    locked.save()
    audit_log(action="match_event.pairing_record", actor=actor, request=request, obj=locked,
              detail={"event": locked.event_id, "before": before, "after": _pairing_state(locked)})
    return locked


# ─── export ──────────────────────────────────────────────────────────────────────────────────


def pairings_export(*, event: MatchEvent, actor, request=None) -> bytes:
    """The event's pairings as a watermarked .xlsx, audited; rate-limited with the user's other exports."""
    _staff_path(actor)
    since = timezone.now() - timedelta(hours=1)
    if AuditEvent.objects.filter(action="data.export", actor=actor, created_at__gte=since).count() >= EXPORTS_PER_HOUR:
        raise WrongState(_("You have made %(count)d exports in the last hour, the most allowed. Try again later.")
                         % {"count": EXPORTS_PER_HOUR}, code="rate_limited")
    columns = [(str(_("Enterprise")), 30), (str(_("Unified social credit code")), 22), (str(_("District")), 12),
               (str(_("Provider")), 30), (str(_("Solution")), 30), (str(_("Rank")), 6), (str(_("Score")), 8),
               (str(_("Status")), 10), (str(_("Meeting time")), 18), (str(_("Meeting notes")), 40),
               (str(_("Outcome")), 40), (str(_("Explanation")), 60)]
    qs = selectors.pairings(event).select_related("enterprise__region")
    rows = [[p.enterprise.name, p.enterprise.uscc, p.enterprise.region.name, p.provider.name, p.solution_title,
             p.rank, p.score, p.get_status_display(), p.meeting_at, p.meeting_notes, p.outcome, p.explanation]
            for p in qs]
    content = table_workbook(event.title, columns, rows, exported_by=actor, exported_at=timezone.now())
    audit_export(actor=actor, what="providers.match_event.pairings", rows=len(rows), request=request,
                 filters={"event": event.pk})
    return content
