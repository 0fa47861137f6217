"""Rollups ("tallies") of a big table: how many rows it holds for each combination of a few
columns — the scope columns and the status — so that a list of more than
``EXACT_COUNT_LIMIT`` rows, and a dashboard figure, read a sum over a few hundred tally rows
instead of counting a province's million hazards (issue 15).

The tally is kept in the same transaction as the change that moves a row from one
combination to another: ``Tallied.save`` and ``Tallied.delete`` do it for every service, so
no verb can forget; a bulk write (``bulk_create``, ``QuerySet.update``, a COPY load) calls
``bump`` or ``rebuild`` itself. The test suite checks after every test that each tally
equals the GROUP BY it stands for (``consistent``), and ``manage.py tallies`` checks or
rebuilds them in production.

A tally row is keyed by its values joined in one text column, because a unique constraint
over nullable columns (a hazard routed to no department) treats NULLs as distinct on
SQLite; sums are what is read, so the key is only for the upsert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from django.db import connections, models, router, transaction
from django.db.models import Count, QuerySet, Sum

Key = tuple[Any, ...]


def dimension(to: Any, *, null: bool = False) -> Any:
    """A tally's column naming a row elsewhere without holding on to it: no constraint and
    nothing cascades — a tally is counted from its rows, it is no record of its own."""
    return models.ForeignKey(
        to, on_delete=models.DO_NOTHING, db_constraint=False, null=null, related_name="+"
    )


class Tally(models.Model):
    """The base of a tally table: its concrete class declares ``DIMENSIONS`` (attribute
    names it shares with the counted model) and a field for each."""

    DIMENSIONS: ClassVar[tuple[str, ...]] = ()

    key = models.CharField(max_length=200, unique=True, editable=False)
    n = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    @classmethod
    def total(cls, rows: QuerySet[Any]) -> int:
        return int(rows.aggregate(total=Sum("n"))["total"] or 0)


def _text(key: Key) -> str:
    return "|".join("" if value is None else str(value) for value in key)


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
        cursor.executemany(sql, [[_text(key), *key, delta] for key, delta in merged.items()])


def _column(tally: type[Tally], attname: str) -> str:
    for field in tally._meta.concrete_fields:
        if field.attname == attname:
            return str(field.column)
    raise LookupError(f"{tally.__name__} has no column for {attname}")


def _attname(model: Any, name: str) -> str:
    return str(getattr(model._meta.get_field(name), "attname", name))


def groups(dimensions: Sequence[str], rows: QuerySet[Any]) -> dict[Key, int]:
    """What a tally over ``dimensions`` should hold for these rows: their GROUP BY."""
    counted = rows.order_by().values_list(*dimensions).annotate(n=Count("pk"))
    return {tuple(row[:-1]): row[-1] for row in counted}


def rebuild(
    tally: type[models.Model], rows: QuerySet[Any], dimensions: Sequence[str] | None = None
) -> int:
    """Replaces the tally with the GROUP BY of ``rows`` (the whole table: after a bulk load,
    a restore, or in the migration that adds it, which passes the historical models and
    their ``dimensions``). Returns the number of tally rows."""
    dimensions = tuple(dimensions or tally.DIMENSIONS)  # type: ignore[attr-defined]
    found = groups(dimensions, rows)
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
    counted = groups(tally.DIMENSIONS, rows)
    tallied: dict[Key, int] = {}
    for row in tally._default_manager.values_list(*tally.DIMENSIONS, "n"):
        tallied[tuple(row[:-1])] = tallied.get(tuple(row[:-1]), 0) + row[-1]
    keys = set(counted) | {key for key, n in tallied.items() if n}
    return {
        key: (tallied.get(key, 0), counted.get(key, 0))
        for key in keys
        if tallied.get(key, 0) != counted.get(key, 0)
    }


class Tallied(models.Model):
    """A model counted by a tally: saving or deleting a row moves its count in the same
    transaction. ``tally_model`` names the tally class."""

    tally_model: ClassVar[type[Tally]]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        update_fields = kwargs.get("update_fields")
        dimensions = self.tally_model.DIMENSIONS
        if update_fields is not None and not {_attname(self, name) for name in update_fields} & set(
            dimensions
        ):
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=using):
            before = None if self._state.adding else self._stored_key(using)
            super().save(*args, **kwargs)
            after = self._tally_key()
            if before != after:
                changes = [(after, 1)] if before is None else [(before, -1), (after, 1)]
                bump(self.tally_model, changes, using=using)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            before = self._stored_key(using)
            deleted = super().delete(*args, **kwargs)
            if before is not None:
                bump(self.tally_model, [(before, -1)], using=using)
        return deleted

    def _tally_key(self) -> Key:
        return tuple(getattr(self, name) for name in self.tally_model.DIMENSIONS)

    def _stored_key(self, using: str) -> Key | None:
        """The key the database holds for this row, read under a row lock: a concurrent
        change of the same row waits, so each move is counted from what it moved."""
        if self.pk is None:
            return None
        found = (
            type(self)
            ._base_manager.using(using)
            .select_for_update()
            .filter(pk=self.pk)
            .values_list(*self.tally_model.DIMENSIONS)
            .first()
        )
        return tuple(found) if found is not None else None


class TalliedQuerySet(models.QuerySet[Any]):
    """The bulk writes of a tallied model keep its tally too, in the same transaction:
    ``bulk_create`` counts what it made, ``delete`` what it removed, and an ``update`` of a
    dimension moves the rows it touched (reading their keys before and after: for tests
    and one-off repairs, not for lists of a million rows)."""

    def _dimensions(self) -> tuple[str, ...]:
        return self.model.tally_model.DIMENSIONS

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic(using=self.db):
            made = super().bulk_create(objs, *args, **kwargs)
            bump(
                self.model.tally_model,
                [(row._tally_key(), 1) for row in made],
                using=self.db,
            )
        return made

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=self.db):
            gone = groups(self._dimensions(), self)
            deleted = super().delete()
            bump(self.model.tally_model, [(k, -n) for k, n in gone.items()], using=self.db)
        return deleted

    def update(self, **kwargs: Any) -> int:
        touched = {_attname(self.model, name) for name in kwargs}
        if not touched & set(self._dimensions()):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            pks = list(self.select_for_update().values_list("pk", flat=True))
            rows = self.model._base_manager.using(self.db).filter(pk__in=pks)
            before = groups(self._dimensions(), rows)
            updated = super().update(**kwargs)
            after = groups(self._dimensions(), rows)
            moves = [(k, -n) for k, n in before.items()] + list(after.items())
            bump(self.model.tally_model, moves, using=self.db)
        return updated
