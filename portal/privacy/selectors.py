"""Reads for personal data: a person's machine-readable export (PIPL Art. 45; R28), built from the
classification registry so that a newly classified field is exported without touching this code."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder

from portal.models import ConsentRecord, ErasureRequest
from portal.privacy.registry import PERSONAL_CLASSES, PROTECTED_OTHERWISE, REGISTRY, classify


def _exported_fields(model) -> list:
    label = model._meta.label
    user_model = get_user_model()
    fields = []
    for model_field in model._meta.concrete_fields:
        if f"{label}.{model_field.name}" in PROTECTED_OTHERWISE:
            continue  # secrets (password hash, TOTP key, tokens) are not "data about you" to hand out
        links_to_user = model_field.is_relation and model_field.related_model is user_model
        if model_field.primary_key or classify(label, model_field.name, links_to_user=links_to_user) in PERSONAL_CLASSES:
            fields.append(model_field)
    return fields


def personal_data_export(user) -> dict:
    """Every registry-classified personal field of every row about ``user``, by model."""
    export: dict[str, object] = {"format": "dx-portal personal data export 1", "user_id": user.pk}
    for label, rule in sorted(REGISTRY.items()):
        if rule.subject is None:
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model._meta.proxy:
            continue
        rows = model._default_manager.filter(**({"pk": user.pk} if rule.subject == "" else {rule.subject: user}))
        fields = _exported_fields(model)
        records = [{f.name: getattr(row, f.attname) for f in fields} for row in rows.order_by("pk")[:5000]]
        if records:
            export[label] = {"purpose": rule.purpose, "retention": rule.retention, "rows": records}
    return export


def export_json(user) -> bytes:
    import json

    return json.dumps(personal_data_export(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def consents_of(user):
    return ConsentRecord.objects.filter(user=user)


def pending_erasure(user) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(user=user, status=ErasureRequest.Status.PENDING).first()
