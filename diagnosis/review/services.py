"""Writes for the bureau review of submitted assessments: item corrections with the verified score,
approve / return, expert assignments and opinions, on-site diagnoses, and the audited Excel export
of the queue.

Every action follows one pattern (docs/security.md R21, R32):
1. lock the assessment row (`select_for_update`) inside `transaction.atomic`;
2. check the reviewer's scope and role, segregation of duties (R9), the workflow table, and the
   `review_version` the form was rendered with — a mismatch means someone acted meanwhile;
3. write, bump `review_version`, and append an audit event with before/after values.
A refused action changes nothing and leaves a failure event in the audit trail."""

from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis import notifications
from diagnosis.evidence.services import evidence_limits
from diagnosis.models import Assessment, ExpertAssignment, ItemCorrection, SiteVisit
from diagnosis.permissions import is_enterprise_member
from diagnosis.review import exports
from diagnosis.review.selectors import QueueFilters, queue_rows, review_queue
from diagnosis.review.workflow import EXPERT, STAFF, next_status
from diagnosis.scoring import AnswerError, score, validate_answer
from diagnosis.spec import Spec, get_spec
from portal.audit import audit_log
from portal.exceptions import Conflict, DomainError, Forbidden, Invalid, WrongState
from portal.files import KINDS, UploadRejected, check_upload, extension_of, open_verified
from portal.models import AuditEvent
from portal.roles import StaffRole, is_bureau_staff
from portal.services import audit_export

REASON_MAX = 2000
COMMENT_MAX = 4000
EXPORT_MAX_ROWS = 50_000
EXPORTS_PER_HOUR = 20  # R15: bulk exports are rate-limited per user


class ReviewConflict(Conflict):
    """The assessment moved on since the reviewer loaded the page (another decision, a newer
    review version): nothing was changed. Views answer 409 with the message."""

    def __init__(self, message):
        super().__init__(message, code="conflict")


# --- who may review ---------------------------------------------------------------------------------


def reviewer_kind(user, assessment: Assessment) -> str | None:
    """The workflow actor kind of `user` for `assessment`: STAFF for bureau staff whose region
    covers it, EXPERT for an expert assigned to it, None for everyone else."""
    if not user.is_authenticated or not user.is_active:
        return None
    if is_bureau_staff(user):
        kind = STAFF
    elif user.staff_role == StaffRole.EXPERT:
        kind = EXPERT
    else:
        return None
    return kind if Assessment.objects.visible_to(user).filter(pk=assessment.pk).exists() else None


def allowed_actions(kind: str | None, assessment: Assessment) -> frozenset[str]:
    """Review actions the workflow table allows this actor kind in the assessment's status."""
    if kind is None:
        return frozenset()
    actions = ("approve", "return", "correct", "assign_expert", "give_opinion", "record_visit")
    return frozenset(a for a in actions if next_status(assessment.status, a, kind).allowed)


def _lock(assessment: Assessment, actor, action: str, expected_version: int) -> tuple[Assessment, str]:
    """Lock the row and run every check of an action; returns the locked row and its next status."""
    # Lock the assessment row alone: a join here would lock the enterprise row as well.
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    kind = reviewer_kind(actor, locked)
    if kind is None:
        raise Forbidden(_("You cannot review this assessment."), code="forbidden")
    if is_enterprise_member(actor, locked):
        raise Forbidden(_("You are a member of this enterprise, so you cannot review its assessment."),
                        code="segregation")
    move = next_status(locked.status, action, kind)
    if not move.allowed:
        if move.reason == "not_your_role":
            raise Forbidden(_("Your role does not allow this action."), code="forbidden")
        raise ReviewConflict(_("This assessment is now “%(status)s”, so this action is no longer possible. "
                               "The page shows its current state.") % {"status": locked.get_status_display()})
    if locked.review_version != expected_version:
        raise ReviewConflict(_("Someone else acted on this review after you opened the page. Nothing was "
                               "changed: check the current state below and try again."))
    return locked, move.next_status


def _audited_refusals(action: str):
    """Record a refused review action in the audit trail. The event is written after the
    action's transaction rolled back, so the refusal is kept and nothing else is."""

    def decorate(service):
        @wraps(service)
        def run(*, assessment, actor, request=None, **kwargs):
            try:
                return service(assessment=assessment, actor=actor, request=request, **kwargs)
            except DomainError as exc:
                audit_log(action="assessment.review_refused", outcome=AuditEvent.Outcome.FAILURE, actor=actor,
                          request=request, obj=assessment, detail={"action": action, "reason": exc.code})
                raise

        return run

    return decorate


def _text(value: Any, *, required: bool, limit: int, code: str, missing: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(missing, code=f"{code}_required")
    if len(value) > limit:
        raise Invalid(_("At most %(limit)d characters, please.") % {"limit": limit}, code=f"{code}_too_long")
    return value


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def _state(assessment: Assessment) -> dict[str, Any]:
    return {"status": assessment.status, "verified_total": _decimal(assessment.verified_total),
            "verified_level": assessment.verified_level}


# --- the verified score -------------------------------------------------------------------------------


def verified_answers(assessment: Assessment) -> dict[str, Any]:
    """The frozen submitted answers with every reviewer correction laid over them."""
    answers = dict(assessment.submitted_answers or {})
    answers.update(dict(assessment.corrections.values_list("item_code", "verified_value")))
    return answers


def _store_verified(locked: Assessment, spec: Spec) -> None:
    try:
        result = score(spec, verified_answers(locked), locked.context)
    except AnswerError as exc:
        item = spec.items.get(exc.item_code)
        raise Invalid(
            _("With this correction the answers can no longer be scored (%(item)s: %(problem)s). If the "
              "enterprise has to answer more questions, return the assessment for revision instead.")
            % {"item": item.title if item else exc.item_code, "problem": exc.message},
            code="unscorable") from None
    locked.verified_result = result.to_dict()
    locked.verified_total = result.total
    locked.verified_level = result.level.code if result.level else ""


@_audited_refusals("correct")
def item_correct(*, assessment: Assessment, actor, item_code: str, value: Any, reason: str,
                 expected_version: int, request=None) -> Assessment:
    """Correct one submitted answer (or confirm it: giving the declared value again withdraws an
    earlier correction), then recompute the verified score. The self-declared answer and score
    are never touched."""
    reason = _text(reason, required=True, limit=REASON_MAX, code="reason",
                   missing=_("Give the reason for this correction."))
    with transaction.atomic():
        locked, _status = _lock(assessment, actor, "correct", expected_version)
        spec = get_spec(locked.spec_key)
        declared = (locked.submitted_answers or {})
        if item_code not in declared:
            raise Invalid(_("This question was not part of the submitted answers."), code="not_applicable")
        try:
            new_value = validate_answer(spec, item_code, value)
        except AnswerError as exc:
            raise Invalid(exc.message, code="invalid_answer") from None
        existing = locked.corrections.filter(item_code=item_code).first()
        before = {**_state(locked), "value": existing.verified_value if existing else declared[item_code]}
        if new_value == declared[item_code]:
            if existing is not None:
                existing.delete()
        else:
            ItemCorrection.objects.update_or_create(
                assessment=locked, item_code=item_code,
                defaults={"declared_value": declared[item_code], "verified_value": new_value, "reason": reason,
                          "corrected_by": actor})
        _store_verified(locked, spec)
        locked.review_version += 1
        locked.save(update_fields=["verified_result", "verified_total", "verified_level", "review_version",
                                   "updated_at"])
        audit_log(action="assessment.correct", actor=actor, request=request, obj=locked,
                  detail={"item": item_code, "declared": declared[item_code], "reason": reason,
                          "before": before, "after": {**_state(locked), "value": new_value}})
    return locked


# --- decisions ----------------------------------------------------------------------------------------


def on_assessment_approved(assessment: Assessment) -> None:
    """Runs after an approval has committed. The PDF report hook attaches here: the report is
    rebuilt from the verified score (`assessment.verified_result`), which is final once approved."""
    # Imported here (this function is the report's only foothold in this module): the report service
    # pulls in the rendering stack, which the review needs only now.
    import logging

    from diagnosis.report.services import report_request_after_approval

    try:
        report_request_after_approval(assessment=assessment)
    except Exception:
        # The approval has committed: a report that cannot be queued must not turn it into an error
        # page. The enterprise or the bureau can still ask for the report from the result page.
        logging.getLogger(__name__).exception("assessment %s: the report after approval was not queued",
                                              assessment.pk)


@_audited_refusals("approve")
def assessment_approve(*, assessment: Assessment, actor, expected_version: int, comment: str = "",
                       request=None) -> Assessment:
    """Approve: the verified score (the self-declared one when nothing was corrected) becomes final."""
    comment = _text(comment, required=False, limit=COMMENT_MAX, code="comment")
    with transaction.atomic():
        locked, target = _lock(assessment, actor, "approve", expected_version)
        before = _state(locked)
        _store_verified(locked, get_spec(locked.spec_key))
        locked.status = target
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.review_comment = comment
        locked.review_version += 1
        locked.save()
        audit_log(action="assessment.approve", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "total": _decimal(locked.total),
                          "level": locked.level, "comment": comment,
                          "corrections": dict(locked.corrections.values_list("item_code", "verified_value"))})
        notifications.assessment_approved(locked)
        # A lambda, so the hook is looked up when it runs (tests and the report code replace it).
        transaction.on_commit(lambda: on_assessment_approved(locked))
    return locked


@_audited_refusals("return")
def assessment_return(*, assessment: Assessment, actor, expected_version: int, comment: str,
                      request=None) -> Assessment:
    """Return for revision with the reviewer's comments; the enterprise's answers are kept and it
    can edit and submit again."""
    comment = _text(comment, required=True, limit=COMMENT_MAX, code="comment",
                    missing=_("Tell the enterprise what to revise."))
    with transaction.atomic():
        locked, target = _lock(assessment, actor, "return", expected_version)
        before = _state(locked)
        locked.status = target
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.review_comment = comment
        locked.review_version += 1
        locked.save()
        audit_log(action="assessment.return", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "comment": comment})
        notifications.assessment_returned(locked)
    return locked


# --- experts --------------------------------------------------------------------------------------------


def _assigned(assessment: Assessment) -> list[str]:
    return sorted(assessment.expert_assignments.values_list("expert__username", flat=True))


@_audited_refusals("assign_expert")
def expert_assign(*, assessment: Assessment, actor, expert, note: str = "", expected_version: int,
                  request=None) -> ExpertAssignment:
    """Ask an expert from the pool for an opinion; from now on the expert sees this assessment."""
    note = _text(note, required=False, limit=REASON_MAX, code="note")
    with transaction.atomic():
        locked, _status = _lock(assessment, actor, "assign_expert", expected_version)
        if not expert.is_active or expert.staff_role != StaffRole.EXPERT:
            raise Invalid(_("Choose an active expert from the pool."), code="not_expert")
        if is_enterprise_member(expert, locked):
            raise Forbidden(_("This expert is a member of the enterprise and cannot review it."),
                            code="segregation")
        before = _assigned(locked)
        if expert.username in before:
            raise WrongState(_("This expert is already assigned."), code="already_assigned")
        assignment = ExpertAssignment.objects.create(assessment=locked, expert=expert, assigned_by=actor, note=note)
        locked.review_version += 1
        locked.save(update_fields=["review_version", "updated_at"])
        audit_log(action="assessment.assign_expert", actor=actor, request=request, obj=locked,
                  detail={"expert": expert.username, "note": note,
                          "before": {"experts": before}, "after": {"experts": _assigned(locked)}})
        notifications.expert_assigned(assignment)
    return assignment


@_audited_refusals("opinion")
def expert_opinion_record(*, assessment: Assessment, actor, opinion: str, expected_version: int,
                          request=None) -> ExpertAssignment:
    """The assigned expert's opinion (it may be revised until the decision)."""
    opinion = _text(opinion, required=True, limit=COMMENT_MAX, code="opinion",
                    missing=_("Write your opinion."))
    with transaction.atomic():
        locked, _status = _lock(assessment, actor, "give_opinion", expected_version)
        assignment = locked.expert_assignments.filter(expert=actor).first()
        if assignment is None:
            raise Forbidden(_("Only an expert assigned to this assessment can give an opinion."),
                            code="forbidden")
        before = {"status": assignment.status, "opinion": assignment.opinion}
        assignment.opinion = opinion
        assignment.status = ExpertAssignment.Status.DONE
        assignment.save(update_fields=["opinion", "status"])
        locked.review_version += 1
        locked.save(update_fields=["review_version", "updated_at"])
        audit_log(action="assessment.expert_opinion", actor=actor, request=request, obj=locked,
                  detail={"assignment": assignment.pk, "before": before,
                          "after": {"status": assignment.status, "opinion": opinion}})
    return assignment


# --- on-site diagnosis ---------------------------------------------------------------------------------


def visit_date_problem(visit_date: date, *, submitted_year: int, today: date) -> str:
    """Why a visit date is implausible, or "" when it is fine: not in the future, and not before
    the year preceding the submission (a visit can prepare a submission, not predate it by years)."""
    if visit_date > today:
        return _("The visit date cannot be in the future.")
    earliest = date(submitted_year - 1, 1, 1)
    if visit_date < earliest:
        return _("The visit date cannot be before %(date)s.") % {"date": earliest.isoformat()}
    return ""


@_audited_refusals("record_visit")
def site_visit_record(*, assessment: Assessment, actor, visit_date: date, participants: str, findings: str,
                      notes=None, expected_version: int, request=None) -> SiteVisit:
    """Record an on-site diagnosis (现场诊断), optionally with its notes file (PDF, image or Office
    document, checked by content exactly like evidence files). A failed save leaves no file."""
    participants = _text(participants, required=True, limit=500, code="participants",
                         missing=_("List who took part."))
    findings = _text(findings, required=True, limit=8000, code="findings", missing=_("Describe the findings."))
    checked = None
    if notes is not None:
        try:
            checked = check_upload(notes, name=notes.name or "", size=notes.size,
                                   max_bytes=evidence_limits().max_bytes)
        except UploadRejected as exc:
            raise exc.as_refusal() from None
    visit = SiteVisit(visit_date=visit_date, participants=participants, findings=findings, recorded_by=actor)
    stored = None
    try:
        with transaction.atomic():
            locked, _status = _lock(assessment, actor, "record_visit", expected_version)
            submitted = timezone.localtime(locked.submitted_at).year if locked.submitted_at else locked.year
            problem = visit_date_problem(visit_date, submitted_year=submitted, today=timezone.localdate())
            if problem:
                raise Invalid(problem, code="visit_date")
            visit.assessment = locked
            if checked is not None:
                visit.notes_file.save("notes", checked.stored(notes), save=False)  # name from site_visit_upload_to
                stored = visit.notes_file.name
                visit.notes_name, visit.notes_sha256 = checked.name, checked.sha256
            before = locked.site_visits.count()
            visit.save()
            locked.review_version += 1
            locked.save(update_fields=["review_version", "updated_at"])
            audit_log(action="assessment.site_visit", actor=actor, request=request, obj=locked,
                      detail={"visit": visit.pk, "visit_date": visit_date.isoformat(), "participants": participants,
                              "notes_sha256": visit.notes_sha256,
                              "before": {"site_visits": before}, "after": {"site_visits": before + 1}})
    except BaseException:
        # No row points at the blob any more, so it must not outlive the failure.
        if stored is not None:
            visit.notes_file.storage.delete(stored)
        raise
    return visit


def site_visit_notes_open(*, visit: SiteVisit, actor, request=None):
    """Open a visit's notes file for download after checking it is still the file recorded;
    returns (file handle, content type). The read is audited (R21), and so is a refusal when the
    file is missing or altered (StoredFileUnavailable)."""
    handle = open_verified(
        visit.notes_file, sha256=visit.notes_sha256, actor=actor, obj=visit, request=request,
        failure_action="assessment.site_visit_notes", detail={"assessment": visit.assessment_id},
        missing=_("The notes file is missing from storage."),
        tampered=_("The notes file no longer matches the file recorded and is withheld."))
    audit_log(action="assessment.site_visit_notes", actor=actor, request=request, obj=visit,
              detail={"assessment": visit.assessment_id, "sha256": visit.notes_sha256})
    # The extension was checked against the content at upload, so it names the type.
    ext = extension_of(visit.notes_name)
    kind = next((k for k in KINDS.values() if ext in k.extensions), None)
    return handle, kind.content_type if kind else "application/octet-stream"


# --- export ----------------------------------------------------------------------------------------------


def queue_export(*, actor, filters: QueueFilters, request=None) -> bytes:
    """The filtered queue as an .xlsx workbook (R15): the same scope and filters as the page,
    at most EXPORT_MAX_ROWS rows, rate-limited, watermarked and audited with the row count."""
    since = timezone.now() - timedelta(hours=1)
    if AuditEvent.objects.filter(action="data.export", actor=actor, created_at__gte=since).count() \
            >= EXPORTS_PER_HOUR:
        raise WrongState(_("You have made %(count)d exports in the last hour, the most allowed. Try again "
                           "later.") % {"count": EXPORTS_PER_HOUR}, code="rate_limited")
    # One row past the cap tells "too many" apart from "exactly the cap" without a second query.
    rows = queue_rows(review_queue(actor, filters)[:EXPORT_MAX_ROWS + 1])
    if len(rows) > EXPORT_MAX_ROWS:
        raise Invalid(_("More than %(max)d assessments match these filters, the most one export can "
                        "hold. Narrow the filters (for example by date range) and export again.")
                      % {"max": EXPORT_MAX_ROWS}, code="too_many_rows")
    content = exports.queue_workbook(rows, exported_by=actor, exported_at=timezone.now())
    audit_export(actor=actor, what="diagnosis.assessment", rows=len(rows), request=request,
                 filters=filters.as_audit())
    return content
