"""Re-basing stored results onto another spec version: the batch command's service (worker
processes, compact rows) and the on-demand full result for a T0→T1 comparison."""

from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from diagnosis.models import Assessment, RebasedResult
from diagnosis.scoring.engine import AnswerError, compact_result, rebase_answers, score
from diagnosis.spec import Spec, get_spec
from portal.exceptions import Invalid


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
        raise Invalid(_("%(to)s declares no item mapping from %(from)s.")
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


def rebased_full_result(assessment: Assessment, new_spec: Spec, *, old_spec: Spec | None = None,
                        answers=None) -> dict:
    """The full result (with titles and reasons) of a stored assessment under another version,
    recomputed on demand: bulk re-scoring keeps only the numbers. ``answers`` replaces the
    submitted answers (the verified answers of an approved assessment)."""
    result, _unmapped = _rebase_one(old_spec or get_spec(assessment.spec_key), new_spec,
                                    assessment.submitted_answers if answers is None else answers,
                                    assessment.context)
    return result.to_dict()
