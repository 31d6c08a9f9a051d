"""Roles: organisation membership roles and platform staff roles, with their predicates."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


WRITE_ROLES = frozenset({MemberRole.OWNER, MemberRole.EDITOR})


class StaffRole(models.TextChoices):
    NONE = "", _("None")
    DISTRICT = "district_staff", _("District bureau staff")
    CITY = "city_staff", _("City bureau staff")
    EXPERT = "expert", _("Expert reviewer")
    # 三员: separated administrators. None of them sees business data; none is a superuser.
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


BUREAU_ROLES = frozenset({StaffRole.DISTRICT, StaffRole.CITY})
ADMIN_ROLES = frozenset({StaffRole.SYSTEM_ADMIN, StaffRole.SECURITY_ADMIN, StaffRole.AUDIT_ADMIN})
# Roles that must pass TOTP two-factor on every session (docs/security.md R4).
PRIVILEGED_ROLES = BUREAU_ROLES | ADMIN_ROLES | {StaffRole.EXPERT}


def is_privileged(user) -> bool:
    return bool(getattr(user, "staff_role", "")) and user.staff_role in PRIVILEGED_ROLES


def is_bureau_staff(user) -> bool:
    return user.is_authenticated and user.staff_role in BUREAU_ROLES


def is_expert(user) -> bool:
    return user.is_authenticated and user.staff_role == StaffRole.EXPERT


def is_audit_admin(user) -> bool:
    return user.is_authenticated and user.staff_role == StaffRole.AUDIT_ADMIN


def is_security_admin(user) -> bool:
    return user.is_authenticated and user.staff_role == StaffRole.SECURITY_ADMIN


def is_system_admin(user) -> bool:
    return user.is_authenticated and user.staff_role == StaffRole.SYSTEM_ADMIN


def staff_region_path(user) -> str | None:
    """The region subtree bureau staff may see; None for everyone else. Every app scopes its own
    querysets with it (``visible_to``), so district and city staff see the same slice everywhere."""
    if user.staff_role in BUREAU_ROLES and user.region_id:
        return user.region.path
    return None


def role_label(user) -> str:
    """The role name shown in the UI and written to the audit trail."""
    if not user.is_authenticated:
        return "anonymous"
    if user.staff_role:
        return user.staff_role
    if user.memberships.filter(enterprise__isnull=False).exists():
        return "enterprise"
    if user.memberships.filter(provider__isnull=False).exists():
        return "provider"
    return "user"
