"""Django admin, on a non-default path, for the system and security administrators only.
No superusers: each administrator gets the model permissions of their role (三员)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from portal.audit import client_ip
from portal.models import Enterprise, Membership, Provider, Region, User
from portal.roles import ADMIN_ROLES, StaffRole


def _admin_has_permission(request):
    # 等保 8.1.4.4 c: management only from allowed addresses; elsewhere the admin does not exist.
    if client_ip(request) not in settings.ADMIN_ALLOWED_IPS:
        raise Http404
    user = request.user
    if not user.is_authenticated:
        return False  # to the one sign-in page, and back here afterwards
    if not (user.is_active and user.is_staff and user.is_verified()):
        # Signed in without console rights: refuse plainly. Sending them to sign in again would loop.
        raise PermissionDenied
    return True


admin.site.has_permission = _admin_has_permission
admin.site.site_header = settings.PORTAL_NAME


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts for the security administrator. Superuser status, raw permissions and groups are
    not editable here at all, nobody edits their own role, and the three administrator roles are
    assigned only from the command line — so no admin can raise their own privileges."""

    list_display = ["username", "first_name", "staff_role", "region", "is_active", "last_login"]
    list_filter = ["staff_role", "is_active"]
    fieldsets = (
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email", "phone"]}),
        ("Portal", {"fields": ["staff_role", "region", "is_active"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and (obj.pk == request.user.pk or obj.staff_role in ADMIN_ROLES):
            fields += ["staff_role", "region", "is_active"]
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "staff_role":
            kwargs["choices"] = [c for c in StaffRole.choices if c[0] not in ADMIN_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "official"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


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


def _admin_login(request, extra_context=None):
    # One sign-in path for everybody, so lockout, audit and TOTP apply to administrators too.
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(request.get_full_path())


admin.site.login = _admin_login


def _admin_logout(request, extra_context=None):
    from portal.views import logout_view

    return logout_view(request)


admin.site.logout = _admin_logout
