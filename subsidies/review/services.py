"""Staff and expert steps of the review chain: form check (形式审查), expert assignment from the
expert pool with conflict declarations and score sheets, special audit (专项审计), the public notice
(公示), the decision (amount fixed by the rule version, reserved on the budget atomically), rejection
and the performance evaluation. Every step: lock, check role/scope/table/version, write, audit."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.roles import StaffRole
from subsidies import amounts, budget, transitions, workflow
from subsidies.applications import notifications
from subsidies.applications.services import parse_money
from subsidies.models import Application, ExpertReview, Objection
from subsidies.transitions import LONG_MAX, TEXT_MAX, audited_refusals, text
from subsidies.vouchers import services as vouchers

CHECK_ACTIONS = {"pass": "check_pass", "return": "check_return", "reject": "check_reject"}


@audited_refusals("form_check")
def form_check(*, application: Application, actor, outcome: str, note: str, expected_version,
               request=None) -> Application:
    action = CHECK_ACTIONS.get(outcome)
    if action is None:
        raise Invalid(_("Choose an outcome of the form check."), code="outcome")
    note = text(note, required=outcome != "pass", limit=TEXT_MAX, code="note",
                missing=_("Tell the enterprise what is missing or why it is not eligible."))
    with transaction.atomic():
        locked, target = transitions.lock(application, actor, action, expected_version)
        before = transitions.state(locked)
        locked.status, locked.stage_note = target, note
        fields = ["status", "stage_note"]
        if target == Application.Status.REJECTED:
            locked.decided_by, locked.decided_at = actor, timezone.now()
            fields += ["decided_by", "decided_at"]
        transitions.record(locked, actor=actor, action=action, before=before, note=note, request=request,
                           fields=fields)
    return locked


@audited_refusals("assign_expert")
def expert_assign(*, application: Application, actor, expert, expected_version, request=None) -> ExpertReview:
    with transaction.atomic():
        locked, _target = transitions.lock(application, actor, "assign_expert", expected_version)
        if not expert.is_active or expert.staff_role != StaffRole.EXPERT:
            raise Invalid(_("Choose an active expert from the expert pool."), code="not_expert")
        before_experts = sorted(locked.expert_reviews.values_list("expert__username", flat=True))
        if expert.username in before_experts:
            raise WrongState(_("This expert is already assigned."), code="already_assigned")
        review = ExpertReview.objects.create(application=locked, expert=expert, assigned_by=actor)
        notifications.expert_assigned(review)
        transitions.record(locked, actor=actor, action="assign_expert", before=transitions.state(locked),
                           request=request, event=False,
                           detail={"expert": expert.username, "experts_before": before_experts,
                                   "experts_after": sorted([*before_experts, expert.username])})
    return review


def _sheets(application: Application) -> list[workflow.Sheet]:
    return [workflow.Sheet(total=r.total if r.submitted_at else None, conflict=r.conflict_declared)
            for r in application.expert_reviews.all()]


def score_average(application: Application) -> workflow.Average:
    return workflow.average(_sheets(application))


def _lock_review(review: ExpertReview, actor, action: str) -> tuple[Application, ExpertReview]:
    locked, _target = transitions.lock(review.application, actor, action, None, versioned=False)
    locked_review = ExpertReview.objects.select_for_update().get(pk=review.pk)
    if locked_review.expert_id != actor.pk:
        raise Forbidden(_("This score sheet is assigned to another expert."), code="forbidden")
    if locked_review.submitted_at is not None:
        raise WrongState(_("You have already submitted this score sheet."), code="already_scored")
    return locked, locked_review


@audited_refusals("declare_conflict")
def conflict_declare(*, review: ExpertReview, actor, note: str, request=None) -> ExpertReview:
    note = text(note, required=True, limit=TEXT_MAX, code="conflict_note",
                missing=_("Describe the conflict of interest."))
    with transaction.atomic():
        locked, locked_review = _lock_review(review, actor, "declare_conflict")
        if locked_review.conflict_declared:
            raise WrongState(_("You have already declared a conflict of interest here."), code="already_declared")
        before = transitions.state(locked)
        locked_review.conflict_declared, locked_review.conflict_note = True, note
        locked_review.save(update_fields=["conflict_declared", "conflict_note"])
        locked.expert_score = score_average(locked).score
        transitions.record(locked, actor=actor, action="declare_conflict", before=before, request=request,
                           event=False, fields=("expert_score",), detail={"review": locked_review.pk, "conflict": note})
    return locked_review


def _part(value) -> Decimal | None:
    result = workflow.money(value) if value not in (None, "") else None
    return result.value if result is not None and result.ok else None


@audited_refusals("score")
def score_submit(*, review: ExpertReview, actor, scores: dict, no_conflict_declared: bool, comment: str = "",
                 request=None) -> ExpertReview:
    """The expert's four part scores (0–100 each) with the declaration of no conflict (回避声明)."""
    if no_conflict_declared is not True:
        raise Invalid(_("Declare that you have no conflict of interest before scoring, or declare the conflict "
                        "below."), code="no_conflict_declaration")
    comment = text(comment, required=False, limit=LONG_MAX, code="comment")
    parts = {code: _part(scores.get(code)) for code in workflow.PART_CODES}
    result = workflow.sheet_total(parts)
    if not result.ok:
        raise Invalid(_("Give every part a score between 0 and 100."), code="scores")
    with transaction.atomic():
        locked, locked_review = _lock_review(review, actor, "score")
        if locked_review.conflict_declared:
            raise Forbidden(_("You declared a conflict of interest for this application, so you cannot score it."),
                            code="conflict_declared")
        before = transitions.state(locked)
        for code, value in parts.items():
            setattr(locked_review, code, value)
        locked_review.total, locked_review.comment, locked_review.submitted_at = result.total, comment, timezone.now()
        locked_review.save()
        locked.expert_score = score_average(locked).score
        transitions.record(locked, actor=actor, action="score", before=before, request=request, event=False,
                           fields=("expert_score",),
                           detail={"review": locked_review.pk, "scores": {k: str(v) for k, v in parts.items()},
                                   "total": str(result.total), "no_conflict_declared": True})
    return locked_review


def close_message(code: str) -> str:
    return {
        "scores_pending": _("Some assigned experts have not submitted their score sheet yet."),
        "no_scores": _("No expert score counts yet: assign an expert without a conflict of interest."),
        "below_pass": _("The expert score is below the pass mark; reject the application instead."),
    }[code]


@audited_refusals("review_close")
def review_close(*, application: Application, actor, expected_version, request=None) -> Application:
    with transaction.atomic():
        locked, target = transitions.lock(application, actor, "review_close", expected_version)
        avg = score_average(locked)
        blockers = workflow.review_close_blockers(avg)
        if blockers:
            raise WrongState(close_message(blockers[0]), code=blockers[0])
        before = transitions.state(locked)
        locked.status, locked.expert_score = target, avg.score
        transitions.record(locked, actor=actor, action="review_close", before=before, request=request,
                           fields=("status", "expert_score"), detail={"counted": avg.counted,
                                                                      "excluded": avg.excluded})
    return locked


@audited_refusals("audit")
def audit_record(*, application: Application, actor, verified_investment, note: str, expected_version,
                 request=None) -> Application:
    """The special audit (专项审计): the auditor's verified investment, which the amount is based on."""
    verified = parse_money(verified_investment, field="verified_investment")
    if verified is None:
        raise Invalid(_("Enter the verified investment."), code="verified_investment_required")
    note = text(note, required=False, limit=TEXT_MAX, code="note")
    with transaction.atomic():
        locked, target = transitions.lock(application, actor, "audit", expected_version)
        before = transitions.state(locked)
        locked.status, locked.verified_investment, locked.audit_note = target, verified, note
        locked.estimated_amount = amounts.for_application(locked).value
        transitions.record(locked, actor=actor, action="audit", before=before, note=note, request=request,
                           fields=("status", "verified_investment", "audit_note", "estimated_amount"))
    return locked


@audited_refusals("publish_notice")
def notice_publish(*, application: Application, actor, expected_version, days: int = workflow.NOTICE_DAYS,
                   request=None) -> Application:
    if not isinstance(days, int) or not 1 <= days <= 30:
        raise Invalid(_("The notice period is between 1 and 30 days."), code="notice_days")
    with transaction.atomic():
        locked, target = transitions.lock(application, actor, "publish_notice", expected_version)
        before = transitions.state(locked)
        locked.status = target
        locked.notice_starts, locked.notice_ends = workflow.notice_period(timezone.localdate(), days)
        transitions.record(locked, actor=actor, action="publish_notice", before=before, request=request,
                           fields=("status", "notice_starts", "notice_ends"),
                           detail={"notice": [locked.notice_starts.isoformat(), locked.notice_ends.isoformat()]})
    return locked


@audited_refusals("reject")
def reject(*, application: Application, actor, note: str, expected_version, request=None) -> Application:
    note = text(note, required=True, limit=TEXT_MAX, code="note", missing=_("Give the reason for the rejection."))
    with transaction.atomic():
        locked, target = transitions.lock(application, actor, "reject", expected_version)
        before = transitions.state(locked)
        locked.status, locked.stage_note, locked.decided_by, locked.decided_at = target, note, actor, timezone.now()
        transitions.record(locked, actor=actor, action="reject", before=before, note=note, request=request,
                           fields=("status", "stage_note", "decided_by", "decided_at"))
    return locked


def decision_blockers(application: Application, today=None) -> tuple[str, ...]:
    return workflow.decision_blockers(
        today=today or timezone.localdate(), notice_ends=application.notice_ends,
        open_objections=application.objections.filter(status=Objection.Status.OPEN).count(),
        upheld_objections=application.objections.filter(status=Objection.Status.UPHELD).count(),
        amount=amounts.for_application(application).value)


def blocker_message(code: str) -> str:
    return {
        "notice_running": _("The public notice period has not ended yet."),
        "open_objections": _("Objections are still open: resolve them first."),
        "upheld_objections": _("An objection was upheld: the application can only be rejected."),
        "no_amount": _("The programme's rules give no amount for this application; check the verified "
                       "investment and the figures."),
    }[code]


class OverBudget(Conflict):
    pass


def _integrity():
    """The integrity checks (subsidies/integrity, branch sub-integrity) when installed, else None."""
    try:
        from subsidies.integrity import services as integrity
    except ImportError:
        return None
    return integrity


def integrity_message(integrity, flags) -> str:
    return _("The integrity checks flagged this application: %(reason)s City staff must clear the flag with a "
             "recorded justification before the decision.") % {"reason": integrity.flag_reason(flags[0])}


@audited_refusals("approve")
def decide(*, application: Application, actor, expected_version, note: str = "", request=None,
           today=None) -> Application:
    """Approve after the notice: the amount is fixed by the application's rule version and reserved
    on its budget line(s) with one conditional UPDATE; over budget → refused, nothing changed. A
    service- or cloud-voucher programme's application gets its voucher in the same transaction."""
    note = text(note, required=False, limit=TEXT_MAX, code="note")
    integrity = _integrity()
    if integrity is not None and transitions.actor_kind(actor, application) == workflow.STAFF:
        # Stored outside the decision's transaction, so the flags stay when the decision is refused.
        integrity.flags_blocking_decision(application)
    with transaction.atomic():
        locked, target = transitions.lock(application, actor, "approve", expected_version)
        blockers = decision_blockers(locked, today)
        if blockers:
            raise WrongState(blocker_message(blockers[0]), code=blockers[0])
        flags = integrity.flags_blocking_decision(locked) if integrity is not None else []
        if flags:
            raise WrongState(integrity_message(integrity, flags), code="integrity_flags")
        amount = amounts.for_application(locked)
        line = budget.reserve(locked, amount.value)
        if line is None:
            raise OverBudget(_("The programme's budget cannot cover ¥%(amount)s: the decision was not made and "
                               "nothing was reserved.") % {"amount": f"{amount.value:,.2f}"}, code="over_budget")
        before = transitions.state(locked)
        locked.status, locked.decided_amount, locked.budget_line = target, amount.value, line
        locked.decided_by, locked.decided_at, locked.stage_note = actor, timezone.now(), note
        transitions.record(locked, actor=actor, action="approve", before=before, note=note, request=request,
                           fields=("status", "decided_amount", "budget_line", "decided_by", "decided_at",
                                   "stage_note"),
                           detail={"basis": amount.basis, "rule_version": locked.version_id})
        if locked.version.programme.instrument in vouchers.VOUCHER_INSTRUMENTS:
            # The voucher's face value is the decided amount reserved just above (issue_voucher does
            # not reserve again); a refusal there (one per enterprise, bad terms) undoes the decision.
            vouchers.issue_voucher(locked, actor=actor, request=request)
    return locked


@audited_refusals("evaluate")
def evaluate(*, application: Application, actor, score, note: str, expected_version, request=None) -> Application:
    """The performance evaluation (绩效评价) after payment: a score 0–100 and the finding."""
    result = workflow.money(score) if score not in (None, "") else None
    if result is None or not result.ok or result.value > 100:
        raise Invalid(_("Give a performance score between 0 and 100."), code="evaluation_score")
    note = text(note, required=True, limit=TEXT_MAX, code="note", missing=_("Write the evaluation's finding."))
    with transaction.atomic():
        locked, target = transitions.lock(application, actor, "evaluate", expected_version)
        before = transitions.state(locked)
        locked.status, locked.evaluation_score, locked.evaluation_note = target, result.value, note
        transitions.record(locked, actor=actor, action="evaluate", before=before, note=note, request=request,
                           fields=("status", "evaluation_score", "evaluation_note"),
                           detail={"grade": workflow.evaluation_grade(result.value)})
    return locked
