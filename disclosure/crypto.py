"""Personal data encrypted at rest (个人信息保护法): a model field that stores Fernet tokens.

Keys come from settings.GONGKAI_FIELD_KEYS (env GONGKAI_FIELD_KEY, comma-separated Fernet keys).
The first key encrypts; every key decrypts, so a key is rotated by putting the new key first,
running `manage.py reencrypt_fields`, then removing the old key. Without the variable a key is
derived from SECRET_KEY — for development only (settings says so; `check --deploy` warns).

The field is transparent to the ORM: model instances hold plain text, the database holds tokens.
get_prep_value encrypts (save, update(), bulk_create, bulk_update all go through it) and
from_db_value decrypts. Fernet tokens are randomised, so the columns cannot be searched or
compared in SQL: only isnull, exact and in are allowed (and match only "" / NULL); other lookups
are refused rather than silently matching nothing.
Rows written before encryption (plain text, not a token) read back as they are until re-saved.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

# base64 of Fernet's version byte 0x80 and the high timestamp bytes (a marker, not a secret)
TOKEN_PREFIX = "gAAAAA"  # nosec B105


@lru_cache(maxsize=8)
def dev_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY (development only); derived once per secret, not once
    per value encrypted or decrypted."""
    digest = hashlib.sha256(("gongkai-field-key:" + secret_key).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def configured_keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "GONGKAI_FIELD_KEYS", ()) or ())
    return keys or (dev_key(settings.SECRET_KEY),)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "GONGKAI_FIELD_KEY must be a comma-separated list of Fernet keys "
            "(32 url-safe base64-encoded bytes each; make one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(configured_keys())


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ImproperlyConfigured(
            "An encrypted field could not be decrypted with any key in GONGKAI_FIELD_KEY "
            "(was the key changed without keeping the old one in the list?)."
        ) from None


def is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def rotate(token: str) -> str:
    """Re-encrypt a token under the first key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


class EncryptedCharField(models.CharField):
    """A CharField (forms, serializers and max_length see plain text) stored encrypted in a text column."""

    description = "Text encrypted at rest (Fernet)"

    def get_internal_type(self):
        return "TextField"  # tokens are far longer than max_length: the column has no limit

    def from_db_value(self, value, expression, connection):
        if is_token(value):
            return decrypt(value)
        return value  # NULL, "" or a row written before encryption

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull", "exact", "in"):
            raise FieldError(f"{self.name} is encrypted: '{lookup_name}' lookups cannot work on it.")
        return super().get_lookup(lookup_name)


def encrypted_field_names(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def reencrypt(model, *, batch_size: int = 500) -> int:
    """Rewrite every row's encrypted fields under the first key (plain-text rows get encrypted).

    Used by the migration that introduced encryption and by `manage.py reencrypt_fields` after a
    key rotation. Returns the number of rows written.
    """
    names = encrypted_field_names(model)
    written = 0
    batch = []
    for obj in model._base_manager.only("pk", *names).order_by("pk").iterator(chunk_size=batch_size):
        batch.append(obj)
        if len(batch) >= batch_size:
            model._base_manager.bulk_update(batch, names)
            written += len(batch)
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, names)
        written += len(batch)
    return written


def decrypt_in_place(model, schema_editor, *, batch_size: int = 500) -> None:
    """Write plain text back (reverse migration only), bypassing the field's encryption."""
    names = encrypted_field_names(model)
    qn = schema_editor.quote_name
    table = qn(model._meta.db_table)
    sets = ", ".join(f"{qn(model._meta.get_field(n).column)} = %s" for n in names)
    with schema_editor.connection.cursor() as cursor:
        for row in model._base_manager.values_list("pk", *names).order_by("pk").iterator(chunk_size=batch_size):
            # identifiers are the model's own quoted names; the values are parameters
            cursor.execute(f"UPDATE {table} SET {sets} WHERE {qn(model._meta.pk.column)} = %s", [*row[1:], row[0]])  # nosec B608
