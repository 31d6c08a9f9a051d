"""What the audit trail's codes mean, in words: actions, roles and object types. Codes stay in the
trail (they are what the hash covers); people read these labels, with the code beside them."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from portal.roles import StaffRole

# By the part before the first dot; every app's actions fall under one of these.
DOMAIN_LABELS = {
    "auth": _("Sign-in and account"),
    "admin": _("Administration console"),
    "audit": _("Audit trail"),
    "user": _("User accounts"),
    "membership": _("Organisation members"),
    "enterprise": _("Enterprises"),
    "provider": _("Service providers"),
    "assessment": _("Assessments"),
    "evidence": _("Evidence files"),
    "report": _("Diagnosis reports"),
    "need": _("Needs"),
    "data": _("Data exports"),
    "demo": _("Demo data"),
    "profile": _("Provider profiles"),
    "pool": _("Resource pools"),
}

ACTION_LABELS = {
    "auth.login": _("Signed in"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.logout": _("Signed out"),
    "auth.locked_out": _("Account locked after repeated failures"),
    "auth.otp_verified": _("Two-factor code accepted"),
    "auth.otp_failed": _("Two-factor code refused"),
    "auth.otp_enrolled": _("Two-factor device enrolled"),
    "auth.password_change": _("Password changed"),
    "auth.password_reset": _("Password reset requested"),
    "auth.token": _("API token issued"),
    "audit.read": _("Audit trail viewed"),
    "audit.export": _("Audit trail exported"),
    "audit.verify": _("Audit chain verified"),
    "audit.history_read": _("Record history viewed"),
    "assessment.start": _("Assessment started"),
    "assessment.submit": _("Assessment submitted"),
    "assessment.approve": _("Assessment approved"),
    "assessment.return": _("Assessment returned"),
    "assessment.correct": _("Answer corrected in review"),
    "assessment.assign_expert": _("Expert assigned"),
    "assessment.expert_opinion": _("Expert opinion given"),
    "assessment.site_visit": _("Site visit recorded"),
    "assessment.read": _("Assessment viewed by staff"),
    "evidence.upload": _("Evidence uploaded"),
    "evidence.download": _("Evidence downloaded"),
    "evidence.delete": _("Evidence deleted"),
    "report.download": _("Report downloaded"),
    "membership.invite": _("Member invited"),
    "membership.remove": _("Member removed"),
    "enterprise.update": _("Enterprise details changed"),
    "data.export": _("Data exported"),
    "admin.view": _("Console page viewed"),
    "admin.add": _("Added in the console"),
    "admin.change": _("Changed in the console"),
    "admin.delete": _("Deleted in the console"),
    "admin.denied": _("Console action refused"),
    "admin.password_reset": _("Password reset by the security administrator"),
    "admin.totp_reset": _("Two-factor device revoked by the security administrator"),
    "backup.created": _("Backup written"),
    "privacy.consent": _("Consent given"),
    "privacy.consent_withdrawn": _("Consent withdrawn"),
    "privacy.export": _("Personal data downloaded"),
    "privacy.erasure_requested": _("Deletion of personal data requested"),
    "privacy.erasure_cancelled": _("Deletion request cancelled"),
    "privacy.erasure_done": _("Personal data deleted or anonymised"),
    "privacy.retention": _("Retention rules applied"),
}

ROLE_LABELS = {
    **{value: label for value, label in StaffRole.choices if value},
    "enterprise": _("Enterprise user"),
    "provider": _("Service provider user"),
    "user": _("User without an organisation"),
    "anonymous": _("Not signed in"),
}


def action_label(code: str) -> str:
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    domain = DOMAIN_LABELS.get(code.split(".", 1)[0])
    return str(domain) if domain else ""


def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))


def object_label(object_type: str, object_id: str) -> str:
    """"portal.user 9" → "用户 #9"; an unknown type keeps its code."""
    if not object_type:
        return ""
    try:
        name = apps.get_model(object_type)._meta.verbose_name
    except (LookupError, ValueError):
        name = object_type
    return f"{name} #{object_id}" if object_id else str(name)
