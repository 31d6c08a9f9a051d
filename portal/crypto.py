"""Encryption at rest for the few values that must never sit in the database in clear (R26):
bank account numbers and the legal representative's ID number (PIPL Art. 28: sensitive personal
information; 等保 8.1.4.8 b: confidentiality of important data in storage), and their masking in
pages and exports (GB/T 35273 de-identified display).

Keys come from the environment (``FIELD_ENCRYPTION_KEYS``, comma-separated Fernet keys, or
``FIELD_ENCRYPTION_KEYS_FILE``): the **first** key encrypts, every key decrypts, so a key is rotated
by putting a new one in front, running ``manage.py rotate_field_keys`` (re-encrypts every encrypted
column with the first key) and then dropping the old one. Fernet is AES-128-CBC with an
HMAC-SHA256 over the token, so a modified ciphertext fails to decrypt instead of reading as garbage.

A Fernet token differs each time the same value is encrypted, so an encrypted column cannot be
compared in SQL. Where equality matters (the same bank account on two organisations, checked by
subsidies.integrity), store ``blind_index(value)`` beside it: an HMAC-SHA256 of the normalised value
under ``FIELD_INDEX_KEY``, a separate key that is not rotated with the encryption keys.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.db import models

TOKEN_PREFIX = "gAAAAA"  # every Fernet token (version byte 0x80 + timestamp) starts so in base64


class DecryptionFailed(Exception):
    """A stored value could not be decrypted with any configured key (a key was dropped before the
    rotation finished, or the ciphertext was altered)."""


def _keys() -> tuple[str, ...]:
    return tuple(k for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) if k)


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS (or FIELD_ENCRYPTION_KEYS_FILE) must be set to "
                                   "store encrypted fields")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key: {exc}") from None


def _fernet() -> MultiFernet:
    return _fernet_for(_keys())


def generate_key() -> str:
    return Fernet.generate_key().decode()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("an encrypted value could not be decrypted with the configured keys") from None


def rotate(token: str) -> str:
    """The token re-encrypted with the first key (unchanged plaintext)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("an encrypted value could not be decrypted with the configured keys") from None


def normalise(value: str) -> str:
    """Digits and letters only, upper case: '6222 0212-3456' and '62220212 3456' are one account."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


def blind_index(value: str) -> str:
    """A keyed hash for equality checks on an encrypted value; '' for an empty value."""
    value = normalise(value)
    if not value:
        return ""
    key = getattr(settings, "FIELD_INDEX_KEY", "")
    if not key:
        raise ImproperlyConfigured("FIELD_INDEX_KEY must be set to store encrypted fields")
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.TextField):
    """A short text stored as a Fernet token. ``max_length`` limits the plaintext (form and model
    validation); the column is unbounded text because the token is longer. Only ``isnull`` lookups
    make sense on it: compare through a blind index column instead."""

    description = "Encrypted text"
    # Read by the data classification registry's test: sensitive fields must be encrypted (R25/R26).
    encrypted = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise TypeError(f"an encrypted field cannot be filtered with '{lookup_name}'; use its blind index")
        return super().get_lookup(lookup_name)


def encrypted_fields():
    """(model, field) for every EncryptedCharField of every installed model."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedCharField):
                yield model, field


def rotate_all() -> int:
    """Re-encrypt every stored encrypted value with the first key; returns the values rewritten.
    Reads the raw column (no decryption into Python objects) and writes it back row by row."""
    from django.db import connection, transaction

    done = 0
    for model, field in encrypted_fields():
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(field.column)
        pk = connection.ops.quote_name(model._meta.pk.column)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''")
            for row_pk, token in cursor.fetchall():
                cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", [rotate(token), row_pk])
                done += 1
    return done


# ─── Masking (display only; never a substitute for access control) ─────────────────────────────


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        # Too short to show any part safely: show only the last character.
        return "*" * (len(value) - 1) + value[-1:] if len(value) > 1 else "*"
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_phone(value: str) -> str:
    """13812341234 → 138****1234; +86 13812341234 → +86 138****1234; 0755-88886666 → 0755-****6666."""
    value = (value or "").strip()
    if not value:
        return ""
    mobile = re.fullmatch(r"(\+?86[- ]?)?(1\d{2})(\d{4})(\d{4})", value)
    if mobile:
        return f"{mobile.group(1) or ''}{mobile.group(2)}****{mobile.group(4)}"
    landline = re.fullmatch(r"(0\d{2,3}-?)(\d{7,8})(.*)", value)
    if landline:
        number = landline.group(2)
        return f"{landline.group(1)}{'*' * (len(number) - 4)}{number[-4:]}{landline.group(3)}"
    return _mask_middle(value, 3, 4)


def mask_account(value: str) -> str:
    """A bank account: the first four and last four digits, '*' between (6222********0123)."""
    return _mask_middle(normalise(value), 4, 4)


def mask_id(value: str) -> str:
    """A resident ID number: the first three and last four characters (110***********123X)."""
    return _mask_middle(normalise(value), 3, 4)


def check_keys(app_configs=None, **kwargs):
    """Deploy check: encrypted fields need their keys, and the keys must be valid."""
    from django.core.checks import Error

    if not _keys():
        return [Error("FIELD_ENCRYPTION_KEYS is not set: bank account and ID numbers cannot be stored.",
                      id="portal.E101")]
    try:
        _fernet()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="portal.E102")]
    if not getattr(settings, "FIELD_INDEX_KEY", ""):
        return [Error("FIELD_INDEX_KEY is not set: encrypted values cannot be compared.", id="portal.E103")]
    return []
