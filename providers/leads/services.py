"""Writes of the leads feature: an enterprise's contact request (with its consent), the withdrawal
of that consent, the pipeline transitions of either side, and the bureau's audited Excel export
of its region's leads.

Every step follows the pools' pattern (providers/pools/services.py): lock the row inside
``transaction.atomic``, check the actor's side and rights, the consent, the ``state_version`` the
page was rendered with (a mismatch is 409) and the workflow table (providers/leads/workflow.py),
then write, bump ``state_version``, audit with before/after values and notify the other side.
A refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from diagnosis.models import Assessment
from diagnosis.review.services import EXPORTS_PER_HOUR
from portal.audit import audit_log
from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.exports import table_workbook
from portal.models import AuditEvent, Enterprise
from portal.notifications.services import notify
from portal.permissions import can_write_for
from portal.roles import is_bureau_staff, staff_region_path
from portal.services import audit_export
from providers.leads import selectors, workflow
from providers.leads.workflow import ENTERPRISE, PROVIDER
from providers.models import Lead, ListingSolution

NOTE_MAX = 500


def _problem(code: str) -> str:
    return {
        "date_required": _("Enter the date of this step."),
        "date_in_future": _("The date of a step cannot lie in the future."),
        "date_before_previous": _("The date cannot be earlier than the previous step of this lead."),
        "amount_required": _("Enter the amount in yuan."),
        "amount_invalid": _("Enter the amount as a number of yuan, such as 350000 or 350000.50."),
        "amount_not_positive": _("The amount must be more than zero."),
        "amount_precision": _("Amounts are in yuan with at most two decimal places."),
        "amount_too_large": _("That amount is too large."),
    }[code]


def _state(lead: Lead) -> dict:
    return {"stage": lead.stage, "state_version": lead.state_version,
            "withdrawn": lead.withdrawn_at is not None,
            "proposal_amount": None if lead.proposal_amount is None else str(lead.proposal_amount),
            "contract_amount": None if lead.contract_amount is None else str(lead.contract_amount)}


def _members(**organisation):
    return get_user_model().objects.filter(is_active=True, **{f"memberships__{k}": v for k, v in organisation.items()})


def _stage_title(stage: str) -> str:
    return str(Lead.Stage(stage).label)


# ─── the enterprise asks ────────────────────────────────────────────────────────────────────────


def request_lead(*, actor, assessment: Assessment, solution: ListingSolution, consent: bool, request=None) -> Lead:
    """A new lead from ``assessment``'s enterprise to ``solution``'s provider, sharing the
    summary the consent page showed. Refused: without consent, for an assessment not scored and
    submitted, for a provider not in an active pool serving the enterprise's region, and while an
    open lead to the same provider exists (409)."""
    enterprise = assessment.enterprise
    provider = solution.listing.provider
    if actor.staff_role or not can_write_for(actor, enterprise):
        raise Forbidden(_("Only the enterprise's owners and editors may request contact."), code="forbidden")
    if not consent:
        raise Invalid(_("Tick the consent box: nothing is shared with the provider without your consent."),
                      code="consent_required")
    if not selectors.shareable(assessment):
        raise WrongState(_("Only a submitted, scored assessment can be shared with a provider."), code="not_scored")
    if not selectors.serving_memberships(provider.pk, enterprise).exists():
        raise Invalid(_("This provider is not in an active resource pool serving your region, so the portal "
                        "cannot pass your request on. Choose a provider from a pool of your district, city or "
                        "province."), code="not_in_pool")
    summary = selectors.diagnosis_summary(assessment)
    targets = selectors.targeted_dimensions(assessment, solution, summary)
    duplicate = Conflict(_("You already have an open contact request with this provider. Withdraw or close it "
                           "before asking again."), code="duplicate")
    try:
        with transaction.atomic():
            # Two requests of one enterprise queue here; the partial unique index backs it up.
            Enterprise.objects.select_for_update().only("pk").get(pk=enterprise.pk)
            if Lead.objects.filter(enterprise=enterprise, provider=provider, stage__in=Lead.OPEN).exists():
                raise duplicate
            lead = Lead.objects.create(
                enterprise=enterprise, provider=provider, solution_key=solution.key, solution_title=solution.title,
                solution_areas=solution.areas, assessment=assessment, summary=summary, targeted_dimensions=targets,
                consent_version=selectors.CONSENT_VERSION, consented_by=actor, consented_at=timezone.now())
            audit_log(action="lead.request", actor=actor, request=request, obj=lead,
                      detail={"before": None, "after": _state(lead), "provider": provider.pk,
                              "assessment": assessment.pk, "consent_version": lead.consent_version})
            with translation.override(settings.LANGUAGE_CODE):
                notify(_members(provider=provider), kind="lead.requested",
                       title=_("New contact request: %(enterprise)s") % {"enterprise": enterprise.name},
                       body=_("%(enterprise)s asks you to contact it about “%(solution)s” and shares a summary of "
                              "its diagnosis.") % {"enterprise": enterprise.name, "solution": solution.title},
                       url=reverse("providers:lead-detail", args=[lead.pk]))
    except IntegrityError:
        raise duplicate from None
    return lead


def withdraw_consent(*, actor, lead: Lead, request=None) -> Lead:
    """The enterprise withdraws its consent: the provider loses the summary at once and an open
    lead is closed (it cannot advance any more)."""
    with transaction.atomic():
        locked = Lead.objects.select_for_update().select_related("enterprise", "provider").get(pk=lead.pk)
        if actor.staff_role or not can_write_for(actor, locked.enterprise):
            raise Forbidden(_("Only the enterprise's owners and editors may withdraw its consent."), code="forbidden")
        if locked.withdrawn_at is not None:
            raise Conflict(_("The consent was already withdrawn."), code="already_withdrawn")
        before = _state(locked)
        locked.withdrawn_at, locked.withdrawn_by = timezone.now(), actor
        fields = ["withdrawn_at", "withdrawn_by", "state_version", "updated_at"]
        if locked.is_open:
            locked.stage, locked.closed_on = Lead.Stage.CLOSED, timezone.localdate()
            fields += ["stage", "closed_on"]
        locked.state_version += 1
        locked.save(update_fields=fields)
        audit_log(action="lead.consent_withdrawn", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked)})
        with translation.override(settings.LANGUAGE_CODE):
            notify(_members(provider=locked.provider), kind="lead.withdrawn",
                   title=_("%(enterprise)s withdrew its consent") % {"enterprise": locked.enterprise.name},
                   body=_("The diagnosis summary it shared is no longer available to you, and the lead is closed."),
                   url=reverse("providers:lead-detail", args=[locked.pk]))
        if before["stage"] == Lead.Stage.ACCEPTED:
            transaction.on_commit(selectors.forget_outcome_ratings)
    return locked


# ─── the pipeline ───────────────────────────────────────────────────────────────────────────────


def side_of(user, lead: Lead) -> str | None:
    """The workflow side ``user`` may act for on ``lead`` (a writer of its enterprise or provider)."""
    if not user.is_authenticated or not user.is_active or user.staff_role:
        return None
    if can_write_for(user, lead.provider):
        return PROVIDER
    if can_write_for(user, lead.enterprise):
        return ENTERPRISE
    return None


def _previous_date(lead: Lead) -> dt.date:
    dates = [lead.contacted_on, lead.proposal_on, lead.contract_on, lead.delivered_on]
    return max([d for d in dates if d is not None], default=timezone.localtime(lead.requested_at).date())


def transition(*, actor, lead: Lead, side: str, action: str, expected_version, day: dt.date | None = None,
               amount=None, note: str = "", request=None) -> Lead:
    """Move ``lead`` by ``action`` for ``side`` (the page it came from: provider or enterprise)."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(_("At most %(limit)d characters, please.") % {"limit": NOTE_MAX}, code="note_too_long")
    if action not in workflow.ACTIONS:
        raise Invalid(_("Unknown action."), code="unknown_action")
    with transaction.atomic():
        locked = Lead.objects.select_for_update().select_related("enterprise", "provider").get(pk=lead.pk)
        organisation = locked.provider if side == PROVIDER else locked.enterprise
        if actor.staff_role or side not in (PROVIDER, ENTERPRISE) or not can_write_for(actor, organisation):
            raise Forbidden(_("You cannot act on this lead."), code="forbidden")
        if locked.withdrawn_at is not None:
            raise Conflict(_("The enterprise withdrew its consent, so this lead cannot move any more."),
                           code="consent_withdrawn")
        if expected_version is None or locked.state_version != expected_version:
            raise Conflict(_("Someone else acted on this lead after you opened the page. Nothing was changed: "
                             "check its current stage and try again."), code="stale")
        move = workflow.next_stage(locked.stage, action, side)
        if not move.allowed:
            if move.reason == "not_your_role":
                raise Forbidden(_("This step is not yours to take."), code="not_your_side")
            raise WrongState(_("A lead in stage “%(stage)s” cannot take this step: the pipeline runs requested → "
                               "contacted → proposal → contract → delivered → accepted, one step at a time.")
                             % {"stage": locked.get_stage_display()}, code="invalid_transition")
        today = timezone.localdate()
        day = day or today
        problem = workflow.step_date_problem(day, previous=_previous_date(locked), today=today)
        if problem:
            raise Invalid(_problem(problem), code=problem)
        before = _state(locked)
        fields = ["stage", "state_version", "updated_at", workflow.STAGE_DATE[move.next_stage]]
        if action in workflow.AMOUNT_FIELD:
            value, problem = workflow.parse_amount(amount)
            if problem:
                raise Invalid(_problem(problem), code=problem)
            setattr(locked, workflow.AMOUNT_FIELD[action], value)
            fields.append(workflow.AMOUNT_FIELD[action])
        if note:
            locked.close_note = note
            fields.append("close_note")
        setattr(locked, workflow.STAGE_DATE[move.next_stage], day)
        locked.stage = move.next_stage
        locked.state_version += 1
        locked.save(update_fields=fields)
        audit_log(action=f"lead.{action}", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "side": side, "date": day.isoformat()})
        with translation.override(settings.LANGUAGE_CODE):
            words = {"enterprise": locked.enterprise.name, "provider": locked.provider.name,
                     "stage": _stage_title(locked.stage), "solution": locked.solution_title}
            if side == PROVIDER:
                notify(_members(enterprise=locked.enterprise), kind=f"lead.{action}",
                       title=_("Your contact request with %(provider)s: %(stage)s") % words,
                       body=_("%(provider)s moved your request about “%(solution)s” to “%(stage)s”.") % words,
                       url=reverse("providers:lead-mine"))
            else:
                notify(_members(provider=locked.provider), kind=f"lead.{action}",
                       title=_("%(enterprise)s: %(stage)s") % words,
                       body=_("%(enterprise)s moved the lead about “%(solution)s” to “%(stage)s”.") % words,
                       url=reverse("providers:lead-detail", args=[locked.pk]))
        if locked.stage == Lead.Stage.ACCEPTED:
            transaction.on_commit(selectors.forget_outcome_ratings)
    return locked


# ─── bureau staff: export ───────────────────────────────────────────────────────────────────────


@transaction.atomic
def staff_leads_export(*, actor, request=None) -> bytes:
    """The staff list (the same region scoping: selectors.staff_leads) as a watermarked .xlsx; a
    lead whose consent was withdrawn goes without the enterprise's name, none with a summary.
    Audited as "data.export" with its row count and region, rate-limited with every other export
    of the user (docs/security.md R15)."""
    if not is_bureau_staff(actor):
        raise Forbidden(_("Only bureau staff may export lists."), code="forbidden")
    since = timezone.now() - timedelta(hours=1)
    if AuditEvent.objects.filter(action="data.export", actor=actor, created_at__gte=since).count() >= EXPORTS_PER_HOUR:
        raise WrongState(_("You have made %(count)d exports in the last hour, the most allowed. Try again later.")
                         % {"count": EXPORTS_PER_HOUR}, code="rate_limited")
    columns = [(str(_("Enterprise")), 30), (str(_("District")), 12), (str(_("Provider")), 30),
               (str(_("Solution")), 30), (str(_("Stage")), 10), (str(_("Consent withdrawn")), 14),
               (str(_("Requested on")), 12), (str(_("Contract amount (yuan)")), 16)]
    rows = selectors.staff_export_rows(selectors.staff_leads(actor),
                                       withdrawn_label=_("An enterprise (consent withdrawn)"))
    content = table_workbook(str(_("Leads in my region")), columns, rows, exported_by=actor,
                             exported_at=timezone.now())
    audit_export(actor=actor, what="providers.lead", rows=len(rows), request=request,
                 filters={"region": staff_region_path(actor)})
    return content
