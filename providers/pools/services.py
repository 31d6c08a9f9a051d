"""Writes of the resource pools: pools and their calls, applications through form check, expert
review, public notice (公示) and the decision, the yearly re-check with appeals, and enterprises'
ratings and complaints.

Every step follows one pattern (like diagnosis/review/services.py):
1. lock the row (`select_for_update`) inside `transaction.atomic`;
2. check the actor's scope and role, the workflow table (pools/workflow.py) and the
   `state_version` the form was rendered with — a mismatch means someone acted meanwhile (409);
3. write, bump `state_version`, and append an audit event with before/after values.

Pool tiers: a pool's region has the pool's level (district pool → a district, city pool → a city).
Staff create pools in their own jurisdiction only, so district staff create district pools and city
staff city pools or district pools of their city. No province staff exist, so province pools are
never created here: they come from seed data (or the admin), are read-only for everyone and show
on the public pages only."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import Conflict, DomainError, Forbidden, Invalid, WrongState
from portal.models import AuditEvent, Enterprise, Provider, Region
from portal.permissions import can_write_for
from portal.roles import StaffRole, is_bureau_staff, staff_region_path
from providers.models import (
    Appeal,
    CaseConfirmation,
    Complaint,
    ExpertScore,
    Objection,
    Pool,
    PoolApplication,
    PoolMember,
    ProfileVersion,
    Rating,
    Recheck,
)
from providers.pools import workflow
from providers.pools.workflow import EXPERT, PROVIDER, PUBLIC, STAFF

TEXT_MAX = 2000
LONG_MAX = 4000

TIER_FOR_LEVEL = {Region.Level.DISTRICT: Pool.Tier.DISTRICT, Region.Level.CITY: Pool.Tier.CITY,
                  Region.Level.PROVINCE: Pool.Tier.PROVINCE}


class PoolConflict(Conflict):
    def __init__(self, message, code: str = "conflict"):
        super().__init__(message, code=code)


def _audited_refusals(action: str):
    """Record a refused staff or expert action in the audit trail. The event is written after the
    action's transaction rolled back, so the refusal is kept and nothing else is."""

    def decorate(service):
        @wraps(service)
        def run(**kwargs):
            try:
                return service(**kwargs)
            except DomainError as exc:
                target = next((kwargs[k] for k in ("application", "sheet", "objection", "member", "appeal",
                                                   "complaint", "pool") if kwargs.get(k) is not None), None)
                audit_log(action="pool.action_refused", outcome=AuditEvent.Outcome.FAILURE, actor=kwargs.get("actor"),
                          request=kwargs.get("request"), obj=target, detail={"action": action, "reason": exc.code})
                raise

        return run

    return decorate


def _text(value: Any, *, required: bool, limit: int, code: str, missing: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(missing or _("This field is required."), code=f"{code}_required")
    if len(value) > limit:
        raise Invalid(_("At most %(limit)d characters, please.") % {"limit": limit}, code=f"{code}_too_long")
    return value


def _stale():
    return PoolConflict(_("Someone else acted on this after you opened the page. Nothing was changed: "
                          "check the current state and try again."), code="stale")


def _check_version(obj, expected_version) -> None:
    if expected_version is None or obj.state_version != expected_version:
        raise _stale()


# ─── who is who ──────────────────────────────────────────────────────────────────────────────


def manages_pool(user, pool: Pool) -> bool:
    return is_bureau_staff(user) and Pool.objects.managed_by(user).filter(pk=pool.pk).exists()


def actor_kind(user, application: PoolApplication) -> str | None:
    """The workflow actor kind of ``user`` for ``application``."""
    if not user.is_authenticated or not user.is_active:
        return None
    if manages_pool(user, application.pool):
        return STAFF
    if user.staff_role == StaffRole.EXPERT and application.expert_scores.filter(expert=user).exists():
        return EXPERT
    if not user.staff_role and can_write_for(user, application.provider):
        return PROVIDER
    return None


def _move(locked: PoolApplication, action: str, kind: str | None) -> str:
    if kind is None:
        raise Forbidden(_("You cannot act on this application."), code="forbidden")
    move = workflow.next_status(locked.status, action, kind)
    if not move.allowed:
        if move.reason == "not_your_role":
            raise Forbidden(_("Your role does not allow this action."), code="forbidden")
        raise PoolConflict(_("This application is now “%(status)s”, so this action is no longer possible. "
                             "The page shows its current state.") % {"status": locked.get_status_display()},
                           code="wrong_status")
    return move.next_status


def _lock_application(application: PoolApplication, actor, action: str, expected_version, *,
                      versioned: bool = True) -> tuple:
    """Lock the row and run every check of an action; returns the locked row and its next status.
    Decisions carry the version their page showed; an expert's own sheet and an objection do not
    depend on what others did meanwhile (versioned=False)."""
    locked = PoolApplication.objects.select_for_update().get(pk=application.pk)
    kind = actor_kind(actor, locked)
    target = _move(locked, action, kind)
    if versioned:
        _check_version(locked, expected_version)
    return locked, target


def _state(application: PoolApplication) -> dict:
    return {"status": application.status, "state_version": application.state_version,
            "total_score": None if application.total_score is None else str(application.total_score)}


def _bump(locked, *fields) -> None:
    locked.state_version += 1
    locked.save(update_fields=["state_version", *fields])


# ─── pools ───────────────────────────────────────────────────────────────────────────────────

POOL_FIELDS = ("name", "criteria", "call_opens", "call_closes", "objection_days", "validity_months",
               "min_confirmed_clients", "pass_score", "year")


def _pool_state(pool: Pool) -> dict:
    return {f: str(getattr(pool, f)) for f in (*POOL_FIELDS, "status", "tier")} | {"region": pool.region.code}


def _check_pool_values(values: dict) -> None:
    if values["call_closes"] < values["call_opens"]:
        raise Invalid(_("The call cannot close before it opens."), code="call_dates")
    if values["objection_days"] < 1 or values["validity_months"] < 1:
        raise Invalid(_("The notice period and the validity must be at least 1."), code="pool_parameters")
    if not (Decimal(0) <= Decimal(values["pass_score"]) <= Decimal(100)):
        raise Invalid(_("The pass score lies between 0 and 100."), code="pass_score")


def pool_create(*, actor, region: Region, values: dict, request=None) -> Pool:
    """A new pool (not yet open) in the actor's jurisdiction; its tier follows the region's level."""
    if not is_bureau_staff(actor):
        raise Forbidden(_("Only bureau staff create resource pools."), code="forbidden")
    path = staff_region_path(actor)
    if path is None or not region.path.startswith(path):
        raise Forbidden(_("You can only create pools in your own jurisdiction."), code="out_of_region")
    tier = TIER_FOR_LEVEL.get(region.level)
    if tier is None or tier == Pool.Tier.PROVINCE:
        raise Invalid(_("A pool belongs to a district or a city. Province pools are not created here."),
                      code="tier")
    values = {**values, "name": _text(values.get("name"), required=True, limit=100, code="name"),
              "criteria": _text(values.get("criteria"), required=False, limit=LONG_MAX, code="criteria")}
    _check_pool_values(values)
    with transaction.atomic():
        pool = Pool.objects.create(region=region, tier=tier, created_by=actor,
                                   **{f: values[f] for f in POOL_FIELDS})
        audit_log(action="pool.create", actor=actor, request=request, obj=pool,
                  detail={"before": None, "after": _pool_state(pool)})
    return pool


def _lock_pool(pool: Pool, actor) -> Pool:
    locked = Pool.objects.select_for_update().select_related("region").get(pk=pool.pk)
    if not manages_pool(actor, locked):
        raise Forbidden(_("This pool is not in your jurisdiction."), code="out_of_region")
    return locked


@_audited_refusals("pool_update")
def pool_update(*, pool: Pool, actor, values: dict, request=None) -> Pool:
    values = {**values, "name": _text(values.get("name"), required=True, limit=100, code="name"),
              "criteria": _text(values.get("criteria"), required=False, limit=LONG_MAX, code="criteria")}
    _check_pool_values(values)
    with transaction.atomic():
        locked = _lock_pool(pool, actor)
        if locked.status == Pool.Status.CLOSED:
            raise WrongState(_("A closed pool cannot be edited."), code="pool_closed")
        before = _pool_state(locked)
        for field in POOL_FIELDS:
            setattr(locked, field, values[field])
        locked.save()
        audit_log(action="pool.update", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _pool_state(locked)})
    return locked


@_audited_refusals("pool_status")
def pool_set_status(*, pool: Pool, actor, status: str, request=None) -> Pool:
    """Open the call (from draft) or close it (from open)."""
    allowed = {Pool.Status.OPEN: Pool.Status.DRAFT, Pool.Status.CLOSED: Pool.Status.OPEN}
    with transaction.atomic():
        locked = _lock_pool(pool, actor)
        if status not in allowed or locked.status != allowed[status]:
            raise WrongState(_("The pool is “%(status)s”; this change is not possible.")
                             % {"status": locked.get_status_display()}, code="pool_status")
        before = _pool_state(locked)
        locked.status = status
        locked.save(update_fields=["status"])
        audit_log(action=f"pool.{'open' if status == Pool.Status.OPEN else 'close'}", actor=actor,
                  request=request, obj=locked, detail={"before": before, "after": _pool_state(locked)})
    return locked


# ─── applications ────────────────────────────────────────────────────────────────────────────


def published_version(provider: Provider) -> ProfileVersion | None:
    return ProfileVersion.objects.filter(provider=provider, status=ProfileVersion.Status.PUBLISHED).first()


def call_is_open(pool: Pool, today: dt.date) -> bool:
    return pool.status == Pool.Status.OPEN and pool.call_opens <= today <= pool.call_closes


def application_submit(*, pool: Pool, provider: Provider, actor, statement: str = "", discount_offer: str = "",
                       request=None) -> PoolApplication:
    """Apply to a pool with the provider's published profile."""
    statement = _text(statement, required=False, limit=LONG_MAX, code="statement")
    discount_offer = _text(discount_offer, required=False, limit=200, code="discount_offer")
    if actor.staff_role or not can_write_for(actor, provider):
        raise Forbidden(_("Only the provider's owners and editors can apply."), code="forbidden")
    try:
        with transaction.atomic():
            locked_pool = Pool.objects.select_for_update().get(pk=pool.pk)
            if not call_is_open(locked_pool, timezone.localdate()):
                raise WrongState(_("This pool is not accepting applications now."), code="call_closed")
            version = published_version(provider)
            if version is None:
                raise WrongState(_("Your profile must be approved and published before you can apply."),
                                 code="no_published_profile")
            if PoolApplication.objects.filter(pool=locked_pool, provider=provider,
                                              status__in=PoolApplication.ACTIVE).exists():
                raise PoolConflict(_("You already have an application to this pool in progress."),
                                   code="already_applied")
            if PoolMember.objects.filter(pool=locked_pool, provider=provider,
                                         status__in=[PoolMember.Status.ACTIVE, PoolMember.Status.SUSPENDED]).exists():
                raise WrongState(_("You are already a member of this pool."), code="already_member")
            application = PoolApplication.objects.create(
                pool=locked_pool, provider=provider, profile_version=version, statement=statement,
                discount_offer=discount_offer, submitted_by=actor)
            audit_log(action="pool_application.submit", actor=actor, request=request, obj=application,
                      detail={"pool": locked_pool.pk, "profile_version": version.number, "before": None,
                              "after": _state(application)})
    except IntegrityError:
        raise PoolConflict(_("You already have an application to this pool in progress."),
                           code="already_applied") from None
    return application


def application_resubmit(*, application: PoolApplication, actor, statement: str, discount_offer: str,
                         expected_version: int, request=None) -> PoolApplication:
    statement = _text(statement, required=False, limit=LONG_MAX, code="statement")
    discount_offer = _text(discount_offer, required=False, limit=200, code="discount_offer")
    with transaction.atomic():
        locked, target = _lock_application(application, actor, "resubmit", expected_version)
        version = published_version(locked.provider)
        if version is None:
            raise WrongState(_("Your profile must be approved and published before you can apply."),
                             code="no_published_profile")
        before = _state(locked)
        locked.status, locked.statement, locked.discount_offer = target, statement, discount_offer
        locked.profile_version = version
        _bump(locked, "status", "statement", "discount_offer", "profile_version")
        audit_log(action="pool_application.resubmit", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "profile_version": version.number})
    return locked


def application_withdraw(*, application: PoolApplication, actor, expected_version: int,
                         request=None) -> PoolApplication:
    with transaction.atomic():
        locked, target = _lock_application(application, actor, "withdraw", expected_version)
        before = _state(locked)
        locked.status = target
        _bump(locked, "status")
        audit_log(action="pool_application.withdraw", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked)})
    return locked


CHECK_ACTIONS = {"pass": "check_pass", "return": "check_return", "refuse": "check_refuse"}


@_audited_refusals("form_check")
def form_check(*, application: PoolApplication, actor, outcome: str, note: str, expected_version: int,
               request=None) -> PoolApplication:
    """The form check (形式审查): complete → expert review, incomplete → returned, ineligible → refused."""
    action = CHECK_ACTIONS.get(outcome)
    if action is None:
        raise Invalid(_("Choose an outcome of the form check."), code="outcome")
    note = _text(note, required=outcome != "pass", limit=TEXT_MAX, code="note",
                 missing=_("Tell the provider what is missing or why it is not eligible."))
    with transaction.atomic():
        locked, target = _lock_application(application, actor, action, expected_version)
        before = _state(locked)
        now = timezone.now()
        locked.status, locked.check_note, locked.checked_by, locked.checked_at = target, note, actor, now
        fields = ["status", "check_note", "checked_by", "checked_at"]
        if target == PoolApplication.Status.REFUSED:
            locked.decided_by, locked.decided_at, locked.decision_note = actor, now, note
            fields += ["decided_by", "decided_at", "decision_note"]
        _bump(locked, *fields)
        audit_log(action=f"pool_application.{action}", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "note": note})
    return locked


@_audited_refusals("assign_expert")
def expert_assign(*, application: PoolApplication, actor, expert, expected_version: int,
                  request=None) -> ExpertScore:
    with transaction.atomic():
        locked, _target = _lock_application(application, actor, "assign_expert", expected_version)
        if not expert.is_active or expert.staff_role != StaffRole.EXPERT:
            raise Invalid(_("Choose an active expert from the pool."), code="not_expert")
        before = sorted(locked.expert_scores.values_list("expert__username", flat=True))
        if expert.username in before:
            raise WrongState(_("This expert is already assigned."), code="already_assigned")
        sheet = ExpertScore.objects.create(application=locked, expert=expert, assigned_by=actor)
        _bump(locked)
        audit_log(action="pool_application.assign_expert", actor=actor, request=request, obj=locked,
                  detail={"expert": expert.username, "before": {"experts": before},
                          "after": {"experts": sorted([*before, expert.username])}})
    return sheet


def _sheets(application: PoolApplication) -> list[workflow.Sheet]:
    return [workflow.Sheet(total=s.total if s.submitted_at else None, conflict=s.conflict_declared)
            for s in application.expert_scores.all()]


def score_average(application: PoolApplication) -> workflow.Average:
    return workflow.average(_sheets(application), pass_score=application.pool.pass_score)


def _lock_sheet(sheet: ExpertScore, actor, action: str) -> tuple[PoolApplication, ExpertScore]:
    locked, _target = _lock_application(sheet.application, actor, action, None, versioned=False)
    locked_sheet = ExpertScore.objects.select_for_update().get(pk=sheet.pk)
    if locked_sheet.expert_id != actor.pk:
        raise Forbidden(_("This score sheet is assigned to another expert."), code="forbidden")
    if locked_sheet.submitted_at is not None:
        raise WrongState(_("You have already submitted this score sheet."), code="already_scored")
    return locked, locked_sheet


@_audited_refusals("declare_conflict")
def conflict_declare(*, sheet: ExpertScore, actor, note: str, request=None) -> ExpertScore:
    """The expert declares a conflict of interest: their sheet no longer counts and they cannot score."""
    note = _text(note, required=True, limit=TEXT_MAX, code="conflict_note",
                 missing=_("Describe the conflict of interest."))
    with transaction.atomic():
        locked, locked_sheet = _lock_sheet(sheet, actor, "declare_conflict")
        if locked_sheet.conflict_declared:
            raise WrongState(_("You have already declared a conflict of interest here."), code="already_declared")
        locked_sheet.conflict_declared, locked_sheet.conflict_note = True, note
        locked_sheet.save(update_fields=["conflict_declared", "conflict_note"])
        locked.total_score = score_average(locked).score
        _bump(locked, "total_score")
        audit_log(action="pool_application.conflict_declared", actor=actor, request=request, obj=locked,
                  detail={"sheet": locked_sheet.pk, "note": note, "before": {"conflict": False},
                          "after": {"conflict": True}})
    return locked_sheet


def _part(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@_audited_refusals("score")
def score_submit(*, sheet: ExpertScore, actor, scores: dict, no_conflict_declared: bool, comment: str = "",
                 request=None) -> ExpertScore:
    """The expert's four part scores (0–100 each); the weighted total counts towards the average.
    The expert declares having no conflict of interest (回避声明) with every sheet; the declaration
    goes into the audit record with the scores, whichever way the sheet arrives (web or API)."""
    if no_conflict_declared is not True:
        raise Invalid(_("Declare that you have no conflict of interest before scoring, or declare the conflict "
                        "below."), code="no_conflict_declaration")
    comment = _text(comment, required=False, limit=LONG_MAX, code="comment")
    parts = {code: _part(scores.get(code)) for code in workflow.PART_CODES}
    result = workflow.sheet_total(parts)
    if not result.ok:
        raise Invalid(_("Give every part a score between 0 and 100."), code="scores")
    with transaction.atomic():
        locked, locked_sheet = _lock_sheet(sheet, actor, "score")
        if locked_sheet.conflict_declared:
            raise Forbidden(_("You declared a conflict of interest for this application, so you cannot score "
                              "it. The bureau can assign another expert."), code="conflict_declared")
        for code, value in parts.items():
            setattr(locked_sheet, code, value)
        locked_sheet.total, locked_sheet.comment, locked_sheet.submitted_at = result.total, comment, timezone.now()
        locked_sheet.save()
        before = _state(locked)
        locked.total_score = score_average(locked).score
        _bump(locked, "total_score")
        audit_log(action="pool_application.score", actor=actor, request=request, obj=locked,
                  detail={"sheet": locked_sheet.pk, "scores": {k: str(v) for k, v in parts.items()},
                          "total": str(result.total), "no_conflict_declared": True,
                          "before": before, "after": _state(locked)})
    return locked_sheet


@_audited_refusals("publish_notice")
def notice_publish(*, application: PoolApplication, actor, expected_version: int, request=None) -> PoolApplication:
    """Publish the public notice (公示) for ``pool.objection_days`` days, once every assigned expert
    without a conflict has scored and the average passes."""
    with transaction.atomic():
        locked, target = _lock_application(application, actor, "publish_notice", expected_version)
        avg = score_average(locked)
        if avg.pending:
            raise WrongState(_("%(n)d expert(s) have not submitted their score sheet yet.") % {"n": avg.pending},
                             code="scores_pending")
        if avg.score is None:
            raise WrongState(_("No expert score counts yet: assign an expert without a conflict of interest."),
                             code="no_scores")
        if not avg.passed:
            raise WrongState(_("The expert score %(score)s is below the pass score; refuse the application "
                               "instead.") % {"score": avg.score}, code="below_pass_score")
        before = _state(locked)
        locked.status, locked.total_score = target, avg.score
        locked.notice_starts, locked.notice_ends = workflow.notice_period(timezone.localdate(),
                                                                          locked.pool.objection_days)
        _bump(locked, "status", "total_score", "notice_starts", "notice_ends")
        audit_log(action="pool_application.publish_notice", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "band": avg.band,
                          "notice": [locked.notice_starts.isoformat(), locked.notice_ends.isoformat()]})
    return locked


def objection_file(*, application: PoolApplication, actor, text: str, request=None) -> Objection:
    """Any signed-in user may object while the notice runs."""
    text = _text(text, required=True, limit=TEXT_MAX, code="text", missing=_("Write your objection."))
    if not actor.is_authenticated:
        raise Forbidden(_("Sign in to file an objection."), code="forbidden")
    with transaction.atomic():
        locked = PoolApplication.objects.select_for_update().get(pk=application.pk)
        _move(locked, "object", PUBLIC)
        if not workflow.in_notice(timezone.localdate(), locked.notice_starts, locked.notice_ends):
            raise WrongState(_("The public notice period is over."), code="notice_over")
        if locked.objections.filter(filed_by=actor, status=Objection.Status.OPEN).exists():
            raise WrongState(_("You already have an open objection to this application."), code="already_objected")
        objection = Objection.objects.create(application=locked, filed_by=actor, text=text)
        before = _state(locked)
        _bump(locked)
        audit_log(action="pool_application.objection", actor=actor, request=request, obj=locked,
                  detail={"objection": objection.pk, "before": before, "after": _state(locked)})
    return objection


@_audited_refusals("resolve_objection")
def objection_resolve(*, objection: Objection, actor, outcome: str, resolution: str, request=None) -> Objection:
    if outcome not in (Objection.Status.UPHELD, Objection.Status.DISMISSED):
        raise Invalid(_("Choose whether the objection is upheld or dismissed."), code="outcome")
    resolution = _text(resolution, required=True, limit=TEXT_MAX, code="resolution",
                       missing=_("Give the reason for the resolution."))
    with transaction.atomic():
        locked, _target = _lock_application(objection.application, actor, "resolve_objection", None,
                                            versioned=False)
        locked_objection = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked_objection.status != Objection.Status.OPEN:
            raise PoolConflict(_("This objection has already been resolved."), code="already_resolved")
        locked_objection.status, locked_objection.resolution = outcome, resolution
        locked_objection.resolved_by, locked_objection.resolved_at = actor, timezone.now()
        locked_objection.save()
        _bump(locked)
        audit_log(action="pool_application.objection_resolve", actor=actor, request=request, obj=locked,
                  detail={"objection": locked_objection.pk, "before": {"status": "open"},
                          "after": {"status": outcome}, "resolution": resolution})
    return locked_objection


def admission_blockers(application: PoolApplication, today: dt.date) -> tuple[str, ...]:
    return workflow.admission_blockers(
        today=today, notice_ends=application.notice_ends,
        open_objections=application.objections.filter(status=Objection.Status.OPEN).count(),
        upheld_objections=application.objections.filter(status=Objection.Status.UPHELD).count())


def blocker_message(code: str) -> str:
    return {
        "notice_running": _("The public notice period has not ended yet."),
        "open_objections": _("Objections are still open: resolve them first."),
        "upheld_objections": _("An objection was upheld: the application can only be refused."),
    }[code]


@_audited_refusals("decide")
def application_decide(*, application: PoolApplication, actor, admit: bool, note: str, expected_version: int,
                       request=None) -> PoolApplication:
    """Admit (after the notice period, with no open or upheld objection) or refuse."""
    note = _text(note, required=not admit, limit=TEXT_MAX, code="note",
                 missing=_("Give the reason for not admitting the provider."))
    action = "admit" if admit else "refuse"
    with transaction.atomic():
        locked, target = _lock_application(application, actor, action, expected_version)
        today = timezone.localdate()
        if admit:
            blockers = admission_blockers(locked, today)
            if blockers:
                raise WrongState(blocker_message(blockers[0]), code=blockers[0])
        before = _state(locked)
        locked.status, locked.decided_by, locked.decided_at, locked.decision_note = target, actor, timezone.now(), note
        _bump(locked, "status", "decided_by", "decided_at", "decision_note")
        member = None
        if admit:
            member = _admit(locked, today)
        audit_log(action=f"pool_application.{action}", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "note": note,
                          "member": member.pk if member else None})
    return locked


def _admit(application: PoolApplication, today: dt.date) -> PoolMember:
    pool = application.pool
    values = {"application": application, "status": PoolMember.Status.ACTIVE, "admitted_at": today,
              "valid_until": workflow.add_months(today, pool.validity_months),
              "next_recheck": workflow.add_months(today, 12), "suspended_reason": ""}
    member = PoolMember.objects.select_for_update().filter(pool=pool, provider=application.provider).first()
    if member is None:
        return PoolMember.objects.create(pool=pool, provider=application.provider, **values)
    if member.status in (PoolMember.Status.ACTIVE, PoolMember.Status.SUSPENDED):
        raise WrongState(_("The provider is already a member of this pool."), code="already_member")
    for field, value in values.items():
        setattr(member, field, value)
    member.state_version += 1
    member.save()
    return member


# ─── yearly re-check and appeals ─────────────────────────────────────────────────────────────


def _lock_member(member: PoolMember, actor) -> PoolMember:
    locked = PoolMember.objects.select_for_update().get(pk=member.pk)
    if not manages_pool(actor, locked.pool):
        raise Forbidden(_("This pool is not in your jurisdiction."), code="out_of_region")
    return locked


def _member_state(member: PoolMember) -> dict:
    return {"status": member.status, "next_recheck": member.next_recheck.isoformat(),
            "suspended_reason": member.suspended_reason, "state_version": member.state_version}


def _qualifications(version: ProfileVersion | None) -> list[tuple[str, dt.date | None]]:
    result = []
    for entry in ((version.document or {}).get("qualifications") or []) if version else []:
        if not isinstance(entry, dict):
            continue
        try:
            expires = dt.date.fromisoformat(str(entry.get("expires"))) if entry.get("expires") else None
        except ValueError:
            expires = None
        result.append((str(entry.get("name") or entry.get("kind") or "?")[:100], expires))
    return result


def recheck_inputs(member: PoolMember, today: dt.date) -> dict:
    version = published_version(member.provider)
    last = member.rechecks.order_by("-decided_at").values_list("decided_at", flat=True).first()
    since = last or timezone.make_aware(dt.datetime.combine(member.admitted_at, dt.time.min))
    return {
        "today": today, "has_profile": version is not None, "qualifications": _qualifications(version),
        "confirmed_clients": CaseConfirmation.objects.filter(
            provider=member.provider, status=CaseConfirmation.Status.CONFIRMED).values("enterprise").distinct().count(),
        "min_confirmed_clients": member.pool.min_confirmed_clients,
        "upheld_complaints": Complaint.objects.filter(provider=member.provider, status=Complaint.Status.UPHELD,
                                                      handled_at__gte=since).count(),
    }


def reason_sentence(reason: dict) -> str:
    code = reason.get("code")
    if code == "no_profile":
        return _("The provider has no published profile.")
    if code == "expired_qualification":
        return _("The qualification “%(name)s” expired on %(expires)s.") % {
            "name": reason.get("name", ""), "expires": reason.get("expires", "")}
    if code == "few_clients":
        return _("Only %(have)s clients confirmed a case; at least %(need)s are required.") % {
            "have": reason.get("have", "0"), "need": reason.get("need", "")}
    if code == "upheld_complaints":
        return _("%(count)s complaint(s) against the provider were upheld since the last check.") % {
            "count": reason.get("count", "")}
    return str(code)


@_audited_refusals("recheck")
def recheck_run(*, member: PoolMember, actor, expected_version: int, request=None) -> Recheck:
    """The yearly re-check of a due member: pass → next check in 12 months; otherwise suspended
    with the reasons, which the provider sees and may appeal."""
    with transaction.atomic():
        locked = _lock_member(member, actor)
        _check_version(locked, expected_version)
        today = timezone.localdate()
        if locked.status != PoolMember.Status.ACTIVE:
            raise WrongState(_("Only active members are re-checked."), code="not_active")
        if locked.next_recheck > today:
            raise WrongState(_("This member's re-check is not due until %(date)s.")
                             % {"date": locked.next_recheck.isoformat()}, code="not_due")
        year = locked.next_recheck.year
        if locked.rechecks.filter(year=year).exists():
            raise PoolConflict(_("The re-check for %(year)d has already been made.") % {"year": year},
                               code="already_rechecked")
        result = workflow.recheck(**recheck_inputs(locked, today))
        reasons = [r.as_dict() for r in result.reasons]
        before = _member_state(locked)
        check = Recheck.objects.create(member=locked, year=year, decided_by=actor, reasons=reasons,
                                       outcome=Recheck.Outcome.PASS if result.passed else Recheck.Outcome.SUSPEND)
        locked.next_recheck = workflow.add_months(locked.next_recheck, 12)
        if not result.passed:
            locked.status = PoolMember.Status.SUSPENDED
            locked.suspended_reason = "\n".join(reason_sentence(r) for r in reasons)
        locked.state_version += 1
        locked.save()
        audit_log(action="pool_member.recheck", actor=actor, request=request, obj=locked,
                  detail={"year": year, "outcome": check.outcome, "reasons": reasons,
                          "before": before, "after": _member_state(locked)})
    return check


def appeal_file(*, member: PoolMember, actor, text: str, request=None) -> Appeal:
    text = _text(text, required=True, limit=LONG_MAX, code="text", missing=_("Explain your appeal."))
    if actor.staff_role or not can_write_for(actor, member.provider):
        raise Forbidden(_("Only the provider's owners and editors can appeal."), code="forbidden")
    try:
        with transaction.atomic():
            locked = PoolMember.objects.select_for_update().get(pk=member.pk)
            if locked.status != PoolMember.Status.SUSPENDED:
                raise WrongState(_("Only a suspension can be appealed."), code="not_suspended")
            if locked.appeals.filter(status=Appeal.Status.OPEN).exists():
                raise PoolConflict(_("An appeal is already waiting for a decision."), code="appeal_open")
            appeal = Appeal.objects.create(member=locked, text=text, filed_by=actor)
            audit_log(action="pool_member.appeal", actor=actor, request=request, obj=locked,
                      detail={"appeal": appeal.pk, "before": None, "after": {"appeal": "open"}})
    except IntegrityError:
        raise PoolConflict(_("An appeal is already waiting for a decision."), code="appeal_open") from None
    return appeal


@_audited_refusals("decide_appeal")
def appeal_decide(*, appeal: Appeal, actor, grant: bool, note: str, request=None) -> Appeal:
    note = _text(note, required=True, limit=TEXT_MAX, code="note", missing=_("Give the reason for the decision."))
    with transaction.atomic():
        locked_member = _lock_member(appeal.member, actor)
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.status != Appeal.Status.OPEN:
            raise PoolConflict(_("This appeal has already been decided."), code="already_decided")
        before = _member_state(locked_member)
        locked.status = Appeal.Status.GRANTED if grant else Appeal.Status.DENIED
        locked.decision_note, locked.decided_by, locked.decided_at = note, actor, timezone.now()
        locked.save()
        if grant:
            locked_member.status, locked_member.suspended_reason = PoolMember.Status.ACTIVE, ""
            locked_member.state_version += 1
            locked_member.save()
        audit_log(action="pool_member.appeal_decide", actor=actor, request=request, obj=locked_member,
                  detail={"appeal": locked.pk, "outcome": locked.status, "note": note,
                          "before": before, "after": _member_state(locked_member)})
    return locked


# ─── ratings and complaints ──────────────────────────────────────────────────────────────────


def _check_enterprise_writer(actor, enterprise: Enterprise) -> None:
    if actor.staff_role or not can_write_for(actor, enterprise):
        raise Forbidden(_("Only the enterprise's owners and editors can do this."), code="forbidden")


def rating_submit(*, provider: Provider, enterprise: Enterprise, actor, score: int, comment: str = "",
                  request=None) -> Rating:
    """Rate a delivered engagement: the enterprise must have confirmed a case of this provider.
    One rating per enterprise, provider and year."""
    comment = _text(comment, required=False, limit=TEXT_MAX, code="comment")
    _check_enterprise_writer(actor, enterprise)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise Invalid(_("Give a rating from 1 to 5."), code="score")
    if not CaseConfirmation.objects.filter(provider=provider, enterprise=enterprise,
                                           status=CaseConfirmation.Status.CONFIRMED).exists():
        raise WrongState(_("You can rate a provider once your enterprise has confirmed a project it delivered."),
                         code="no_engagement")
    year = timezone.localdate().year
    try:
        with transaction.atomic():
            rating = Rating.objects.create(provider=provider, enterprise=enterprise, rated_by=actor, year=year,
                                           score=score, comment=comment)
            audit_log(action="provider.rate", actor=actor, request=request, obj=rating,
                      detail={"provider": provider.pk, "enterprise": enterprise.pk, "before": None,
                              "after": {"score": score}})
    except IntegrityError:
        raise PoolConflict(_("Your enterprise has already rated this provider this year."),
                           code="already_rated") from None
    return rating


def complaint_file(*, provider: Provider, enterprise: Enterprise, actor, subject: str, text: str,
                   request=None) -> Complaint:
    subject = _text(subject, required=True, limit=200, code="subject", missing=_("Give the complaint a subject."))
    text = _text(text, required=True, limit=LONG_MAX, code="text", missing=_("Describe the complaint."))
    _check_enterprise_writer(actor, enterprise)
    with transaction.atomic():
        complaint = Complaint.objects.create(provider=provider, enterprise=enterprise, filed_by=actor,
                                             subject=subject, text=text)
        audit_log(action="provider.complaint", actor=actor, request=request, obj=complaint,
                  detail={"provider": provider.pk, "enterprise": enterprise.pk, "before": None,
                          "after": {"status": complaint.status}})
    return complaint


@_audited_refusals("handle_complaint")
def complaint_handle(*, complaint: Complaint, actor, upheld: bool, resolution: str, request=None) -> Complaint:
    """Staff of the provider's region uphold or dismiss a complaint; upheld ones count at the re-check."""
    resolution = _text(resolution, required=True, limit=TEXT_MAX, code="resolution",
                       missing=_("Give the reason for the resolution."))
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        path = staff_region_path(actor)
        if path is None or not locked.provider.region.path.startswith(path):
            raise Forbidden(_("This provider is not in your jurisdiction."), code="out_of_region")
        if locked.status != Complaint.Status.OPEN:
            raise PoolConflict(_("This complaint has already been handled."), code="already_handled")
        locked.status = Complaint.Status.UPHELD if upheld else Complaint.Status.DISMISSED
        locked.resolution, locked.handled_by, locked.handled_at = resolution, actor, timezone.now()
        locked.save()
        audit_log(action="provider.complaint_handle", actor=actor, request=request, obj=locked,
                  detail={"before": {"status": "open"}, "after": {"status": locked.status},
                          "resolution": resolution})
    return locked



# ─── expiry (beat: providers.pools.tasks.expire_memberships) ─────────────────────────────────

QUALIFICATION_REMINDER_DAYS = 30


def expire_memberships(*, today: dt.date | None = None) -> int:
    """Mark members whose validity has passed as expired (active and suspended ones alike), each
    with an audit event and a notification to the provider's people. Idempotent: a member already
    expired is left alone, so running it twice expires nobody twice. Returns how many expired."""
    from providers.pools import notifications

    today = today or timezone.localdate()
    expired = 0
    due = PoolMember.objects.filter(valid_until__lt=today,
                                    status__in=[PoolMember.Status.ACTIVE, PoolMember.Status.SUSPENDED])
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = (PoolMember.objects.select_for_update(of=("self",)).select_related("pool")
                      .filter(pk=pk, valid_until__lt=today,
                              status__in=[PoolMember.Status.ACTIVE, PoolMember.Status.SUSPENDED]).first())
            if locked is None:  # another run got there first
                continue
            before = _member_state(locked)
            locked.status = PoolMember.Status.EXPIRED
            locked.state_version += 1
            locked.save(update_fields=["status", "state_version"])
            audit_log(action="pool_member.expire", obj=locked, username="system",
                      detail={"valid_until": locked.valid_until.isoformat(), "before": before,
                              "after": _member_state(locked)})
            notifications.membership_expired(locked)
            expired += 1
    return expired


def _certificates(document) -> list[tuple[str, str, dt.date]]:
    """(key, name, expiry) of the published profile's qualifications that have an expiry date."""
    result = []
    for entry in (document or {}).get("qualifications") or []:
        if not isinstance(entry, dict) or not entry.get("expires"):
            continue
        try:
            expires = dt.date.fromisoformat(str(entry["expires"]))
        except ValueError:
            continue
        name = str(entry.get("name") or entry.get("kind") or "?")[:100]
        result.append((str(entry.get("key") or name)[:64], name, expires))
    return result


def remind_expiring_qualifications(*, today: dt.date | None = None) -> int:
    """Remind a provider's people once per certificate (its key and expiry date) when a
    qualification in the published profile expires within QUALIFICATION_REMINDER_DAYS. The audit
    event is the record that the reminder went out, so a second run (or a renewed certificate with
    the same date) sends nothing again; a new expiry date is a new certificate. Returns how many
    reminders were sent."""
    from providers.pools import notifications

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=QUALIFICATION_REMINDER_DAYS)
    sent = 0
    published = (ProfileVersion.objects.filter(status=ProfileVersion.Status.PUBLISHED)
                 .values_list("provider_id", "document").iterator(chunk_size=500))
    for provider_id, document in published:
        for key, name, expires in _certificates(document):
            if not today <= expires <= horizon:
                continue
            with transaction.atomic():
                Provider.objects.select_for_update().filter(pk=provider_id).first()  # one reminder at a time
                done = AuditEvent.objects.filter(action="provider.qualification_reminder",
                                                 object_type="portal.provider", object_id=str(provider_id),
                                                 detail__certificate=key, detail__expires=expires.isoformat())
                if done.exists():
                    continue
                audit_log(action="provider.qualification_reminder", object_type="portal.provider",
                          object_id=provider_id, username="system",
                          detail={"certificate": key, "name": name, "expires": expires.isoformat()})
                notifications.qualification_expiring(provider_id, name, expires)
                sent += 1
    return sent
