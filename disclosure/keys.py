"""The keys of Gongkai's keyed hashes (HMAC-SHA256), one rule for all of them.

Each purpose has its own setting (GONGKAI_BLIND_INDEX_KEY for the ID number's blind index,
GONGKAI_TRACKING_KEY for the applicants' tracking codes). Set, the setting is the key; unset, the key
is derived from SECRET_KEY and the purpose's name (development only), so no two purposes share a key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _derive(purpose: str, configured: str, secret_key: str) -> bytes:
    if configured:
        return configured.encode("utf-8")
    return hashlib.sha256(f"{purpose}:{secret_key}".encode()).digest()


def key_for(purpose: str, setting: str) -> bytes:
    return _derive(purpose, getattr(settings, setting, "") or "", settings.SECRET_KEY)


def keyed_hash(purpose: str, setting: str, text: str) -> str:
    """The hex HMAC-SHA256 of `text` under the purpose's key."""
    return hmac.new(key_for(purpose, setting), text.encode("utf-8"), hashlib.sha256).hexdigest()
