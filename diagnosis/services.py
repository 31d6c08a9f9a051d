"""Writes for assessments: start, answer (optimistic concurrency), submit (score and freeze),
and re-basing stored results onto another spec version."""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diagnosis.models import Answer, Assessment, RebasedResult
from diagnosis.scoring import (
    AnswerError,
    compact_result,
    missing_items,
    rebase_answers,
    score,
    validate_answer,
    visible_items,
)
from diagnosis.spec import Spec, SpecNotFound, get_spec, latest_spec
from portal.audit import audit_log
from portal.exceptions import DomainError
from portal.roles import WRITE_ROLES

DEFAULT_SPEC_CODE = "sme-2024"


class AnswerConflict(DomainError):
    """The answer changed since the client loaded it; carries the stored value so the UI can show
    both versions side by side."""

    def __init__(self, *, item_code: str, current_value: Any, current_version: int, updated_by: str):
        super().__init__(_("This answer was changed meanwhile (by %(user)s). Compare and save again.")
                         % {"user": updated_by}, code="conflict")
        self.item_code = item_code
        self.current_value = current_value
        self.current_version = current_version


def require_editor(assessment: Assessment, actor) -> None:
    if not assessment.enterprise.memberships.filter(user=actor, role__in=WRITE_ROLES).exists():
        raise DomainError(_("Only owners and editors of the enterprise can change its assessments."),
                          code="forbidden")


def require_editable(assessment: Assessment) -> None:
    if not assessment.is_editable:
        raise DomainError(_("This assessment has been submitted and is read-only until staff return it."),
                          code="not_editable")


@transaction.atomic
def assessment_start(*, enterprise, actor, spec_key: str | None = None, request=None) -> Assessment:
    """Start an assessment; the spec version is pinned now and never changes for it."""
    if not enterprise.is_verified:
        raise DomainError(_("Bureau staff have not verified this enterprise yet."), code="not_verified")
    if not enterprise.memberships.filter(user=actor, role__in=WRITE_ROLES).exists():
        raise DomainError(_("Only owners and editors of the enterprise can start assessments."), code="forbidden")
    try:
        spec = get_spec(spec_key) if spec_key else latest_spec(DEFAULT_SPEC_CODE)
    except SpecNotFound:
        raise DomainError(_("Unknown standard: %(key)s") % {"key": spec_key}, code="unknown_spec") from None
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
    The value is validated against the pinned spec first; nothing invalid is stored."""
    require_editor(assessment, actor)
    require_editable(assessment)
    spec = get_spec(assessment.spec_key)
    try:
        normalised = validate_answer(spec, item_code, value)
    except AnswerError as exc:
        raise DomainError(str(exc), code="invalid_answer") from None
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
    Raises DomainError listing every missing answer; submitting twice is refused."""
    require_editor(assessment, actor)
    locked = Assessment.objects.select_for_update().select_related("enterprise").get(pk=assessment.pk)
    if not locked.is_editable:
        raise DomainError(_("This assessment has already been submitted."), code="already_submitted")
    if not pledge:
        raise DomainError(_("Please confirm the truthfulness pledge before submitting."), code="pledge")
    spec = get_spec(locked.spec_key)
    answers = working_answers(locked)
    context = locked.enterprise.assessment_context()
    # Hidden answers are kept while filling in but never scored or frozen.
    shown = set(visible_items(spec, answers, context))
    answers = {code: value for code, value in answers.items() if code in shown}
    missing = missing_items(spec, answers, context)
    if missing:
        error = DomainError(ngettext("%(count)d question is not answered yet.",
                                     "%(count)d questions are not answered yet.", len(missing))
                            % {"count": len(missing)},
                            code="missing")
        error.missing = missing
        raise error
    try:
        result = score(spec, answers, context)
    except AnswerError as exc:
        raise DomainError(str(exc), code="invalid_answer") from None
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


@dataclass(frozen=True)
class RescoreReport:
    scored: int
    failed: int


def _rebase_one(old_spec: Spec, new_spec: Spec, answers, context):
    """Score one stored answer set under the new version. Fast path: translate codes and let
    score() validate; only if it refuses, take the careful path that drops what does not carry
    over (reported as unmapped) instead of guessing."""
    translated, unmapped = rebase_answers(old_spec, new_spec, answers, check=False)
    try:
        return score(new_spec, translated, context), unmapped
    except AnswerError:
        checked, unmapped = rebase_answers(old_spec, new_spec, answers)
        return score(new_spec, checked, context), unmapped


def _rebase_partition(old_spec: Spec, new_spec: Spec, batch_size: int, workers: int, index: int) -> tuple[int, int]:
    rows = Assessment.objects.filter(spec_code=old_spec.code, spec_version=old_spec.version,
                                     submitted_answers__isnull=False)
    if workers > 1:
        rows = rows.alias(part=F("pk") % workers).filter(part=index)
    rows = rows.order_by("pk").values_list("pk", "submitted_answers", "context")
    scored = failed = 0
    batch: list[RebasedResult] = []

    def flush():
        RebasedResult.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["assessment", "spec_code", "spec_version"],
            update_fields=["result", "total", "level", "unmapped"])
        batch.clear()

    for pk, answers, context in rows.iterator(chunk_size=batch_size):
        try:
            result, unmapped = _rebase_one(old_spec, new_spec, answers, context)
        except (AnswerError, ValueError):
            failed += 1  # cannot be carried over: reported, never guessed into a score
            continue
        batch.append(RebasedResult(assessment_id=pk, spec_code=new_spec.code, spec_version=new_spec.version,
                                   result=compact_result(result), total=result.total,
                                   level=result.level.code if result.level else "", unmapped=list(unmapped)))
        scored += 1
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return scored, failed


def _rebase_worker(queue, *args) -> None:
    from django.db import connections

    connections.close_all()  # a forked child must never share its parent's connection
    try:
        queue.put(_rebase_partition(*args))
    except Exception as exc:
        queue.put(exc)
    finally:
        connections.close_all()


def assessments_rebase(*, old_spec: Spec, new_spec: Spec, batch_size: int = 2000, workers: int = 1) -> RescoreReport:
    """Re-score every stored (submitted) assessment of `old_spec` under `new_spec` through the item
    mapping `new_spec` declares, writing RebasedResult rows with the result's numbers (idempotent:
    existing rows are replaced). The assessments' own frozen results are never touched.

    `workers` > 1 splits the rows by primary key over forked processes, each with its own database
    connection (only for committed data: a child cannot see an open transaction's rows)."""
    if new_spec.mapping is None or new_spec.mapping.from_key != old_spec.key:
        raise DomainError(_("%(to)s declares no item mapping from %(from)s.")
                          % {"to": new_spec.key, "from": old_spec.key}, code="no_mapping")
    if workers <= 1:
        scored, failed = _rebase_partition(old_spec, new_spec, batch_size, 1, 0)
        return RescoreReport(scored=scored, failed=failed)
    import multiprocessing

    from django.db import connections

    connections.close_all()
    # fork: the children inherit the loaded specs, so nothing but two counters crosses processes.
    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()
    children = [context.Process(target=_rebase_worker, args=(queue, old_spec, new_spec, batch_size, workers, i))
                for i in range(workers)]
    for child in children:
        child.start()
    parts = [queue.get() for _child in children]
    for child in children:
        child.join()
    errors = [p for p in parts if isinstance(p, Exception)]
    if errors:
        raise errors[0]
    return RescoreReport(scored=sum(p[0] for p in parts), failed=sum(p[1] for p in parts))


def rebased_full_result(assessment: Assessment, new_spec: Spec, *, old_spec: Spec | None = None) -> dict:
    """The full result (with titles and reasons) of a stored assessment under another version,
    recomputed on demand: bulk re-scoring keeps only the numbers."""
    result, _unmapped = _rebase_one(old_spec or get_spec(assessment.spec_key), new_spec,
                                    assessment.submitted_answers, assessment.context)
    return result.to_dict()
