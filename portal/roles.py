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
    PROVINCE = "province_staff", _("Province bureau staff")
    EXPERT = "expert", _("Expert reviewer")
    # 三员: separated administrators. None of them sees business data; none is a superuser.
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


BUREAU_ROLES = frozenset({StaffRole.DISTRICT, StaffRole.CITY, StaffRole.PROVINCE})
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
    querysets with it (``visible_to``), so district, city and province staff see the same slice everywhere
    (a province's staff: every city and district of their province)."""
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


# --- The admin console's duty table (三员, docs/security.md R5) ----------------------------------
# The one place that says who may do what in the console: staff role → model label → actions. Nothing
# else grants console rights: not Django model permissions, not is_superuser. "view" reads a page;
# every other action is refused on an administrator's account (their own included, see
# is_console_protected): administrator accounts change only from the command line.
CONSOLE_DUTIES: dict[str, dict[str, frozenset[str]]] = {
    # Ordinary accounts (identity, contact, non-administrator staff role, jurisdiction, active) and
    # reference data. Never a password or a second factor.
    StaffRole.SYSTEM_ADMIN: {
        "portal.user": frozenset({"view", "add", "change"}),
        "portal.region": frozenset({"view", "add", "change"}),
    },
    # Credentials of ordinary accounts: password reset (the owner sets a new one through an e-mailed
    # link; nobody chooses or sees it), two-factor reset (the device is revoked, the owner enrols
    # again) and sign-in lockouts. Reads accounts but edits no account field.
    StaffRole.SECURITY_ADMIN: {
        "portal.user": frozenset({"view", "reset_password", "reset_totp"}),
        "otp_totp.totpdevice": frozenset({"view", "reset_totp"}),
        "axes.accessattempt": frozenset({"view", "delete"}),
        "axes.accessfailurelog": frozenset({"view"}),
        "axes.accesslog": frozenset({"view"}),
    },
    # Reads the audit trail on its own page (/audit/); nothing in the console.
    StaffRole.AUDIT_ADMIN: {},
}


def is_console_protected(account) -> bool:
    """An administrator's account (or any staff-flagged or superuser account): no console action
    touches it, whoever acts."""
    return account.staff_role in ADMIN_ROLES or account.is_staff or account.is_superuser


def console_may(user, model_label: str, action: str, account=None) -> bool:
    """May `user` do `action` on `model_label` in the console, on an object belonging to `account`
    (None: the page as a whole, or an object that is nobody's account)?"""
    if not (user.is_authenticated and user.is_active):
        return False
    if action not in CONSOLE_DUTIES.get(user.staff_role, {}).get(model_label, frozenset()):
        return False
    return action == "view" or account is None or not is_console_protected(account)
