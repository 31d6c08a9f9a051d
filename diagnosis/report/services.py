"""Diagnosis report PDFs: request, render, download (docs/architecture.md, Background jobs; docs/security.md R19, R20, R33–R35).

One ``Report`` row per distinct input: ``report_input_hash`` covers everything the PDF shows that
people can change (frozen answers and result, review state and verified result, needs, priorities,
on-site visits, the enterprise's name, the spec key, the language and ``REPORT_TEMPLATE_VERSION``).
Asking again for the same input finds the same row; an approval changes the review state and so
makes a new row with the verified score.

The worker claims a row with a conditional UPDATE and a lease longer than Celery's hard time
limit, so a duplicate or redelivered message finds nothing to claim while the holder may still be
running, and a row whose holder died is taken over once the lease has expired. ``attempts``
counts claims: the broker cannot count redeliveries of a job that kills its worker every time, so
the row gives up at ``MAX_ATTEMPTS``. Rendering errors are deterministic (template, WeasyPrint,
a refused URL): the row is marked failed at once and only a person's new request tries again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from diagnosis import notifications
from diagnosis.models import Assessment, Report, report_upload_to
from diagnosis.report.context import build_report_context
from diagnosis.report.tasks import report_render as report_render_task
from portal.audit import audit_log
from portal.exceptions import Conflict, Invalid, WrongState
from portal.files import StoredFileMissing, open_verified
from portal.jobs import enqueue, enqueue_on_commit

logger = logging.getLogger(__name__)

# Bump whenever pdf.html, its partials, report.css or the context change what a report shows:
# rows made by the old template then no longer match, and a new request renders afresh.
REPORT_TEMPLATE_VERSION = "3"
# The versions before it (3: the verified result throughout, provisional values by title, the
# corrections' declared answers). A report one of them rendered from today's data states today's
# facts: it is older in layout, not superseded (``report_input_hashes``, the verification page).
EARLIER_TEMPLATE_VERSIONS = ("2",)
MAX_ATTEMPTS = 3
REPORT_MAX_BYTES = 50 * 1024 * 1024  # R19: a rendering that grows past this is refused
REPORTABLE = (Assessment.Status.SUBMITTED, Assessment.Status.APPROVED)
# Crockford-style alphabet without 0/O and 1/I/L: the code is read off paper and typed in.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS, CODE_GROUP_SIZE = 5, 4  # 20 symbols ≈ 99 bits: not guessable, still typeable


class RenderOutcome(StrEnum):
    RENDERED = "rendered"
    FAILED = "failed"  # deterministic error: the row says why, nothing retries it
    GAVE_UP = "gave_up"  # MAX_ATTEMPTS claims without a result (the worker died each time)
    LEASE_HELD = "lease_held"  # another worker's lease is live: look again when it has expired
    NOTHING_TO_DO = "nothing_to_do"  # ready, failed, gone, or our lease was taken over meanwhile


class ReportRebuilding(Conflict):
    """The file is gone and being built again: the page shows the rebuild (202), not a refusal."""

    def __init__(self, message):
        super().__init__(message, code="rebuilding")


def render_lease() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + settings.REPORT_LEASE_MARGIN_SECONDS)


def lease_remaining(report_id: int) -> float:
    """Seconds until the current lease on a report row expires (at least 1): when a delivery finds
    another worker's live lease, it comes back exactly then rather than a whole lease later."""
    started = Report.objects.filter(pk=report_id).values_list("started_at", flat=True).first()
    if started is None:
        return 1.0
    return max(1.0, (started + render_lease() - timezone.now()).total_seconds())


def report_languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def new_verification_code() -> str:
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_GROUPS * CODE_GROUP_SIZE))
    return "-".join(symbols[i:i + CODE_GROUP_SIZE] for i in range(0, len(symbols), CODE_GROUP_SIZE))


def normalise_verification_code(raw: str) -> str:
    """The code as stored, from what someone typed: case, spaces and missing dashes forgiven."""
    symbols = "".join(ch for ch in raw.upper() if ch.isalnum())
    return "-".join(symbols[i:i + CODE_GROUP_SIZE] for i in range(0, len(symbols), CODE_GROUP_SIZE))


def lease_expired(report: Report, *, now=None) -> bool:
    """A running row whose holder has certainly stopped (killed past its hard time limit)."""
    now = now or timezone.now()
    return (report.status == Report.Status.RUNNING and report.started_at is not None
            and report.started_at < now - render_lease())


# --- input hash -------------------------------------------------------------------------------


def _report_inputs(assessment: Assessment, *, language: str) -> dict[str, Any]:
    enterprise = assessment.enterprise
    return {
        "template": REPORT_TEMPLATE_VERSION,  # read at call time: tests replace it
        "spec": assessment.spec_key,
        "language": language,
        "answers": assessment.submitted_answers,
        "result": assessment.result,
        "review": {
            "status": assessment.status, "version": assessment.review_version,
            "verified_result": assessment.verified_result, "reviewed_at": assessment.reviewed_at,
            "comment": assessment.review_comment,
            "corrections": list(assessment.corrections.order_by("item_code").values_list("item_code", "reason")),
        },
        "enterprise": [enterprise.name, enterprise.uscc, assessment.region_id or enterprise.region_id],
        "priorities": assessment.priorities,
        "needs": list(assessment.needs.order_by("category").values_list(
            "category", "description", "item_codes", "urgency", "budget_wan")),
        "visits": list(assessment.site_visits.order_by("pk").values_list(
            "pk", "visit_date", "participants", "findings")),
    }


def _digest(inputs: dict[str, Any]) -> str:
    canonical = json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def report_input_hash(assessment: Assessment, *, language: str) -> str:
    """SHA-256 over everything people can change that the report shows (see the module docstring).
    Peer benchmarks are not part of it: they are figures as of the report's rendering."""
    return _digest(_report_inputs(assessment, language=language))


def report_input_hashes(assessment: Assessment, *, language: str) -> tuple[str, ...]:
    """The input hash of today's data under the current template and each earlier one, current
    first: a report with any of them states what the assessment says today."""
    inputs = _report_inputs(assessment, language=language)
    return tuple(_digest({**inputs, "template": template})
                 for template in (inputs["template"], *EARLIER_TEMPLATE_VERSIONS))


def current_report(assessment: Assessment, *, language: str) -> Report | None:
    """The row for the assessment's inputs as they are now, if one was requested."""
    return Report.objects.filter(assessment=assessment,
                                 input_hash=report_input_hash(assessment, language=language)).first()


# --- request ----------------------------------------------------------------------------------


def _mark_enqueued(report_id: int, at) -> None:
    Report.objects.filter(pk=report_id).update(enqueued_at=at)


def _enqueue(report_id: int):
    """Queue the row once the transaction commits. IDs only, and only after the commit: the worker
    must find what we wrote (R33). The row notes the hand-off in the same transaction; a publish
    that fails (broker down) clears the note, which is what the sweeper and the next request look
    for."""
    handed_off = timezone.now()
    _mark_enqueued(report_id, handed_off)
    # Without a broker the render would otherwise run inside this request, after its commit: the
    # embedded default hands it to its background thread and the page polls (portal/jobs.py).
    enqueue_on_commit(report_render_task, report_id, otherwise=partial(_mark_enqueued, report_id, None),
                      in_thread=settings.REPORTS_IN_BACKGROUND_THREAD)
    return handed_off


@transaction.atomic
def report_request(*, assessment: Assessment, requested_by, language: str) -> Report:
    """The report of ``assessment`` in ``language`` for its current inputs: created and queued
    when new; queued again when it failed, when its file is gone, or when its worker died (lease
    expired). Queued or running rows are left alone — the page polls them. Raises DomainError when
    the assessment cannot have a report (not submitted, returned for revision, unknown language)."""
    if language not in report_languages():
        raise Invalid(_("Unknown report language."), code="language")
    if assessment.result is None or assessment.status not in REPORTABLE:
        raise WrongState(_("A report can be made once the assessment is submitted, and not while it is returned "
                           "for revision."), code="not_reportable")
    input_hash = report_input_hash(assessment, language=language)
    report, created = Report.objects.get_or_create(
        assessment=assessment, input_hash=input_hash,
        defaults={"language": language, "requested_by": requested_by,
                  "verification_code": new_verification_code()})
    if created:
        report.enqueued_at = _enqueue(report.pk)
        return report
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status == Report.Status.FAILED or (report.status == Report.Status.READY and not _file_exists(report)):
        # A person asked again: a fresh budget of attempts (the cap stops loops, not people).
        Report.objects.filter(pk=report.pk).update(status=Report.Status.PENDING, attempts=0, error="",
                                                   started_at=None, finished_at=None)
        _enqueue(report.pk)
    elif lease_expired(report):
        _enqueue(report.pk)  # the claim takes the expired lease over and counts the attempt
    elif report.status == Report.Status.PENDING and report.enqueued_at is None:
        _enqueue(report.pk)  # its publish failed (broker down): queue it now rather than at the next sweep
    report.refresh_from_db()
    return report


def report_request_after_approval(*, assessment: Assessment) -> list[Report]:
    """The approval hook: a report with the verified score and the new review state, in Chinese
    and in every other language someone already asked for."""
    languages = {settings.LANGUAGE_CODE, *assessment.reports.values_list("language", flat=True)}
    return [report_request(assessment=assessment, requested_by=assessment.reviewed_by, language=language)
            for language in sorted(languages) if language in report_languages()]


# --- render -----------------------------------------------------------------------------------


def _file_exists(report: Report) -> bool:
    return bool(report.pdf.name) and report.pdf.storage.exists(report.pdf.name)


def _write_atomically(report: Report, content: bytes) -> str:
    """Write the PDF at the row's deterministic key through a temporary file and a rename, so a
    reader never sees half a file and a re-render replaces rather than adds (R20). The scratch
    file is removed on any failure (R30). Needs a storage with local paths."""
    name = report_upload_to(report, "report.pdf")
    storage = report.pdf.storage
    target = Path(storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, scratch = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if storage.file_permissions_mode is not None:
            os.chmod(scratch, storage.file_permissions_mode)
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return name


def _render(report: Report) -> tuple[bytes, int | None]:
    """The PDF's bytes and page count."""
    # Imported here: WeasyPrint belongs to the worker; web processes, which import this module for
    # requests and downloads, never load it.
    from diagnosis.report import pdf

    with translation.override(report.language):
        html = render_to_string("diagnosis/report/pdf.html", build_report_context(
            report.assessment, language=report.language, verification_code=report.verification_code,
            issued_at=report.created_at))
    content = pdf.html_to_pdf(html, base_url=pdf.asset_root())
    if len(content) > REPORT_MAX_BYTES:
        raise ValueError(f"the PDF has {len(content)} bytes, more than the {REPORT_MAX_BYTES} allowed")
    return content, pdf.pdf_page_count(content)


GAVE_UP = f"gave up after {MAX_ATTEMPTS} attempts: the worker stopped before finishing each time"


def _not_claimed(report_id: int, claimable: Q, now) -> RenderOutcome:
    gave_up = Report.objects.filter(claimable, pk=report_id, attempts__gte=MAX_ATTEMPTS).update(
        status=Report.Status.FAILED, finished_at=now, error=GAVE_UP)
    if gave_up:
        logger.error("report %s: gave up after %s attempts", report_id, MAX_ATTEMPTS)
        return RenderOutcome.GAVE_UP
    held = Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).exists()
    return RenderOutcome.LEASE_HELD if held else RenderOutcome.NOTHING_TO_DO


def report_render(*, report_id: int) -> RenderOutcome:
    """Render one report row; safe to call any number of times, from any number of workers.

    1. Claim: PENDING, or RUNNING with an expired lease, and fewer than MAX_ATTEMPTS claims so far
       → RUNNING, a new lease (started_at), attempts + 1. Anything else returns at once.
    2. Refuse to render if the assessment's inputs moved on since the request: the row's hash,
       code and date would then vouch for content they do not describe.
    3. Render, write the file atomically at the deterministic key, then complete with a
       conditional UPDATE on our own lease (status, file, SHA-256, pages).
    An error in 2–3 marks the row FAILED with the error and is not retried, except database
    connection errors, which propagate so the task retries them (the lease then stays ours
    until it expires, and the next claim counts as another attempt).
    """
    now = timezone.now()
    claimable = Q(status=Report.Status.PENDING) | Q(status=Report.Status.RUNNING, started_at__lt=now - render_lease())
    claimed = Report.objects.filter(claimable, pk=report_id, attempts__lt=MAX_ATTEMPTS).update(
        status=Report.Status.RUNNING, started_at=now, finished_at=None, attempts=F("attempts") + 1, error="")
    if claimed != 1:
        return _not_claimed(report_id, claimable, now)
    ours = Q(pk=report_id, status=Report.Status.RUNNING, started_at=now)
    report = Report.objects.select_related("assessment__enterprise__region", "assessment__region").get(pk=report_id)
    try:
        if report_input_hash(report.assessment, language=report.language) != report.input_hash:
            raise ValueError("superseded: the assessment changed after this report was requested")
        content, pages = _render(report)
        name = _write_atomically(report, content)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        logger.exception("report %s failed to render", report_id)
        Report.objects.filter(ours).update(status=Report.Status.FAILED, finished_at=timezone.now(),
                                           error=repr(exc)[:2000])
        return RenderOutcome.FAILED
    with transaction.atomic():
        completed = Report.objects.filter(ours).update(
            status=Report.Status.READY, pdf=name, sha256=hashlib.sha256(content).hexdigest(),
            pages=pages, finished_at=timezone.now())
        if completed:
            notifications.report_ready(report)
    return RenderOutcome.RENDERED if completed else RenderOutcome.NOTHING_TO_DO


# --- sweep ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepOutcome:
    requeued: tuple[int, ...] = ()
    gave_up: int = 0
    unsent: int = 0  # due, but the broker refused them: the next sweep tries again


def _due_for_requeue(now) -> Q:
    """Rows no live message carries:

    - pending or running rows whose publish failed (``enqueued_at`` cleared: the broker was down);
    - running rows whose lease expired with no hand-off since (the whole worker died: Redis would
      give its message back only after the visibility timeout);
    - rows handed off longer than the visibility timeout ago and still not done (the message was
      lost, or the web process died between commit and publish).
    A row due here but also still in the queue gets two messages; the claim renders it once."""
    lease = render_lease()
    unqueued = Q(enqueued_at__isnull=True) | Q(
        enqueued_at__lt=now - timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT))
    pending = Q(status=Report.Status.PENDING) & unqueued
    expired = Q(status=Report.Status.RUNNING, started_at__lt=now - lease, attempts__lt=MAX_ATTEMPTS) & (
        unqueued | Q(enqueued_at__lt=F("started_at") + lease))
    return pending | expired


def report_sweep(*, now=None) -> SweepOutcome:
    """The report's sweeper (portal/jobs.py), run by beat: fail the rows whose worker died
    MAX_ATTEMPTS times, and queue again the rows no message carries (``_due_for_requeue``). A row
    it queued carries ``enqueued_at`` and is left alone by the next sweep; a duplicate message
    would be harmless anyway, as the claim lets one delivery render."""
    now = now or timezone.now()
    gave_up = Report.objects.filter(status=Report.Status.RUNNING, started_at__lt=now - render_lease(),
                                    attempts__gte=MAX_ATTEMPTS).update(
        status=Report.Status.FAILED, finished_at=now, error=GAVE_UP)
    if gave_up:
        logger.error("report sweep: %s reports gave up after %s attempts", gave_up, MAX_ATTEMPTS)
    due = list(Report.objects.filter(_due_for_requeue(now)).order_by("pk").values_list("pk", flat=True)[
        :settings.JOB_SWEEP_BATCH])
    requeued = []
    for position, report_id in enumerate(due):
        published_at = timezone.now()
        if not enqueue(report_render_task, report_id, in_thread=settings.REPORTS_IN_BACKGROUND_THREAD):
            return SweepOutcome(tuple(requeued), gave_up, unsent=len(due) - position)  # broker still down
        _mark_enqueued(report_id, published_at)
        requeued.append(report_id)
    if requeued:
        logger.warning("report sweep: queued reports %s again", requeued)
    return SweepOutcome(tuple(requeued), gave_up)


# --- download ---------------------------------------------------------------------------------


@transaction.atomic
def _rebuild(report: Report) -> None:
    # Conditional: of two downloads finding the file gone, one re-queues it.
    if Report.objects.filter(pk=report.pk, status=Report.Status.READY).update(
            status=Report.Status.PENDING, attempts=0, error="", started_at=None, finished_at=None):
        _enqueue(report.pk)


def report_download_open(*, report: Report, actor, request=None) -> BinaryIO:
    """Open a ready report's PDF for download after checking its SHA-256 against the one stored at
    rendering (R20); the download is audited. Permission is the caller's job (access helpers).

    Raises ReportRebuilding when the file is missing (it is queued again and keeps its row, code
    and date) and StoredFileTampered (a Conflict) when the file no longer matches —
    withheld, and audited as report.integrity_failed, for a person to look into."""
    if report.status != Report.Status.READY:
        raise Conflict(_("This report is not ready yet."), code="not_ready")
    try:
        handle = open_verified(
            report.pdf, sha256=report.sha256, actor=actor, obj=report, request=request,
            failure_action="report.integrity_failed", detail={"assessment": report.assessment_id},
            missing=_("The report file is missing from storage, so it is being built again. This page "
                      "updates when it is ready."),
            tampered=_("The stored report no longer matches the file the platform produced, so it is "
                       "withheld. The incident has been recorded; please contact the bureau."))
    except StoredFileMissing as exc:
        _rebuild(report)
        raise ReportRebuilding(exc.message) from None
    audit_log(action="report.download", actor=actor, request=request, obj=report,
              detail={"assessment": report.assessment_id, "language": report.language, "sha256": report.sha256})
    return handle
