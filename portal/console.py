"""The admin console (Django admin on settings.ADMIN_URL): who may do what there and the audit of
everything done there, in one place for every registered model, the third-party ones included.

- Rights come from the duty table `portal.roles.CONSOLE_DUTIES` alone (三员, docs/security.md R5):
  every ModelAdmin registered on the console gets `ConsoleModelAdmin` mixed in, whose
  has_*_permission methods ask `console_may`. Django model permissions and is_superuser grant
  nothing here. Bulk deletion is off: a bulk action could not check each object's owner.
- Every page read is an audit event (`admin.view`, with the page and the object), every change
  one too (`admin.add`, `admin.change`, `admin.delete`, written in the same transaction as the
  change through the admin's log_* hooks), and every refusal (`admin.denied`) (R21).
"""

from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404

from portal.audit import audit_denied, audit_log, client_ip
from portal.roles import console_may

# Admin pages that carry no data (the admin's JavaScript catalogue): not worth an audit row each.
_UNAUDITED_PAGES = {"jsi18n"}

# The URL keyword arguments that carry an object's primary key in admin URLs.
_OBJECT_KWARGS = ("object_id", "id", "pk")


class ConsoleModelAdmin(admin.ModelAdmin):
    """Mixed into every ModelAdmin registered on the console (ConsoleSite.register)."""

    def console_account(self, obj):
        """The account `obj` belongs to (None: nobody's), which decides whether an administrator's
        account would be touched. Admins of account-bound models override this."""
        return None

    def console_may(self, request, action: str, obj=None) -> bool:
        account = self.console_account(obj) if obj is not None else None
        return console_may(request.user, self.opts.label_lower, action, account)

    def has_module_permission(self, request):
        return self.console_may(request, "view")

    def has_view_permission(self, request, obj=None):
        return self.console_may(request, "view", obj)

    def has_add_permission(self, request, *args):
        return self.console_may(request, "add")

    def has_change_permission(self, request, obj=None):
        return self.console_may(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self.console_may(request, "delete", obj)

    def get_actions(self, request):
        # Deny by default: an action that names no duty (allowed_permissions) is not offered.
        return {name: entry for name, entry in super().get_actions(request).items()
                if getattr(entry[0], "allowed_permissions", None)}

    # Changes: Django calls these inside the transaction that makes the change.
    def log_addition(self, request, obj, message):
        audit_log(action="admin.add", request=request, obj=obj, detail={"change": _plain(message)})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_log(action="admin.change", request=request, obj=obj, detail={"change": _plain(message)})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_log(action="admin.delete", request=request, obj=obj, detail={"repr": str(obj)[:200]})
        return super().log_deletions(request, queryset)


def _plain(message) -> str:
    """The admin's change message (a JSON list or a string) as stored text, bounded."""
    return str(message)[:1000]


def _subject(view, kwargs) -> tuple[str, str]:
    """(model label, object id) of an admin view call, as far as the view says."""
    model_admin = getattr(view, "__self__", None)
    model = getattr(model_admin, "model", None)
    label = model._meta.label_lower if model is not None else ""
    object_id = next((str(unquote(kwargs[k])) for k in _OBJECT_KWARGS if k in kwargs), "")
    return label, object_id[:64]


class ConsoleSite(admin.AdminSite):
    """The default admin site (portal.apps.ConsoleAdminConfig), guarded and audited."""

    site_url = "/"

    def __init__(self, name="admin"):
        super().__init__(name)
        self.disable_action("delete_selected")

    @property
    def site_header(self):
        return settings.PORTAL_NAME

    @property
    def site_title(self):
        return settings.PORTAL_NAME

    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, ConsoleModelAdmin):
            base = type(base.__name__, (ConsoleModelAdmin, base), {"__module__": base.__module__})
        return super().register(model_or_iterable, base, **options)

    def has_permission(self, request):
        # 等保 8.1.4.4 c: management only from allowed addresses; elsewhere the console does not exist.
        if client_ip(request) not in settings.ADMIN_ALLOWED_IPS:
            raise Http404
        user = request.user
        if not user.is_authenticated:
            return False  # to the one sign-in page, and back here afterwards
        if not (user.is_active and user.is_staff and user.is_verified()):
            # Signed in without console rights: refuse plainly. Sending them to sign in again would loop.
            raise PermissionDenied
        return True

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        def audited(request, *args, **kwargs):
            label, object_id = _subject(view, kwargs)
            match = getattr(request, "resolver_match", None)
            page = match.url_name if match is not None else ""
            try:
                response = guarded(request, *args, **kwargs)
            except PermissionDenied:
                if request.user.is_authenticated:
                    audit_denied(request, request.user, "admin.denied", label, object_id)
                raise
            if (request.method in ("GET", "HEAD") and response.status_code == 200
                    and request.user.is_authenticated and page not in _UNAUDITED_PAGES):
                audit_log(action="admin.view", request=request, object_type=label, object_id=object_id,
                          detail={"page": page, "query": request.GET.urlencode()[:500]})
            return response

        return update_wrapper(audited, view)

    def login(self, request, extra_context=None):
        # One sign-in path for everybody, so lockout, audit and TOTP apply to administrators too.
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())

    def password_change(self, request, extra_context=None):
        # An administrator's own password changes on the portal's page (old password, staff rules,
        # audit), never through the console.
        from django.shortcuts import redirect

        return redirect("portal:password-change")

    def logout(self, request, extra_context=None):
        from portal.views import logout_view

        return logout_view(request)
