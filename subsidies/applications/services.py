"""The enterprise's side of an application: a draft from a published programme version (within its
dates and region), edits, attachments, submission with declarations, withdrawal. A returned
application keeps its content and is edited and submitted again."""

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import Forbidden, Invalid, WrongState
from portal.files import MB, UploadRejected, check_upload, open_verified
from portal.models import AuditEvent, Enterprise, Provider
from portal.permissions import can_write_for
from subsidies import amounts, transitions, workflow
from subsidies.models import Application, ApplicationFile, ProgrammeVersion
from subsidies.transitions import LONG_MAX, text

REFERENCE_PREFIX = "BT"
FIGURE_KEYS = ("price", "interest", "level", "contract_number", "invoice_number")


def filing_message(code: str) -> str:
    return {
        "not_published": _("This programme version is not published."),
        "not_open_yet": _("Applications for this programme are not open yet."),
        "closed": _("Applications for this programme are closed."),
        "outside_region": _("Your enterprise is not registered in the region this programme covers."),
        "not_verified": _("Your enterprise must be verified by the bureau before it can apply."),
    }[code]


def submission_message(code: str) -> str:
    return {
        "no_title": _("Give the project a title."),
        "no_attachments": _("Attach at least one document (contract, invoice or payment proof)."),
        "declarations": _("Confirm every declaration before submitting."),
    }[code]


def money_message(code: str) -> str:
    return {
        "not_a_number": _("Enter an amount in yuan, e.g. 125000.50."),
        "negative": _("The amount cannot be negative."),
        "too_many_decimals": _("Amounts have at most two decimals (fen)."),
        "absurd": _("This amount is not plausible for a project; check the number of digits."),
    }[code]


def parse_money(raw, *, field: str, allow_zero: bool = True):
    if raw is None or raw == "":
        return None
    result = workflow.money(raw, allow_zero=allow_zero)
    if not result.ok:
        raise Invalid(money_message(result.problem), code=f"{field}_{result.problem}")
    return result.value


def filing_blockers(version: ProgrammeVersion, enterprise: Enterprise, today=None) -> tuple[str, ...]:
    return workflow.filing_blockers(
        today=today or timezone.localdate(), version_status=version.status,
        applications_open=version.applications_open, applications_close=version.applications_close,
        programme_region_path=version.programme.region.path, enterprise_region_path=enterprise.region.path,
        enterprise_verified=enterprise.is_verified)


def _clean_values(values: dict) -> dict:
    figures = {}
    for key in FIGURE_KEYS:
        raw = values.get(key)
        if raw in (None, ""):
            continue
        if key in ("price", "interest"):
            figures[key] = str(parse_money(raw, field=key))
        else:
            figures[key] = text(str(raw), required=False, limit=40, code=key)
    provider = values.get("provider")
    if provider is not None and not isinstance(provider, Provider):
        raise Invalid(_("Choose a provider from the list."), code="provider")
    return {
        "project_title": text(values.get("project_title"), required=True, limit=200, code="project_title",
                              missing=_("Give the project a title.")),
        "description": text(values.get("description"), required=False, limit=LONG_MAX, code="description"),
        "declared_investment": parse_money(values.get("declared_investment"), field="declared_investment"),
        "figures": figures,
        "provider": provider,
    }


def _require_writer(actor, enterprise: Enterprise) -> None:
    if not actor.is_authenticated or actor.staff_role or not can_write_for(actor, enterprise):
        raise Forbidden(_("Only the enterprise's owners and editors can file applications."), code="forbidden")


def _estimate(application: Application):
    return amounts.for_application(application).value


def create_draft(*, version: ProgrammeVersion, enterprise: Enterprise, actor, values: dict,
                 request=None) -> Application:
    _require_writer(actor, enterprise)
    blockers = filing_blockers(version, enterprise)
    if blockers:
        raise Invalid(filing_message(blockers[0]), code=blockers[0])
    cleaned = _clean_values(values)
    with transaction.atomic():
        application = Application(version=version, enterprise=enterprise, region=enterprise.region,
                                  filed_by=actor, reference=f"tmp-{uuid.uuid4().hex[:20]}", **cleaned)
        application.estimated_amount = _estimate(application)
        application.save()
        application.reference = workflow.reference(REFERENCE_PREFIX, timezone.localdate().year, application.pk)
        application.save(update_fields=["reference"])
        before = {"status": ""}
        transitions.record(application, actor=actor, action="create", before=before, request=request,
                           fields=(), detail={"version": version.pk, "enterprise": enterprise.pk})
    return application


def update(*, application: Application, actor, values: dict, expected_version, request=None) -> Application:
    cleaned = _clean_values(values)
    with transaction.atomic():
        locked, _target = transitions.lock(application, actor, "edit", expected_version)
        before = transitions.state(locked)
        for field, value in cleaned.items():
            setattr(locked, field, value)
        locked.estimated_amount = _estimate(locked)
        transitions.record(locked, actor=actor, action="edit", before=before, request=request, event=False,
                           fields=(*cleaned.keys(), "estimated_amount"))
    return locked


def attachment_limits() -> dict:
    return {"max_bytes": getattr(settings, "SUBSIDY_ATTACHMENT_MAX_BYTES", 10 * MB),
            "max_files": getattr(settings, "SUBSIDY_ATTACHMENT_MAX_FILES", 30)}


def attach(*, application: Application, actor, upload, kind: str, request=None) -> ApplicationFile:
    """Check and store an attachment (portal/files.py). Nothing stays on disk when refused."""
    if kind not in ApplicationFile.Kind.values:
        raise Invalid(_("Choose what kind of document this is."), code="kind")
    limits = attachment_limits()
    try:
        checked = check_upload(upload, name=upload.name or "", size=upload.size, max_bytes=limits["max_bytes"])
    except UploadRejected as exc:
        audit_log(action="subsidy_application.attach", outcome=AuditEvent.Outcome.FAILURE, actor=actor,
                  request=request, obj=application, detail={"reason": exc.code, "size": upload.size})
        raise exc.as_refusal() from None
    stored = None
    document = ApplicationFile(application=application, kind=kind, original_name=checked.name,
                               content_type=checked.kind.content_type, size=checked.size, sha256=checked.sha256,
                               uploaded_by=actor)
    try:
        with transaction.atomic():
            locked, _target = transitions.lock(application, actor, "attach", None, versioned=False)
            used = locked.files.aggregate(n=Count("pk"), bytes=Sum("size"))
            if used["n"] >= limits["max_files"]:
                raise Invalid(_("This application already has %(count)d files, the most allowed.")
                              % {"count": limits["max_files"]}, code="file_limit")
            upload.seek(0)
            document.file.save(f"{uuid.uuid4().hex}.{checked.kind.code}", upload, save=False)
            stored = document.file.name
            document.save()
            audit_log(action="subsidy_application.attach", actor=actor, request=request, obj=locked,
                      detail={"file": document.pk, "name": checked.name, "kind": kind, "size": checked.size,
                              "sha256": checked.sha256})
    except BaseException:
        if stored is not None:
            document.file.storage.delete(stored)
        raise
    return document


def remove_attachment(*, document: ApplicationFile, actor, request=None) -> None:
    with transaction.atomic():
        locked, _target = transitions.lock(document.application, actor, "attach", None, versioned=False)
        name = document.file.name
        ApplicationFile.objects.filter(pk=document.pk, application=locked).delete()
        audit_log(action="subsidy_application.detach", actor=actor, request=request, obj=locked,
                  detail={"file": document.pk, "name": document.original_name})
        transaction.on_commit(lambda: document.file.storage.delete(name))


def open_attachment(*, document: ApplicationFile, actor, request=None):
    handle = open_verified(
        document.file, sha256=document.sha256, actor=actor, obj=document, request=request,
        failure_action="subsidy_application.file_integrity_failed", detail={"application": document.application_id},
        missing=_("This file is no longer available. Ask the enterprise to upload it again."),
        tampered=_("This file no longer matches what was uploaded and is withheld. The incident has been recorded."))
    audit_log(action="subsidy_application.file_download", actor=actor, request=request, obj=document,
              detail={"application": document.application_id, "size": document.size})
    return handle


def submit(*, application: Application, actor, declarations: dict, expected_version, request=None) -> Application:
    declarations = {code: declarations.get(code) is True for code in workflow.DECLARATIONS}
    with transaction.atomic():
        locked, target = transitions.lock(application, actor, "submit", expected_version)
        blockers = workflow.submission_blockers(declarations=declarations, attachments=locked.files.count(),
                                                project_title=locked.project_title)
        if blockers:
            raise WrongState(submission_message(blockers[0]), code=blockers[0])
        # A draft is filed within the programme's dates and region; a returned application is being
        # completed on the bureau's request and may come back after the call closed.
        filing = filing_blockers(locked.version, locked.enterprise) if locked.status == workflow.DRAFT else ()
        if filing:
            raise WrongState(filing_message(filing[0]), code=filing[0])
        before = transitions.state(locked)
        locked.status, locked.declarations, locked.submitted_at = target, declarations, timezone.now()
        locked.stage_note = ""
        transitions.record(locked, actor=actor, action="submit", before=before, request=request,
                           fields=("status", "declarations", "submitted_at", "stage_note"))
    return locked


def withdraw(*, application: Application, actor, expected_version, request=None) -> Application:
    with transaction.atomic():
        locked, target = transitions.lock(application, actor, "withdraw", expected_version)
        before = transitions.state(locked)
        locked.status = target
        transitions.record(locked, actor=actor, action="withdraw", before=before, request=request,
                           fields=("status",))
    return locked
