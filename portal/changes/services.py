"""Writes for enterprise change requests: filing one (from the enterprise's own update) and the
bureau's decision. Each is atomic, locks the enterprise first and then the request, and is audited
with the protected state before and after."""

import copy

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import Conflict, Forbidden, Invalid
from portal.models import Enterprise, EnterpriseChangeRequest, Region
from portal.roles import is_bureau_staff

PROTECTED_FIELDS = EnterpriseChangeRequest.PROTECTED_FIELDS


def protected_snapshot(enterprise: Enterprise) -> dict:
    """The protected state as plain data for the audit trail (regions by code)."""
    return {"name": enterprise.name, "uscc": enterprise.uscc,
            "region": enterprise.region.code if enterprise.region_id else None,
            "park": enterprise.park.code if enterprise.park_id else None}


def _district_of(region: Region) -> Region:
    return region.ancestor_at(Region.Level.DISTRICT) or region


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(str(m) for messages in exc.message_dict.values() for m in messages)
    return " ".join(str(m) for m in exc.messages)


def change_request_file(*, enterprise: Enterprise, actor, changes: dict, request=None) -> EnterpriseChangeRequest:
    """File the protected `changes` of `enterprise` (locked by the caller, inside its transaction)
    as a request. The requested state is checked now (a park inside the district, a free USCC) so
    the enterprise hears about a mistake at once, and again when the bureau approves."""
    if enterprise.change_requests.pending().exists():
        raise Conflict(_("A change of name, code, district or park is already awaiting the bureau's decision. "
                         "You can file another one once it is decided."), code="change_pending")
    probe = copy.copy(enterprise)
    for field, value in changes.items():
        setattr(probe, field, value)
    try:
        probe.full_clean(exclude=[f.name for f in Enterprise._meta.fields if f.name not in PROTECTED_FIELDS])
    except ValidationError as exc:
        raise Invalid(_validation_message(exc), code="invalid_change") from None
    moves = probe.region_id != enterprise.region_id or probe.park_id != enterprise.park_id
    change_request = EnterpriseChangeRequest(
        enterprise=enterprise, requested_by=actor,
        decide_region=_district_of(probe.region if moves else enterprise.region),
        old_name=enterprise.name, new_name=probe.name, old_uscc=enterprise.uscc, new_uscc=probe.uscc,
        old_region=enterprise.region, new_region=probe.region, old_park=enterprise.park, new_park=probe.park,
    )
    try:
        with transaction.atomic():
            change_request.save()
    except IntegrityError:  # a concurrent filing won the one-pending slot
        raise Conflict(_("A change of name, code, district or park is already awaiting the bureau's decision. "
                         "You can file another one once it is decided."), code="change_pending") from None
    audit_log(action="enterprise.change_request", actor=actor, request=request, obj=enterprise,
              detail={"change_request": change_request.pk, "before": protected_snapshot(enterprise),
                      "after": protected_snapshot(probe)})
    return change_request


@transaction.atomic
def change_request_decide(*, change_request: EnterpriseChangeRequest, actor, approve: bool, reason: str = "",
                          request=None) -> EnterpriseChangeRequest:
    """The deciding jurisdiction's staff approve (the enterprise's record takes the requested
    values) or reject (nothing moves) a pending request. A second or stale decision is a Conflict."""
    if not is_bureau_staff(actor):
        raise Forbidden(_("Only bureau staff can decide change requests."), code="not_staff")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise Invalid(_("Give the enterprise a reason for the rejection."), code="reason_required")
    # No joins in the locking query: PostgreSQL's re-check of a row updated meanwhile can drop an
    # outer-joined row, and the regions are read lazily anyway.
    enterprise = Enterprise.objects.select_for_update().get(pk=change_request.enterprise_id)
    locked = EnterpriseChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if not EnterpriseChangeRequest.objects.writable_by(actor).filter(pk=locked.pk).exists():
        raise Forbidden(_("Only the bureau of the deciding district can decide this request."),
                        code="not_deciding_district")
    if locked.status != EnterpriseChangeRequest.Status.PENDING:
        raise Conflict(_("This change request has already been decided (%(status)s). Reload the page to see "
                         "the current state.") % {"status": locked.get_status_display()}, code="already_decided")
    before = protected_snapshot(enterprise)
    if approve:
        current = (enterprise.name, enterprise.uscc, enterprise.region_id, enterprise.park_id)
        if current != (locked.old_name, locked.old_uscc, locked.old_region_id, locked.old_park_id):
            raise Conflict(_("The enterprise's record changed since this request was filed; it cannot be "
                             "applied as it stands. Reject it and ask the enterprise to file it again."),
                           code="stale_request")
        for field in PROTECTED_FIELDS:
            setattr(enterprise, field, getattr(locked, f"new_{field}"))
        try:
            enterprise.full_clean()
        except ValidationError as exc:
            raise Conflict(_("The requested values can no longer be applied: %(problem)s")
                           % {"problem": _validation_message(exc)}, code="change_not_applicable") from None
        enterprise.save()
    locked.status = EnterpriseChangeRequest.Status.APPROVED if approve else EnterpriseChangeRequest.Status.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_log(action=f"enterprise.change_{'approve' if approve else 'reject'}", actor=actor, request=request,
              obj=enterprise, detail={"change_request": locked.pk, "before": before,
                                      "after": protected_snapshot(enterprise), "reason": reason})
    return locked
