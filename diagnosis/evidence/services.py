"""Writes and audited reads for evidence files.

add: checked, within limits, stored under a random name. delete: the row and the blob.
open: for download, after an integrity check.
A file on disk always has a row that points at it. The row goes first; the blob follows only
after commit.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from diagnosis.fill.services import require_editable, require_editor
from diagnosis.models import Assessment, Evidence
from diagnosis.spec import get_spec
from portal.audit import audit_log
from portal.exceptions import Invalid
from portal.files import MB, UploadRejected, check_upload, open_verified
from portal.models import AuditEvent


@dataclass(frozen=True)
class EvidenceLimits:
    max_bytes: int
    max_files_per_item: int
    max_files_per_assessment: int
    quota_bytes: int


def evidence_limits() -> EvidenceLimits:
    return EvidenceLimits(
        max_bytes=getattr(settings, "EVIDENCE_MAX_BYTES", 20 * MB),
        max_files_per_item=getattr(settings, "EVIDENCE_MAX_FILES_PER_ITEM", 5),
        max_files_per_assessment=getattr(settings, "EVIDENCE_MAX_FILES_PER_ASSESSMENT", 100),
        quota_bytes=getattr(settings, "EVIDENCE_QUOTA_BYTES", 200 * MB),
    )


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
    except UploadRejected as exc:
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
            # Images are stored re-encoded (CheckedFile.stored), everything else as uploaded.
            evidence.file.save("upload", checked.stored(upload), save=False)  # name from evidence_upload_to
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
    is the caller's job, through the access helpers. Raises StoredFileUnavailable (audited as
    evidence.integrity_failed) when the blob is missing or altered."""
    handle = open_verified(
        evidence.file, sha256=evidence.sha256, actor=actor, obj=evidence, request=request,
        failure_action="evidence.integrity_failed", detail={"assessment": evidence.assessment_id},
        missing=_("This file is no longer available. Ask the enterprise to upload it again."),
        tampered=_("This file no longer matches what was uploaded and is withheld. The incident has been "
                   "recorded."))
    audit_log(action="evidence.download", actor=actor, request=request, obj=evidence,
              detail={"assessment": evidence.assessment_id, "item": evidence.item_code, "size": evidence.size})
    return handle
