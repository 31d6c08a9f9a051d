"""Writes on capability profiles: drafts and per-section saves, certificate uploads, submit and
withdraw by the provider; approve and reject by bureau staff of the provider's region; case
confirmations by the named client enterprise.

Every write locks the provider row and then its versions (`select_for_update`, always in that
order), checks the version's state and the optimistic `edit_version` the page or client sent, and
appends an audit event with what changed, in the same transaction. Publishing re-projects the
listing in that transaction too, so the directory never shows a version staff did not approve.
A provider never edits a published version: only a draft takes section saves.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.results.needs import CATEGORY_CODES
from portal.audit import audit_log
from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.files import MB, UploadRejected, check_upload, open_verified
from portal.models import AuditEvent, Enterprise, Provider
from portal.permissions import can_write_for
from portal.roles import is_bureau_staff
from providers.models import CaseConfirmation, ProfileVersion, ProviderDocument
from providers.profiles import notifications
from providers.profiles.catalog import known_items
from providers.profiles.document import (
    KEYED_SECTIONS,
    SECTIONS,
    Parsed,
    Problem,
    diff,
    expired_qualifications,
    parse,
)
from providers.profiles.errors import problem_message, section_label
from providers.profiles.projection import project

S = ProfileVersion.Status
REASON_MAX = 1000
NOTE_MAX = 2000
SECTION_MAX_BYTES = 512 * 1024  # one section's JSON; a whole document stays well under a few MB


class ProfileInvalid(Invalid):
    """Submit refused: the document still has problems; `problems` lists them (path, code)."""

    def __init__(self, message, problems: tuple[Problem, ...], code: str = "profile_invalid"):
        super().__init__(message, code=code)
        self.problems = problems


@dataclass(frozen=True)
class SaveResult:
    version: ProfileVersion
    problems: tuple[Problem, ...]  # the saved section's problems (shown, never blocking a draft)


# --- reading a document ------------------------------------------------------------------------------


def parse_document(document, *, today=None) -> Parsed:
    return parse(document, today=today or timezone.localdate(), categories=CATEGORY_CODES,
                 known_items=known_items())


def document_problems(version: ProfileVersion) -> tuple[Problem, ...]:
    """The document's own problems plus certificate files that are not this provider's."""
    parsed = parse_document(version.document)
    return parsed.problems + _document_ref_problems(version.provider_id, parsed)


def _document_ref_problems(provider_id: int, parsed: Parsed) -> tuple[Problem, ...]:
    wanted = {q.document for q in parsed.profile.qualifications if q.document is not None}
    if not wanted:
        return ()
    mine = set(ProviderDocument.objects.filter(provider_id=provider_id, pk__in=wanted).values_list("pk", flat=True))
    return tuple(Problem(f"qualifications.{i}.document", "unknown_document")
                 for i, q in enumerate(parsed.profile.qualifications) if q.document is not None and q.document not in mine)


def _minimum_problems(parsed: Parsed) -> tuple[Problem, ...]:
    """What a profile must have before staff see it: a summary, a contact and one capability area."""
    profile = parsed.profile
    out = []
    if not profile.facts.summary:
        out.append(Problem("facts.summary", "required"))
    if not profile.facts.contacts:
        out.append(Problem("facts.contacts", "required"))
    if not profile.capabilities:
        out.append(Problem("capabilities", "required"))
    return tuple(p for p in out if p not in parsed.problems)


def change_summary(before_document, after_document) -> list[dict]:
    """What changed, for the audit trail: section, kind, entry and the changed field names."""
    before = parse_document(before_document or {}).profile
    after = parse_document(after_document or {}).profile
    return [{"section": c.section, "kind": c.kind, "entry": c.label[:100], "fields": [f[0] for f in c.fields]}
            for c in diff(before, after)][:100]


# --- guards ------------------------------------------------------------------------------------------


def _require_writer(actor, provider: Provider) -> None:
    if not can_write_for(actor, provider):
        raise Forbidden(_("Only the provider's owners and editors can change its profile."), code="forbidden")


def _lock(provider_id: int) -> dict[int, ProfileVersion]:
    """Lock the provider row, then all its versions; returns the versions by pk."""
    Provider.objects.select_for_update().only("pk").get(pk=provider_id)
    return {v.pk: v for v in ProfileVersion.objects.select_for_update().filter(provider_id=provider_id)}


def _locked(version: ProfileVersion) -> tuple[ProfileVersion, dict[int, ProfileVersion]]:
    versions = _lock(version.provider_id)
    locked = versions.get(version.pk)
    if locked is None:  # pragma: no cover - versions are never deleted
        raise Conflict(_("This profile version no longer exists."), code="gone")
    locked.provider = version.provider
    return locked, versions


def _published(versions: dict[int, ProfileVersion]) -> ProfileVersion | None:
    return next((v for v in versions.values() if v.status == S.PUBLISHED), None)


def _require_draft(locked: ProfileVersion) -> None:
    if locked.status == S.DRAFT:
        return
    if locked.status == S.SUBMITTED:
        raise WrongState(_("This version has been submitted for approval and cannot be edited. Withdraw it "
                           "first to edit it again."), code="submitted")
    if locked.status == S.PUBLISHED:
        raise WrongState(_("A published profile is never edited in place: start a change (a new draft), "
                           "edit that and submit it for approval."), code="published")
    raise WrongState(_("This version is “%(status)s” and can no longer be edited.")
                     % {"status": locked.get_status_display()}, code="not_editable")


def _require_edit_version(locked: ProfileVersion, expected) -> None:
    if expected is None:
        return
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        raise Invalid(_("Bad version."), code="bad_version") from None
    if locked.edit_version != expected:
        raise Conflict(_("Someone else saved this profile after you opened it (now at save %(now)d, you had "
                         "%(mine)d). Nothing was saved: reload to see their changes, then make yours again.")
                       % {"now": locked.edit_version, "mine": expected}, code="stale")


def _text(value, *, limit: int, required: bool = False, missing: str = "", code: str = "text") -> str:
    if value is not None and not isinstance(value, str):
        raise Invalid(_("Enter plain text."), code=f"{code}_invalid")
    value = (value or "").strip()
    if "\x00" in value:
        raise Invalid(_("The text contains a character that is not allowed."), code=f"{code}_invalid")
    if required and not value:
        raise Invalid(missing, code=f"{code}_required")
    if len(value) > limit:
        raise Invalid(_("At most %(limit)d characters, please.") % {"limit": limit}, code=f"{code}_too_long")
    return value


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _clean_section(section: str, data):
    if section not in SECTIONS:
        raise Invalid(_("Unknown profile section."), code="unknown_section")
    shape = dict if section == "facts" else list
    if not isinstance(data, shape):
        raise Invalid(_("%(section)s: the value has the wrong form.") % {"section": section_label(section)},
                      code="bad_shape")
    if _has_nul(data):
        # PostgreSQL cannot store U+0000 in JSON: refuse it as bad input rather than fail on save.
        raise Invalid(_("The text contains a character that is not allowed."), code="nul")
    try:
        size = len(json.dumps(data, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        raise Invalid(_("%(section)s: the value has the wrong form.") % {"section": section_label(section)},
                      code="bad_shape") from None
    if size > SECTION_MAX_BYTES:
        raise Invalid(_("This section is too large to save."), code="too_large")
    if section in KEYED_SECTIONS:
        # New entries get their stable key here, so clients need not invent UUIDs.
        data = [({**entry, "key": str(uuid.uuid4())} if isinstance(entry, dict) and not entry.get("key") else entry)
                for entry in data]
    return data


# --- provider: drafts ----------------------------------------------------------------------------------


def start_draft(*, provider: Provider, actor, request=None) -> ProfileVersion:
    """The provider's open version (draft or submitted) if there is one; otherwise a new draft
    copied from the published version (or empty), with that version as its base. A draft after a
    rejection starts from the rejected document while its base is still the published one, so the
    provider fixes what staff objected to instead of starting over."""
    _require_writer(actor, provider)
    with transaction.atomic():
        versions = _lock(provider.pk)
        open_ = next((v for v in versions.values() if v.status in ProfileVersion.OPEN), None)
        if open_ is not None:
            return open_
        published = _published(versions)
        latest = max(versions.values(), key=lambda v: v.number, default=None)
        source = published.document if published else {}
        started_from = published.number if published else None
        if latest is not None and latest.status == S.REJECTED and latest.base_id == (published.pk if published else None):
            source, started_from = latest.document, latest.number
        version = ProfileVersion.objects.create(
            provider=provider, number=(latest.number if latest else 0) + 1, status=S.DRAFT,
            document=copy.deepcopy(source or {}), base=published, created_by=actor)
        audit_log(action="profile.draft_start", actor=actor, request=request, obj=version,
                  detail={"provider": provider.pk, "number": version.number, "copied_from": started_from,
                          "base": published.number if published else None})
    return version


def save_section(*, version: ProfileVersion, section: str, data, edit_version, actor, request=None) -> SaveResult:
    """Autosave one section of a draft. A stale `edit_version` is a Conflict (nothing saved); a
    submitted or published version refuses (WrongState). The draft may be incomplete: the section's
    problems come back for display and only block submitting."""
    _require_writer(actor, version.provider)
    data = _clean_section(section, data)
    with transaction.atomic():
        locked, _versions = _locked(version)
        _require_draft(locked)
        _require_edit_version(locked, edit_version)
        before = copy.deepcopy(locked.document) if isinstance(locked.document, dict) else {}
        document = dict(before)
        document[section] = data
        locked.document = document
        locked.edit_version += 1
        locked.save(update_fields=["document", "edit_version", "updated_at"])
        audit_log(action="profile.section_save", actor=actor, request=request, obj=locked,
                  detail={"section": section, "edit_version": locked.edit_version,
                          "changes": change_summary(before, document)})
    problems = tuple(p for p in document_problems(locked)
                     if p.path == section or p.path.startswith(f"{section}."))
    return SaveResult(locked, problems)


def discard_draft(*, version: ProfileVersion, actor, request=None) -> ProfileVersion:
    """Give up a draft change: it is kept as withdrawn, the published version stays as it is."""
    _require_writer(actor, version.provider)
    with transaction.atomic():
        locked, _versions = _locked(version)
        _require_draft(locked)
        locked.status = S.WITHDRAWN
        locked.edit_version += 1
        locked.save(update_fields=["status", "edit_version", "updated_at"])
        audit_log(action="profile.discard", actor=actor, request=request, obj=locked,
                  detail={"before": {"status": S.DRAFT}, "after": {"status": S.WITHDRAWN}})
    return locked


# --- provider: certificate files -------------------------------------------------------------------------


def document_limits() -> dict:
    return {"max_bytes": getattr(settings, "PROVIDER_DOCUMENT_MAX_BYTES", 10 * MB),
            "max_files": getattr(settings, "PROVIDER_DOCUMENT_MAX_FILES", 100),
            "quota_bytes": getattr(settings, "PROVIDER_DOCUMENT_QUOTA_BYTES", 300 * MB)}


def upload_document(*, provider: Provider, upload, actor, request=None) -> ProviderDocument:
    """Check and store a qualification certificate (portal/files.py: type by content, disguised
    and active files refused). Nothing stays on disk when it is refused."""
    _require_writer(actor, provider)
    limits = document_limits()
    try:
        checked = check_upload(upload, name=upload.name or "", size=upload.size, max_bytes=limits["max_bytes"])
    except UploadRejected as exc:
        audit_log(action="profile.document_upload", outcome=AuditEvent.Outcome.FAILURE, actor=actor,
                  request=request, obj=provider, detail={"reason": exc.code, "size": upload.size})
        raise exc.as_refusal() from None
    document = ProviderDocument(provider=provider, original_name=checked.name, content_type=checked.kind.content_type,
                                size=checked.size, sha256=checked.sha256, uploaded_by=actor)
    stored = None
    try:
        with transaction.atomic():
            _lock(provider.pk)
            used = ProviderDocument.objects.filter(provider=provider).aggregate(files=Count("pk"), bytes=Sum("size"))
            if used["files"] >= limits["max_files"]:
                raise Invalid(_("This provider already has %(count)d files, the most allowed.")
                              % {"count": limits["max_files"]}, code="file_limit")
            if (used["bytes"] or 0) + checked.size > limits["quota_bytes"]:
                raise Invalid(_("This file would take the provider over its %(mb)d MB storage quota.")
                              % {"mb": limits["quota_bytes"] // MB}, code="quota")
            upload.seek(0)
            document.file.save(f"{uuid.uuid4().hex}.{checked.kind.code}", upload, save=False)
            stored = document.file.name
            document.save()
            audit_log(action="profile.document_upload", actor=actor, request=request, obj=document,
                      detail={"provider": provider.pk, "name": checked.name, "type": checked.kind.code,
                              "size": checked.size, "sha256": checked.sha256})
    except BaseException:
        if stored is not None:
            document.file.storage.delete(stored)
        raise
    return document


def open_document(*, document: ProviderDocument, actor, request=None):
    """Open a certificate for download after its integrity check; permission is the caller's."""
    handle = open_verified(
        document.file, sha256=document.sha256, actor=actor, obj=document, request=request,
        failure_action="profile.document_integrity_failed", detail={"provider": document.provider_id},
        missing=_("This file is no longer available. Ask the provider to upload it again."),
        tampered=_("This file no longer matches what was uploaded and is withheld. The incident has been "
                   "recorded."))
    audit_log(action="profile.document_download", actor=actor, request=request, obj=document,
              detail={"provider": document.provider_id, "size": document.size})
    return handle


# --- provider: submit and withdraw ------------------------------------------------------------------------


def _summary_of(problems) -> str:
    shown = [problem_message(p) for p in problems[:10]]
    more = len(problems) - len(shown)
    text = "；".join(shown)
    if more > 0:
        text += _(" … and %(n)d more.") % {"n": more}
    return text


def submit(*, version: ProfileVersion, reason: str = "", actor, edit_version=None, request=None) -> ProfileVersion:
    """Send a draft for staff approval. The whole document must parse without problems, and no
    qualification may have expired; a change to a published profile needs its reason."""
    _require_writer(actor, version.provider)
    reason = _text(reason, limit=REASON_MAX, code="reason")
    with transaction.atomic():
        locked, versions = _locked(version)
        _require_draft(locked)
        _require_edit_version(locked, edit_version)
        if locked.base_id is not None and not reason:
            raise Invalid(_("Say what changed and why: staff read it with the changes."), code="reason_required")
        parsed = parse_document(locked.document)
        problems = parsed.problems + _minimum_problems(parsed) + _document_ref_problems(locked.provider_id, parsed)
        if problems:
            raise ProfileInvalid(_("The profile cannot be submitted yet: %(problems)s")
                                 % {"problems": _summary_of(problems)}, problems)
        today = timezone.localdate()
        expired = expired_qualifications(parsed.profile, today)
        if expired:
            names = "、".join(f"{q.name or q.kind}（{q.expires:%Y-%m-%d}）" for q in expired)
            problems = tuple(Problem(f"qualifications.{i}.expires", "expired")
                             for i, q in enumerate(parsed.profile.qualifications) if q in expired)
            raise ProfileInvalid(_("These qualifications have expired: %(names)s. Upload the renewed certificate "
                                   "and its new expiry date, or remove the qualification, then submit again.")
                                 % {"names": names}, problems, code="expired_qualification")
        locked.status = S.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.submitted_by = actor
        locked.change_reason = reason
        locked.decision_note = ""
        locked.edit_version += 1
        locked.save()
        base = versions.get(locked.base_id)
        audit_log(action="profile.submit", actor=actor, request=request, obj=locked,
                  detail={"before": {"status": S.DRAFT}, "after": {"status": S.SUBMITTED}, "reason": reason,
                          "base": base.number if base else None,
                          "changes": change_summary(base.document if base else {}, locked.document)})
    return locked


def withdraw(*, version: ProfileVersion, actor, request=None) -> ProfileVersion:
    """Take a submitted version back to draft (to edit it again) before staff decide."""
    _require_writer(actor, version.provider)
    with transaction.atomic():
        locked, _versions = _locked(version)
        if locked.status != S.SUBMITTED:
            raise WrongState(_("Only a version awaiting approval can be withdrawn; this one is “%(status)s”.")
                             % {"status": locked.get_status_display()}, code="not_submitted")
        locked.status = S.DRAFT
        locked.edit_version += 1
        locked.save(update_fields=["status", "edit_version", "updated_at"])
        audit_log(action="profile.withdraw", actor=actor, request=request, obj=locked,
                  detail={"before": {"status": S.SUBMITTED}, "after": {"status": S.DRAFT}})
    return locked


# --- staff: decisions ------------------------------------------------------------------------------------


def can_decide(user, version: ProfileVersion) -> bool:
    """Bureau staff whose region covers the provider's."""
    return bool(is_bureau_staff(user) and user.is_active
                and ProfileVersion.objects.visible_to(user).filter(pk=version.pk).exists())


def _decision_guard(locked: ProfileVersion, staff, expected_state) -> None:
    if not can_decide(staff, locked):
        raise Forbidden(_("Only bureau staff of the provider's region can decide on its profile."), code="forbidden")
    if locked.status != S.SUBMITTED:
        raise Conflict(_("This version is now “%(status)s”, so it can no longer be decided. The page shows its "
                         "current state.") % {"status": locked.get_status_display()}, code="already_decided")
    if expected_state is not None:
        try:
            stale = int(expected_state) != locked.edit_version
        except (TypeError, ValueError):
            raise Invalid(_("Bad version."), code="bad_version") from None
        if stale:
            raise Conflict(_("The provider changed this version after you opened it. Nothing was decided: "
                             "check the current version and decide again."), code="stale")


def _audited_refusal(action: str, version, staff, request, exc) -> None:
    audit_log(action="profile.decision_refused", outcome=AuditEvent.Outcome.FAILURE, actor=staff, request=request,
              obj=version, detail={"action": action, "reason": exc.code})


def _sync_confirmations(provider_id: int, parsed: Parsed) -> set[int]:
    """One pending confirmation per case naming an enterprise on the portal (by USCC). A case whose
    client changed starts over as pending for the new client; a confirmed case stays confirmed."""
    named = {c.key: c.client_uscc for c in parsed.profile.cases if c.client_uscc}
    if not named:
        return set()
    enterprises = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=set(named.values()))}
    existing = {c.case_key: c for c in CaseConfirmation.objects.filter(provider_id=provider_id, case_key__in=named)}
    asked: set[int] = set()
    for key, uscc in named.items():
        enterprise = enterprises.get(uscc)
        if enterprise is None:
            continue
        current = existing.get(key)
        if current is None:
            CaseConfirmation.objects.create(provider_id=provider_id, case_key=key, enterprise=enterprise)
            asked.add(enterprise.pk)
        elif current.enterprise_id != enterprise.pk:
            current.enterprise = enterprise
            current.status = CaseConfirmation.Status.PENDING
            current.decided_at = current.decided_by = None
            current.note = ""
            current.save()
            asked.add(enterprise.pk)
    return asked


def approve(*, version: ProfileVersion, staff, note: str = "", expected_state=None, request=None) -> ProfileVersion:
    """Publish a submitted version: the previous published one is superseded (kept), the listing
    is re-projected and client confirmations are requested, all in this transaction."""
    note = _text(note, limit=NOTE_MAX, code="note")
    try:
        with transaction.atomic():
            locked, versions = _locked(version)
            _decision_guard(locked, staff, expected_state)
            published = _published(versions)
            if locked.base_id != (published.pk if published else None):
                raise Conflict(_("A newer version has been published since this draft was started: return it to the provider to "
                                 "edit it again."), code="base_moved")
            parsed = parse_document(locked.document)
            problems = parsed.problems + _document_ref_problems(locked.provider_id, parsed)
            if problems:
                raise ProfileInvalid(_("This version no longer passes the profile checks (%(problems)s): reject it "
                                       "so the provider can correct it.") % {"problems": _summary_of(problems)},
                                     problems)
            now = timezone.now()
            if published is not None:
                published.status = S.SUPERSEDED
                published.save(update_fields=["status", "updated_at"])
            locked.status = S.PUBLISHED
            locked.decided_at = locked.published_at = now
            locked.decided_by = staff
            locked.decision_note = note
            locked.edit_version += 1
            locked.save()
            requested = _sync_confirmations(locked.provider_id, parsed)
            locked.provider = Provider.objects.select_related("region").get(pk=locked.provider_id)
            project([(locked, parsed.profile)])
            audit_log(action="profile.approve", actor=staff, request=request, obj=locked,
                      detail={"before": {"status": S.SUBMITTED, "published": published.number if published else None},
                              "after": {"status": S.PUBLISHED, "published": locked.number}, "note": note,
                              "confirmations_requested": sorted(requested),
                              "changes": change_summary(published.document if published else {}, locked.document)})
            notifications.profile_approved(locked)
            notifications.cases_to_confirm(requested, locked.provider.name)
    except (Conflict, Forbidden, Invalid, WrongState) as exc:
        _audited_refusal("approve", version, staff, request, exc)
        raise
    return locked


def reject(*, version: ProfileVersion, staff, note: str, expected_state=None, request=None) -> ProfileVersion:
    """Send a submitted version back with the reason; the published version stays as it is."""
    try:
        note = _text(note, limit=NOTE_MAX, required=True, code="note",
                     missing=_("Tell the provider what to correct."))
        with transaction.atomic():
            locked, _versions = _locked(version)
            _decision_guard(locked, staff, expected_state)
            locked.status = S.REJECTED
            locked.decided_at = timezone.now()
            locked.decided_by = staff
            locked.decision_note = note
            locked.edit_version += 1
            locked.save()
            audit_log(action="profile.reject", actor=staff, request=request, obj=locked,
                      detail={"before": {"status": S.SUBMITTED}, "after": {"status": S.REJECTED}, "note": note})
            notifications.profile_rejected(locked)
    except (Conflict, Forbidden, Invalid, WrongState) as exc:
        _audited_refusal("reject", version, staff, request, exc)
        raise
    return locked


# --- enterprise: case confirmations -----------------------------------------------------------------------


def _reproject(provider_id: int) -> None:
    published = (ProfileVersion.objects.select_related("provider__region")
                 .filter(provider_id=provider_id, status=S.PUBLISHED).first())
    if published is not None:
        project([(published, parse_document(published.document).profile)])


def decide_case(*, confirmation: CaseConfirmation, confirm: bool, actor, note: str = "",
                request=None) -> CaseConfirmation:
    """The named client confirms (a verified case) or declines a case; the listing's counts follow."""
    note = _text(note, limit=500, code="note")
    if not can_write_for(actor, confirmation.enterprise):
        raise Forbidden(_("Only the enterprise's owners and editors can confirm its cases."), code="forbidden")
    with transaction.atomic():
        _lock(confirmation.provider_id)
        locked = CaseConfirmation.objects.select_for_update().get(pk=confirmation.pk)
        if locked.status != CaseConfirmation.Status.PENDING:
            raise Conflict(_("This case has already been answered (“%(status)s”).")
                           % {"status": locked.get_status_display()}, code="already_decided")
        target = CaseConfirmation.Status.CONFIRMED if confirm else CaseConfirmation.Status.DECLINED
        locked.status = target
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.note = note
        locked.save()
        _reproject(locked.provider_id)
        audit_log(action="profile.case_confirm" if confirm else "profile.case_decline", actor=actor, request=request,
                  obj=locked, detail={"provider": locked.provider_id, "case": locked.case_key,
                                      "before": {"status": CaseConfirmation.Status.PENDING},
                                      "after": {"status": target}, "note": note})
    return locked


def confirm_case(*, confirmation, actor, note: str = "", request=None) -> CaseConfirmation:
    return decide_case(confirmation=confirmation, confirm=True, actor=actor, note=note, request=request)


def decline_case(*, confirmation, actor, note: str = "", request=None) -> CaseConfirmation:
    return decide_case(confirmation=confirmation, confirm=False, actor=actor, note=note, request=request)
