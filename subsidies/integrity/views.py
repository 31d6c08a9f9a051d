"""Integrity pages: an organisation's payee account (numbers shown masked, never pre-filled), the
integrity flags of one application (staff; refresh, override by city staff) and the open flags of
the staff member's region, and the invoices an application claims."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import get_for_user
from portal.audit import audit_staff_read
from portal.errors import status_for
from portal.exceptions import DomainError
from portal.models import Enterprise, Provider
from portal.permissions import can_write_for
from portal.roles import StaffRole, is_bureau_staff
from subsidies.integrity import forms, services
from subsidies.integrity.models import IntegrityFlag, PayeeAccount
from subsidies.models import Application

KINDS = {"enterprise": Enterprise, "provider": Provider}


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_GET
def payee_mine(request):
    """The home card's target: the payee page of the user's first enterprise, else provider."""
    if request.user.staff_role:
        raise PermissionDenied
    for kind, model in KINDS.items():
        organisation = model.objects.filter(memberships__user=request.user).order_by("pk").first()
        if organisation is not None:
            return redirect("integrity:payee", kind=kind, pk=organisation.pk)
    raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def payee_account(request, kind, pk):
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    organisation = get_for_user(model.objects.all(), pk, user=request.user, request=request)
    account = PayeeAccount.objects.filter(**{kind: organisation}).first()
    can_edit = not request.user.staff_role and can_write_for(request.user, organisation)
    if account is not None and is_bureau_staff(request.user):
        audit_staff_read(request, account)
    # Never pre-filled: the full numbers are not sent back to the browser once stored.
    form = forms.PayeeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.save_payee_account(organisation=organisation, actor=request.user, values=form.cleaned_data,
                                            request=request)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("The payee account is saved."))
                return redirect("integrity:payee", kind=kind, pk=organisation.pk)
        else:
            messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
            status = 422
    return render(request, "subsidies/integrity/payee.html", {
        "organisation": organisation, "account": account, "form": form, "can_edit": can_edit}, status=status)


def _flags_page(request, application, *, status=200):
    flags = list(IntegrityFlag.objects.filter(application=application).select_related("overridden_by"))
    can_override = request.user.staff_role == StaffRole.CITY and IntegrityFlag.objects.writable_by(
        request.user).filter(application=application).exists()
    return render(request, "subsidies/integrity/flags.html", {
        "application": application, "can_override": can_override,
        "flags": [(flag, services.flag_reason(flag), forms.OverrideForm(initial={"state_version": flag.state_version}))
                  for flag in flags],
        "blocking": sum(1 for f in flags if f.status == IntegrityFlag.Status.OPEN)}, status=status)


def _staff_application(request, pk):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    return get_for_user(Application.objects.select_related("enterprise", "provider", "version__programme", "region"),
                        pk, user=request.user, request=request)


@login_required
@require_GET
def application_flags(request, pk):
    return _flags_page(request, _staff_application(request, pk))


@login_required
@require_POST
def application_flags_refresh(request, pk):
    application = _staff_application(request, pk)
    services.refresh_flags(application, actor=request.user, request=request)
    messages.success(request, _("The checks ran again."))
    return redirect("integrity:flags", pk=application.pk)


@login_required
@require_POST
def flag_override(request, pk):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    flag = get_for_user(IntegrityFlag.objects.select_related("application"), pk, user=request.user, write=True,
                        request=request)
    form = forms.OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
        return _flags_page(request, flag.application, status=422)
    try:
        services.override_flag(flag=flag, actor=request.user, justification=form.cleaned_data["justification"],
                               expected_version=form.cleaned_data["state_version"], request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _flags_page(request, flag.application, status=status_for(exc))
    messages.success(request, _("The flag is overridden; the justification is on record."))
    return redirect("integrity:flags", pk=flag.application_id)


@login_required
@require_GET
def flag_queue(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    flags = (IntegrityFlag.objects.visible_to(request.user).filter(status=IntegrityFlag.Status.OPEN)
             .select_related("application__enterprise").order_by("found_at", "pk")[:500])
    return render(request, "subsidies/integrity/queue.html", {
        "flags": [(flag, services.flag_reason(flag)) for flag in flags]})


@login_required
@require_http_methods(["GET", "POST"])
def application_invoices(request, pk):
    application = get_for_user(Application.objects.select_related("enterprise"), pk, user=request.user,
                               request=request)
    can_edit = Application.objects.writable_by(request.user).filter(pk=application.pk).exists() and \
        application.status in (Application.Status.DRAFT, Application.Status.RETURNED)
    form = forms.InvoiceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_invoice(application=application, actor=request.user, request=request,
                                     **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("The invoice is listed."))
                return redirect("integrity:invoices", pk=application.pk)
        else:
            messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
            status = 422
    return render(request, "subsidies/integrity/invoices.html", {
        "application": application, "invoices": application.invoices.all(), "form": form, "can_edit": can_edit},
        status=status)
