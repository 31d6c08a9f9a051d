"""Writes and audited reads for evidence files.

add: checked, within limits, stored under a random name. delete: the row and the blob.
open: for download, after an integrity check.
A file on disk always has a row that points at it. The row goes first; the blob follows only
after commit.
"""

from typing import NoReturn

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from diagnosis.fill.services import require_editable, require_editor
from diagnosis.models import Assessment, Evidence
from diagnosis.spec import get_spec
from portal.audit import audit_log
from portal.exceptions import Conflict, DomainError, Gone, Invalid
from portal.files import MB, EvidenceRejected, check_upload, evidence_limits, file_sha256
from portal.models import AuditEvent


class EvidenceUnavailable(DomainError):
    """The stored file is gone ("missing") or no longer matches its recorded SHA-256 ("tampered")."""


class EvidenceMissing(EvidenceUnavailable, Gone):
    pass


class EvidenceTampered(EvidenceUnavailable, Conflict):
    pass


def evidence_add(*, assessment: Assessment, actor, item_code: str, upload, request=None) -> Evidence:
    """Check `upload` (a Django UploadedFile) and store it for one question of an editable
    assessment. Raises DomainError with the reason; in that case nothing stays on disk."""
    require_editor(assessment, actor)
    require_editable(assessment)
    if item_code not in get_spec(assessment.spec_key).items:
        raise Invalid(_("Unknown question."), code="unknown_item")
    limits = evidence_limits()
    try:
        checked = check_upload(upload, name=upload.name or "", size=upload.size, max_bytes=limits.max_bytes)
    except EvidenceRejected as exc:
        audit_log(action="evidence.upload", outcome=AuditEvent.Outcome.FAILURE, actor=actor, request=request,
                  obj=assessment, detail={"item": item_code, "reason": exc.code, "size": upload.size})
        raise exc.as_refusal() from None
    evidence = Evidence(assessment=assessment, item_code=item_code, original_name=checked.name,
                        content_type=checked.kind.content_type, size=checked.size, sha256=checked.sha256,
                        uploaded_by=actor)
    stored = None
    try:
        with transaction.atomic():
            # The lock serialises uploads to one assessment, so two at once cannot both squeeze
            # under a limit. It also serialises them with submit, which takes the same lock.
            locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
            require_editable(locked)
            _require_room(locked, item_code, checked.size, limits)
            upload.seek(0)
            evidence.file.save("upload", upload, save=False)  # the name comes from evidence_upload_to
            stored = evidence.file.name
            evidence.save()
            audit_log(action="evidence.upload", actor=actor, request=request, obj=evidence,
                      detail={"assessment": locked.pk, "item": item_code, "name": checked.name,
                              "type": checked.kind.code, "size": checked.size, "sha256": checked.sha256})
    except BaseException:
        # No row exists to reach this blob, so it must not outlive the failure (R30).
        if stored is not None:
            evidence.file.storage.delete(stored)
        raise
    return evidence


def _require_room(assessment: Assessment, item_code: str, size: int, limits) -> None:
    used = Evidence.objects.filter(assessment=assessment).aggregate(
        files=Count("pk"), on_item=Count("pk", filter=Q(item_code=item_code)), bytes=Sum("size"))
    if used["on_item"] >= limits.max_files_per_item:
        raise Invalid(_("This question already has %(count)d files, the most allowed.")
                      % {"count": limits.max_files_per_item}, code="item_file_limit")
    if used["files"] >= limits.max_files_per_assessment:
        raise Invalid(_("This assessment already has %(count)d files, the most allowed.")
                      % {"count": limits.max_files_per_assessment}, code="assessment_file_limit")
    if (used["bytes"] or 0) + size > limits.quota_bytes:
        raise Invalid(_("This file would take the assessment over its %(mb)d MB storage quota.")
                      % {"mb": limits.quota_bytes // MB}, code="quota")


def evidence_delete(*, evidence: Evidence, actor, request=None) -> None:
    """Delete the row now; the blob goes once the deletion is committed (diagnosis/signals.py), so
    a rollback never leaves a row pointing at a missing file."""
    require_editor(evidence.assessment, actor)
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=evidence.assessment_id)
        require_editable(locked)
        deleted, _rows = Evidence.objects.filter(pk=evidence.pk).delete()
        if not deleted:
            return  # a concurrent request removed it already, and audited it
        audit_log(action="evidence.delete", actor=actor, request=request, obj=evidence,
                  detail={"assessment": locked.pk, "item": evidence.item_code, "name": evidence.original_name,
                          "sha256": evidence.sha256})


def evidence_open(*, evidence: Evidence, actor, request=None):
    """Open the stored file for download. Its SHA-256 must still match the upload's. Permission
    is the caller's job, through the access helpers. Raises EvidenceUnavailable (audited as
    evidence.integrity_failed) when the blob is missing or altered."""
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except FileNotFoundError:
        _integrity_failed(evidence, actor, request, "missing")
    try:
        intact = file_sha256(handle) == evidence.sha256
    except BaseException:
        handle.close()
        raise
    if not intact:
        handle.close()
        _integrity_failed(evidence, actor, request, "tampered")
    handle.seek(0)
    audit_log(action="evidence.download", actor=actor, request=request, obj=evidence,
              detail={"assessment": evidence.assessment_id, "item": evidence.item_code, "size": evidence.size})
    return handle


def _integrity_failed(evidence: Evidence, actor, request, reason: str) -> NoReturn:
    audit_log(action="evidence.integrity_failed", outcome=AuditEvent.Outcome.FAILURE, actor=actor,
              request=request, obj=evidence,
              detail={"assessment": evidence.assessment_id, "reason": reason, "sha256": evidence.sha256})
    if reason == "missing":
        raise EvidenceMissing(_("This file is no longer available. Ask the enterprise to upload it again."),
                              code=reason)
    raise EvidenceTampered(_("This file no longer matches what was uploaded and is withheld. The incident has "
                             "been recorded."), code=reason)
