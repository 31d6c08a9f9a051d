"""Writes of the integrity checks: payee accounts (encrypted), claimed invoices, the flags raised
before a decision and their override by city staff.

The decision service (subsidies applications) calls ``flags_blocking_decision(application)`` inside
its transaction, with the application row locked, and refuses while the list is not empty. Staff
see and refresh the flags on the application's integrity page; only city staff override one, with
a recorded justification, and every step is audited."""

from __future__ import annotations

import re
from functools import wraps

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.crypto import mask_account, mask_id, normalise
from portal.exceptions import Conflict, DomainError, Forbidden, Invalid, WrongState
from portal.models import AuditEvent, Enterprise, Membership, Provider
from portal.permissions import can_write_for
from portal.roles import StaffRole, staff_region_path
from subsidies import inputs
from subsidies.integrity import checks
from subsidies.integrity.models import ApplicationInvoice, IntegrityFlag, PayeeAccount
from subsidies.integrity.reasons import describe
from subsidies.models import Application

# Applications whose invoices still count as claimed (a withdrawn or rejected one released them).
LIVE_STATUSES = tuple(s for s in Application.Status.values
                      if s not in (Application.Status.WITHDRAWN, Application.Status.REJECTED))
JUSTIFICATION_MIN = 10

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_problem(value: str) -> str:
    """'' for a valid 18-character resident ID number (GB 11643-1999 check character), else a code."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "format"
    if _ID_CHECK[sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True)) % 11] != value[17]:
        return "check"
    return ""


def _stale() -> Conflict:
    return Conflict(_("Someone else acted on this after you opened the page. Nothing was changed: "
                      "check the current state and try again."), code="stale")


def _audited_refusals(action: str):
    def decorate(service):
        @wraps(service)
        def run(**kwargs):
            try:
                return service(**kwargs)
            except DomainError as exc:
                target = next((kwargs[k] for k in ("flag", "application") if kwargs.get(k) is not None), None)
                audit_log(action="integrity.action_refused", outcome=AuditEvent.Outcome.FAILURE,
                          actor=kwargs.get("actor"), request=kwargs.get("request"), obj=target,
                          detail={"action": action, "reason": exc.code})
                raise

        return run

    return decorate


# ─── payee accounts ──────────────────────────────────────────────────────────────────────────


def _payee_state(account: PayeeAccount | None) -> dict | None:
    """What the audit trail keeps: masked numbers only (R22: no sensitive data in the logs)."""
    if account is None:
        return None
    return {"legal_representative": account.legal_representative,
            "legal_representative_id": mask_id(account.legal_representative_id),
            "address": account.address, "bank_name": account.bank_name, "account_name": account.account_name,
            "account_number": mask_account(account.account_number)}


def save_payee_account(*, organisation: Enterprise | Provider, actor, values: dict, request=None) -> PayeeAccount:
    """Create or replace the organisation's payee details (its owners and editors)."""
    if actor.staff_role or not can_write_for(actor, organisation):
        raise Forbidden(_("Only the organisation's owners and editors can change its payee account."),
                        code="forbidden")
    legal_rep = inputs.text(values.get("legal_representative"), required=True, limit=50, code="legal_representative")
    id_number = normalise(inputs.text(values.get("legal_representative_id"), required=True, limit=30,
                                      code="legal_representative_id"))
    if id_number_problem(id_number):
        raise Invalid(_("Enter the legal representative's 18-character resident ID number; the last character "
                        "is a check digit (0–9 or X)."), code="id_number")
    address = inputs.text(values.get("address"), required=True, limit=200, code="address")
    bank_name = inputs.text(values.get("bank_name"), required=True, limit=100, code="bank_name")
    account_name = inputs.text(values.get("account_name"), required=True, limit=100, code="account_name")
    account_number = normalise(inputs.text(values.get("account_number"), required=True, limit=40,
                                           code="account_number"))
    if not re.fullmatch(r"\d{8,30}", account_number):
        raise Invalid(_("A bank account number has 8 to 30 digits."), code="account_number")
    field = "enterprise" if isinstance(organisation, Enterprise) else "provider"
    with transaction.atomic():
        account = PayeeAccount.objects.select_for_update().filter(**{field: organisation}).first()
        before = _payee_state(account)
        account = account or PayeeAccount(**{field: organisation})
        account.legal_representative = legal_rep
        account.legal_representative_id = id_number
        account.address = address
        account.bank_name = bank_name
        account.account_name = account_name
        account.account_number = account_number
        account.updated_by = actor
        account.save()
        audit_log(action="payee.save", actor=actor, request=request, obj=account,
                  detail={"organisation": f"{field}:{organisation.pk}", "before": before,
                          "after": _payee_state(account)})
    return account


# ─── claimed invoices ────────────────────────────────────────────────────────────────────────


def add_invoice(*, application: Application, actor, number, amount, issuer, request=None) -> ApplicationInvoice:
    """The enterprise lists an invoice its application claims (while it can still edit it)."""
    if actor.staff_role or not Application.objects.writable_by(actor).filter(pk=application.pk).exists():
        raise Forbidden(_("Only the enterprise's owners and editors can list invoices."), code="forbidden")
    number = inputs.text(number, required=True, limit=40, code="invoice_number")
    if not normalise(number):
        raise Invalid(_("Enter the invoice number."), code="invoice_number_required")
    amount = inputs.money(amount, code="amount")
    issuer = inputs.text(issuer, required=True, limit=100, code="issuer")
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in (Application.Status.DRAFT, Application.Status.RETURNED):
            raise WrongState(_("Invoices can be listed only while the application is a draft or returned."),
                             code="wrong_status")
        if ApplicationInvoice.objects.filter(application=locked, number_key=normalise(number)).exists():
            raise Invalid(_("This invoice is already listed on this application."), code="invoice_duplicate")
        invoice = ApplicationInvoice.objects.create(application=locked, number=number, amount=amount, issuer=issuer,
                                                    added_by=actor)
        audit_log(action="integrity.invoice_add", actor=actor, request=request, obj=invoice,
                  detail={"application": locked.pk, "number": number, "amount": str(amount), "issuer": issuer})
    return invoice


# ─── the checks ──────────────────────────────────────────────────────────────────────────────


def _party(organisation, kind: str) -> checks.Party:
    account = PayeeAccount.objects.filter(**{kind: organisation}).first()
    member_filter = {kind: organisation}
    members = frozenset(Membership.objects.filter(**member_filter).values_list("user_id", flat=True))
    phones = {checks.phone_key(organisation.contact_phone)}
    return checks.Party(
        org_id=organisation.pk, name=organisation.name,
        legal_rep_index=account.legal_representative_id_index if account else "",
        phones=frozenset(p for p in phones if p),
        address_key=account.address_key if account else "",
        account_index=account.account_number_index if account else "",
        member_ids=members)


def gather_case(application: Application) -> checks.Case:
    invoices = tuple(application.invoices.values_list("number_key", flat=True))
    other_claims = tuple(
        checks.InvoiceClaim(number_key=row.number_key, application_id=row.application_id,
                            reference=row.application.reference, programme=row.application.version.programme.name)
        for row in ApplicationInvoice.objects.filter(number_key__in=invoices, application__status__in=LIVE_STATUSES)
        .exclude(application=application).select_related("application__version__programme"))
    reviewers = tuple(
        checks.Reviewer(user_id=review.expert_id, name=review.expert.get_full_name() or review.expert.username,
                        phone=checks.phone_key(review.expert.phone), declared_conflict=review.conflict_declared)
        for review in application.expert_reviews.select_related("expert"))
    return checks.Case(
        application_id=application.pk, enterprise=_party(application.enterprise, "enterprise"),
        provider=_party(application.provider, "provider") if application.provider_id else None,
        filed_by_id=application.filed_by_id, invoices=invoices, other_claims=other_claims, reviewers=reviewers)


def _reason(finding: checks.Finding) -> str:
    return describe(finding.kind, finding.basis, dict(finding.facts))


def refresh_flags(application: Application, *, actor=None, request=None) -> list[IntegrityFlag]:
    """Run the checks and store what they find: a new finding opens a flag, a finding that is gone
    clears its open flag, an overridden flag stays overridden. Returns every flag of the
    application. Locks the application row so two refreshes never race."""
    with transaction.atomic():
        locked = Application.objects.select_for_update(of=("self",)).select_related(
            "enterprise", "provider", "version__programme").get(pk=application.pk)
        found = {f.key: f for f in checks.findings(gather_case(locked))}
        stored = {flag.key: flag for flag in IntegrityFlag.objects.select_for_update().filter(application=locked)}
        opened, cleared = [], []
        for key, finding in found.items():
            flag = stored.get(key)
            facts = dict(finding.facts) | {"basis": finding.basis}
            if flag is None:
                flag = IntegrityFlag.objects.create(application=locked, kind=finding.kind, key=key,
                                                    reason=_reason(finding), facts=facts)
                stored[key] = flag
                opened.append(key)
            elif flag.status == IntegrityFlag.Status.CLEARED:
                flag.status = IntegrityFlag.Status.OPEN
                flag.reason, flag.facts = _reason(finding), facts
                flag.state_version += 1
                flag.save()
                opened.append(key)
        for key, flag in stored.items():
            if key not in found and flag.status == IntegrityFlag.Status.OPEN:
                flag.status = IntegrityFlag.Status.CLEARED
                flag.state_version += 1
                flag.save(update_fields=["status", "state_version", "checked_at"])
                cleared.append(key)
        if opened or cleared:
            audit_log(action="integrity.refresh", actor=actor, request=request, obj=locked,
                      detail={"opened": opened, "cleared": cleared})
    return sorted(stored.values(), key=lambda f: (f.found_at, f.pk))


def flags_blocking_decision(application: Application) -> list[IntegrityFlag]:
    """The open integrity flags that must be resolved before ``application`` is decided, after
    re-running the checks. Call it inside the decision's transaction: an empty list lets the
    decision go on; otherwise refuse it (the flags' ``reason_text`` says why)."""
    return [flag for flag in refresh_flags(application) if flag.status == IntegrityFlag.Status.OPEN]


def _flag_state(flag: IntegrityFlag) -> dict:
    return {"status": flag.status, "state_version": flag.state_version, "justification": flag.justification}


@_audited_refusals("override")
def override_flag(*, flag: IntegrityFlag, actor, justification, expected_version, request=None) -> IntegrityFlag:
    """City staff accept a flagged situation with a recorded justification; the flag then no
    longer blocks the decision."""
    justification = inputs.text(justification, required=True, limit=2000, code="justification")
    if len(justification) < JUSTIFICATION_MIN:
        raise Invalid(_("Explain the override in at least %(count)d characters: it is kept in the record.")
                      % {"count": JUSTIFICATION_MIN}, code="justification_short")
    with transaction.atomic():
        locked = IntegrityFlag.objects.select_for_update(of=("self",)).select_related("application__region").get(
            pk=flag.pk)
        path = staff_region_path(actor)
        if actor.staff_role != StaffRole.CITY or path is None \
                or not locked.application.region.path.startswith(path):
            raise Forbidden(_("Only city bureau staff can override an integrity flag."), code="forbidden")
        if expected_version is None or str(locked.state_version) != str(expected_version):
            raise _stale()
        if locked.status != IntegrityFlag.Status.OPEN:
            raise WrongState(_("This flag is “%(status)s”: only an open flag can be overridden.")
                             % {"status": locked.get_status_display()}, code="wrong_status")
        before = _flag_state(locked)
        locked.status = IntegrityFlag.Status.OVERRIDDEN
        locked.justification = justification
        locked.overridden_by = actor
        locked.overridden_at = timezone.now()
        locked.state_version += 1
        locked.save()
        audit_log(action="integrity.override", actor=actor, request=request, obj=locked,
                  detail={"application": locked.application_id, "kind": locked.kind, "before": before,
                          "after": _flag_state(locked)})
    return locked


def flag_reason(flag: IntegrityFlag) -> str:
    return describe(flag.kind, flag.facts.get("basis", ""), flag.facts)

