"""Writes for identity and organisations. Every change is atomic and audited."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import DomainError
from portal.models import AuditEvent, Enterprise, Membership, OrgStatus, Provider, User
from portal.roles import MemberRole, is_bureau_staff


@transaction.atomic
def organisation_register(*, kind: str, user_data: dict, org_data: dict, request=None):
    """Create a user, their organisation (pending verification) and the owner membership at once.
    The forms have validated every field; a unique clash that slipped past them still rolls back."""
    model = {"enterprise": Enterprise, "provider": Provider}[kind]
    password = user_data.pop("password")
    user = User(**user_data)
    user.set_password(password)
    user.save()
    org = model(**org_data)
    org.full_clean()
    org.save()
    Membership.objects.create(user=user, role=MemberRole.OWNER, **{kind: org})
    audit_log(action=f"{kind}.register", actor=user, request=request, obj=org)
    return user, org


@transaction.atomic
def organisation_verify(*, org, actor, approve: bool, request=None):
    """Bureau staff verify (or reject) a registration in their jurisdiction. The row is locked so
    two staff deciding at once cannot both win."""
    if not is_bureau_staff(actor):
        raise DomainError(_("Only bureau staff can verify registrations."), code="not_staff")
    locked = type(org).objects.select_for_update().get(pk=org.pk)
    if locked.status != OrgStatus.PENDING:
        raise DomainError(_("This registration has already been decided."), code="already_decided")
    before = locked.status
    locked.status = OrgStatus.VERIFIED if approve else OrgStatus.REJECTED
    locked.verified_at = timezone.now()
    locked.verified_by = actor
    locked.save(update_fields=["status", "verified_at", "verified_by", "updated_at"])
    audit_log(action=f"{locked._meta.model_name}.{'verify' if approve else 'reject'}", actor=actor,
              request=request, obj=locked, detail={"before": before, "after": locked.status})
    return locked


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, actor, data: dict, request=None) -> Enterprise:
    """Owners/editors update their record. The USCC and status are not editable here."""
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    changes = {}
    for field, value in data.items():
        old = getattr(locked, field)
        if old != value:
            changes[field] = [str(old), str(value)]
            setattr(locked, field, value)
    if changes:
        locked.full_clean()
        locked.save()
        audit_log(action="enterprise.update", actor=actor, request=request, obj=locked,
                  detail={"changes": changes})
    return locked


def audit_export(*, actor, what: str, rows: int, request=None, filters: dict | None = None) -> None:
    audit_log(action="data.export", actor=actor, request=request, object_type=what,
              detail={"rows": rows, "filters": filters or {}})


def user_disable_stale(*, days: int = 90) -> int:
    """Disable accounts idle for more than `days` (security.md R1); returns how many."""
    cutoff = timezone.now() - timedelta(days=days)
    stale = User.objects.filter(is_active=True, last_login__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    User.objects.filter(pk__in=ids).update(is_active=False)
    for pk in ids:
        audit_log(action="user.disable_stale", object_type="portal.user", object_id=pk,
                  outcome=AuditEvent.Outcome.SUCCESS)
    return len(ids)
