"""The regional analysis report (issue #12): request it from the regional dashboard, follow its
progress, download it, and the public verification page of its code.

Access: bureau staff of the region (district staff: their district; city staff: the city and each of
its districts). Anyone else — another district's officer, an enterprise, an expert — gets 404, audited
when the region or report exists. The verification page is public and states the handful of facts
printed on the cover, nothing else.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from diagnosis.models import RegionalReport
from diagnosis.regional import selectors
from diagnosis.regional.forms import RegionalFilterForm
from diagnosis.regional_report import services
from diagnosis.regional_report.context import report_title
from diagnosis.report import views as report_views
from diagnosis.report.services import ReportRebuilding, normalise_verification_code, report_languages
from diagnosis.spec import get_spec
from portal.access import get_for_user
from portal.audit import audit_denied
from portal.errors import status_for
from portal.exceptions import DomainError, Invalid
from portal.files import download_response
from portal.models import Region
from portal.roles import staff_region_path


def _staff_path(request) -> str:
    path = staff_region_path(request.user)
    if path is None:
        raise Http404  # deny by default: the report's existence is not others' business
    return path


def _region(request, path: str, region_id) -> Region:
    region = (Region.objects.filter(pk=region_id, path__startswith=path, level__in=services.REPORTABLE_LEVELS)
              .select_related("parent__parent").first())
    if region is None:
        if Region.objects.filter(pk=region_id).exists():
            audit_denied(request, request.user, "access.denied", "portal.region", region_id)
        raise Http404
    return region


class _Target:
    """The report asked about: region (inside the jurisdiction), year, standard, language."""

    def __init__(self, request):
        path = _staff_path(request)
        data = request.POST if request.method == "POST" else request.GET
        form = RegionalFilterForm(data)
        region_id = form.value("region") or request.user.region_id
        self.region = _region(request, path, region_id)
        self.spec_key = form.spec_key()
        spec = get_spec(self.spec_key)
        self.year = form.value("year") or selectors.latest_year(spec, selectors.area(self.region, viewer_path=path).ids)
        language = data.get("language") or settings.LANGUAGE_CODE
        self.language = language if language in report_languages() else None

    def query(self, language=None) -> str:
        return urlencode({"region": self.region.pk, "spec": self.spec_key, "year": self.year or "",
                          "language": language or self.language})


def _other_language(language: str) -> str:
    return next(code for code in report_languages() if code != language)


def _status(request, target: _Target, report, *, error="", status=200, page=False):
    stale = report is not None and services.lease_expired(report)
    earlier = None
    if report is None and target.year:
        earlier = services.latest_report(target.region, year=target.year, spec_key=target.spec_key,
                                         language=target.language)
        earlier = earlier if earlier is not None and earlier.status == RegionalReport.Status.READY else None
    context = {
        "target": target, "report": report, "earlier": earlier, "language": target.language,
        "other_language": _other_language(target.language), "error": error, "stale": stale,
        "reportable": bool(target.year) and services.has_data(target.region, year=target.year,
                                                              spec_key=target.spec_key),
        "query": target.query(), "other_query": target.query(
            _other_language(target.language)),
        "title": report_title(target.region, target.year, target.language) if target.year else "",
        "polling": report is not None and not stale and report.status in (RegionalReport.Status.PENDING,
                                                                           RegionalReport.Status.RUNNING),
    }
    template = "diagnosis/regional_report/page.html" if page else "diagnosis/regional_report/partials/status.html"
    return render(request, template, context, status=status)


def _page_url(target: _Target) -> str:
    return f"{reverse('regional:report')}?{target.query()}"


@login_required
@require_http_methods(["GET", "POST"])
def report_request(request):
    """GET: the state of the report for the region's current data (the partial for HTMX, a page
    otherwise). POST: ask for it — a new row is queued, a failed or lost one queued again."""
    target = _Target(request)
    if target.language is None:
        return HttpResponseBadRequest(_("Unknown report language."))
    if request.method == "GET":
        report = (services.current_report(target.region, year=target.year, spec_key=target.spec_key,
                                          language=target.language) if target.year else None)
        return _status(request, target, report, page=not request.htmx)
    try:
        if not target.year:
            raise Invalid(_("Choose a year with assessments."), code="year")
        report = services.regional_report_request(region=target.region, year=target.year, spec_key=target.spec_key,
                                                  language=target.language, requested_by=request.user,
                                                  request=request)
    except DomainError as exc:
        if not request.htmx:
            messages.error(request, exc.message)
            return redirect(_page_url(target))
        return _status(request, target, None, error=exc.message, status=status_for(exc))
    if not request.htmx:
        return redirect(_page_url(target))
    return _status(request, target, report)


def _report_for(request, pk) -> RegionalReport:
    _staff_path(request)
    return get_for_user(RegionalReport.objects.select_related("region__parent__parent"), pk, user=request.user,
                        request=request)


class _RowTarget(_Target):
    """The target a row was built for."""

    def __init__(self, report: RegionalReport):
        self.region, self.spec_key, self.year, self.language = (report.region, report.spec_key, report.year,
                                                                report.language)


@login_required
@require_GET
def report_status(request, pk):
    """The polling partial of one row: it polls only while the row is queued or rendering."""
    report = _report_for(request, pk)
    return _status(request, _RowTarget(report), report)


@login_required
@require_GET
def report_download(request, pk):
    report = _report_for(request, pk)
    target = _RowTarget(report)
    try:
        handle = services.regional_report_download_open(report=report, actor=request.user, request=request)
    except ReportRebuilding as exc:
        report.refresh_from_db()
        return _status(request, target, report, error=exc.message, status=202, page=True)
    except DomainError as exc:
        return _status(request, target, report, error=exc.message, status=status_for(exc), page=True)
    prefix = "regional-report" if report.language == "en" else "区域诊断分析报告"
    return download_response(handle, filename=f"{prefix}-{report.region.code}-{report.year}-"
                                              f"{report.verification_code}.pdf", content_type="application/pdf")


# --- public verification ------------------------------------------------------------------------


@csrf_exempt  # only to install the upload handler first; _verify_upload checks the CSRF token
@require_http_methods(["GET", "POST"])
def report_verify(request, code):
    """Public: the facts a regional report states, looked up by its code, and whether an uploaded PDF
    is byte for byte the file the platform produced. The diagnosis report's verification machinery
    (streamed hashing, size cap, per-address throttle) is reused as it is."""
    if report_views._throttled(request):
        response = render(request, "diagnosis/regional_report/verify.html", {"throttled": True}, status=429)
        response["Retry-After"] = str(report_views.VERIFY_WINDOW)
        return response
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > (report_views.VERIFY_MAX_BYTES
                                                          + report_views.VERIFY_ENVELOPE_BYTES):
            return _verify_page(request, code, problem=_("The file is larger than 20 MB, so it cannot be this "
                                                          "report."), status=413, read_body=False)
        request.upload_handlers = [report_views._DigestUploadHandler(request)]
    return _verify_page(request, code)


def _verify_page(request, code, *, problem="", status=200, read_body=True):
    report = (RegionalReport.objects.filter(verification_code=normalise_verification_code(code))
              .exclude(sha256="").select_related("region__parent__parent").first())
    if report is None:
        return render(request, "diagnosis/regional_report/verify.html", {"unknown": True, "code": code[:64]},
                      status=404)
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
    from django.utils.translation import get_language

    spec = get_spec(report.spec_key)
    language = get_language()
    response = render(request, "diagnosis/regional_report/verify.html", {
        "code": report.verification_code, "issued_at": report.created_at,
        "title": report_title(report.region, report.year, report.language),
        "spec_title": spec.title_en if language == "en" and spec.title_en else spec.title,
        "spec_version": spec.version, "facts": report.facts, "report": report,
        "superseded": not services.is_current(report),
        "problem": problem, "matches": matches, "checked_sha256": checked_sha256,
        "max_mb": report_views.VERIFY_MAX_BYTES // (1024 * 1024),
    }, status=status)
    response["Cache-Control"] = "no-store"
    return response
