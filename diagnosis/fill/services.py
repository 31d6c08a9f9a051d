"""Writes for assessments: start, answer (optimistic concurrency), submit (score and freeze)."""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diagnosis.models import Answer, Assessment
from diagnosis.scoring import (
    AnswerError,
    missing_items,
    score,
    validate_answer,
    visible_items,
)
from diagnosis.spec import SpecNotFound, get_spec, latest_spec
from portal.audit import audit_log
from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.permissions import can_write_for

DEFAULT_SPEC_CODE = "sme-2024"


class AnswerConflict(Conflict):
    """The answer changed since the client loaded it; carries the stored value so the UI can show
    both versions side by side."""

    def __init__(self, *, item_code: str, current_value: Any, current_version: int, updated_by: str):
        message = (_("This answer was changed meanwhile (by %(user)s). Compare and save again.")
                   % {"user": updated_by} if updated_by
                   else _("This answer is not the one this page loaded. Compare and save again."))
        super().__init__(message, code="conflict")
        self.item_code = item_code
        self.current_value = current_value
        self.current_version = current_version


def require_editor(assessment: Assessment, actor) -> None:
    if not can_write_for(actor, assessment.enterprise):
        raise Forbidden(_("Only owners and editors of the enterprise can change its assessments."),
                        code="forbidden")


def require_editable(assessment: Assessment) -> None:
    if not assessment.is_editable:
        raise WrongState(_("This assessment has been submitted and is read-only until staff return it."),
                         code="not_editable")


@transaction.atomic
def assessment_start(*, enterprise, actor, spec_key: str | None = None, request=None) -> Assessment:
    """Start an assessment; the spec version is pinned now and never changes for it."""
    if not enterprise.is_verified:
        raise Invalid(_("Bureau staff have not verified this enterprise yet."), code="not_verified")
    if not can_write_for(actor, enterprise):
        raise Forbidden(_("Only owners and editors of the enterprise can start assessments."), code="forbidden")
    try:
        spec = get_spec(spec_key) if spec_key else latest_spec(DEFAULT_SPEC_CODE)
    except SpecNotFound:
        raise Invalid(_("Unknown standard: %(key)s") % {"key": spec_key}, code="unknown_spec") from None
    assessment = Assessment.objects.create(
        enterprise=enterprise, spec_code=spec.code, spec_version=spec.version, year=timezone.localdate().year,
        context=enterprise.assessment_context(), region_id=enterprise.region_id, created_by=actor,
    )
    audit_log(action="assessment.start", actor=actor, request=request, obj=assessment,
              detail={"spec": spec.key})
    return assessment


def answer_save(*, assessment: Assessment, actor, item_code: str, value: Any, expected_version: int,
                request=None) -> Answer:
    """Save one answer if nobody changed it since `expected_version` (0 = not answered yet).
    The value is validated against the pinned spec first; nothing invalid is stored. A stale
    version whose value is the stored one is no conflict: the stored row comes back unchanged."""
    require_editor(assessment, actor)
    require_editable(assessment)
    spec = get_spec(assessment.spec_key)
    try:
        normalised = validate_answer(spec, item_code, value)
    except AnswerError as exc:
        raise Invalid(str(exc), code="invalid_answer") from None
    with transaction.atomic():
        # Lock the assessment so a concurrent submit cannot freeze a half-saved answer set.
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        require_editable(locked)
        if expected_version == 0:
            try:
                with transaction.atomic():
                    answer = Answer.objects.create(assessment=locked, item_code=item_code, value=normalised,
                                                   updated_by=actor)
            except IntegrityError:
                answer = None
        else:
            updated = Answer.objects.filter(assessment=locked, item_code=item_code, version=expected_version) \
                .update(value=normalised, version=F("version") + 1, updated_by=actor, updated_at=timezone.now())
            answer = Answer.objects.get(assessment=locked, item_code=item_code) if updated else None
        if answer is None:
            current = Answer.objects.select_related("updated_by").filter(assessment=locked,
                                                                           item_code=item_code).first()
            if current is not None and current.value == normalised:
                # The stored answer already says this: a replay of a save that was stored but whose
                # reply never reached the page (a retry, a request the browser sent again), or two
                # people choosing the same. Nothing to compare and nothing to write.
                return current
            raise AnswerConflict(item_code=item_code, current_value=current.value if current else None,
                                 current_version=current.version if current else 0,
                                 updated_by=current.updated_by.get_full_name() or current.updated_by.username
                                 if current else "")
        Assessment.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return answer


def working_answers(assessment: Assessment) -> dict[str, Any]:
    return dict(assessment.answers.values_list("item_code", "value"))


@dataclass(frozen=True)
class SubmitProblem:
    item_code: str
    message: str


@transaction.atomic
def assessment_submit(*, assessment: Assessment, actor, pledge: bool, request=None) -> Assessment:
    """Score the answers, freeze answers and result, make the assessment read-only.
    Raises Invalid listing every missing answer; submitting twice is refused."""
    require_editor(assessment, actor)
    locked = Assessment.objects.select_for_update().select_related("enterprise").get(pk=assessment.pk)
    if not locked.is_editable:
        raise WrongState(_("This assessment has already been submitted."), code="already_submitted")
    if not pledge:
        raise Invalid(_("Please confirm the truthfulness pledge before submitting."), code="pledge")
    spec = get_spec(locked.spec_key)
    answers = working_answers(locked)
    context = locked.enterprise.assessment_context()
    # Hidden answers are kept while filling in but never scored or frozen.
    shown = set(visible_items(spec, answers, context))
    answers = {code: value for code, value in answers.items() if code in shown}
    missing = missing_items(spec, answers, context)
    if missing:
        error = Invalid(ngettext("%(count)d question is not answered yet.",
                                 "%(count)d questions are not answered yet.", len(missing))
                        % {"count": len(missing)},
                        code="missing")
        error.missing = missing
        raise error
    try:
        result = score(spec, answers, context)
    except AnswerError as exc:
        raise Invalid(str(exc), code="invalid_answer") from None
    before = locked.status
    cleared = 0
    if before == Assessment.Status.RETURNED:
        # The previous review judged the previous answers: the next one starts from the new answers.
        cleared, _by_model = locked.corrections.all().delete()
        locked.verified_result = None
        locked.verified_total = None
        locked.verified_level = ""
        locked.review_version += 1  # review forms still open from before the return are stale
    locked.submitted_answers = answers
    locked.context = context
    locked.result = result.to_dict()
    locked.total = result.total
    locked.level = result.level.code if result.level else ""
    locked.stage = result.stage.code if result.stage else ""
    locked.provisional = result.provisional
    locked.region_id = locked.enterprise.region_id
    locked.status = Assessment.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save()
    audit_log(action="assessment.submit", actor=actor, request=request, obj=locked,
              detail={"before": before, "after": locked.status, "total": str(result.total),
                      "level": locked.level, "pledge": True, "corrections_cleared": cleared})
    return locked
