"""Finer planner statistics for the scope columns of the big tables (PostgreSQL only).

A list's scope is a condition on a column such as the purchaser or the routed township. With
the default statistics target the planner keeps the most common values of such a column only
when they stand out, so a township that sees 18 of a province's million hazards is estimated
at thousands: the planner then walks the newest-first index backwards through the whole table
looking for them (673 ms, measured in issue 15) instead of reading the 18 from the scope
column's index and sorting them (0.3 ms). A target of 1000 keeps every value of these columns
(a province has hundreds of purchasers, not thousands), so the estimate is the count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations

TARGET = 1000


def scope_statistics(table: str, columns: Sequence[str]) -> migrations.RunPython:
    def alter(target: int) -> Any:
        def run(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor != "postgresql":
                return  # SQLite plans these from its own statistics
            quote = schema_editor.quote_name
            parts = ", ".join(
                f"ALTER COLUMN {quote(column)} SET STATISTICS {target}" for column in columns
            )
            schema_editor.execute(f"ALTER TABLE {quote(table)} {parts}")
            if target > 0:
                schema_editor.execute(f"ANALYZE {quote(table)}")  # in effect from now on

        return run

    return migrations.RunPython(alter(TARGET), alter(-1), elidable=False)
