"""The one hand-off to the broker from a web request or a service (issue 13 item 4).

Below every app: disclosure, documents, security and notifications publish through it, so none of
them imports another's tasks module just to reach the broker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from config.celery import app

logger = logging.getLogger(__name__)


def _ensure(conn) -> None:
    """One connection tried once: kombu's default would keep retrying while the user waits for the page."""
    conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)


def send_now(task, *args) -> bool:
    """Hand `task` to a worker now, with no publish retries. False when the broker cannot be reached."""
    try:
        with app.connection_for_write() as conn:
            _ensure(conn)
            task.apply_async(args=args, connection=conn, retry=False)
    except Exception:  # kombu OperationalError, redis ConnectionError, OSError, …
        logger.warning("broker unavailable: %s%r not queued", task.name, args, exc_info=True)
        return False
    return True


def send_each(task, arguments: Iterable[tuple], *, what: str = "message(s) not queued") -> list[tuple]:
    """send_now for many messages over one connection: the argument tuples published, in order (a
    prefix of `arguments`: publishing stops at the first failure, which is logged, never raised)."""
    published: list[tuple] = []
    pending = list(arguments)
    try:
        with app.connection_for_write() as conn:
            _ensure(conn)
            for args in pending:
                task.apply_async(args=args, connection=conn, retry=False)
                published.append(args)
    except Exception:  # kombu OperationalError, redis ConnectionError, OSError, …
        logger.warning("broker unavailable: %d %s", len(pending) - len(published), what, exc_info=True)
    return published
