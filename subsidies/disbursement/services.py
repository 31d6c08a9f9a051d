"""Disbursement: decided applications go in batches to the finance department; marking a batch
paid moves each payment's money from reserved to disbursed once. Paying twice changes nothing."""

import uuid

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import Forbidden, Invalid
from portal.roles import is_bureau_staff, staff_region_path
from subsidies import budget, transitions
from subsidies.models import Application, Disbursement, DisbursementBatch, ProgrammeVersion
from subsidies.transitions import audited_refusals


def _scope(actor):
    path = staff_region_path(actor) if is_bureau_staff(actor) else None
    if path is None:
        raise Forbidden(_("Only bureau staff handle disbursements."), code="forbidden")
    return path


@audited_refusals("batch_create")
def batch_create(*, version: ProgrammeVersion, actor, applications=None, request=None) -> DisbursementBatch:
    """A batch of the version's decided, not yet batched applications in the actor's region (all of
    them, or those chosen), sent to finance. Applications with a voucher are left out: the voucher
    is paid through its own flow (use → verify → pay), so batching them would pay the money twice."""
    path = _scope(actor)
    with transaction.atomic():
        candidates = (Application.objects.select_for_update(of=("self",))
                      .filter(version=version, status=Application.Status.DECIDED, region__path__startswith=path,
                              disbursement__isnull=True, voucher__isnull=True).order_by("pk"))
        if applications is not None:
            candidates = candidates.filter(pk__in=[a.pk for a in applications])
        chosen = list(candidates)
        if not chosen:
            raise Invalid(_("No approved application is waiting for payment here."), code="nothing_to_pay")
        batch = DisbursementBatch.objects.create(
            reference=f"tmp-{uuid.uuid4().hex[:20]}", version=version, region=actor.region,
            status=DisbursementBatch.Status.SENT, created_by=actor, sent_at=timezone.now())
        batch.reference = f"PAY{timezone.localdate().year}-{batch.pk:05d}"
        Disbursement.objects.bulk_create([Disbursement(batch=batch, application=a, amount=a.decided_amount)
                                          for a in chosen])
        batch.total = sum((a.decided_amount for a in chosen), start=0)
        batch.save(update_fields=["reference", "total"])
        audit_log(action="subsidy_batch.create", actor=actor, request=request, obj=batch,
                  detail={"before": None, "after": {"status": batch.status, "total": str(batch.total),
                                                    "applications": [a.reference for a in chosen]}})
    return batch


@audited_refusals("batch_pay")
def batch_pay(*, batch: DisbursementBatch, actor, request=None) -> tuple[DisbursementBatch, int]:
    """Finance confirmed the transfer: each unpaid payment is paid once (its application → disbursed,
    its budget line's ``disbursed`` grows). Idempotent: a paid batch or payment is left alone; the
    second call returns (batch, 0)."""
    path = _scope(actor)
    with transaction.atomic():
        locked = DisbursementBatch.objects.select_for_update().select_related("region").get(pk=batch.pk)
        if not locked.region.path.startswith(path):
            raise Forbidden(_("This batch is not in your jurisdiction."), code="out_of_region")
        if locked.status == DisbursementBatch.Status.PAID:
            return locked, 0
        paid = 0
        for payment in locked.payments.select_for_update().filter(paid_at__isnull=True).order_by("pk"):
            application, target = transitions.lock(payment.application, actor, "pay", None, versioned=False)
            if not budget.pay(application.budget_line, payment.amount):
                raise Invalid(_("The budget line does not hold this reservation; nothing was paid."),
                              code="not_reserved")
            before = transitions.state(application)
            payment.paid_at = timezone.now()
            payment.save(update_fields=["paid_at"])
            application.status = target
            transitions.record(application, actor=actor, action="pay", before=before, request=request,
                               fields=("status",), detail={"batch": locked.reference, "amount": str(payment.amount)})
            paid += 1
        before = {"status": locked.status}
        locked.status, locked.paid_at, locked.paid_by = DisbursementBatch.Status.PAID, timezone.now(), actor
        locked.save(update_fields=["status", "paid_at", "paid_by"])
        audit_log(action="subsidy_batch.pay", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": {"status": locked.status}, "paid": paid,
                          "total": str(locked.payments.aggregate(s=Sum("amount"))["s"])})
    return locked, paid
