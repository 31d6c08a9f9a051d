"""The one pattern every subsidy application step follows (like providers/pools/services.py):

1. lock the row (``select_for_update``) inside ``transaction.atomic``;
2. check the actor's kind for this application (role and region scope), the transition table
   (subsidies/workflow.py) and the ``state_version`` the page was rendered with — a mismatch means
   someone acted meanwhile (409, nothing changed);
3. write, bump ``state_version``, add a timeline event and an audit event with before/after.

The feature services (applications, review, notice, disbursement) call ``lock`` and ``record``."""

from functools import wraps
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import Conflict, DomainError, Forbidden, Invalid
from portal.models import AuditEvent
from portal.permissions import can_write_for
from portal.roles import StaffRole, staff_region_path
from subsidies import workflow
from subsidies.models import Application, ApplicationEvent
from subsidies.workflow import ENTERPRISE, EXPERT, STAFF

TEXT_MAX = 2000
LONG_MAX = 4000


class Stale(Conflict):
    pass


def stale() -> Stale:
    return Stale(_("Someone else acted on this application after you opened the page. Nothing was changed: "
                   "check the current state and try again."), code="stale")


def text(value: Any, *, required: bool, limit: int, code: str, missing: str = "") -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if "\x00" in value:
        raise Invalid(_("The text contains characters that are not allowed."), code=f"{code}_invalid")
    if required and not value:
        raise Invalid(missing or _("This field is required."), code=f"{code}_required")
    if len(value) > limit:
        raise Invalid(_("At most %(limit)d characters, please.") % {"limit": limit}, code=f"{code}_too_long")
    return value


def in_scope(user, application: Application) -> bool:
    """Bureau staff of the application's region subtree."""
    path = staff_region_path(user) if user.is_authenticated and user.is_active else None
    return path is not None and application.region.path.startswith(path)


def actor_kind(user, application: Application) -> str | None:
    """The workflow actor kind of ``user`` for ``application`` (None: may not act at all)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if in_scope(user, application):
        return STAFF
    if user.staff_role == StaffRole.EXPERT and application.expert_reviews.filter(expert=user).exists():
        return EXPERT
    if not user.staff_role and can_write_for(user, application.enterprise):
        return ENTERPRISE
    return None


def move(locked: Application, action: str, kind: str | None) -> str:
    if kind is None:
        raise Forbidden(_("You cannot act on this application."), code="forbidden")
    result = workflow.next_status(locked.status, action, kind)
    if not result.allowed:
        if result.reason == "not_your_role":
            raise Forbidden(_("Your role does not allow this action."), code="forbidden")
        raise Conflict(_("This application is now “%(status)s”, so this action is no longer possible. "
                         "The page shows its current state.") % {"status": locked.get_status_display()},
                       code="wrong_status")
    return result.next_status


def lock(application: Application, actor, action: str, expected_version, *, versioned: bool = True,
         kind: str | None = None) -> tuple[Application, str]:
    """Lock the row and run every check of an action; returns the locked row and its next status."""
    locked = (Application.objects.select_for_update(of=("self",))
              .select_related("region", "version", "enterprise").get(pk=application.pk))
    target = move(locked, action, kind or actor_kind(actor, locked))
    if versioned and (expected_version is None or str(locked.state_version) != str(expected_version)):
        raise stale()
    return locked, target


def state(application: Application) -> dict:
    def s(value):
        return None if value is None else str(value)

    return {"status": application.status, "state_version": application.state_version,
            "verified_investment": s(application.verified_investment),
            "decided_amount": s(application.decided_amount), "expert_score": s(application.expert_score),
            "budget_line": application.budget_line_id}


def record(locked: Application, *, actor, action: str, before: dict, fields=(), note: str = "", request=None,
           detail: dict | None = None, event: bool = True) -> None:
    """Bump the version, save ``fields``, add the timeline event and the audit event."""
    locked.state_version += 1
    locked.save(update_fields=["state_version", "updated_at", *fields])
    if event:
        ApplicationEvent.objects.create(application=locked, action=action, from_status=before["status"],
                                        to_status=locked.status, actor=actor if actor and actor.pk else None,
                                        note=note)
    audit_log(action=f"subsidy_application.{action}", actor=actor, request=request, obj=locked,
              detail={"before": before, "after": state(locked), "note": note, **(detail or {})})
    if event:
        from subsidies.applications import notifications

        notifications.status_changed(locked, action, note)


def audited_refusals(action: str):
    """Record a refused staff or expert action in the audit trail, after the action's transaction
    rolled back, so the refusal is kept and nothing else is."""

    def decorate(service):
        @wraps(service)
        def run(**kwargs):
            try:
                return service(**kwargs)
            except DomainError as exc:
                target = next((kwargs[k] for k in ("application", "review", "objection", "batch")
                               if kwargs.get(k) is not None), None)
                audit_log(action="subsidy_application.action_refused", outcome=AuditEvent.Outcome.FAILURE,
                          actor=kwargs.get("actor") if getattr(kwargs.get("actor"), "pk", None) else None,
                          request=kwargs.get("request"), obj=target, detail={"action": action, "reason": exc.code})
                raise

        return run

    return decorate


atomic = transaction.atomic
