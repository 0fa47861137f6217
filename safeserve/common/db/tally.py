"""Rollups ("tallies") of a big table: how many rows it holds for each combination of a few
columns — the scope columns and the status, or the month a row was found — so that a list of
more than ``EXACT_COUNT_LIMIT`` rows, and a dashboard figure or chart, read a sum over a few
hundred tally rows instead of counting a province's million hazards (issues 15 and 16).

A tally is kept in the same transaction as the change that moves a row from one
combination to another: ``Tallied.save`` and ``Tallied.delete`` do it for every service, so
no verb can forget; a bulk write (``bulk_create``, ``QuerySet.update``, a COPY load) calls
``bump`` or ``rebuild`` itself. The test suite checks after every test that each tally
equals the GROUP BY it stands for (``consistent``), and ``manage.py tallies`` checks or
rebuilds them in production.

A model may have several tallies (``Tallied.tallies``), and a tally's dimension may be
computed from columns of the row (``Derived``: the local month of a timestamp, the deadline of
an open row), the same way in Python for one row and in SQL for a GROUP BY.

A tally row is keyed by its values joined in one text column, because a unique constraint
over nullable columns (a hazard routed to no department) treats NULLs as distinct on
SQLite; sums are what is read, so the key is only for the upsert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import connections, models, router, transaction
from django.db.models import Count, DateField, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

Key = tuple[Any, ...]


def dimension(to: Any, *, null: bool = False) -> Any:
    """A tally's column naming a row elsewhere without holding on to it: no constraint and
    nothing cascades — a tally is counted from its rows, it is no record of its own."""
    return models.ForeignKey(
        to, on_delete=models.DO_NOTHING, db_constraint=False, null=null, related_name="+"
    )


@dataclass(frozen=True)
class Derived:
    """A dimension computed from columns of the counted row: ``value`` of their values (in
    the order of ``sources``) for a row in Python, ``expression`` for the same in a GROUP
    BY."""

    sources: tuple[str, ...]  # the counted model's attributes it reads
    value: Callable[..., Any]
    expression: Callable[[], Any]


def _local_month(value: dt.datetime | None) -> dt.date | None:
    if value is None:
        return None
    return timezone.localtime(value, timezone.get_default_timezone()).date().replace(day=1)


def month_of(source: str) -> Derived:
    """The first day of the month of a timestamp column in the county's clock (TIME_ZONE),
    whatever time zone a request may have activated: a stored count must not depend on who
    moved it. None stays None."""
    return Derived(
        (source,),
        _local_month,
        lambda: TruncMonth(
            source, output_field=DateField(), tzinfo=timezone.get_default_timezone()
        ),
    )


class Tally(models.Model):
    """The base of a tally table: its concrete class declares ``DIMENSIONS`` (attribute
    names it shares with the counted model, or names of its ``DERIVED`` dimensions) and a
    field for each."""

    DIMENSIONS: ClassVar[tuple[str, ...]] = ()
    DERIVED: ClassVar[Mapping[str, Derived]] = {}

    key = models.CharField(max_length=200, unique=True, editable=False)
    n = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    @classmethod
    def total(cls, rows: QuerySet[Any]) -> int:
        return int(rows.aggregate(total=Sum("n"))["total"] or 0)

    @classmethod
    def sources(cls) -> tuple[str, ...]:
        """The counted model's attributes the tally reads."""
        return tuple(
            dict.fromkeys(
                source
                for name in cls.DIMENSIONS
                for source in (cls.DERIVED[name].sources if name in cls.DERIVED else (name,))
            )
        )

    @classmethod
    def key_of(cls, values: Mapping[str, Any]) -> Key:
        """The key of a row, from its ``sources`` values."""
        return tuple(
            cls.DERIVED[name].value(*(values[source] for source in cls.DERIVED[name].sources))
            if name in cls.DERIVED
            else values[name]
            for name in cls.DIMENSIONS
        )


def _text(key: Key) -> str:
    return "|".join("" if value is None else str(value) for value in key)


def _param(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def bump(tally: type[Tally], changes: Iterable[tuple[Key, int]], using: str = "default") -> None:
    """Adds each delta to its key's row (creating it): one upsert per distinct key."""
    merged: dict[Key, int] = {}
    for key, delta in changes:
        merged[key] = merged.get(key, 0) + delta
    merged = {key: delta for key, delta in merged.items() if delta}
    if not merged:
        return
    meta = tally._meta
    table = connections[using].ops.quote_name(str(meta.db_table))
    names = ["key"] + [_column(tally, dimension) for dimension in tally.DIMENSIONS]
    columns = ", ".join(connections[using].ops.quote_name(c) for c in [*names, "n"])
    marks = ", ".join(["%s"] * (len(names) + 1))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 — names from _meta
        f'ON CONFLICT ("key") DO UPDATE SET "n" = {table}."n" + excluded."n"'
    )
    with connections[using].cursor() as cursor:
        cursor.executemany(
            sql, [[_text(key), *map(_param, key), delta] for key, delta in merged.items()]
        )


def _column(tally: type[Tally], attname: str) -> str:
    for field in tally._meta.concrete_fields:
        if field.attname == attname or field.name == attname:
            return str(field.column)
    raise LookupError(f"{tally.__name__} has no column for {attname}")


def _attname(model: Any, name: str) -> str:
    return str(getattr(model._meta.get_field(name), "attname", name))


def groups(
    dimensions: Sequence[str], rows: QuerySet[Any], derived: Mapping[str, Derived] | None = None
) -> dict[Key, int]:
    """What a tally over ``dimensions`` should hold for these rows: their GROUP BY."""
    derived = derived or {}
    computed = {name: derived[name].expression() for name in dimensions if name in derived}
    counted = rows.order_by().annotate(**computed).values_list(*dimensions).annotate(n=Count("pk"))
    return {tuple(row[:-1]): row[-1] for row in counted}


def rebuild(
    tally: type[models.Model],
    rows: QuerySet[Any],
    dimensions: Sequence[str] | None = None,
    derived: Mapping[str, Derived] | None = None,
) -> int:
    """Replaces the tally with the GROUP BY of ``rows`` (the whole table: after a bulk load,
    a restore, or in the migration that adds it, which passes the historical models and
    their ``dimensions`` and ``derived``). Returns the number of tally rows."""
    dimensions = tuple(dimensions or tally.DIMENSIONS)  # type: ignore[attr-defined]
    if derived is None:
        derived = getattr(tally, "DERIVED", {})
    found = groups(dimensions, rows, derived)
    with transaction.atomic(using=router.db_for_write(tally)):
        tally._default_manager.all().delete()
        tally._default_manager.bulk_create(
            [
                tally(key=_text(key), n=n, **dict(zip(dimensions, key, strict=True)))
                for key, n in found.items()
            ],
            batch_size=2000,
        )
    return len(found)


def differences(tally: type[Tally], rows: QuerySet[Any]) -> dict[Key, tuple[int, int]]:
    """Each key whose tally differs from its GROUP BY: ``{key: (tallied, counted)}``."""
    counted = groups(tally.DIMENSIONS, rows, tally.DERIVED)
    tallied: dict[Key, int] = {}
    for row in tally._default_manager.values_list(*tally.DIMENSIONS, "n"):
        tallied[tuple(row[:-1])] = tallied.get(tuple(row[:-1]), 0) + row[-1]
    keys = set(counted) | {key for key, n in tallied.items() if n}
    return {
        key: (tallied.get(key, 0), counted.get(key, 0))
        for key in keys
        if tallied.get(key, 0) != counted.get(key, 0)
    }


def _sources(model: Any) -> tuple[str, ...]:
    """Every attribute of ``model`` one of its tallies reads."""
    return tuple(dict.fromkeys(s for tally in model.tallies for s in tally.sources()))


class Tallied(models.Model):
    """A model counted by tallies: saving or deleting a row moves its counts in the same
    transaction. ``tallies`` names the tally classes."""

    tallies: ClassVar[tuple[type[Tally], ...]]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not {_attname(self, name) for name in update_fields} & set(
            _sources(self)
        ):
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=using):
            before = None if self._state.adding else self._stored_values(using)
            super().save(*args, **kwargs)
            after = self._values()
            for tally in self.tallies:
                new = tally.key_of(after)
                old = None if before is None else tally.key_of(before)
                if old != new:
                    changes = [(new, 1)] if old is None else [(old, -1), (new, 1)]
                    bump(tally, changes, using=using)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            before = self._stored_values(using)
            deleted = super().delete(*args, **kwargs)
            if before is not None:
                for tally in self.tallies:
                    bump(tally, [(tally.key_of(before), -1)], using=using)
        return deleted

    def _values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _sources(self)}

    def _stored_values(self, using: str) -> dict[str, Any] | None:
        """What the database holds of this row for its tallies, read under a row lock: a
        concurrent change of the same row waits, so each move is counted from what it
        moved."""
        if self.pk is None:
            return None
        return (
            type(self)
            ._base_manager.using(using)
            .select_for_update()
            .filter(pk=self.pk)
            .values(*_sources(self))
            .first()
        )


class TalliedQuerySet(models.QuerySet[Any]):
    """The bulk writes of a tallied model keep its tallies too, in the same transaction:
    ``bulk_create`` counts what it made, ``delete`` what it removed, and an ``update`` of a
    dimension moves the rows it touched (reading their keys before and after: for tests
    and one-off repairs, not for lists of a million rows)."""

    def _groups(self, tally: type[Tally], rows: QuerySet[Any]) -> dict[Key, int]:
        return groups(tally.DIMENSIONS, rows, tally.DERIVED)

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic(using=self.db):
            made = super().bulk_create(objs, *args, **kwargs)
            for tally in self.model.tallies:
                bump(tally, [(tally.key_of(row._values()), 1) for row in made], using=self.db)
        return made

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=self.db):
            gone = {tally: self._groups(tally, self) for tally in self.model.tallies}
            deleted = super().delete()
            for tally, counted in gone.items():
                bump(tally, [(k, -n) for k, n in counted.items()], using=self.db)
        return deleted

    def update(self, **kwargs: Any) -> int:
        touched = {_attname(self.model, name) for name in kwargs}
        if not touched & set(_sources(self.model)):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            pks = list(self.select_for_update().values_list("pk", flat=True))
            rows = self.model._base_manager.using(self.db).filter(pk__in=pks)
            before = {tally: self._groups(tally, rows) for tally in self.model.tallies}
            updated = super().update(**kwargs)
            for tally, counted in before.items():
                after = self._groups(tally, rows)
                moves = [(k, -n) for k, n in counted.items()] + list(after.items())
                bump(tally, moves, using=self.db)
        return updated
