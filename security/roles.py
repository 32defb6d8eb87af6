"""Who security treats as an administrator or a head (the second factor, the audit log's admin).

The roles belong to the app above (disclosure.access reads them once per request cycle); it tells
security how at start-up (DisclosureConfig.ready registers its lookup), so security never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class Standing(NamedTuple):
    is_admin: bool  # a superuser or the `admin` role anywhere
    is_head: bool  # the `head` role (工作机构负责人) in some unit


_lookup: Callable[[Any], Standing] | None = None


def register(lookup: Callable[[Any], Standing]) -> None:
    global _lookup
    _lookup = lookup


def standing(user: Any) -> Standing:
    """The user's standing; before the roles' app has registered, a superuser is an admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Standing(is_admin=False, is_head=False)
    if _lookup is None:
        return Standing(is_admin=bool(getattr(user, "is_superuser", False) and user.is_active), is_head=False)
    return _lookup(user)
