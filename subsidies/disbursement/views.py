"""Disbursement batches (staff): the decided applications waiting for payment per programme
version, a new batch to finance, marking a batch paid (idempotent), and the Excel exports of
batches and decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.roles import is_bureau_staff, staff_region_path
from subsidies import exports
from subsidies.disbursement import services
from subsidies.models import Application, DisbursementBatch, ProgrammeVersion


def _staff(request) -> str:
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    return staff_region_path(request.user)


def _batches(path):
    return (DisbursementBatch.objects.filter(region__path__startswith=path)
            .select_related("version__programme", "region", "created_by").order_by("-created_at", "-pk"))


def _waiting(request):
    return (Application.objects.visible_to(request.user)
            .filter(status=Application.Status.DECIDED, disbursement__isnull=True,
                    voucher__isnull=True)
            .select_related("version__programme", "enterprise", "region").order_by("version", "decided_at"))


def _page(request, status=200):
    path = _staff(request)
    waiting = list(_waiting(request))
    versions = {}
    for a in waiting:
        versions.setdefault(a.version, []).append(a)
    return render(request, "subsidies/disbursement/batches.html", {
        "batches": _batches(path)[:100], "waiting": versions.items()}, status=status)


@login_required
@require_GET
def batches(request):
    return _page(request)


def _run(request, perform, done):
    try:
        perform()
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return _page(request, status=status_for(exc))
    messages.success(request, done)
    return redirect("subsidies:batches")


@login_required
@require_POST
def batch_create(request):
    _staff(request)
    raw = request.POST.get("version", "")
    version = ProgrammeVersion.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None
    if version is None:
        raise Http404
    return _run(request, lambda: services.batch_create(version=version, actor=request.user, request=request),
                _("Batch sent to the finance department."))


def _batch(request, pk):
    path = _staff(request)
    batch = _batches(path).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@login_required
@require_POST
def batch_pay(request, pk):
    batch = _batch(request, pk)

    def perform():
        _batch_after, paid = services.batch_pay(batch=batch, actor=request.user, request=request)
        if not paid:
            messages.info(request, _("This batch was already paid; nothing was paid twice."))

    return _run(request, perform, _("Batch marked paid."))


@login_required
@require_GET
def batch_export(request, pk):
    batch = _batch(request, pk)
    columns = [(_("Batch"), 14), *exports.application_columns(), (_("Amount (yuan)"), 16), (_("Paid at"), 18),
               *exports.payee_columns()]
    rows = ([batch.reference, *exports.application_cells(p.application), p.amount, p.paid_at,
             *exports.payee_cells(p.application.enterprise)]
            for p in batch.payments.select_related("application__version__programme", "application__enterprise",
                                                   "application__region"))
    return exports.workbook_response(request=request, title=_("Disbursement batch"), name=f"subsidy-{batch.reference}",
                                     columns=columns, rows=rows, action="subsidy_export.batch",
                                     detail={"batch": batch.reference})


@login_required
@require_GET
def decisions_export(request):
    _staff(request)
    rows = (Application.objects.visible_to(request.user).filter(decided_at__isnull=False)
            .select_related("version__programme", "enterprise", "region", "decided_by").order_by("decided_at", "pk"))
    columns = [*exports.application_columns(), (_("Programme version"), 10), (_("Verified investment (yuan)"), 18),
               (_("Decided amount (yuan)"), 18), (_("Decided at"), 18), (_("Decided by"), 14)]
    cells = ([*exports.application_cells(a), a.version.number, a.verified_investment, a.decided_amount,
              a.decided_at, a.decided_by.get_username() if a.decided_by else ""] for a in rows)
    return exports.workbook_response(request=request, title=_("Decisions"), name="subsidy-decisions",
                                     columns=columns, rows=cells, action="subsidy_export.decisions")
