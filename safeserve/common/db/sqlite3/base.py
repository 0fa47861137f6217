"""Django's SQLite backend, with a flush that the audit retention trigger allows.

Django's ``flush`` (which the test suite runs between transactional tests, and an operator
may run to empty a database on purpose) deletes every row of every table. On PostgreSQL it
truncates, which row triggers do not see; on SQLite it deletes, which the retention trigger
refuses. Emptying the whole database is not the deletion the trigger guards against, so the
flush lifts the trigger for its own statements and puts it back."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

from safeserve.common.db.retention import SQLITE_DELETE_TRIGGER, SQLITE_DROP_DELETE_TRIGGER


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if "audit_auditevent" not in tables:
            return statements
        return [SQLITE_DROP_DELETE_TRIGGER, *statements, SQLITE_DELETE_TRIGGER.strip()]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
