"""Session lifetime, mandatory two-factor for staff, security headers and denial auditing."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY

from portal.errors import bad_request
from portal.roles import is_privileged

LOGIN_TIME_KEY = "portal_login_time"


class SessionLifetimeMiddleware:
    """Absolute session lifetime (12 h by default) on top of the 30-minute idle expiry that
    SESSION_COOKIE_AGE + SESSION_SAVE_EVERY_REQUEST give (docs/security.md R3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(LOGIN_TIME_KEY)
            if started is None or time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("Your session has expired. Please sign in again.")}, status=401)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
        return self.get_response(request)


class RememberSecondFactorMiddleware:
    """Placed before django-otp's OTPMiddleware: notes whether the session was verified with a
    device, because django-otp silently drops that note when the device has been revoked, and
    RequireTwoFactorMiddleware then ends such a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.otp_verified_before = DEVICE_ID_SESSION_KEY in request.session
        return self.get_response(request)


# Paths a signed-in but not yet second-factor-verified staff member may reach.
_TWO_FACTOR_EXEMPT_NAMES = ("portal:login", "portal:logout", "portal:otp-verify", "portal:otp-setup",
                            "portal:password-change", "set_language", "healthz")


class RequireTwoFactorMiddleware:
    """Staff and administrators must pass TOTP before any other page (docs/security.md R4); privileged
    passwords older than PASSWORD_MAX_AGE_PRIVILEGED must be changed first (R1)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None

    def exempt_paths(self) -> tuple[str, ...]:
        if self._exempt is None:
            self._exempt = tuple(reverse(name) for name in _TWO_FACTOR_EXEMPT_NAMES)
        return self._exempt

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and is_privileged(user):
            if getattr(request, "otp_verified_before", False) and not user.is_verified():
                # The device this session was verified with has been revoked (a two-factor reset):
                # the session ends, so only someone with the password can enrol a new device.
                logout(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            path = request.path
            exempt = path.startswith(settings.STATIC_URL) or path in self.exempt_paths()
            if not exempt and not user.is_verified():
                if path.startswith("/api/"):
                    return JsonResponse({"detail": _("Two-factor verification is required."), "code": "otp_required"},
                                        status=403)
                has_device = user.totpdevice_set.filter(confirmed=True).exists()
                target = "portal:otp-verify" if has_device else "portal:otp-setup"
                return redirect(f"{reverse(target)}?next={path}")
            changed = user.password_changed_at
            if (not exempt and changed is not None
                    and timezone.now() - changed > settings.PASSWORD_MAX_AGE_PRIVILEGED):
                return redirect("portal:password-change")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """CSP (no inline scripts, nothing from other origins) and no-store on pages that carry
    confidential enterprise data."""

    CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
           "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
           "frame-ancestors 'none'")

    # Browser features the portal never uses are switched off for it and anything it embeds.
    PERMISSIONS = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                   "payment=(), usb=(), interest-cohort=()")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.CSP)
        response.setdefault("Permissions-Policy", self.PERMISSIONS)
        if request.user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            response.setdefault("Cache-Control", "no-store")
        return response


class AuditDeniedMiddleware:
    """Every 403 a signed-in user receives is a permission denial worth an audit row (R21)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403 and getattr(request, "user", None) is not None \
                and request.user.is_authenticated and not getattr(request, "_denial_audited", False):
            from portal.audit import audit_denied

            audit_denied(request, request.user, "access.forbidden")
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in a query or form parameter is refused with 400 before any view runs: PostgreSQL
    text cannot hold one, so it would otherwise surface as a server error wherever the value reaches
    a query (filters, lookups, audit rows). Multipart bodies are left to their views, which may
    set their own upload handlers (reading them here would fix the handlers too early); JSON bodies
    are the API parsers' business."""

    FORM_TYPES = ("application/x-www-form-urlencoded",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        params = [request.GET]
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            params.append(request.POST)
        if any("\x00" in key or any("\x00" in value for value in values)
               for query in params for key, values in query.lists()):
            return bad_request(request, message=_("The request contains a character that is not allowed (a NUL "
                                                  "byte). Remove it and try again."))
        return self.get_response(request)
