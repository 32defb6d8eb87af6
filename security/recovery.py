"""Recovery codes (备用验证码): one-time codes that stand in for the authenticator when the phone is lost.

A code is 10 characters from an alphabet without look-alikes (no i, l, o, 0, 1), about 49.5 bits of
randomness, shown as `abcde-fghjk`. Only a keyed digest is stored: HMAC-SHA256 over the user's id
and the code with Django's SECRET_KEY (`salted_hmac`, as for password-reset tokens), cut to 80 bits
and written in base32 to fit django-otp's 16-character `StaticToken.token`. A copy of the database
alone therefore yields no usable code; a random code needs no slow, salted password hash (its
strength is its randomness, not a stretching of something guessable), and a keyed digest can be
looked up with one indexed query instead of a hash per stored code per attempt. The user's id in
the message keeps equal codes of two users apart. Pure: no database.
"""

from __future__ import annotations

import secrets
from base64 import b32encode

from django.conf import settings
from django.utils.crypto import salted_hmac

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
LENGTH = 10
COUNT = 10
FEW = 3  # at or below this many left, the user is told to generate new ones
_SALT = "gongkai.security.recovery-code"


def generate(count: int = COUNT) -> list[str]:
    """`count` distinct random codes (normalised form, without the hyphen)."""
    codes: list[str] = []
    while len(codes) < count:
        code = "".join(secrets.choice(ALPHABET) for _i in range(LENGTH))
        if code not in codes:
            codes.append(code)
    return codes


def display(code: str) -> str:
    """`abcdefghjk` → `abcde-fghjk`, the way the codes are shown and printed."""
    return f"{code[:5]}-{code[5:]}"


def normalise(value) -> str | None:
    """What the user typed as a code (any case, spaces and hyphens ignored), or None when it cannot
    be a recovery code at all."""
    code = "".join(str(value or "").split()).replace("-", "").lower()
    if len(code) == LENGTH and all(char in ALPHABET for char in code):
        return code
    return None


def digest(user_id, code: str, *, secret: str | None = None) -> str:
    """The stored form of `code` for this user: 16 lowercase base32 characters."""
    mac = salted_hmac(_SALT, f"{user_id}:{code}", secret=secret, algorithm="sha256").digest()
    return b32encode(mac[:10]).decode("ascii").lower()


def digests(user_id, code: str) -> list[str]:
    """The digest under the current SECRET_KEY and under each of SECRET_KEY_FALLBACKS, so that codes
    survive a key rotation done the Django way."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [digest(user_id, code, secret=key) for key in keys]
