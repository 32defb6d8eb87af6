"""The blind index of the applicant's ID document number (国办函〔2020〕109号 counts "the same applicant").

ID numbers are encrypted at rest with randomised Fernet tokens (crypto.py), so SQL cannot compare
them. Beside the token each request stores a keyed HMAC-SHA256 of the normalised number (trimmed,
upper case): equal numbers give equal hashes, and the hash reveals nothing without the key.

The key is settings.GONGKAI_BLIND_INDEX_KEY (env of the same name); unset, it is derived from
SECRET_KEY (development only). After changing either, run `manage.py rebuild_blind_index`.

Every writer of `applicant_id_number` also writes `applicant_id_hash` through `applicant_id_hash()`:
registration and its edit (services/registration.py), the ledger import (one call per row, in
ledger/requests.py), `reencrypt_fields` and `rebuild_blind_index`.
"""

from __future__ import annotations

from typing import Any

from .keys import key_for, keyed_hash

PURPOSE = "gongkai-blind-index"
HASH_LENGTH = 32  # hex characters: 128 bits, collisions out of reach for any ledger


def normalise(number: object) -> str:
    return str(number or "").strip().upper()


def key() -> bytes:
    return key_for(PURPOSE, "GONGKAI_BLIND_INDEX_KEY")


def applicant_id_hash(number: object) -> str:
    """The blind index of an ID number; "" for none (such a request counts by itself)."""
    text = normalise(number)
    if not text:
        return ""
    return keyed_hash(PURPOSE, "GONGKAI_BLIND_INDEX_KEY", text)[:HASH_LENGTH]


def rebuild(model: Any, *, batch_size: int = 1000) -> int:
    """Recompute every row's hash (decrypts each number once, in batches; writes only changed rows).

    Used by the migration that introduced the index and by `manage.py rebuild_blind_index`."""
    written = 0
    batch = []
    rows = model._base_manager.only("pk", "applicant_id_number", "applicant_id_hash").order_by("pk")
    for obj in rows.iterator(chunk_size=batch_size):
        value = applicant_id_hash(obj.applicant_id_number)
        if value != obj.applicant_id_hash:
            obj.applicant_id_hash = value
            batch.append(obj)
        if len(batch) >= batch_size:
            model._base_manager.bulk_update(batch, ["applicant_id_hash"])
            written += len(batch)
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, ["applicant_id_hash"])
        written += len(batch)
    return written
