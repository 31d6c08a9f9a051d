"""R25: every model and every field is classified, personal-looking fields explicitly, sensitive
fields encrypted (or protected otherwise, with the reason written down), and the registry names
nothing that does not exist."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from portal.privacy.registry import PROTECTED_OTHERWISE, REGISTRY, DataClass, classify, unclassified


def _fields():
    user_model = get_user_model()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            yield model, field, field.is_relation and field.related_model is user_model


def test_every_model_and_personal_looking_field_is_classified():
    problems = unclassified((m._meta.label, f.name, user_link) for m, f, user_link in _fields())
    assert problems == [], "classify these in portal/privacy/registry.py:\n" + "\n".join(problems)


def test_the_check_catches_a_new_model_and_an_unclassified_personal_field():
    assert unclassified([("portal.User", "phone", False), ("portal.User", "is_active", False)]) == []
    assert unclassified([("newapp.Thing", "title", False)]) == ["newapp.Thing: model not in the registry"]
    assert unclassified([("diagnosis.Need", "contact_phone", False)]) == [
        "diagnosis.Need.contact_phone: looks personal, classify it explicitly"]
    assert unclassified([("diagnosis.Need", "created_by", True)]) == []


def test_every_field_gets_a_class():
    for model, field, user_link in _fields():
        assert isinstance(classify(model._meta.label, field.name, links_to_user=user_link), DataClass), (model, field)


def test_registry_entries_name_real_models_fields_and_lookups():
    for label, rule in REGISTRY.items():
        model = apps.get_model(label)
        names = {f.name for f in model._meta.concrete_fields}
        assert set(rule.fields) <= names, (label, set(rule.fields) - names)
        if rule.retention_rule:
            assert rule.retention_rule.field in names, label
        if rule.subject:
            assert str(model._default_manager.filter(**{rule.subject: 1}).query)


@pytest.mark.parametrize(("label", "name"), [(label, name) for label, rule in REGISTRY.items()
                                        for name, cls in rule.fields.items() if cls == DataClass.SENSITIVE])
def test_sensitive_fields_are_encrypted_or_protected_otherwise(label, name):
    field = apps.get_model(label)._meta.get_field(name)
    assert getattr(field, "encrypted", False) or f"{label}.{name}" in PROTECTED_OTHERWISE
