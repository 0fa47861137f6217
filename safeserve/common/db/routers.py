"""A read replica for the heavy reads (issue 15): with ``DATABASE_REPLICA_URL`` set, the
lists, the home page's figures and the exports read from it; every write, and every read
inside a transaction (what is read to decide a write), stays on the primary. Someone who
has just written reads the primary for ``REPLICA_STICKY_SECONDS`` afterwards, so the page
after a form shows what they did even when the replica lags.

Read-your-writes follows the browser's cookie: an API client with a token keeps no cookie,
so one that lists right after writing may see the list as the replica has it (seconds
behind); it reads the record it wrote, by its id, from the primary.

Reads opt in with ``replica_reads()`` in the few places that run them (``common.pagination``,
``audit.exports``, the home page); everything else reads the primary as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)
_pinned: ContextVar[bool] = ContextVar("replica_pinned", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _reads.set(True)
    try:
        yield
    finally:
        _reads.reset(token)


@contextmanager
def primary_only() -> Iterator[None]:
    """Within it nothing reads the replica (the request after the person's own write)."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def replica_configured() -> bool:
    return bool(settings.READ_REPLICA) and REPLICA in connections.settings


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        # The primary said outright: None would let Django follow the database a related
        # object came from, the replica for a record a list read.
        if not _reads.get() or _pinned.get() or not replica_configured():
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # read to decide a write: the primary's state
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two connections

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA
