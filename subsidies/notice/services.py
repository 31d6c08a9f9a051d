"""The public notice (公示): anyone may object while it runs — signed in, or anonymously with a
contact — and staff resolve every objection before the decision. Bureau staff do not object: they
are the ones who resolve objections."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.models import AuditEvent
from portal.roles import is_bureau_staff
from subsidies import transitions, workflow
from subsidies.models import Application, Objection
from subsidies.transitions import TEXT_MAX, audited_refusals, text
from subsidies.workflow import PUBLIC

# Open objections one application may collect (anonymous filing is open to anyone).
OPEN_LIMIT = 50


def objection_file(*, application: Application, actor, text_value: str, contact: str = "",
                   request=None) -> Objection:
    if actor is not None and is_bureau_staff(actor):
        # The bureau resolves objections; one filed by its own staff would be judged by the objector.
        # The refused attempt is a staff action, so it is audited (nothing else is stored).
        audit_log(action="subsidy_application.action_refused", outcome=AuditEvent.Outcome.FAILURE, actor=actor,
                  request=request, obj=application, detail={"action": "object", "reason": "staff_objection"})
        raise Forbidden(_("Bureau staff cannot file objections to a public notice; objections are for the public "
                          "and enterprises, and the bureau resolves them."), code="staff_objection")
    body = text(text_value, required=True, limit=TEXT_MAX, code="text", missing=_("Write your objection."))
    signed_in = actor is not None and actor.is_authenticated
    contact = text(contact, required=not signed_in, limit=100, code="contact",
                   missing=_("Leave a phone number or e-mail address so the bureau can reach you."))
    with transaction.atomic():
        locked, _target = transitions.lock(application, actor, "object", None, versioned=False, kind=PUBLIC)
        if not workflow.in_notice(timezone.localdate(), locked.notice_starts, locked.notice_ends):
            raise WrongState(_("The public notice period is over."), code="notice_over")
        mine = {"filed_by": actor} if signed_in else {"filed_by__isnull": True, "contact": contact}
        if locked.objections.filter(status=Objection.Status.OPEN, **mine).exists():
            raise WrongState(_("You already have an open objection to this application."), code="already_objected")
        if locked.objections.filter(status=Objection.Status.OPEN).count() >= OPEN_LIMIT:
            raise WrongState(_("This application already has many open objections; the bureau is examining them. "
                               "Please try again after they are resolved."), code="objection_limit")
        objection = Objection.objects.create(application=locked, filed_by=actor if signed_in else None,
                                             contact=contact, text=body)
        transitions.record(locked, actor=actor if signed_in else None, action="object",
                           before=transitions.state(locked), request=request, event=False,
                           detail={"objection": objection.pk})
    return objection


@audited_refusals("resolve_objection")
def objection_resolve(*, objection: Objection, actor, outcome: str, resolution: str, request=None) -> Objection:
    if outcome not in (Objection.Status.UPHELD, Objection.Status.DISMISSED):
        raise Invalid(_("Choose whether the objection is upheld or dismissed."), code="outcome")
    resolution = text(resolution, required=True, limit=TEXT_MAX, code="resolution",
                      missing=_("Give the reason for the resolution."))
    with transaction.atomic():
        locked, _target = transitions.lock(objection.application, actor, "resolve_objection", None, versioned=False)
        locked_objection = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked_objection.status != Objection.Status.OPEN:
            raise Conflict(_("This objection has already been resolved."), code="already_resolved")
        locked_objection.status, locked_objection.resolution = outcome, resolution
        locked_objection.resolved_by, locked_objection.resolved_at = actor, timezone.now()
        locked_objection.save()
        transitions.record(locked, actor=actor, action="resolve_objection", before=transitions.state(locked),
                           request=request, note=resolution,
                           detail={"objection": locked_objection.pk, "outcome": outcome})
    return locked_objection
