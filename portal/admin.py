"""The admin console's pages, on a non-default path, for the system and security administrators.
Who may do what is the duty table in portal/roles.py (CONSOLE_DUTIES); the site that enforces it
and audits every page and change is portal/console.py. No superusers; no administrator acts on an
administrator's account here, their own included; nobody ever sees a second-factor secret."""

from functools import partial

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from portal.audit import audit_log
from portal.console import ConsoleModelAdmin
from portal.exceptions import DomainError, Forbidden
from portal.models import AuditEvent, Enterprise, Membership, Provider, Region, User
from portal.roles import ADMIN_ROLES, BUREAU_ROLES, StaffRole

# Third-party apps and models named by bare labels ("Axes", "Otp_Totp", "TOTP device"): the console
# shows them in the portal's words (axes' own field names are translated in the portal's catalogue).
apps.get_app_config("axes").verbose_name = _("Sign-in lockouts")
apps.get_app_config("otp_totp").verbose_name = _("Two-factor devices")
TOTPDevice._meta.verbose_name = _("two-factor device")
TOTPDevice._meta.verbose_name_plural = _("two-factor devices")


def _run_per_account(model_admin, request, accounts, service, done_message):
    """Apply a credential service to each account; refusals are reported one by one (and a refused
    duty audited, after the service's rolled-back transaction), never a 500."""
    done = 0
    for account in accounts:
        try:
            service(account=account, actor=request.user, request=request)
        except DomainError as refusal:
            if isinstance(refusal, Forbidden):
                audit_log(action="admin.denied", outcome=AuditEvent.Outcome.DENIED, request=request,
                          obj=account, detail={"path": request.path, "action": request.POST.get("action", "")})
            model_admin.message_user(request, f"{account.get_username()}: {refusal.message}", messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(request, done_message(done), messages.SUCCESS)


class _RoleRegionMixin:
    """Say in words what the database constraint portal_user_region_matches_role refuses."""

    def clean(self):
        cleaned = super().clean()
        if "staff_role" in cleaned and "region" in cleaned:
            bureau = cleaned["staff_role"] in BUREAU_ROLES
            if bureau != (cleaned["region"] is not None):
                self.add_error("region", _("District, city and province bureau staff have a jurisdiction; "
                                           "other accounts have none."))
        return cleaned


class ConsoleUserCreationForm(_RoleRegionMixin, forms.ModelForm):
    """A new account has no password anyone chose: the owner sets it through an e-mailed link."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "phone", "staff_role", "region"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."), code="duplicate")
        return username


class ConsoleUserChangeForm(_RoleRegionMixin, UserChangeForm):
    pass


@admin.register(User)
class UserAdmin(ConsoleModelAdmin, DjangoUserAdmin):
    """Ordinary accounts for the system administrator; password and two-factor resets for the
    security administrator. Superuser status, staff flag, raw permissions and groups are not
    editable at all, and the three administrator roles are assigned only from the command line."""

    form = ConsoleUserChangeForm
    add_form = ConsoleUserCreationForm
    add_form_template = "admin/change_form.html"  # Django's user add page is about passwords
    list_display = ["username", "first_name", "staff_role", "region", "is_active", "last_login"]
    list_filter = ["staff_role", "is_active"]
    fieldsets = (
        (None, {"fields": ["username"]}),
        (_("Personal information"), {"fields": ["first_name", "last_name", "email", "phone"]}),
        (_("Role and jurisdiction"), {"fields": ["staff_role", "region", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    )
    add_fieldsets = (
        (None, {"fields": ["username"]}),
        (_("Personal information"), {"fields": ["first_name", "last_name", "email", "phone"],
                                     "description": _("The new user sets a password through a link "
                                                      "mailed to this address.")}),
        (_("Role and jurisdiction"), {"fields": ["staff_role", "region"]}),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_password", "reset_totp"]

    def console_account(self, obj):
        return obj

    def has_reset_password_permission(self, request):
        return self.console_may(request, "reset_password")

    def has_reset_totp_permission(self, request):
        return self.console_may(request, "reset_totp")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "staff_role":
            kwargs["choices"] = [c for c in StaffRole.choices if c[0] not in ADMIN_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        from portal.jobs import enqueue_on_commit
        from portal.services import set_password_email_send
        from portal.tasks import send_set_password_email

        obj.set_unusable_password()
        obj.save()
        # The new owner's set-password link; with the broker down it goes out from this request.
        enqueue_on_commit(send_set_password_email, obj.pk,
                          otherwise=partial(set_password_email_send, user_id=obj.pk))

    def user_change_password(self, request, id, form_url=""):
        # Nobody chooses another person's password: resets go through the owner's e-mail.
        raise PermissionDenied

    @admin.action(permissions=["reset_password"],
                  description=_("Reset password: the owner sets a new one through an e-mailed link"))
    def reset_password(self, request, queryset):
        _run_per_account(self, request, queryset, services.console_password_reset, lambda n: ngettext(
            "%(count)d password reset; the owner was mailed a link to set a new one.",
            "%(count)d passwords reset; the owners were mailed a link to set a new one.", n) % {"count": n})

    @admin.action(permissions=["reset_totp"],
                  description=_("Reset two-factor: revoke the device; the owner enrols again at next sign-in"))
    def reset_totp(self, request, queryset):
        _run_per_account(self, request, queryset, services.console_totp_reset, _totp_reset_message)


def _totp_reset_message(n: int) -> str:
    return ngettext("Two-factor reset for %(count)d account; it enrols a new authenticator at next sign-in.",
                    "Two-factor reset for %(count)d accounts; they enrol a new authenticator at next sign-in.",
                    n) % {"count": n}


admin.site.unregister(TOTPDevice)


class ConfirmedFilter(admin.SimpleListFilter):
    title = _("confirmed")
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [("1", _("Yes")), ("0", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(confirmed=self.value() == "1")
        return queryset


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ConsoleModelAdmin):
    """Which accounts have a second factor, and its reset. Never the key, the otpauth URI or a QR
    code: not as a field, not as a page (django-otp's config and QR views are not routed)."""

    list_display = ["owner", "device_name", "is_confirmed"]
    list_filter = [ConfirmedFilter]
    search_fields = ["user__username", "name"]
    fields = readonly_fields = ["owner", "device_name", "is_confirmed"]
    actions = ["reset_totp"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def console_account(self, obj):
        return obj.user

    def has_reset_totp_permission(self, request):
        return self.console_may(request, "reset_totp")

    @admin.display(description=_("owner"), ordering="user__username")
    def owner(self, device):
        return device.user.get_username()

    @admin.display(description=_("device name"), ordering="name")
    def device_name(self, device):
        return device.name

    @admin.display(description=_("confirmed"), boolean=True, ordering="confirmed")
    def is_confirmed(self, device):
        return device.confirmed

    @admin.action(permissions=["reset_totp"],
                  description=_("Reset two-factor: revoke the device; the owner enrols again at next sign-in"))
    def reset_totp(self, request, queryset):
        owners = User.objects.filter(pk__in=queryset.values("user_id"))
        _run_per_account(self, request, owners, services.console_totp_reset, _totp_reset_message)


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ConsoleModelAdmin, AxesAccessAttemptAdmin):
    """Sign-in lockouts: deleting an attempt row lifts the lock (not for an administrator's account)."""

    actions = []

    def console_account(self, obj):
        return User.objects.filter(username=obj.username).first()


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent_region", "official"]
    list_filter = ["level"]
    search_fields = ["code", "name"]

    @admin.display(description=_("parent region"), ordering="parent__path")
    def parent_region(self, region):
        return region.parent


# Business data: no administrator's duty (the table grants none), so these pages refuse everyone.
@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "region", "status"]
    list_filter = ["status"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["region", "park", "verified_by"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "uscc", "region", "status"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["region", "verified_by"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise", "provider", "role"]
    raw_id_fields = ["user", "enterprise", "provider"]
