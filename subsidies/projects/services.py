"""Writes of transformation projects: filing (项目备案), the request for acceptance (验收) with
evidence and a T1 re-assessment, and the staff decision. Each step is atomic, locks the project,
checks the ``state_version`` the page showed and is audited with before/after."""

from __future__ import annotations

import uuid
from decimal import Decimal
from functools import wraps

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import Assessment
from diagnosis.results.context import flatten_dimensions, standing_result
from portal.audit import audit_log
from portal.exceptions import Conflict, DomainError, Forbidden, Invalid, WrongState
from portal.files import MB, UploadRejected, check_upload
from portal.models import AuditEvent, Enterprise, OrgStatus, Provider
from portal.permissions import can_write_for
from portal.roles import StaffRole, staff_region_path
from subsidies import inputs
from subsidies.models import Application
from subsidies.projects.models import Project, ProjectFile

FILE_MAX_BYTES = 20 * MB
MAX_FILES = 20
SCORED = (Assessment.Status.SUBMITTED, Assessment.Status.APPROVED)


def _stale() -> Conflict:
    return Conflict(_("Someone else acted on this project after you opened the page. Nothing was changed: "
                      "check its current state and try again."), code="stale")


def _audited_refusals(action: str):
    def decorate(service):
        @wraps(service)
        def run(**kwargs):
            try:
                return service(**kwargs)
            except DomainError as exc:
                target = kwargs.get("project") or kwargs.get("enterprise")
                audit_log(action="project.action_refused", outcome=AuditEvent.Outcome.FAILURE,
                          actor=kwargs.get("actor"), request=kwargs.get("request"), obj=target,
                          detail={"action": action, "reason": exc.code})
                raise

        return run

    return decorate


def _state(project: Project) -> dict:
    return {"status": project.status, "state_version": project.state_version, "follow_up": project.follow_up_id}


def dimension_points(assessment: Assessment) -> dict:
    """{dimension code: points} of the assessment's standing result (verified once approved)."""
    result = standing_result(assessment) or {}
    return {node["code"]: Decimal(str(node["points"]))
            for node, _depth in flatten_dimensions(result.get("dimensions") or [])}


def baseline_for(enterprise: Enterprise, spec_code: str) -> Assessment | None:
    """The enterprise's latest scored diagnosis on the standard: the project's T0."""
    return (Assessment.objects.filter(enterprise=enterprise, spec_code=spec_code, status__in=SCORED,
                                      result__isnull=False).order_by("-submitted_at", "-pk").first())


@_audited_refusals("file")
def file_project(*, enterprise: Enterprise, actor, values: dict, request=None) -> Project:
    if actor.staff_role or not can_write_for(actor, enterprise):
        raise Forbidden(_("Only the enterprise's owners and editors can file a project."), code="forbidden")
    title = inputs.text(values.get("title"), required=True, limit=200, code="title")
    solution = inputs.text(values.get("solution"), required=True, limit=200, code="solution")
    scope = inputs.text(values.get("scope"), required=True, limit=4000, code="scope")
    planned = inputs.money(values.get("planned_investment"), code="planned_investment")
    spec_code = inputs.text(values.get("spec_code"), required=True, limit=64, code="spec_code")
    targeted = values.get("target_dimensions") or []
    if not isinstance(targeted, list | tuple) or not targeted or not all(isinstance(c, str) for c in targeted):
        raise Invalid(_("Choose at least one dimension of the standard the project targets."), code="dimensions")
    provider = None
    if values.get("provider"):
        provider = Provider.objects.filter(pk=values["provider"], status=OrgStatus.VERIFIED).first() \
            if str(values["provider"]).isdigit() else None
        if provider is None:
            raise Invalid(_("Choose a verified service provider from the list."), code="provider")
    application = None
    if values.get("application"):
        application = Application.objects.filter(pk=values["application"], enterprise=enterprise).first() \
            if str(values["application"]).isdigit() else None
        if application is None:
            raise Invalid(_("Choose one of the enterprise's own subsidy applications."), code="application")
    baseline = baseline_for(enterprise, spec_code)
    if baseline is None:
        raise Invalid(_("File a project after a submitted diagnosis on this standard: it is the baseline (T0)."),
                      code="no_baseline")
    known = dimension_points(baseline)
    unknown = [c for c in targeted if c not in known]
    if unknown:
        raise Invalid(_("These are not dimensions of the standard: %(codes)s.") % {"codes": ", ".join(unknown[:5])},
                      code="dimensions")
    with transaction.atomic():
        project = Project.objects.create(
            filing_number=uuid.uuid4().hex[:24], enterprise=enterprise, provider=provider, application=application,
            region=enterprise.region, title=title, solution=solution, scope=scope, planned_investment=planned,
            spec_code=spec_code, target_dimensions=list(dict.fromkeys(targeted)), baseline=baseline, filed_by=actor)
        project.filing_number = f"BA{timezone.localdate():%Y}{project.pk:07d}"
        project.save(update_fields=["filing_number"])
        audit_log(action="project.file", actor=actor, request=request, obj=project,
                  detail={"before": None, "after": _state(project), "filing_number": project.filing_number,
                          "planned_investment": str(planned)})
    return project


def _lock(project: Project, expected_version) -> Project:
    locked = Project.objects.select_for_update(of=("self",)).select_related("region").get(pk=project.pk)
    if expected_version is None or str(locked.state_version) != str(expected_version):
        raise _stale()
    return locked


def follow_up_problem(project: Project, assessment: Assessment | None) -> str:
    """'' when ``assessment`` may serve as the project's T1, else a translated reason."""
    if assessment is None or assessment.enterprise_id != project.enterprise_id:
        return _("Choose one of the enterprise's own diagnoses.")
    if assessment.pk == project.baseline_id:
        return _("The re-assessment must be a new diagnosis, not the baseline.")
    if assessment.spec_code != project.spec_code:
        return _("The re-assessment must use the same standard as the baseline.")
    if assessment.status not in SCORED or assessment.result is None:
        return _("The re-assessment must be submitted first.")
    if assessment.submitted_at is None or assessment.submitted_at <= project.filed_at:
        return _("The re-assessment must be submitted after the project was filed.")
    return ""


@_audited_refusals("request_acceptance")
def request_acceptance(*, project: Project, actor, follow_up_id, files=(), expected_version, request=None) -> Project:
    if actor.staff_role or not can_write_for(actor, project.enterprise):
        raise Forbidden(_("Only the enterprise's owners and editors can ask for acceptance."), code="forbidden")
    follow_up = Assessment.objects.filter(pk=follow_up_id).first() if str(follow_up_id or "").isdigit() else None
    stored = []
    try:
        with transaction.atomic():
            locked = _lock(project, expected_version)
            if locked.status not in (Project.Status.FILED, Project.Status.RETURNED):
                raise WrongState(_("This project is “%(status)s”: acceptance cannot be requested now.")
                                 % {"status": locked.get_status_display()}, code="wrong_status")
            problem = follow_up_problem(locked, follow_up)
            if problem:
                raise Invalid(problem, code="follow_up")
            used = ProjectFile.objects.filter(project=locked).aggregate(n=Count("pk"), size=Sum("size"))
            if used["n"] + len(files) > MAX_FILES:
                raise Invalid(_("At most %(count)d evidence files per project.") % {"count": MAX_FILES},
                              code="file_limit")
            for upload in files:
                try:
                    checked = check_upload(upload, name=upload.name or "", size=upload.size, max_bytes=FILE_MAX_BYTES)
                except UploadRejected as exc:
                    raise exc.as_refusal() from None
                row = ProjectFile(project=locked, original_name=checked.name, content_type=checked.kind.content_type,
                                  size=checked.size, sha256=checked.sha256, uploaded_by=actor)
                row.file.save(f"{uuid.uuid4().hex}.{checked.kind.code}", checked.stored(upload), save=False)
                stored.append(row.file)
                row.save()
            if not ProjectFile.objects.filter(project=locked).exists():
                raise Invalid(_("Upload at least one evidence file (delivery report, acceptance record, invoices…)."),
                              code="evidence_required")
            before = _state(locked)
            locked.follow_up = follow_up
            locked.status = Project.Status.ACCEPTANCE_REQUESTED
            locked.acceptance_requested_at = timezone.now()
            locked.state_version += 1
            locked.save()
            audit_log(action="project.request_acceptance", actor=actor, request=request, obj=locked,
                      detail={"before": before, "after": _state(locked), "files": len(files)})
    except BaseException:
        for handle in stored:
            handle.storage.delete(handle.name)
        raise
    return locked


@_audited_refusals("decide")
def decide_acceptance(*, project: Project, actor, accept: bool, note="", expected_version, request=None) -> Project:
    note = inputs.text(note, required=not accept, limit=2000, code="note")
    with transaction.atomic():
        locked = _lock(project, expected_version)
        path = staff_region_path(actor)
        if actor.staff_role not in (StaffRole.DISTRICT, StaffRole.CITY) or path is None \
                or not locked.region.path.startswith(path):
            raise Forbidden(_("Only bureau staff of the project's district or city decide on acceptance."),
                            code="forbidden")
        if locked.status != Project.Status.ACCEPTANCE_REQUESTED:
            raise WrongState(_("This project is “%(status)s”: there is no acceptance request to decide.")
                             % {"status": locked.get_status_display()}, code="wrong_status")
        if accept:
            problem = follow_up_problem(locked, locked.follow_up)
            if problem:
                raise Invalid(problem, code="follow_up")
        before = _state(locked)
        locked.status = Project.Status.ACCEPTED if accept else Project.Status.RETURNED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.state_version += 1
        locked.save()
        audit_log(action="project.accept" if accept else "project.return", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "note": note})
    return locked
