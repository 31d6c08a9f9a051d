"""portal/crypto.py: Fernet round trip, key rotation, blind index, masking, the deploy check."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import override_settings

from portal import crypto

KEY_A = crypto.generate_key()
KEY_B = crypto.generate_key()


def test_round_trip_and_token_is_not_the_plaintext():
    token = crypto.encrypt("6222021234567890123")
    assert token.startswith(crypto.TOKEN_PREFIX)
    assert "6222021234567890123" not in token
    assert crypto.decrypt(token) == "6222021234567890123"
    assert crypto.encrypt("6222021234567890123") != token  # randomised: no equality leak


def test_rotation_first_key_encrypts_every_key_decrypts():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        old = crypto.encrypt("440301199001011234")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert crypto.decrypt(old) == "440301199001011234"
        new = crypto.rotate(old)
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert crypto.decrypt(new) == "440301199001011234"
        with pytest.raises(crypto.DecryptionFailed):
            crypto.decrypt(old)


def test_tampered_token_fails_loudly():
    token = crypto.encrypt("secret")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(tampered)


def test_missing_or_bad_keys_are_configuration_errors():
    with override_settings(FIELD_ENCRYPTION_KEYS=[]):
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x")
        assert [e.id for e in crypto.check_keys()] == ["portal.E101"]
    with override_settings(FIELD_ENCRYPTION_KEYS=["not-a-key"]):
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x")
        assert [e.id for e in crypto.check_keys()] == ["portal.E102"]
    with override_settings(FIELD_INDEX_KEY=""):
        assert [e.id for e in crypto.check_keys()] == ["portal.E103"]
    assert crypto.check_keys() == []


def test_blind_index_ignores_spacing_and_is_keyed():
    assert crypto.blind_index("6222 0212-3456") == crypto.blind_index("622202123456")
    assert crypto.blind_index("622202123456") != crypto.blind_index("622202123457")
    assert crypto.blind_index("") == ""
    first = crypto.blind_index("622202123456")
    with override_settings(FIELD_INDEX_KEY="another"):
        assert crypto.blind_index("622202123456") != first


@pytest.mark.parametrize(("raw", "masked"), [
    ("13812341234", "138****1234"),
    ("+86 13812341234", "+86 138****1234"),
    ("0755-88886666", "0755-****6666"),
    ("075588886666", "0755****6666"),
    ("", ""),
])
def test_mask_phone(raw, masked):
    assert crypto.mask_phone(raw) == masked


@pytest.mark.parametrize(("raw", "masked"), [
    ("6222021234567890123", "6222***********0123"),
    ("6222 0212 3456 7890 123", "6222***********0123"),
    ("12345678", "*******8"),
    ("", ""),
])
def test_mask_account(raw, masked):
    assert crypto.mask_account(raw) == masked


@pytest.mark.parametrize(("raw", "masked"), [
    ("11010519491231002X", "110***********002X"),
    ("440301199001011234", "440***********1234"),
    ("123", "**3"),
])
def test_mask_id(raw, masked):
    assert crypto.mask_id(raw) == masked


def test_template_filters():
    html = Template("{% load masking %}{{ p|mask_phone }} {{ a|mask_account }} {{ i|mask_id }}").render(
        Context({"p": "13812341234", "a": "6222021234567890123", "i": "440301199001011234"}))
    assert html == "138****1234 6222***********0123 440***********1234"
