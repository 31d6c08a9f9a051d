"""Writes of the vouchers: issue (from a decided voucher application, or directly by staff), use by
an active pool provider with contract and payment proof, verification and payment by staff,
expiry.

Money: a voucher's face value is reserved on a budget line when it is issued (a decided application
reserved it already; a direct issue reserves it here with the same conditional UPDATE the
decisions use, so an over-budget issue is refused). Paying moves the amount actually covered to
``disbursed`` and releases the rest of the face value; expiry releases all of it.

Every transition locks the voucher (``select_for_update``), checks the ``state_version`` the page
showed (409 when someone acted meanwhile), writes, bumps the version and appends an audit event
with before/after, in one transaction. Refusals are audited after the rollback."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import Conflict, DomainError, Forbidden, Invalid, NotFound, WrongState
from portal.files import MB, UploadRejected, check_upload
from portal.models import AuditEvent, Enterprise, Provider
from portal.permissions import can_write_for
from portal.roles import StaffRole, staff_region_path
from providers.models import PoolMember
from subsidies import inputs
from subsidies.models import Application, BudgetLine, Instrument, ProgrammeVersion
from subsidies.vouchers.amounts import covered_amount
from subsidies.vouchers.models import Voucher, VoucherFile

VOUCHER_INSTRUMENTS = (Instrument.SERVICE_VOUCHER, Instrument.CLOUD_VOUCHER)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by hand
FILE_MAX_BYTES = 20 * MB
# Statuses that still hold (or held) money: a new voucher of a one-per-enterprise programme is refused.
HOLDING = (Voucher.Status.ISSUED, Voucher.Status.USED, Voucher.Status.VERIFIED, Voucher.Status.PAID)


class VoucherError(Conflict):
    pass


def _stale() -> Conflict:
    return Conflict(_("Someone else acted on this voucher after you opened the page. Nothing was changed: "
                      "check its current state and try again."), code="stale")


def _audited_refusals(action: str):
    def decorate(service):
        @wraps(service)
        def run(**kwargs):
            try:
                return service(**kwargs)
            except DomainError as exc:
                target = next((kwargs[k] for k in ("voucher", "application", "enterprise")
                               if kwargs.get(k) is not None), None)
                audit_log(action="voucher.action_refused", outcome=AuditEvent.Outcome.FAILURE,
                          actor=kwargs.get("actor"), request=kwargs.get("request"), obj=target,
                          detail={"action": action, "reason": exc.code})
                raise

        return run

    return decorate


def _state(voucher: Voucher) -> dict:
    return {"status": voucher.status, "state_version": voucher.state_version,
            "provider": voucher.provider_id,
            "redeemed_amount": None if voucher.redeemed_amount is None else str(voucher.redeemed_amount)}


# ─── parameters ──────────────────────────────────────────────────────────────────────────────


def param(version: ProgrammeVersion, name: str):
    """A parameter's value: ``{"value": …, "source": …}`` or a bare value; None when absent."""
    raw = (version.params or {}).get(name)
    return raw.get("value") if isinstance(raw, dict) else raw


def _decimal_param(version: ProgrammeVersion, *names: str) -> Decimal | None:
    for name in names:
        value = param(version, name)
        if value not in (None, ""):
            try:
                return Decimal(str(value))
            except InvalidOperation:
                return None
    return None


def voucher_terms(version: ProgrammeVersion) -> dict:
    """share (of the price), cap (most per voucher, yuan), one_per_enterprise, expires_on. Missing or
    malformed share or cap: the programme cannot issue vouchers (never a silent default)."""
    share = _decimal_param(version, "share", "rate")
    cap = _decimal_param(version, "cap", "face_value")
    if share is None or not (Decimal(0) < share <= 1) or cap is None or cap <= 0:
        raise Invalid(_("This programme's parameters do not define a voucher (a share between 0 and 1 and a "
                        "positive cap are needed)."), code="voucher_parameters")
    months = _decimal_param(version, "validity_months")
    today = timezone.localdate()
    expires = version.effective_to
    if months is not None and months > 0:
        expires = min(expires, _add_months(today, int(months)))
    # ``per_enterprise`` is the rules' name (subsidies/rules.py, a count); ``one_per_enterprise`` the flag.
    per_enterprise = _decimal_param(version, "per_enterprise")
    one = bool(param(version, "one_per_enterprise")) or per_enterprise == 1
    return {"share": share, "cap": cap, "one_per_enterprise": one, "expires_on": expires}


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


def _new_code() -> str:
    return "V" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(11))


def budget_line_for(version: ProgrammeVersion, enterprise: Enterprise) -> BudgetLine:
    """The district's line when the version has one for the enterprise's district, else the total."""
    lines = list(version.budget_lines.select_related("region"))
    path = enterprise.region.path
    district = [ln for ln in lines if ln.region_id and path.startswith(ln.region.path)]
    if district:
        return max(district, key=lambda ln: len(ln.region.path))
    total = [ln for ln in lines if ln.region_id is None]
    if not total:
        raise Invalid(_("This programme version has no budget line to pay vouchers from."), code="no_budget_line")
    return total[0]


def _reserve(line: BudgetLine, amount: Decimal) -> None:
    updated = BudgetLine.objects.filter(pk=line.pk, reserved__lte=F("allocated") - amount).update(
        reserved=F("reserved") + amount)
    if updated != 1:
        raise VoucherError(_("The programme's budget cannot cover this voucher: nothing was issued."),
                           code="over_budget")


def _check_one_per_enterprise(version: ProgrammeVersion, enterprise: Enterprise, terms: dict) -> None:
    # The enterprise row is the lock that serialises two issues for one enterprise.
    Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if terms["one_per_enterprise"] and Voucher.objects.filter(
            enterprise=enterprise, version__programme=version.programme_id, status__in=HOLDING).exists():
        raise VoucherError(_("This programme allows one voucher per enterprise, and %(name)s already has one.")
                           % {"name": enterprise.name}, code="one_per_enterprise")


def _create(*, version, enterprise, face_value, terms, line, actor, application=None) -> Voucher:
    for _attempt in range(5):
        code = _new_code()
        if not Voucher.objects.filter(code=code).exists():
            break
    return Voucher.objects.create(code=code, version=version, enterprise=enterprise, application=application,
                                  region=enterprise.region, face_value=face_value, share=terms["share"],
                                  expires_on=terms["expires_on"], budget_line=line, issued_by=actor)


# ─── issue ───────────────────────────────────────────────────────────────────────────────────


def issue_voucher(application: Application, *, actor=None, request=None) -> Voucher:
    """The voucher of a decided voucher application: its face value is the decided amount (already
    reserved on the application's budget line by the decision). Idempotent: a second call returns
    the same voucher. Call it from the decision service, in the decision's transaction."""
    with transaction.atomic():
        locked = Application.objects.select_for_update(of=("self",)).select_related(
            "version__programme", "enterprise__region").get(pk=application.pk)
        existing = Voucher.objects.filter(application=locked).first()
        if existing is not None:
            return existing
        if locked.version.programme.instrument not in VOUCHER_INSTRUMENTS:
            raise Invalid(_("This programme does not issue vouchers."), code="not_a_voucher_programme")
        if locked.status != Application.Status.DECIDED or not locked.decided_amount or locked.budget_line_id is None:
            raise WrongState(_("A voucher is issued only for an approved application with a decided amount."),
                             code="not_decided")
        terms = voucher_terms(locked.version)
        _check_one_per_enterprise(locked.version, locked.enterprise, terms)
        voucher = _create(version=locked.version, enterprise=locked.enterprise,
                          face_value=locked.decided_amount, terms=terms,
                          line=locked.budget_line, actor=actor or locked.decided_by or locked.filed_by,
                          application=locked)
        audit_log(action="voucher.issue", actor=actor, request=request, obj=voucher,
                  detail={"application": locked.pk, "before": None, "after": _state(voucher),
                          "face_value": str(voucher.face_value)})
    return voucher


def _manages(actor, region) -> bool:
    path = staff_region_path(actor)
    return path is not None and actor.staff_role in (StaffRole.DISTRICT, StaffRole.CITY) \
        and region.path.startswith(path)


@_audited_refusals("issue_direct")
def issue_voucher_direct(*, version: ProgrammeVersion, enterprise: Enterprise, face_value, actor,
                         request=None) -> Voucher:
    """Staff issue a voucher without an application (e.g. a first-come, first-served round)."""
    if not _manages(actor, enterprise.region):
        raise Forbidden(_("Only bureau staff of the enterprise's district or city can issue it a voucher."),
                        code="forbidden")
    face_value = inputs.money(face_value, code="face_value")
    with transaction.atomic():
        version = ProgrammeVersion.objects.select_related("programme__region").get(pk=version.pk)
        if version.programme.instrument not in VOUCHER_INSTRUMENTS:
            raise Invalid(_("This programme does not issue vouchers."), code="not_a_voucher_programme")
        if version.status != ProgrammeVersion.Status.PUBLISHED:
            raise WrongState(_("Vouchers are issued only under a published programme version."),
                             code="not_published")
        if not enterprise.region.path.startswith(version.programme.region.path):
            raise Invalid(_("The enterprise is outside the programme's region."), code="out_of_region")
        terms = voucher_terms(version)
        if face_value > terms["cap"]:
            raise Invalid(_("The face value exceeds the programme's cap of ¥%(cap)s.") % {"cap": terms["cap"]},
                          code="face_value_over_cap")
        _check_one_per_enterprise(version, enterprise, terms)
        line = budget_line_for(version, enterprise)
        _reserve(line, face_value)
        voucher = _create(version=version, enterprise=enterprise, face_value=face_value, terms=terms, line=line,
                          actor=actor)
        audit_log(action="voucher.issue", actor=actor, request=request, obj=voucher,
                  detail={"direct": True, "before": None, "after": _state(voucher),
                          "face_value": str(face_value)})
    return voucher


# ─── use (the provider) ──────────────────────────────────────────────────────────────────────


def active_membership(provider: Provider, enterprise: Enterprise, today: dt.date) -> PoolMember | None:
    """An active, unexpired membership of ``provider`` in a pool whose region covers the enterprise."""
    for member in PoolMember.objects.filter(provider=provider, status=PoolMember.Status.ACTIVE,
                                            valid_until__gte=today).select_related("pool__region"):
        if enterprise.region.path.startswith(member.pool.region.path):
            return member
    return None


def _store_file(voucher: Voucher, upload, kind: str, actor, stored: list) -> VoucherFile:
    try:
        checked = check_upload(upload, name=upload.name or "", size=upload.size, max_bytes=FILE_MAX_BYTES)
    except UploadRejected as exc:
        raise exc.as_refusal() from None
    row = VoucherFile(voucher=voucher, kind=kind, original_name=checked.name, content_type=checked.kind.content_type,
                      size=checked.size, sha256=checked.sha256, uploaded_by=actor)
    row.file.save(f"{uuid.uuid4().hex}.{checked.kind.code}", checked.stored(upload), save=False)
    stored.append(row.file)
    row.save()
    return row


def find_for_use(code: str) -> Voucher:
    code = inputs.text(code, required=True, limit=20, code="code").upper()
    voucher = Voucher.objects.filter(code=code).first()
    if voucher is None:
        raise NotFound(_("No voucher has this code. Check it with the enterprise."), code="unknown_code")
    return voucher


@_audited_refusals("use")
def use_voucher(*, code, provider: Provider, actor, contract_number, contract_amount, contract_file, payment_file,
                request=None) -> Voucher:
    """The provider records the service sold against the voucher: the contract, its price and the
    proof that the enterprise paid its own share. Only an issued, unexpired voucher is used, once."""
    if actor.staff_role or not can_write_for(actor, provider):
        raise Forbidden(_("Only the provider's owners and editors can use a voucher."), code="forbidden")
    contract_number = inputs.text(contract_number, required=True, limit=60, code="contract_number")
    contract_amount = inputs.money(contract_amount, code="contract_amount")
    if contract_file is None or payment_file is None:
        raise Invalid(_("Upload both the contract and the payment proof."), code="files_required")
    voucher = find_for_use(code)
    today = timezone.localdate()
    stored: list = []
    try:
        with transaction.atomic():
            locked = Voucher.objects.select_for_update().get(pk=voucher.pk)
            if locked.status != Voucher.Status.ISSUED:
                raise WrongState(_("This voucher is “%(status)s” and cannot be used again.")
                                 % {"status": locked.get_status_display()}, code="wrong_status")
            if locked.expires_on < today:
                raise WrongState(_("This voucher expired on %(date)s.") % {"date": locked.expires_on},
                                 code="expired")
            enterprise = Enterprise.objects.select_related("region").get(pk=locked.enterprise_id)
            if active_membership(provider, enterprise, today) is None:
                raise Forbidden(_("Only a provider that is an active member of a resource pool covering the "
                                  "enterprise's district can accept this voucher."), code="not_pool_member")
            before = _state(locked)
            locked.provider = provider
            locked.contract_number = contract_number
            locked.contract_amount = contract_amount
            locked.redeemed_amount = covered_amount(contract_amount, locked.share, locked.face_value)
            locked.used_by = actor
            locked.used_at = timezone.now()
            locked.status = Voucher.Status.USED
            locked.state_version += 1
            locked.save()
            _store_file(locked, contract_file, VoucherFile.Kind.CONTRACT, actor, stored)
            _store_file(locked, payment_file, VoucherFile.Kind.PAYMENT, actor, stored)
            audit_log(action="voucher.use", actor=actor, request=request, obj=locked,
                      detail={"before": before, "after": _state(locked), "contract_amount": str(contract_amount)})
    except BaseException:
        for handle in stored:
            handle.storage.delete(handle.name)
        raise
    return locked


# ─── verify and pay (staff) ──────────────────────────────────────────────────────────────────


def _lock_for_staff(voucher: Voucher, actor, expected_version, status: str) -> Voucher:
    locked = Voucher.objects.select_for_update(of=("self",)).select_related("region").get(pk=voucher.pk)
    if not _manages(actor, locked.region):
        raise Forbidden(_("Only bureau staff of the voucher's district or city can do this."), code="forbidden")
    if expected_version is None or str(locked.state_version) != str(expected_version):
        raise _stale()
    if locked.status != status:
        raise WrongState(_("This voucher is “%(status)s”, so this step is not possible now.")
                         % {"status": locked.get_status_display()}, code="wrong_status")
    return locked


@_audited_refusals("verify")
def verify_voucher(*, voucher: Voucher, actor, expected_version, note="", request=None) -> Voucher:
    note = inputs.text(note, required=False, limit=2000, code="note")
    with transaction.atomic():
        locked = _lock_for_staff(voucher, actor, expected_version, Voucher.Status.USED)
        before = _state(locked)
        locked.status = Voucher.Status.VERIFIED
        locked.verified_by = actor
        locked.verified_at = timezone.now()
        locked.note = note or locked.note
        locked.state_version += 1
        locked.save()
        audit_log(action="voucher.verify", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "note": note})
    return locked


@_audited_refusals("pay")
def pay_voucher(*, voucher: Voucher, actor, expected_version, request=None) -> Voucher:
    """Record the payment of the covered amount; the person who verified the voucher cannot also
    pay it (R9 segregation of duties). The unused rest of the face value goes back to the budget."""
    with transaction.atomic():
        locked = _lock_for_staff(voucher, actor, expected_version, Voucher.Status.VERIFIED)
        if locked.verified_by_id == actor.pk:
            raise Forbidden(_("The person who verified a voucher cannot also pay it."), code="same_person")
        amount, release = locked.redeemed_amount, locked.face_value - locked.redeemed_amount
        updated = BudgetLine.objects.filter(pk=locked.budget_line_id, reserved__gte=release + amount).update(
            disbursed=F("disbursed") + amount, reserved=F("reserved") - release)
        if updated != 1:
            raise VoucherError(_("The budget line does not hold this voucher's reservation: nothing was paid."),
                               code="budget_mismatch")
        before = _state(locked)
        locked.status = Voucher.Status.PAID
        locked.paid_by = actor
        locked.paid_at = timezone.now()
        locked.state_version += 1
        locked.save()
        audit_log(action="voucher.pay", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked), "amount": str(amount), "released": str(release)})
    return locked


def expire_vouchers(today: dt.date | None = None) -> int:
    """Issued vouchers past their date expire and release their reservation. Idempotent, cheap when
    nothing is due (a sweeper)."""
    today = today or timezone.localdate()
    done = 0
    for pk in Voucher.objects.filter(status=Voucher.Status.ISSUED, expires_on__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            locked = Voucher.objects.select_for_update().filter(pk=pk, status=Voucher.Status.ISSUED).first()
            if locked is None:
                continue
            BudgetLine.objects.filter(pk=locked.budget_line_id, reserved__gte=locked.face_value).update(
                reserved=F("reserved") - locked.face_value)
            before = _state(locked)
            locked.status = Voucher.Status.EXPIRED
            locked.state_version += 1
            locked.save(update_fields=["status", "state_version"])
            audit_log(action="voucher.expire", obj=locked, detail={"before": before, "after": _state(locked)})
            done += 1
    return done
