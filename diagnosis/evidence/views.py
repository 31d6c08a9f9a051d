"""Evidence files attached to answers: the per-question HTMX partial (list + upload form),
permission-checked downloads and deletion (docs/security.md R16–R18, R30)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diagnosis.evidence import services as services_evidence
from diagnosis.models import Assessment, Evidence
from diagnosis.permissions import can_edit_assessment
from diagnosis.spec import get_spec
from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import DomainError
from portal.files import ACCEPT, MB, StoredFileUnavailable, download_response


def get_evidence_for_user(user, evidence_pk, *, write: bool = False, request=None) -> Evidence:
    """Evidence is reachable exactly when its assessment is: 404 outside the user's scope, 403
    for a read-only member on a write (the assessment's access helper decides both)."""
    evidence = Evidence.objects.filter(pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    evidence.assessment = get_for_user(Assessment.objects.with_enterprise(), evidence.assessment_id, user=user, write=write, request=request)
    return evidence


def _render_list(request, assessment, item_code, *, error="", status=200):
    limits = services_evidence.evidence_limits()
    files = list(assessment.evidence.filter(item_code=item_code).select_related("uploaded_by"))
    return render(request, "diagnosis/evidence/partials/evidence.html", {
        "assessment": assessment, "item_code": item_code, "files": files, "error": error,
        "can_edit": can_edit_assessment(request.user, assessment),
        "room": len(files) < limits.max_files_per_item, "accept": ACCEPT,
        "max_mb": limits.max_bytes // MB, "max_files": limits.max_files_per_item,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_list(request, pk, item_code):
    """GET: the question's files (+ the upload form for owners and editors of an editable
    assessment). POST: upload one file; a refusal re-renders the partial with the reason and
    status 422, and nothing is stored."""
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, write=request.method == "POST", request=request)
    if item_code not in get_spec(assessment.spec_key).items:
        raise Http404
    if request.method == "GET":
        return _render_list(request, assessment, item_code)
    upload = request.FILES.get("file")
    if upload is None:
        return _render_list(request, assessment, item_code, error=_("Choose a file to upload."), status=422)
    try:
        services_evidence.evidence_add(assessment=assessment, actor=request.user, item_code=item_code,
                                       upload=upload, request=request)
    except DomainError as exc:
        return _render_list(request, assessment, item_code, error=exc.message, status=status_for(exc))
    return _render_list(request, assessment, item_code)


@login_required
@require_GET
def evidence_download(request, evidence_pk):
    """Members of the enterprise, and bureau staff in scope once the assessment is submitted
    (visible_to decides), download through here only: there is no media URL."""
    evidence = get_evidence_for_user(request.user, evidence_pk, request=request)
    try:
        handle = services_evidence.evidence_open(evidence=evidence, actor=request.user, request=request)
    except StoredFileUnavailable as exc:
        return render(request, "diagnosis/evidence/partials/evidence_unavailable.html",
                      {"message": exc.message, "assessment": evidence.assessment},
                      status=status_for(exc))
    return download_response(handle, filename=evidence.original_name, content_type=evidence.content_type)


@login_required
@require_POST
def evidence_delete(request, evidence_pk):
    evidence = get_evidence_for_user(request.user, evidence_pk, write=True, request=request)
    try:
        services_evidence.evidence_delete(evidence=evidence, actor=request.user, request=request)
    except DomainError as exc:
        return _render_list(request, evidence.assessment, evidence.item_code, error=exc.message,
                            status=status_for(exc))
    return _render_list(request, evidence.assessment, evidence.item_code)
