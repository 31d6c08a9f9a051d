"""Writes for personal data (R27, R28, R30): consents, erasure requests and their processing, the
nightly retention job. Each is atomic and audited."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_log
from portal.exceptions import Invalid, NotFound, WrongState
from portal.models import ConsentRecord, ErasureRequest
from portal.privacy import notices
from portal.privacy.registry import PERSONAL_CLASSES, REGISTRY, OnErasure, classify

# PIPL Art. 50 asks for timely handling; 15 days is the deadline the notice promises.
ERASURE_DAYS = 15


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def consent_record(*, user, purpose: str, version: str, request=None) -> ConsentRecord:
    """Record that ``user`` agreed to ``purpose``'s notice ``version``; refuses a stale version."""
    notice = notices.current(purpose)
    if version != notice.version:
        raise Invalid(_("The notice has changed since this page was opened. Please read it again and "
                             "confirm."), code="stale_notice")
    record, _created = ConsentRecord.objects.get_or_create(
        user=user, purpose=purpose, version=version, withdrawn_at=None,
        defaults={"ip_address": _client_ip(request)})
    audit_log(action="privacy.consent", actor=user, request=request, obj=record,
              detail={"purpose": purpose, "version": version})
    return record


@transaction.atomic
def consent_withdraw(*, user, record_id: int, request=None) -> ConsentRecord:
    record = ConsentRecord.objects.select_for_update().filter(pk=record_id, user=user).first()
    if record is None:
        raise NotFound(_("No such consent."), code="not_found")
    if record.withdrawn_at is not None:
        raise WrongState(_("This consent was already withdrawn."), code="already_withdrawn")
    record.withdrawn_at = timezone.now()
    record.save(update_fields=["withdrawn_at"])
    audit_log(action="privacy.consent_withdrawn", actor=user, request=request, obj=record,
              detail={"purpose": record.purpose, "version": record.version})
    return record


@transaction.atomic
def erasure_request(*, user, request=None) -> ErasureRequest:
    if ErasureRequest.objects.select_for_update().filter(user=user, status=ErasureRequest.Status.PENDING).exists():
        raise WrongState(_("You have already asked for deletion; it is being handled."), code="pending")
    now = timezone.now()
    erasure = ErasureRequest.objects.create(user=user, requested_at=now, due_at=now + timedelta(days=ERASURE_DAYS))
    audit_log(action="privacy.erasure_requested", actor=user, request=request, obj=erasure)
    return erasure


@transaction.atomic
def erasure_cancel(*, user, request=None) -> ErasureRequest:
    erasure = (ErasureRequest.objects.select_for_update()
               .filter(user=user, status=ErasureRequest.Status.PENDING).first())
    if erasure is None:
        raise WrongState(_("There is no pending deletion request to cancel."), code="not_pending")
    erasure.status = ErasureRequest.Status.CANCELLED
    erasure.save(update_fields=["status"])
    audit_log(action="privacy.erasure_cancelled", actor=user, request=request, obj=erasure)
    return erasure


_KEEP = object()


def _anonymised_value(model_field, pk):
    """The value a personal field takes once anonymised; _KEEP for a required non-text value (a
    join date) that identifies nobody once the rest is gone."""
    if model_field.name == "username":
        return f"deleted-{pk}"
    if model_field.null:
        return None
    kind = model_field.get_internal_type()
    if kind == "JSONField":
        return {}
    if kind in ("CharField", "TextField", "EmailField", "SlugField", "URLField", "GenericIPAddressField"):
        return ""
    return _KEEP


def _anonymise(row, model) -> None:
    for model_field in _personal_fields(model):
        if model_field.name == "password":
            continue
        value = _anonymised_value(model_field, row.pk)
        if value is not _KEEP:
            setattr(row, model_field.attname, value)


def _personal_fields(model) -> list:
    label = model._meta.label
    user_model = get_user_model()
    return [f for f in model._meta.concrete_fields
            if not f.primary_key and not f.is_relation
            and classify(label, f.name, links_to_user=f.is_relation and f.related_model is user_model)
            in PERSONAL_CLASSES]


@transaction.atomic
def erase_user(user) -> dict:
    """Anonymise or delete ``user``'s personal data per the registry; keep what the law retains.
    The user row stays (foreign keys from assessments, decisions and the audit trail remain intact)
    with a pseudonymous name, no password, disabled."""
    from django.contrib.sessions.models import Session

    summary: dict[str, object] = {}
    for label, rule in REGISTRY.items():
        if rule.subject is None or rule.on_erasure in (OnErasure.RETAIN, OnErasure.NOT_PERSONAL):
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        rows = model._default_manager.filter(**({"pk": user.pk} if rule.subject == "" else {rule.subject: user}))
        if rule.on_erasure == OnErasure.DELETE:
            summary[label] = {"deleted": rows.delete()[0]}
        elif rule.on_erasure == OnErasure.ANONYMISE:
            changed = 0
            for row in rows.select_for_update():
                _anonymise(row, model)
                if label == get_user_model()._meta.label:
                    row.set_unusable_password()
                    row.is_active = False
                row.save()
                changed += 1
            summary[label] = {"anonymised": changed}
    # Sessions hold no user column: end every session of this user.
    for session in Session.objects.all().iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    return summary


def erasure_process_due(*, now=None) -> int:
    """Nightly: carry out every pending erasure request (they are due within ERASURE_DAYS; the job
    does them at its next run). Each in its own transaction; audited with what was done."""
    done = 0
    for erasure_id in ErasureRequest.objects.filter(status=ErasureRequest.Status.PENDING).values_list("pk", flat=True):
        with transaction.atomic():
            erasure = (ErasureRequest.objects.select_for_update().select_related("user")
                       .filter(pk=erasure_id, status=ErasureRequest.Status.PENDING).first())
            if erasure is None:
                continue
            summary = erase_user(erasure.user)
            erasure.status = ErasureRequest.Status.DONE
            erasure.done_at = now or timezone.now()
            erasure.summary = summary
            erasure.save(update_fields=["status", "done_at", "summary"])
            audit_log(action="privacy.erasure_done", username="retention job", obj=erasure, detail=summary)
            done += 1
    return done


def retention_apply(*, now=None) -> dict:
    """Nightly (R30): remove or anonymise rows past the retention rule of their registry entry."""
    now = now or timezone.now()
    outcome = {}
    for label, rule in REGISTRY.items():
        retention = rule.retention_rule
        if retention is None:
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        expired = model._default_manager.filter(**{f"{retention.field}__lt": now - timedelta(days=retention.days)},
                                                 **retention.only)
        with transaction.atomic():
            if retention.action == "delete":
                count = expired.delete()[0]
            else:
                count = 0
                for row in expired.select_for_update():
                    _anonymise(row, model)
                    row.save()
                    count += 1
        if count:
            outcome[label] = count
    # Disabled accounts three years after their last sign-in (or joining): anonymised like an erasure.
    cutoff = now - timedelta(days=3 * 365)
    stale = get_user_model().objects.filter(is_active=False, date_joined__lt=cutoff).exclude(
        username__startswith="deleted-").exclude(last_login__gte=cutoff)
    for user in stale:
        erase_user(user)
        outcome["portal.User (disabled 3 years)"] = outcome.get("portal.User (disabled 3 years)", 0) + 1
    if outcome:
        audit_log(action="privacy.retention", username="retention job", detail=outcome)
    return outcome
