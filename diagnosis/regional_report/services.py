"""The regional analysis report PDF (issue #12): request, render, sweep, download — the diagnosis
report's pipeline (diagnosis/report/services.py; docs/architecture.md, Background jobs) for a region.

One ``RegionalReport`` row per distinct input: ``regional_input_hash`` covers the region, year,
standard, language, ``TEMPLATE_VERSION`` and a fingerprint of the data the report reads (the
roll-up cells of the region and the sums of its city's and province's, whether the roll-up is
current, the counted assessments' and needs' count and last change, and what registered sections
report). Asking again while nothing changed finds the same row; a submission, an approval or a new
need makes a new one.

The worker claims a row with a conditional UPDATE and a lease longer than Celery's hard time limit;
``attempts`` counts claims and the row gives up at ``MAX_ATTEMPTS``; rendering errors fail the row at
once and only a person's new request tries again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from diagnosis import notifications
from diagnosis.extensions import regional_report_sections
from diagnosis.models import Assessment, Need, RegionalCell, RegionalReport, regional_report_upload_to
from diagnosis.regional import rollup
from diagnosis.regional_report import context as report_context
from diagnosis.regional_report.tasks import regional_report_render as render_task
from diagnosis.report.services import (
    GAVE_UP,
    MAX_ATTEMPTS,
    REPORT_MAX_BYTES,
    RenderOutcome,
    ReportRebuilding,
    SweepOutcome,
    new_verification_code,
    render_lease,
    report_languages,
)
from diagnosis.results.selectors import COUNTED_STATUSES
from diagnosis.spec import get_spec
from diagnosis.spec.registry import SpecNotFound
from portal.audit import audit_log
from portal.exceptions import Conflict, Invalid
from portal.files import StoredFileMissing, open_verified
from portal.jobs import enqueue, enqueue_on_commit
from portal.models import Region

logger = logging.getLogger(__name__)

Status = RegionalReport.Status
REPORTABLE_LEVELS = (Region.Level.DISTRICT, Region.Level.CITY)


def lease_expired(report: RegionalReport, *, now=None) -> bool:
    now = now or timezone.now()
    return (report.status == Status.RUNNING and report.started_at is not None
            and report.started_at < now - render_lease())


def lease_remaining(report_id: int) -> float:
    started = RegionalReport.objects.filter(pk=report_id).values_list("started_at", flat=True).first()
    if started is None:
        return 1.0
    return max(1.0, (started + render_lease() - timezone.now()).total_seconds())


# --- input hash -------------------------------------------------------------------------------


def _province(region: Region) -> Region:
    node = region
    while node.parent is not None:
        node = node.parent
    return node


def data_fingerprint(region: Region, *, year: int, spec_key: str) -> dict[str, Any]:
    """What the report's figures rest on, small enough to hash at every request: the region's roll-up
    cells one by one, its province's as sums per kind, whether the roll-up is current, and the count and
    last change of the assessments and needs involved."""
    spec = get_spec(spec_key)
    own_ids = list(Region.objects.filter(path__startswith=region.path).values_list("pk", flat=True))
    province_ids = Region.objects.filter(path__startswith=_province(region).path).values_list("pk", flat=True)
    cells = RegionalCell.objects.filter(spec_code=spec.code, spec_version=spec.version)
    own_cells = hashlib.sha256(json.dumps(list(
        cells.filter(region_id__in=own_ids).order_by("year", "region_id", "kind", "key")
        .values_list("year", "region_id", "kind", "key", "n", "total_cents", "firms"))).encode()).hexdigest()
    wide = list(cells.filter(region_id__in=province_ids).order_by("kind").values("kind")
                .annotate(n=Sum("n"), cents=Sum("total_cents"), firms=Sum("firms"), cells=Count("pk"))
                .values_list("kind", "n", "cents", "firms", "cells"))
    assessments = Assessment.objects.filter(spec_code=spec.code, spec_version=spec.version,
                                            region_id__in=province_ids).aggregate(n=Count("pk"),
                                                                                  last=Max("updated_at"))
    needs = Need.objects.filter(assessment__year=year, assessment__status__in=COUNTED_STATUSES,
                                assessment__region_id__in=own_ids).aggregate(n=Count("pk"), last=Max("updated_at"))
    return {
        "rollup_current": rollup.is_current(spec.code, spec.version),
        "cells": own_cells, "wide": wide, "assessments": assessments, "needs": needs,
        "sections": [[s.key, s.fingerprint(region, year, spec_key) if s.fingerprint else ""]
                     for s in regional_report_sections()],
    }


def regional_input_hash(region: Region, *, year: int, spec_key: str, language: str) -> str:
    inputs = {"template": report_context.TEMPLATE_VERSION, "region": [region.pk, region.code, region.name],
              "year": year, "spec": spec_key, "language": language,
              "data": data_fingerprint(region, year=year, spec_key=spec_key)}
    canonical = json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_report(region: Region, *, year: int, spec_key: str, language: str) -> RegionalReport | None:
    """The row for the region's data as it is now, if one was requested."""
    return RegionalReport.objects.filter(
        region=region, input_hash=regional_input_hash(region, year=year, spec_key=spec_key, language=language)).first()


def latest_report(region: Region, *, year: int, spec_key: str, language: str) -> RegionalReport | None:
    """The newest row of the region, year, standard and language whatever data it was built from."""
    return RegionalReport.objects.filter(region=region, year=year, spec_key=spec_key, language=language).first()


def is_current(report: RegionalReport) -> bool:
    return report.input_hash == regional_input_hash(report.region, year=report.year, spec_key=report.spec_key,
                                                    language=report.language)


# --- request ----------------------------------------------------------------------------------


def _mark_enqueued(report_id: int, at) -> None:
    RegionalReport.objects.filter(pk=report_id).update(enqueued_at=at)


def _enqueue(report_id: int):
    handed_off = timezone.now()
    _mark_enqueued(report_id, handed_off)
    enqueue_on_commit(render_task, report_id, otherwise=partial(_mark_enqueued, report_id, None),
                      in_thread=settings.REPORTS_IN_BACKGROUND_THREAD)
    return handed_off


def has_data(region: Region, *, year: int, spec_key: str) -> bool:
    """Whether the region has counted assessments of the standard in the year (else no report)."""
    spec = get_spec(spec_key)
    return Assessment.objects.filter(spec_code=spec.code, spec_version=spec.version, year=year,
                                     status__in=COUNTED_STATUSES,
                                     region__path__startswith=region.path).exists()


def _check(region: Region, *, year: int, spec_key: str, language: str) -> None:
    if language not in report_languages():
        raise Invalid(_("Unknown report language."), code="language")
    try:
        get_spec(spec_key)
    except SpecNotFound:
        raise Invalid(_("Unknown standard."), code="spec") from None
    if region.level not in REPORTABLE_LEVELS:
        raise Invalid(_("The regional report is made for a district or a city."), code="region")
    if not 2000 <= year <= timezone.localdate().year + 1 or not has_data(region, year=year, spec_key=spec_key):
        raise Invalid(_("Choose a year with assessments."), code="year")


@transaction.atomic
def regional_report_request(*, region: Region, year: int, spec_key: str, language: str,
                            requested_by, request=None) -> RegionalReport:
    """The report of ``region`` for ``year`` and ``spec_key`` in ``language`` as the data stands now:
    created and queued when new; queued again when it failed, its file is gone or its worker died.
    Queued or running rows are left alone (the page polls them). Audited when a row is created or
    queued again. Permission is the caller's (the view scopes the region to the user's jurisdiction)."""
    _check(region, year=year, spec_key=spec_key, language=language)
    input_hash = regional_input_hash(region, year=year, spec_key=spec_key, language=language)
    report, created = RegionalReport.objects.get_or_create(
        region=region, input_hash=input_hash,
        defaults={"year": year, "spec_key": spec_key, "language": language, "requested_by": requested_by,
                  "verification_code": new_verification_code()})
    detail = {"region": region.code, "year": year, "spec": spec_key, "language": language}
    if created:
        report.enqueued_at = _enqueue(report.pk)
        audit_log(action="regional_report.request", actor=requested_by, request=request, obj=report, detail=detail)
        return report
    report = RegionalReport.objects.select_for_update().get(pk=report.pk)
    if report.status == Status.FAILED or (report.status == Status.READY and not _file_exists(report)):
        RegionalReport.objects.filter(pk=report.pk).update(status=Status.PENDING, attempts=0, error="",
                                                           started_at=None, finished_at=None)
        _enqueue(report.pk)
        audit_log(action="regional_report.request", actor=requested_by, request=request, obj=report,
                  detail={**detail, "again": True})
    elif lease_expired(report) or (report.status == Status.PENDING and report.enqueued_at is None):
        _enqueue(report.pk)
    report.refresh_from_db()
    return report


# --- render -----------------------------------------------------------------------------------


def _file_exists(report: RegionalReport) -> bool:
    return bool(report.pdf.name) and report.pdf.storage.exists(report.pdf.name)


def _write_atomically(report: RegionalReport, content: bytes) -> str:
    """The PDF at the row's deterministic key, through a temporary file and a rename (R20, R30)."""
    name = regional_report_upload_to(report, "report.pdf")
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


def render_html(report: RegionalReport) -> tuple[str, dict]:
    """The report's HTML and its headline figures."""
    context = report_context.build_regional_report_context(
        report.region, year=report.year, spec_key=report.spec_key, language=report.language,
        verification_code=report.verification_code, issued_at=report.created_at)
    with translation.override(report.language):
        html = render_to_string("diagnosis/regional_report/pdf.html", context)
    return html, context["headline"]


def _render(report: RegionalReport) -> tuple[bytes, int | None, dict]:
    from diagnosis.report import pdf  # WeasyPrint belongs to the worker

    html, facts = render_html(report)
    content = pdf.html_to_pdf(html, base_url=pdf.asset_root())
    if len(content) > REPORT_MAX_BYTES:
        raise ValueError(f"the PDF has {len(content)} bytes, more than the {REPORT_MAX_BYTES} allowed")
    return content, pdf.pdf_page_count(content), facts


def _not_claimed(report_id: int, claimable: Q, now) -> RenderOutcome:
    gave_up = RegionalReport.objects.filter(claimable, pk=report_id, attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, finished_at=now, error=GAVE_UP)
    if gave_up:
        logger.error("regional report %s: gave up after %s attempts", report_id, MAX_ATTEMPTS)
        return RenderOutcome.GAVE_UP
    held = RegionalReport.objects.filter(pk=report_id, status=Status.RUNNING).exists()
    return RenderOutcome.LEASE_HELD if held else RenderOutcome.NOTHING_TO_DO


def regional_report_render(*, report_id: int) -> RenderOutcome:
    """Render one row; safe to call any number of times from any number of workers (claim, check the
    data did not move on since the request, render, write atomically, complete on our own lease)."""
    now = timezone.now()
    claimable = Q(status=Status.PENDING) | Q(status=Status.RUNNING, started_at__lt=now - render_lease())
    claimed = RegionalReport.objects.filter(claimable, pk=report_id, attempts__lt=MAX_ATTEMPTS).update(
        status=Status.RUNNING, started_at=now, finished_at=None, attempts=F("attempts") + 1, error="")
    if claimed != 1:
        return _not_claimed(report_id, claimable, now)
    ours = Q(pk=report_id, status=Status.RUNNING, started_at=now)
    report = RegionalReport.objects.select_related("region__parent__parent").get(pk=report_id)
    try:
        if not is_current(report):
            raise ValueError("superseded: the regional data changed after this report was requested")
        content, pages, facts = _render(report)
        name = _write_atomically(report, content)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        logger.exception("regional report %s failed to render", report_id)
        RegionalReport.objects.filter(ours).update(status=Status.FAILED, finished_at=timezone.now(),
                                                   error=repr(exc)[:2000])
        return RenderOutcome.FAILED
    with transaction.atomic():
        completed = RegionalReport.objects.filter(ours).update(
            status=Status.READY, pdf=name, sha256=hashlib.sha256(content).hexdigest(), pages=pages, facts=facts,
            finished_at=timezone.now())
        if completed:
            notifications.regional_report_ready(report)
    return RenderOutcome.RENDERED if completed else RenderOutcome.NOTHING_TO_DO


# --- sweep ------------------------------------------------------------------------------------


def _due_for_requeue(now) -> Q:
    """As the diagnosis report's: pending rows no message carries, running rows whose lease expired."""
    lease = render_lease()
    unqueued = Q(enqueued_at__isnull=True) | Q(
        enqueued_at__lt=now - timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT))
    pending = Q(status=Status.PENDING) & unqueued
    expired = Q(status=Status.RUNNING, started_at__lt=now - lease, attempts__lt=MAX_ATTEMPTS) & (
        unqueued | Q(enqueued_at__lt=F("started_at") + lease))
    return pending | expired


def regional_report_sweep(*, now=None) -> SweepOutcome:
    now = now or timezone.now()
    gave_up = RegionalReport.objects.filter(status=Status.RUNNING, started_at__lt=now - render_lease(),
                                            attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, finished_at=now, error=GAVE_UP)
    due = list(RegionalReport.objects.filter(_due_for_requeue(now)).order_by("pk").values_list("pk", flat=True)[
        :settings.JOB_SWEEP_BATCH])
    requeued = []
    for position, report_id in enumerate(due):
        published_at = timezone.now()
        if not enqueue(render_task, report_id, in_thread=settings.REPORTS_IN_BACKGROUND_THREAD):
            return SweepOutcome(tuple(requeued), gave_up, unsent=len(due) - position)
        _mark_enqueued(report_id, published_at)
        requeued.append(report_id)
    if requeued:
        logger.warning("regional report sweep: queued %s again", requeued)
    return SweepOutcome(tuple(requeued), gave_up)


# --- download ---------------------------------------------------------------------------------


@transaction.atomic
def _rebuild(report: RegionalReport) -> None:
    if RegionalReport.objects.filter(pk=report.pk, status=Status.READY).update(
            status=Status.PENDING, attempts=0, error="", started_at=None, finished_at=None):
        _enqueue(report.pk)


def regional_report_download_open(*, report: RegionalReport, actor, request=None) -> BinaryIO:
    """Open a ready report's PDF after checking its SHA-256 (R20); the download is audited.
    Permission is the caller's. ReportRebuilding when the file is missing (queued again, same row,
    code and date); StoredFileTampered (a Conflict) when it no longer matches."""
    if report.status != Status.READY:
        raise Conflict(_("This report is not ready yet."), code="not_ready")
    try:
        handle = open_verified(
            report.pdf, sha256=report.sha256, actor=actor, obj=report, request=request,
            failure_action="regional_report.integrity_failed", detail={"region": report.region_id},
            missing=_("The report file is missing from storage, so it is being built again. This page "
                      "updates when it is ready."),
            tampered=_("The stored report no longer matches the file the platform produced, so it is "
                       "withheld. The incident has been recorded; please contact the bureau."))
    except StoredFileMissing as exc:
        _rebuild(report)
        raise ReportRebuilding(exc.message) from None
    audit_log(action="regional_report.download", actor=actor, request=request, obj=report,
              detail={"region": report.region_id, "year": report.year, "language": report.language,
                      "sha256": report.sha256})
    return handle
