"""Site shell, authentication steps, registration, enterprise records, staff verification, audit page."""

import base64
import io
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from portal.access import get_for_user
from portal.audit import audit_log
from portal.errors import status_for
from portal.exceptions import DomainError
from portal.extensions import home_cards, home_panels, landing_lines
from portal.forms import (
    INVALID_LOGIN,
    AccountForm,
    EnterpriseEditForm,
    EnterpriseForm,
    InviteForm,
    LoginForm,
    OTPForm,
    ProviderForm,
)
from portal.models import AuditEvent, Enterprise, EnterpriseChangeRequest, OrgStatus, Provider, User
from portal.permissions import is_owner_of
from portal.roles import ADMIN_ROLES, is_bureau_staff, is_expert


def _safe_next(request, default="portal:home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def home(request):
    """One home per role; anonymous visitors get the public landing page."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "portal/landing.html", {"lines": landing_lines()})
    # Cards registered by higher apps (portal/extensions.py) join every role's home page.
    cards = {"home_cards": home_cards(user), "home_panels": home_panels(user)}
    if user.staff_role in ADMIN_ROLES:
        return render(request, "portal/home_admin.html", cards)
    if is_bureau_staff(user):
        enterprises = Enterprise.objects.visible_to(user)
        return render(request, "portal/home_staff.html", {
            "pending_enterprises": enterprises.filter(status=OrgStatus.PENDING).count(),
            "verified_enterprises": enterprises.filter(status=OrgStatus.VERIFIED).count(),
            "pending_providers": Provider.objects.visible_to(user).filter(status=OrgStatus.PENDING).count(),
            "pending_changes": EnterpriseChangeRequest.objects.visible_to(user).pending().count(),
            **cards,
        })
    if is_expert(user):
        return render(request, "portal/home_expert.html", cards)
    memberships = user.memberships.select_related("enterprise__region", "provider__region")
    return render(request, "portal/home_member.html", {"memberships": memberships, **cards})


# The password step's verdict for an enrolled staff member, kept in the (anonymous) session until
# the code step: {"user_id", "password_ok", "at"}. One code attempt per password entry.
PENDING_SIGN_IN_KEY = "portal_pending_sign_in"
PENDING_SIGN_IN_SECONDS = 300


class LoginView(auth_views.LoginView):
    """Step one: password (axes counts failures through authenticate()). Ordinary accounts are signed
    in; staff with a TOTP device go on to the code step whatever their password, and learn whether
    both were right only there (LoginForm); staff without one are signed in and sent to enrol by
    RequireTwoFactorMiddleware."""

    template_name = "portal/login.html"
    redirect_authenticated_user = True
    form_class = LoginForm

    def form_valid(self, form):
        if form.pending is None:
            return super().form_valid(form)
        self.request.session[PENDING_SIGN_IN_KEY] = {**form.pending, "at": time.time()}
        target = reverse("portal:otp-verify")
        next_url = self.get_redirect_url()
        return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)


@require_POST
def logout_view(request):
    auth_views.auth_logout(request)  # flushes the session: the old cookie is worthless
    return redirect("portal:home")


def _pending_sign_in(request) -> dict | None:
    pending = request.session.get(PENDING_SIGN_IN_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SIGN_IN_SECONDS:
        return None
    return pending


@never_cache
def otp_verify(request):
    """Step two. After the password step (no session yet): signs in only when the password was right
    and the code is right, and otherwise answers exactly like a wrong password, back on the sign-in
    page. A signed-in staff member whose session lacks the second factor verifies it here too."""
    if not request.user.is_authenticated:
        return _otp_after_password(request)
    device = request.user.totpdevice_set.filter(confirmed=True).first()
    if device is None:
        return redirect("portal:otp-setup")
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # verify_is_allowed()/verify_token() apply django-otp's throttling and reject a replayed code.
        allowed, _info = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["otp_token"]):
            otp_login(request, device)
            audit_log(action="auth.otp_verified", request=request)
            return redirect(_safe_next(request))
        audit_log(action="auth.otp_failed", outcome=AuditEvent.Outcome.FAILURE, request=request)
        form.add_error("otp_token", _("The code is wrong or expired, or too many attempts were made. "
                                      "Wait for the next code and try again."))
    return render(request, "portal/otp_verify.html", {"form": form, "next": _safe_next(request, "")})


def _otp_after_password(request):
    pending = _pending_sign_in(request)
    if pending is None:
        return redirect_to_login(_safe_next(request, reverse("portal:home")))
    form = OTPForm(request.POST or None)
    if request.method != "POST":
        return render(request, "portal/otp_verify.html", {"form": form, "next": _safe_next(request, "")})
    del request.session[PENDING_SIGN_IN_KEY]  # one code attempt per password entry
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    device = user.totpdevice_set.filter(confirmed=True).first() if user is not None else None
    if pending["password_ok"] and device is not None:
        if form.is_valid() and device.verify_is_allowed()[0] and device.verify_token(form.cleaned_data["otp_token"]):
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            audit_log(action="auth.otp_verified", request=request)
            return redirect(_safe_next(request))
        # A right password with a wrong code is a failed sign-in like a wrong password: axes counts it.
        audit_log(action="auth.otp_failed", outcome=AuditEvent.Outcome.FAILURE, actor=user, request=request)
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    # The sign-in page exactly as a wrong password leaves it: the username kept, the one message.
    login_form = LoginForm(request, initial={"username": user.get_username() if user is not None else ""})
    login_form.full_clean()  # unbound: no errors of its own
    login_form.cleaned_data = {}
    login_form.add_error(None, ValidationError(INVALID_LOGIN, code="invalid_login"))
    return render(request, "portal/login.html", {"form": login_form, "next": _safe_next(request, "")})


@login_required
@never_cache
def otp_setup(request):
    """First login of a staff member: enrol a TOTP authenticator (the secret is shown once)."""
    if request.user.totpdevice_set.filter(confirmed=True).exists():
        return redirect("portal:otp-verify")
    device, _created = TOTPDevice.objects.get_or_create(user=request.user, confirmed=False,
                                                        defaults={"name": "default"})
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and device.verify_token(form.cleaned_data["otp_token"]):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        audit_log(action="auth.otp_enrolled", request=request)
        return redirect(_safe_next(request))
    if request.method == "POST" and form.is_valid():
        form.add_error("otp_token", _("The code does not match. Check the time on your phone and retry."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "portal/otp_setup.html", {
        "form": form, "secret": secret, "qr_svg": _qr_svg(device.config_url), "next": _safe_next(request, ""),
    })


def _qr_svg(data: str) -> str:
    import qrcode
    import qrcode.image.svg

    buffer = io.BytesIO()
    qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return "data:image/svg+xml;utf8," + quote(buffer.getvalue().decode())


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset.html"
    email_template_name = "portal/email/password_reset.txt"
    subject_template_name = "portal/email/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password-reset-done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_log(action="auth.password_reset", actor=form.user, request=self.request)
        messages.success(self.request, _("Your password has been set. Please sign in."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "portal/password_change.html"
    success_url = "/"

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session, other sessions lose their hash
        audit_log(action="auth.password_change", request=self.request)
        messages.success(self.request, _("Your password has been changed."))
        return response


def _get_org(request, kind: str, pk):
    """The enterprise or provider `pk` through its access helper; an unknown kind is 404."""
    model = {"enterprise": Enterprise, "provider": Provider}.get(kind)
    if model is None:
        raise Http404
    return get_for_user(model.objects.select_related("region"), pk, user=request.user, request=request)


def register(request, kind):
    """Self-registration of an enterprise or a provider; staff verify it before it can act."""
    if kind not in ("enterprise", "provider"):
        raise Http404
    if kind == "enterprise" and "claim" in request.GET:
        return _register_claim(request, request.GET.get("claim", ""))
    org_form_class = EnterpriseForm if kind == "enterprise" else ProviderForm
    account = AccountForm(request.POST or None, prefix="account")
    org = org_form_class(request.POST or None, prefix="org")
    if request.method == "POST" and account.is_valid() and org.is_valid():
        try:
            services.organisation_register(kind=kind, user_data=account.user_data(),
                                           org_data=org.cleaned_data, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Registration received. Bureau staff will verify your organisation; "
                                        "you can sign in now and will be able to submit once verified."))
            return redirect("portal:login")
    return render(request, "portal/register.html", {"account_form": account, "org_form": org, "kind": kind})


def _register_claim(request, token: str):
    """Registration that claims the record a bureau imported (portal/claims.py): the form shows the
    record pre-filled; a damaged, expired or used link gets a page that says so."""
    from portal.claims import claimable

    try:
        enterprise = claimable(token)
    except DomainError as exc:
        return render(request, "portal/claim_invalid.html", {"message": exc.message}, status=status_for(exc))
    account = AccountForm(request.POST or None, prefix="account")
    org = EnterpriseForm(request.POST or None, prefix="org", instance=enterprise)
    org.fields["uscc"].disabled = True
    if request.method == "POST" and account.is_valid() and org.is_valid():
        data = {k: v for k, v in org.cleaned_data.items() if k != "uscc"}
        try:
            services.enterprise_claim(token=token, user_data=account.user_data(), org_data=data, request=request)
        except DomainError as exc:
            return render(request, "portal/claim_invalid.html", {"message": exc.message}, status=status_for(exc))
        messages.success(request, _("Registration received. Bureau staff will verify your organisation; "
                                    "you can sign in now and will be able to submit once verified."))
        return redirect("portal:login")
    return render(request, "portal/register.html", {"account_form": account, "org_form": org, "kind": "enterprise",
                                                    "claim": enterprise})


def _change_context(enterprise) -> dict:
    """The enterprise's pending change request (with its sentence) and its recent history."""
    from portal.changes.api import change_request_message

    history = list(enterprise.change_requests.select_related(
        "old_region", "new_region", "old_park", "new_park", "decide_region")[:10])
    pending = next((c for c in history if c.status == EnterpriseChangeRequest.Status.PENDING), None)
    return {"pending_change": pending, "change_requests": history,
            "change_message": change_request_message(pending) if pending else ""}


@login_required
def enterprise_detail(request, pk):
    enterprise = get_for_user(Enterprise.objects.select_related("region", "park"), pk, user=request.user,
                              request=request)
    members = enterprise.memberships.select_related("user") if not request.user.staff_role else None
    return render(request, "portal/enterprise_detail.html", {"enterprise": enterprise, "members": members,
                                                             **_change_context(enterprise)})


@login_required
def enterprise_edit(request, pk):
    enterprise = get_for_user(Enterprise.objects.select_related("region", "park"), pk, user=request.user,
                              write=True, request=request)
    changes = _change_context(enterprise)
    form = EnterpriseEditForm(request.POST or None, instance=enterprise, pending_change=changes["pending_change"])
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            result = services.enterprise_update(enterprise=enterprise, actor=request.user, data=data,
                                                request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = status_for(exc)
        else:
            if result.change_request is not None:
                from portal.changes.api import change_request_message

                messages.warning(request, _("Your other changes are saved.") + " "
                                 + change_request_message(result.change_request))
            else:
                messages.success(request, _("Saved."))
            return redirect("portal:enterprise-detail", pk=pk)
    elif request.method == "POST":
        status = 422
    return render(request, "portal/enterprise_form.html", {"form": form, "enterprise": enterprise, **changes},
                  status=status)


@login_required
def members(request, kind, pk):
    """Members of an organisation; its owners add colleagues (who get a set-password e-mail)."""
    org = _get_org(request, kind, pk)
    if request.user.staff_role:
        raise PermissionDenied  # staff see records, not who works there
    is_owner = is_owner_of(request.user, org)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.membership_invite(organisation=org, actor=request.user, request=request, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Member added; a link to set the password was e-mailed."))
                return redirect("portal:members", kind=kind, pk=pk)
    return render(request, "portal/members.html", {
        "org": org, "kind": kind, "form": form, "is_owner": is_owner,
        "memberships": org.memberships.select_related("user").order_by("role", "user__username"),
    })


@login_required
@require_POST
def member_remove(request, kind, pk, membership_pk):
    org = _get_org(request, kind, pk)
    if not is_owner_of(request.user, org):
        raise PermissionDenied
    membership = get_object_or_404(org.memberships, pk=membership_pk)
    try:
        services.membership_remove(membership=membership, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:members", kind=kind, pk=pk)


@login_required
def provider_detail(request, pk):
    provider = get_for_user(Provider.objects.select_related("region"), pk, user=request.user, request=request)
    return render(request, "portal/provider_detail.html", {"provider": provider})


@login_required
def staff_registrations(request):
    """Bureau staff: registrations awaiting verification in their jurisdiction."""
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    status = request.GET.get("status", OrgStatus.PENDING)
    if status not in OrgStatus.values:
        status = OrgStatus.PENDING
    enterprises = Enterprise.objects.visible_to(request.user).filter(status=status).select_related("region")
    providers = Provider.objects.visible_to(request.user).filter(status=status).select_related("region")
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    return render(request, "portal/staff_registrations.html", {
        "page": page, "providers": providers[:50], "status": status, "statuses": OrgStatus.choices,
    })


@login_required
@require_POST
def staff_verify(request, kind, pk):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    org = _get_org(request, kind, pk)
    decision = request.POST.get("decision")
    if decision not in ("verify", "reject"):
        messages.error(request, _("Unknown decision."))
        return redirect("portal:staff-registrations")
    try:
        services.organisation_verify(org=org, actor=request.user, approve=decision == "verify", request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s: decision recorded.") % {"name": org.name})
    return redirect("portal:staff-registrations")


@require_GET
def healthz(request):
    """Liveness for load balancers: database and broker status as JSON (public, no data)."""
    result = {"database": "ok", "broker": "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        result["database"] = "error"
        status = 503
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from portal.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except Exception:
            result["broker"] = "error"
            status = 503
    result["status"] = "ok" if status == 200 else "error"
    return JsonResponse(result, status=status)


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
