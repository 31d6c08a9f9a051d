"""Writes of the programme pages: create a programme, draft or edit a version (parameters,
conditions, budget and its district lines), publish it (the previous published version becomes
superseded in the same transaction) and close it.

Every write locks the programme row (``select_for_update``) so two publishes of one programme run
one after the other; the second sees what the first did and is refused (409) instead of leaving two
published versions (the database's partial unique index would refuse it too). Publishing carries
the published version the page showed (``expected_current``): a page older than the last publish
is refused as stale. Every write is audited with before/after."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exceptions import Conflict, Forbidden, Invalid
from portal.models import Region
from portal.roles import is_bureau_staff, staff_region_path
from subsidies import labels, rules
from subsidies.models import BudgetLine, Programme, ProgrammeVersion

VERSION_FIELDS = ("document_number", "document_title", "document_url", "effective_from", "effective_to",
                  "applications_open", "applications_close", "budget_total", "notes")


def _stale() -> Conflict:
    return Conflict(_("Someone else changed this programme after you opened the page. Nothing was changed: "
                      "check the current state and try again."), code="stale")


def districts_of(region: Region):
    """The districts a programme of ``region`` may split its budget between (none for a district)."""
    if region.level == Region.Level.DISTRICT:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=region.path, level=Region.Level.DISTRICT).order_by("code")


def programme_create(*, actor, values: dict, request=None) -> Programme:
    if not is_bureau_staff(actor):
        raise Forbidden(_("Only bureau staff create programmes."), code="forbidden")
    region: Region = values["region"]
    path = staff_region_path(actor)
    if path is None or not region.path.startswith(path):
        raise Forbidden(_("You can only create programmes in your own jurisdiction."), code="out_of_region")
    if values["instrument"] not in rules.INSTRUMENTS:
        raise Invalid(_("Choose an instrument from the list."), code="instrument")
    with transaction.atomic():
        if Programme.objects.filter(code=values["code"]).exists():
            raise Invalid(_("A programme with this code exists already."), code="code_taken")
        try:
            with transaction.atomic():
                programme = Programme.objects.create(created_by=actor, **{
                    k: values[k] for k in ("code", "name", "instrument", "issuing_body", "region")})
        except IntegrityError:
            raise Invalid(_("A programme with this code exists already."), code="code_taken") from None
        audit_log(action="subsidy.programme_create", actor=actor, request=request, obj=programme,
                  detail={"before": None, "after": {"code": programme.code, "name": programme.name,
                                                    "instrument": programme.instrument,
                                                    "region": region.code}})
    return programme


def _check_version_values(programme: Programme, values: dict) -> tuple[dict, list, dict]:
    """The version's values checked: (params, conditions, {district: allocated}). Raises Invalid."""
    try:
        rules.parse_params(programme.instrument, values["params"])
    except rules.RuleError as error:
        raise Invalid(_("The parameters cannot be used: %(problems)s") % {
            "problems": labels.problems_text(error.problems)}, code="params") from None
    try:
        rules.parse_conditions(values["conditions"])
    except rules.RuleError as error:
        raise Invalid(_("The conditions cannot be used: %(problems)s") % {
            "problems": labels.problems_text(error.problems)}, code="conditions") from None
    if values["effective_to"] < values["effective_from"]:
        raise Invalid(_("The policy cannot end before it takes effect."), code="effective_dates")
    if values["applications_close"] < values["applications_open"]:
        raise Invalid(_("Applications cannot close before they open."), code="application_dates")
    problems: list[rules.Problem] = []
    total = rules.to_money(values["budget_total"], "budget_total", problems)
    districts = {}
    allowed = {r.code: r for r in districts_of(programme.region)}
    for code, amount in (values.get("districts") or {}).items():
        if amount in (None, ""):
            continue
        if code not in allowed:
            raise Invalid(_("A district budget names a region outside the programme's region."), code="district")
        districts[allowed[code]] = rules.to_money(amount, "budget_total", problems)
    if problems:
        raise Invalid(_("The budget cannot be used: %(problems)s") % {"problems": labels.problems_text(problems)},
                      code="budget")
    if sum(districts.values(), Decimal(0)) > total:
        raise Invalid(_("The district budgets add up to more than the total budget."), code="budget_sum")
    return {**values, "budget_total": total}, values["conditions"], districts


def _state(version: ProgrammeVersion) -> dict:
    return {"number": version.number, "status": version.status, "budget_total": str(version.budget_total),
            "params": version.params, "conditions": version.conditions,
            "lines": {(line.region.code if line.region else "total"): str(line.allocated)
                      for line in version.budget_lines.select_related("region")}}


def state_token(version: ProgrammeVersion) -> str:
    """A fingerprint of what a page showed of a version (its content, status and budget lines): a
    write carrying an older fingerprint was decided on something that has changed since (409)."""
    text = json.dumps(_state(version), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _lock_programme(programme: Programme, actor) -> Programme:
    locked = Programme.objects.select_for_update().select_related("region").get(pk=programme.pk)
    if not Programme.objects.writable_by(actor).filter(pk=locked.pk).exists():
        raise Forbidden(_("This programme is not in your jurisdiction."), code="out_of_region")
    return locked


def _write_lines(version: ProgrammeVersion, districts: dict) -> None:
    version.budget_lines.all().delete()
    BudgetLine.objects.create(version=version, region=None, allocated=version.budget_total)
    for region, amount in districts.items():
        BudgetLine.objects.create(version=version, region=region, allocated=amount)


def version_draft(*, actor, programme: Programme, values: dict, request=None) -> ProgrammeVersion:
    """A new draft version (the next number) with its budget lines."""
    with transaction.atomic():
        locked = _lock_programme(programme, actor)
        values, _conditions, districts = _check_version_values(locked, values)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ProgrammeVersion.objects.create(
            programme=locked, number=number, created_by=actor, params=values["params"],
            conditions=values["conditions"], **{f: values[f] for f in VERSION_FIELDS})
        _write_lines(version, districts)
        audit_log(action="subsidy.version_draft", actor=actor, request=request, obj=version,
                  detail={"before": None, "after": _state(version)})
    return version


def version_update(*, actor, version: ProgrammeVersion, values: dict, expected_state: str | None = None,
                   request=None) -> ProgrammeVersion:
    """Change a draft; a published, superseded or closed version never changes. ``expected_state``
    is the draft's ``state_token`` when the form was opened (None: no check, for internal callers)."""
    with transaction.atomic():
        _lock_programme(version.programme, actor)
        locked = ProgrammeVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != ProgrammeVersion.Status.DRAFT:
            raise Conflict(_("Only a draft can be changed; this version is “%(status)s”. Draft a new version "
                             "instead.") % {"status": locked.get_status_display()}, code="not_draft")
        if expected_state is not None and expected_state != state_token(locked):
            raise _stale()
        before = _state(locked)
        values, _conditions, districts = _check_version_values(locked.programme, values)
        for f in VERSION_FIELDS:
            setattr(locked, f, values[f])
        locked.params, locked.conditions = values["params"], values["conditions"]
        locked.save()
        _write_lines(locked, districts)
        audit_log(action="subsidy.version_update", actor=actor, request=request, obj=locked,
                  detail={"before": before, "after": _state(locked)})
    return locked


def version_publish(*, actor, version: ProgrammeVersion, expected_current: int | None,
                    expected_state: str | None = None, request=None) -> ProgrammeVersion:
    """Publish a draft: the programme's published version (if any) becomes superseded, atomically.
    ``expected_current`` is the pk of the published version the page showed (None: none) and
    ``expected_state`` the draft's ``state_token`` there (None: no check, for internal callers)."""
    with transaction.atomic():
        programme = _lock_programme(version.programme, actor)
        locked = ProgrammeVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != ProgrammeVersion.Status.DRAFT:
            raise Conflict(_("This version is “%(status)s” already: it cannot be published again.") % {
                "status": locked.get_status_display()}, code="not_draft")
        current = programme.versions.select_for_update().filter(status=ProgrammeVersion.Status.PUBLISHED).first()
        if (current.pk if current else None) != expected_current:
            raise _stale()
        if expected_state is not None and expected_state != state_token(locked):
            raise _stale()
        _check_version_values(programme, {**{f: getattr(locked, f) for f in VERSION_FIELDS},
                                          "params": locked.params, "conditions": locked.conditions})
        if current is not None:
            current.status = ProgrammeVersion.Status.SUPERSEDED
            current.save(update_fields=["status"])
        locked.status = ProgrammeVersion.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at"])
        audit_log(action="subsidy.version_publish", actor=actor, request=request, obj=locked,
                  detail={"before": {"published": current.number if current else None},
                          "after": {"published": locked.number}})
    return locked


def version_close(*, actor, version: ProgrammeVersion, request=None) -> ProgrammeVersion:
    """Close the published version: the programme takes no more applications."""
    with transaction.atomic():
        _lock_programme(version.programme, actor)
        locked = ProgrammeVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != ProgrammeVersion.Status.PUBLISHED:
            raise Conflict(_("Only the published version can be closed; this one is “%(status)s”.") % {
                "status": locked.get_status_display()}, code="not_published")
        locked.status = ProgrammeVersion.Status.CLOSED
        locked.save(update_fields=["status"])
        audit_log(action="subsidy.version_close", actor=actor, request=request, obj=locked,
                  detail={"before": {"status": "published"}, "after": {"status": "closed"}})
    return locked
