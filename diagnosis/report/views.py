"""Diagnosis report PDFs: request, status polling, download, and the public verification page.

The enterprise's members and bureau staff in scope may request, follow and download the reports
of assessments they can see (docs/architecture.md, Background jobs): an outsider gets 404 from the access helper, someone
who sees the assessment without that right (an expert) gets 403. The verification page is public
and shows the handful of facts printed on the report's cover, nothing else.
"""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from diagnosis.models import Assessment, Report
from diagnosis.permissions import can_request_report
from diagnosis.report import services as services_report
from diagnosis.report.context import verification_facts
from diagnosis.report.selectors import current_report
from portal.access import get_for_user
from portal.audit import client_ip
from portal.errors import status_for
from portal.exceptions import DomainError
from portal.files import download_response

VERIFY_MAX_BYTES = 20 * 1024 * 1024
# Room for the multipart envelope around the file and the CSRF field.
VERIFY_ENVELOPE_BYTES = 64 * 1024
# Per client address: generous for a person checking a few reports, slow for code guessing.
VERIFY_LIMIT, VERIFY_WINDOW = 60, 600


def _assessment_for_reports(request, pk):
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
    if not can_request_report(request.user, assessment):
        raise PermissionDenied
    return assessment


def _language(request) -> str | None:
    language = (request.POST if request.method == "POST" else request.GET).get("language") or settings.LANGUAGE_CODE
    return language if language in services_report.report_languages() else None


def _other_language(language: str) -> str:
    return next(code for code in services_report.report_languages() if code != language)


def _status(request, assessment, report, language, *, error="", status=200, page=False):
    stale = report is not None and services_report.lease_expired(report)
    context = {
        "assessment": assessment, "report": report, "language": language, "error": error,
        "other_language": _other_language(language),
        "reportable": assessment.result is not None and assessment.status in services_report.REPORTABLE,
        "stale": stale,
        "polling": report is not None and not stale and report.status in (Report.Status.PENDING,
                                                                           Report.Status.RUNNING),
    }
    template = "diagnosis/report/page.html" if page else "diagnosis/report/partials/status.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report_request(request, pk):
    """GET: the state of the report for the assessment's current data (the partial for HTMX, a
    page otherwise). POST: ask for it — a new row is queued, a failed or lost one queued again."""
    assessment = _assessment_for_reports(request, pk)
    language = _language(request)
    if language is None:
        return HttpResponseBadRequest(_("Unknown report language."))
    if request.method == "GET":
        report = services_report.current_report(assessment, language=language)
        return _status(request, assessment, report, language, page=not request.htmx)
    try:
        report = services_report.report_request(assessment=assessment, requested_by=request.user, language=language)
    except DomainError as exc:
        if not request.htmx:
            messages.error(request, exc.message)
            return redirect(f"{reverse('diagnosis:report-request', args=[pk])}?language={language}")
        return _status(request, assessment, None, language, error=exc.message, status=status_for(exc))
    if not request.htmx:
        return redirect(f"{reverse('diagnosis:report-request', args=[pk])}?language={language}")
    return _status(request, assessment, report, language)


@login_required
@require_GET
def report_status(request, pk, report_pk):
    """The polling partial of one report row: it carries hx-trigger only while the row is queued
    or rendering, so polling stops by itself once the row is ready or failed."""
    assessment = _assessment_for_reports(request, pk)
    report = get_object_or_404(Report, pk=report_pk, assessment=assessment)
    return _status(request, assessment, report, report.language)


@login_required
@require_GET
def report_download(request, report_pk):
    report = Report.objects.filter(pk=report_pk).first()
    if report is None:
        raise Http404
    assessment = _assessment_for_reports(request, report.assessment_id)
    try:
        handle = services_report.report_download_open(report=report, actor=request.user, request=request)
    except services_report.ReportRebuilding as exc:
        # Not a refusal: this download set the rebuild going, and the page follows it.
        report.refresh_from_db()
        return _status(request, assessment, report, report.language, error=exc.message, status=202, page=True)
    except DomainError as exc:
        return _status(request, assessment, report, report.language, error=exc.message, status=status_for(exc),
                       page=True)
    prefix = "diagnosis-report" if report.language == "en" else "诊断报告"
    return download_response(handle, filename=f"{prefix}-{report.verification_code}.pdf",
                             content_type="application/pdf")


# --- public verification ------------------------------------------------------------------------


class _DigestUploadHandler(FileUploadHandler):
    """Hashes the uploaded file as it streams in and keeps none of it: no memory buffer, no
    temporary file. The "file" handed to the view is empty and carries the digest and size."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha256()
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > VERIFY_MAX_BYTES:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        self.digest.update(raw_data)

    def file_complete(self, file_size):
        digested = SimpleUploadedFile(self.file_name or "upload", b"", content_type="application/pdf")
        digested.sha256 = self.digest.hexdigest()
        digested.size = file_size
        return digested


def _throttled(request) -> bool:
    key = f"report-verify:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, VERIFY_WINDOW)
    try:
        return cache.incr(key) > VERIFY_LIMIT
    except ValueError:  # expired between add and incr: this request starts a new window
        return False


@csrf_exempt  # only to install the upload handler first; _report_verify checks the CSRF token
@require_http_methods(["GET", "POST"])
def report_verify(request, code):
    """Public: the facts a report states, looked up by the code printed on it, and whether an
    uploaded PDF is byte for byte the file the platform produced. Unknown codes answer 404 with a
    page that says so. The
    page costs a few indexed queries, writes nothing (no audit row per anonymous hit, no file), and
    answers 429 when one address asks too often."""
    if _throttled(request):
        response = render(request, "diagnosis/report/verify.html", {"throttled": True}, status=429)
        response["Retry-After"] = str(VERIFY_WINDOW)
        return response
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > VERIFY_MAX_BYTES + VERIFY_ENVELOPE_BYTES:
            return _verify_page(request, code, problem=_("The file is larger than 20 MB, so it cannot be this "
                                                          "report."), status=413, read_body=False)
        request.upload_handlers = [_DigestUploadHandler(request)]
    return _verify_page(request, code)


def _verify_page(request, code, *, problem="", status=200, read_body=True):
    report = (Report.objects.filter(verification_code=services_report.normalise_verification_code(code))
              .exclude(sha256="").select_related("assessment__enterprise").first())
    if report is None:
        # Someone is holding a paper with this code: say plainly that it is not one of ours.
        return render(request, "diagnosis/report/verify.html", {"unknown": True, "code": code[:64]}, status=404)
    if request.method == "POST" and read_body:
        return _verify_upload(request, report)
    return _verify_render(request, report, problem=problem, status=status)


@csrf_protect
def _verify_upload(request, report):
    upload = request.FILES.get("file")
    if upload is None:
        too_large = any(getattr(h, "too_large", False) for h in request.upload_handlers)
        problem = (_("The file is larger than 20 MB, so it cannot be this report.") if too_large
                   else _("Choose the PDF file to check."))
        return _verify_render(request, report, problem=problem, status=413 if too_large else 422)
    return _verify_render(request, report, matches=upload.sha256 == report.sha256, checked_sha256=upload.sha256)


def _verify_render(request, report, *, problem="", status=200, matches=None, checked_sha256=""):
    # A later review or edit superseded this report: the page says so, and shows what the current
    # report states (or, before one is rendered, where the assessment stands now) — never today's
    # figures as if this report had printed them.
    current = current_report(report)
    superseded = current is not report
    response = render(request, "diagnosis/report/verify.html", {
        "code": report.verification_code, "issued_at": report.created_at,
        "facts": verification_facts(report, issued_at=current.created_at if current else None),
        "problem": problem, "superseded": superseded, "current_issued": current is not None,
        "matches": matches, "checked_sha256": checked_sha256, "max_mb": VERIFY_MAX_BYTES // (1024 * 1024),
    }, status=status)
    response["Cache-Control"] = "no-store"
    return response
