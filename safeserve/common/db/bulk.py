"""Loading many rows at once: ``COPY … FROM STDIN`` on PostgreSQL, batched ``executemany``
elsewhere. For generated fixtures and bulk loads (DESIGN.md §3: one audit event per batch),
never for a user's single write, which goes through its service.

The caller names the columns it fills, by attribute name (``county_id``); every other
column takes the model's default once (``''`` for a blank text, ``NULL`` where allowed,
now for ``auto_now``), so a new field with a default needs no change here, and one without
fails loudly instead of loading a half row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

BATCH = 5000


def _constant(field: models.Field[Any, Any], now: dt.datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value: Any = now
    elif field.has_default():
        value = field.get_default()
    elif field.null:
        return None
    elif field.blank and isinstance(field, (models.CharField, models.TextField, models.FileField)):
        value = ""
    else:
        raise ValueError(f"{field.model.__name__}.{field.attname} needs a value")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _adapt(value: Any) -> Any:
    """What Django's own SQLite backend stores: naive UTC times, decimals as text."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return value


def next_id(model: type[models.Model]) -> int:
    """The first free primary key: fixtures number their rows themselves so that later
    tables can point at them without reading them back."""
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Inserts ``rows`` (values in the order of ``columns``) and returns how many. JSON
    values are given as Python objects. Rows are streamed: memory stays flat however many."""
    now = timezone.now()
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
    rest = [f for name, f in fields.items() if name not in columns and not f.primary_key]
    constants = tuple(_constant(f, now) for f in rest)
    names = [str(fields[c].column) for c in columns] + [str(f.column) for f in rest]
    json_at = [i for i, c in enumerate(columns) if isinstance(fields[c], models.JSONField)]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)

    postgres = connection.vendor == "postgresql"
    if not postgres:
        constants = tuple(_adapt(v) for v in constants)

    def full(row: Sequence[Any]) -> tuple[Any, ...]:
        if json_at:
            row = list(row)
            for i in json_at:
                row[i] = json.dumps(row[i], ensure_ascii=False)
        if not postgres:
            row = [_adapt(v) for v in row]
        return (*row, *constants)

    count = 0
    with connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(full(row))
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(names))
            # identifiers from the model, quoted; every value a parameter
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(full(row))
                if len(batch) == BATCH:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def insert_select(
    model: type[models.Model], columns: Sequence[str], select: str, params: Sequence[Any]
) -> int:
    """``INSERT … SELECT``: ``select`` (SQL with ``%s`` parameters) gives ``columns`` in
    order; every other column takes the model's default as in ``insert``. For rows already
    in the database (a staging table), so nothing passes through Python. Returns how many."""
    now = timezone.now()
    fields = {f.attname: f for f in model._meta.concrete_fields}
    rest = [f for name, f in fields.items() if name not in columns and not f.primary_key]
    constants = [_constant(f, now) for f in rest]
    if connection.vendor != "postgresql":
        constants = [_adapt(v) for v in constants]
    names = [str(fields[c].column) for c in columns] + [str(f.column) for f in rest]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    # typed, since a parameter in a select list has no type of its own
    marks = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in rest)
    extra = f", {marks}" if constants else ""
    with connection.cursor() as cursor:
        # identifiers from the model, quoted; every value a parameter
        cursor.execute(
            f"INSERT INTO {table} ({quoted}) SELECT q.*{extra} FROM ({select}) AS q",  # noqa: S608
            [*constants, *params],  # in the order they appear in the text
        )
        return int(cursor.rowcount)


def reset_sequences(*models_: type[models.Model]) -> None:
    """After rows were inserted with their own ids, the next ``save()`` continues after them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
