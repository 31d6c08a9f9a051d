"""Voucher pages: the list (each role sees its own slice), one voucher with the staff steps, the
provider's "use a voucher" form and the staff's direct issue.

Access: 404 outside the user's scope (portal.access), 403 without the role. A refused action shows
the page again with the reason: 422 for invalid input, 409 when the voucher moved on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.models import Enterprise, Provider
from portal.roles import WRITE_ROLES, is_bureau_staff
from subsidies.vouchers import forms, selectors, services
from subsidies.vouchers.models import Voucher


def _writable_providers(user):
    return Provider.objects.filter(memberships__user=user, memberships__role__in=WRITE_ROLES).distinct()


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_GET
def voucher_list(request):
    status = request.GET.get("status", "")
    return render(request, "subsidies/vouchers/list.html", {
        "vouchers": selectors.vouchers_for(request.user, status)[:500], "status": status,
        "statuses": Voucher.Status.choices, "is_staff": is_bureau_staff(request.user),
        "can_use": not request.user.staff_role and _writable_providers(request.user).exists()})


def _detail_page(request, voucher, *, status=200):
    staff = is_bureau_staff(request.user) and Voucher.objects.writable_by(request.user).filter(pk=voucher.pk).exists()
    return render(request, "subsidies/vouchers/detail.html", {
        "voucher": voucher, "files": voucher.files.all(), "staff": staff,
        "form": forms.VerifyForm(initial={"state_version": voucher.state_version})}, status=status)


@login_required
@require_GET
def voucher_detail(request, pk):
    voucher = get_for_user(Voucher.objects.select_related("enterprise", "provider", "version__programme", "region"),
                           pk, user=request.user, request=request)
    return _detail_page(request, voucher)


@login_required
@require_POST
def voucher_step(request, pk, step):
    if step not in ("verify", "pay"):
        raise PermissionDenied
    voucher = get_for_user(Voucher.objects.select_related("enterprise", "region"), pk, user=request.user, write=True,
                           request=request)
    form = forms.VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
        return _detail_page(request, voucher, status=422)
    try:
        if step == "verify":
            services.verify_voucher(voucher=voucher, actor=request.user, request=request, note=form.cleaned_data["note"],
                                    expected_version=form.cleaned_data["state_version"])
            messages.success(request, _("The voucher is verified."))
        else:
            services.pay_voucher(voucher=voucher, actor=request.user, request=request,
                                 expected_version=form.cleaned_data["state_version"])
            messages.success(request, _("The payment is recorded."))
    except Forbidden as exc:
        messages.error(request, exc.message)
        return _detail_page(request, Voucher.objects.get(pk=voucher.pk), status=403)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail_page(request, Voucher.objects.get(pk=voucher.pk), status=status_for(exc))
    return redirect("vouchers:detail", pk=voucher.pk)


@login_required
@require_http_methods(["GET", "POST"])
def voucher_use(request):
    providers = list(_writable_providers(request.user)) if not request.user.staff_role else []
    if not providers:
        raise PermissionDenied
    provider = providers[0]
    if request.method == "POST" and len(providers) > 1:
        chosen = request.POST.get("provider", "")
        provider = next((p for p in providers if str(p.pk) == chosen), None)
        if provider is None:
            raise PermissionDenied
    form = forms.UseForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                voucher = services.use_voucher(
                    code=data["code"], provider=provider, actor=request.user, contract_number=data["contract_number"],
                    contract_amount=data["contract_amount"], contract_file=data["contract_file"],
                    payment_file=data["payment_file"], request=request)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("The voucher is used: ¥%(amount)s of the contract is covered.")
                                 % {"amount": voucher.redeemed_amount})
                return redirect("vouchers:detail", pk=voucher.pk)
        else:
            messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
            status = 422
    return render(request, "subsidies/vouchers/use.html", {"form": form, "providers": providers,
                                                            "provider": provider}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def voucher_issue(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    form = forms.IssueForm(request.POST or None, versions=selectors.issuable_versions(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            enterprise = Enterprise.objects.visible_to(request.user).filter(uscc=data["uscc"].upper()).first()
            if enterprise is None:
                messages.error(request, _("No enterprise in your jurisdiction has this credit code."))
                status = 422
            else:
                try:
                    voucher = services.issue_voucher_direct(version=data["version"], enterprise=enterprise,
                                                            face_value=data["face_value"], actor=request.user,
                                                            request=request)
                except DomainError as exc:
                    messages.error(request, exc.message)
                    status = status_for(exc)
                else:
                    messages.success(request, _("Voucher %(code)s is issued.") % {"code": voucher.code})
                    return redirect("vouchers:detail", pk=voucher.pk)
        else:
            messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
            status = 422
    return render(request, "subsidies/vouchers/issue.html", {"form": form}, status=status)
