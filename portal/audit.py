"""Writing the audit trail. Only services and auth signal receivers call these; reading is the
audit administrator's page alone (portal.views.audit_log)."""

from django.db import connection, transaction

from portal.models import AuditEvent
from portal.roles import role_label

# Keys that must never reach the audit trail, whatever a caller passes in `detail`.
_SECRET_KEYS = {"password", "password1", "password2", "otp_token", "token", "secret", "key"}


def client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind a proxy axes' ipware settings decide; reuse its resolution so both agree.
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


def _clean(detail: dict | None) -> dict:
    return {k: ("***" if k in _SECRET_KEYS else v) for k, v in (detail or {}).items()}


def audit_log(*, action: str, outcome: str = AuditEvent.Outcome.SUCCESS, actor=None, request=None,
              obj=None, object_type: str = "", object_id="", username: str = "",
              detail: dict | None = None) -> AuditEvent:
    """Append one event. Runs in its own atomic block; on PostgreSQL a transaction-scoped advisory
    lock serialises writers so the hash chain never forks."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(727274)")
        previous = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first() or ""
        event = AuditEvent(
            actor=actor if actor is not None and actor.pk else None,
            actor_username=(actor.get_username() if actor is not None and actor.pk else username)[:150],
            actor_role=role_label(actor) if actor is not None and actor.pk else "anonymous",
            action=action,
            object_type=object_type,
            object_id=str(object_id or ""),
            outcome=outcome,
            ip=client_ip(request),
            user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:256],
            detail=_clean(detail),
            prev_hash=previous,
        )
        event.hash = event.compute_hash()
        event.save()
    return event


def audit_denied(request, user, action: str, object_type: str = "", object_id="") -> None:
    if request is not None:
        request._denial_audited = True  # AuditDeniedMiddleware then skips its generic row
    audit_log(action=action, outcome=AuditEvent.Outcome.DENIED, request=request,
              actor=user if getattr(user, "is_authenticated", False) else None,
              object_type=object_type, object_id=object_id,
              detail={"path": request.path} if request is not None else None)


def verify_chain() -> int | None:
    """The pk of the first event whose hash does not match its content or chain, else None."""
    previous = ""
    for event in AuditEvent.objects.order_by("pk").iterator():
        if event.prev_hash != previous or event.compute_hash() != event.hash:
            return event.pk
        previous = event.hash
    return None


def audit_staff_read(request, obj) -> None:
    """Bureau staff and experts reading an enterprise's confidential data leave a trace (R21);
    the enterprise's own members reading their data do not."""
    if request.user.is_authenticated and request.user.staff_role:
        audit_log(action=f"{obj._meta.model_name}.read", request=request, obj=obj)
