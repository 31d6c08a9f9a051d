"""Writes for identity and organisations. Every change is atomic and audited."""

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.crypto import mask_phone
from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.jobs import enqueue_on_commit
from portal.models import (
    AuditEvent,
    Enterprise,
    EnterpriseChangeRequest,
    Membership,
    OrgStatus,
    Provider,
    User,
)
from portal.privacy.services import consent_record
from portal.roles import MemberRole, console_may, is_bureau_staff


@transaction.atomic
def organisation_register(*, kind: str, user_data: dict, org_data: dict, request=None):
    """Create a user, their organisation (pending verification) and the owner membership at once.
    The forms have validated every field; a unique clash that slipped past them still rolls back."""
    model = {"enterprise": Enterprise, "provider": Provider}[kind]
    password = user_data.pop("password")
    notice_version = user_data.pop("notice_version", None)
    user = User(**user_data)
    user.set_password(password)
    user.save()
    org = model(**org_data)
    org.full_clean()
    org.save()
    Membership.objects.create(user=user, role=MemberRole.OWNER, **{kind: org})
    consent_record(user=user, purpose="registration", version=notice_version, request=request)
    audit_log(action=f"{kind}.register", actor=user, request=request, obj=org)
    return user, org


@transaction.atomic
def enterprise_claim(*, token: str, user_data: dict, org_data: dict, request=None):
    """Register by claiming a record the bureau imported (portal/claims.py): the new account becomes
    the owner of that enterprise instead of creating a second one; the firm may correct the
    pre-filled fields (never the USCC). The record is locked, so two claims with one link cannot both win."""
    from portal.claims import claimable

    enterprise = claimable(token, for_update=True)
    password = user_data.pop("password")
    notice_version = user_data.pop("notice_version", None)
    user = User(**user_data)
    user.set_password(password)
    user.save()
    for name, value in org_data.items():
        if name not in ("uscc", "status", "verified_at", "verified_by"):
            setattr(enterprise, name, value)
    enterprise.full_clean()
    enterprise.save()
    Membership.objects.create(user=user, role=MemberRole.OWNER, enterprise=enterprise)
    consent_record(user=user, purpose="registration", version=notice_version, request=request)
    audit_log(action="enterprise.claim", actor=user, request=request, obj=enterprise)
    return user, enterprise


@transaction.atomic
def organisation_verify(*, org, actor, approve: bool, request=None):
    """Bureau staff verify (or reject) a registration in their jurisdiction. The row is locked so
    two staff deciding at once cannot both win."""
    if not is_bureau_staff(actor):
        raise Forbidden(_("Only bureau staff can verify registrations."), code="not_staff")
    locked = type(org).objects.select_for_update().get(pk=org.pk)
    if locked.status != OrgStatus.PENDING:
        raise Conflict(_("This registration has already been decided."), code="already_decided")
    before = locked.status
    locked.status = OrgStatus.VERIFIED if approve else OrgStatus.REJECTED
    locked.verified_at = timezone.now()
    locked.verified_by = actor
    locked.save(update_fields=["status", "verified_at", "verified_by", "updated_at"])
    audit_log(action=f"{locked._meta.model_name}.{'verify' if approve else 'reject'}", actor=actor,
              request=request, obj=locked, detail={"before": before, "after": locked.status})
    return locked


@dataclass(frozen=True)
class EnterpriseUpdate:
    """What an update did: the record as stored now, and the change request it filed (if any)."""

    enterprise: Enterprise
    change_request: EnterpriseChangeRequest | None = None


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, actor, data: dict, request=None) -> EnterpriseUpdate:
    """Owners/editors update their record; status is never written here. Once the enterprise is
    verified, its name, USCC, district and park place it in a bureau's books: a change of those is
    filed as a change request for the bureau (portal.changes) and the record keeps them until the
    bureau approves. The other fields are saved at once. An enterprise not yet verified edits all."""
    from portal.changes.services import change_request_file

    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    protected = {}
    if locked.is_verified:
        protected = {f: data[f] for f in EnterpriseChangeRequest.PROTECTED_FIELDS
                     if f in data and getattr(locked, f) != data[f]}
    change_request = None
    if protected:
        change_request = change_request_file(enterprise=locked, actor=actor, changes=protected, request=request)
    changes = {}
    for field, value in data.items():
        if field in protected:
            continue
        old = getattr(locked, field)
        if old != value:
            # The audit trail records that a phone changed, never the numbers in clear (R26: masked in logs).
            shown = mask_phone if field == "contact_phone" else str
            changes[field] = [shown(str(old)), shown(str(value))]
            setattr(locked, field, value)
    if changes:
        locked.full_clean()
        locked.save()
        audit_log(action="enterprise.update", actor=actor, request=request, obj=locked,
                  detail={"changes": changes})
    return EnterpriseUpdate(enterprise=locked, change_request=change_request)


def audit_export(*, actor, what: str, rows: int, request=None, filters: dict | None = None) -> None:
    audit_log(action="data.export", actor=actor, request=request, object_type=what,
              detail={"rows": rows, "filters": filters or {}})


def user_disable_stale(*, days: int = 90) -> int:
    """Disable accounts idle for more than `days` (docs/security.md R1); returns how many."""
    cutoff = timezone.now() - timedelta(days=days)
    # Accounts that never signed in count from their creation.
    stale = User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
    ids = list(stale.values_list("pk", flat=True))
    User.objects.filter(pk__in=ids).update(is_active=False)
    for pk in ids:
        audit_log(action="user.disable_stale", object_type="portal.user", object_id=pk,
                  outcome=AuditEvent.Outcome.SUCCESS)
    return len(ids)


@transaction.atomic
def membership_invite(*, organisation, actor, username: str, full_name: str, email: str, role: str,
                      request=None) -> User:
    """An owner adds a colleague: a new account without a usable password, and an e-mail with a
    one-time link to set it (sent after commit, so a rolled-back invite mails nobody)."""
    from portal.tasks import send_set_password_email as send_set_password_email_task

    if role not in MemberRole.values:
        raise Invalid(_("Unknown role: choose owner, editor or viewer."), code="unknown_role")
    if not organisation.memberships.filter(user=actor, role=MemberRole.OWNER).exists():
        raise Forbidden(_("Only owners can add members."), code="not_owner")
    if User.objects.filter(username__iexact=username).exists():
        raise Invalid(_("This username is taken."), code="duplicate")
    user = User(username=username, first_name=full_name, email=email)
    user.set_unusable_password()
    user.save()
    kind = "enterprise" if isinstance(organisation, Enterprise) else "provider"
    Membership.objects.create(user=user, role=role, **{kind: organisation})
    audit_log(action="membership.invite", actor=actor, request=request, obj=organisation,
              detail={"username": username, "role": role})
    # No tracking row to sweep: when the broker is down the mail goes out from this request instead.
    enqueue_on_commit(send_set_password_email_task, user.pk,
                      otherwise=partial(set_password_email_send, user_id=user.pk))
    return user


@transaction.atomic
def membership_remove(*, membership: Membership, actor, request=None) -> None:
    organisation = membership.organisation
    if not organisation.memberships.filter(user=actor, role=MemberRole.OWNER).exists():
        raise Forbidden(_("Only owners can remove members."), code="not_owner")
    if membership.role == MemberRole.OWNER and organisation.memberships.filter(role=MemberRole.OWNER).count() == 1:
        raise WrongState(_("An organisation keeps at least one owner."), code="last_owner")
    audit_log(action="membership.remove", actor=actor, request=request, obj=organisation,
              detail={"username": membership.user.username, "role": membership.role})
    membership.delete()


def set_password_email_send(*, user_id: int, reset: bool = False) -> bool:
    """Mail a one-time set-password link (Django's password-reset token). Idempotent enough: the
    token is invalidated once the password is set, so a duplicate mail links to a dead token.
    `reset`: the security administrator reset the password (the mail says so) rather than a new
    account being created."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or user.has_usable_password():
        return False
    link = settings.SITE_URL + f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/" \
        f"{default_token_generator.make_token(user)}/"
    context = {"user": user, "link": link, "portal_name": settings.PORTAL_NAME, "reset": reset}
    send_mail(render_to_string("portal/email/set_password_subject.txt", context).strip(),
              render_to_string("portal/email/set_password.txt", context), None, [user.email])
    return True


@transaction.atomic
def console_password_reset(*, account: User, actor, request=None) -> None:
    """The security administrator resets an ordinary account's password: the old one stops working
    at once (its sessions too) and the owner sets a new one through a link mailed to the address on
    file. Nobody chooses or sees the new password, and the security administrator cannot change the
    address (the system administrator's duty), so neither alone can take the account over."""
    from portal.tasks import send_set_password_email as send_set_password_email_task

    if not console_may(actor, "portal.user", "reset_password", account):
        raise Forbidden(_("You may not reset this account's password."), code="not_your_duty")
    if not account.email:
        raise Invalid(_("This account has no e-mail address for the reset link: "
                        "the system administrator must add one first."), code="no_email")
    account = User.objects.select_for_update().get(pk=account.pk)
    account.set_unusable_password()
    account.save(update_fields=["password"])
    audit_log(action="admin.password_reset", actor=actor, request=request, obj=account)
    # As for invitations: with the broker down the link goes out from this request instead.
    enqueue_on_commit(send_set_password_email_task, account.pk, True,
                      otherwise=partial(set_password_email_send, user_id=account.pk, reset=True))


@transaction.atomic
def console_totp_reset(*, account: User, actor, request=None) -> int:
    """The security administrator resets an account's second factor: its devices are deleted, so
    the owner enrols a new authenticator at the next sign-in (RequireTwoFactorMiddleware sends a
    signed-in user without a confirmed device to the enrolment page). Returns the devices revoked."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not console_may(actor, "portal.user", "reset_totp", account):
        raise Forbidden(_("You may not reset this account's two-factor device."), code="not_your_duty")
    revoked, _detail = TOTPDevice.objects.filter(user=account).delete()
    audit_log(action="admin.totp_reset", actor=actor, request=request, obj=account,
              detail={"devices": revoked})
    return revoked


def regions_load() -> int:
    """(Re)load the reference region tree (idempotent). Migration 0002 does the same with
    historical models; this one serves tests that flush the database and the seed command."""
    from portal.models import Region
    from portal.reference import REGIONS

    by_code: dict[str, Region] = {}
    for seed in REGIONS:
        region, _created = Region.objects.update_or_create(
            code=seed.code,
            defaults={"name": seed.name, "name_en": seed.name_en, "level": seed.level,
                      "parent": by_code.get(seed.parent), "official": seed.official},
        )
        by_code[seed.code] = region
    return len(by_code)
