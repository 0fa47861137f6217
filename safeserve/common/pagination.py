"""Pages of a list. Lists ordered by their own columns (every list of records: newest first,
by date, by name) are read by seek ("keyset") pagination, as the API reads them with
cursors: the next page starts after the last row shown, so any page costs what the first
does, with no OFFSET. The total is counted exactly up to ``EXACT_COUNT_LIMIT`` rows and
shown as "more than" beyond it, instead of counting a province's million hazards on every
visit (issue 15). A list ordered by anything else (an annotation, a related column) keeps
numbered pages."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from safeserve.common.db.routers import replica_reads

PAGE_SIZE = 50
SEEKABLE = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}
EXACT_COUNT_LIMIT = 10_000
CURSOR = "cursor"


@dataclass
class KeysetPage:
    """What the list templates and ``includes/pagination.html`` read; iterable like a
    Django ``Page``."""

    object_list: list[Any]
    count: int
    count_exact: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    query: str = ""
    keyset: bool = field(default=True, init=False)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return bool(self.next_cursor)

    def has_previous(self) -> bool:
        return bool(self.previous_cursor)

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()


def _order_keys(queryset: QuerySet[Any]) -> list[tuple[models.Field[Any, Any], bool]] | None:
    """The ordering as (column, descending) pairs ending with the primary key, or None when
    a key is not a non-null column of the model itself."""
    meta = queryset.model._meta
    query = queryset.query
    order = list(query.order_by or (meta.ordering if query.default_ordering else []) or [])
    keys: list[tuple[models.Field[Any, Any], bool]] = []
    for item in order:
        if not isinstance(item, str):
            return None
        descending = item.startswith("-")
        name = item.lstrip("-")
        if "__" in name or name == "?":
            return None
        try:
            column = meta.pk if name == "pk" else meta.get_field(name)
        except Exception:
            return None
        if not getattr(column, "concrete", False) or column.null or column.is_relation:
            return None
        if column.get_internal_type() not in SEEKABLE:  # what a cursor can carry as text
            return None
        keys.append((column, descending))
        if column.primary_key:
            return keys
    return None  # no primary key at the end: the order is not total


def _encode(values: list[Any], backwards: bool) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, (dt.date, dt.datetime, Decimal)):
            return value.isoformat() if not isinstance(value, Decimal) else str(value)
        return value

    raw = json.dumps({"v": [plain(v) for v in values], "b": backwards}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(
    cursor: str, keys: list[tuple[models.Field[Any, Any], bool]]
) -> tuple[list[Any], bool] | None:
    """The cursor's values as the columns' Python values; None for anything malformed (a
    hand-edited link shows the first page rather than an error)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = raw["v"]
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        pairs = zip(keys, values, strict=True)
        decoded = [column.to_python(v) for (column, _desc), v in pairs]
        if any(v is None for v in decoded):  # no key of a seekable order is ever empty
            return None
        for (column, _desc), value in zip(keys, decoded, strict=True):
            column.get_db_prep_value(value, connection)  # out of the column's range
        return decoded, bool(raw["b"])
    except Exception:
        return None


def _seek(keys: list[tuple[models.Field[Any, Any], bool]], values: list[Any], forward: bool) -> Q:
    """Rows after ``values`` in the list's order (before them when not ``forward``): the
    first key bounded on its own, so an index on the order starts at the cursor."""
    condition = Q()
    equal = Q()
    for (column, descending), value in zip(keys, values, strict=True):
        after = "lt" if descending == forward else "gt"
        condition |= equal & Q(**{f"{column.attname}__{after}": value})
        equal &= Q(**{column.attname: value})
    first, descending = keys[0]
    bound = "lte" if descending == forward else "gte"
    return Q(**{f"{first.attname}__{bound}": values[0]}) & condition


def _count(queryset: QuerySet[Any]) -> tuple[int, bool]:
    with replica_reads():
        counted = queryset.order_by().values("pk")[: EXACT_COUNT_LIMIT + 1].count()
    return min(counted, EXACT_COUNT_LIMIT), counted <= EXACT_COUNT_LIMIT


def seek_page(
    queryset: QuerySet[Any],
    cursor: str,
    per_page: int,
    *,
    counted: bool = False,
    total: Callable[[], int | None] | None = None,
) -> KeysetPage:
    """The rows after (or before) ``cursor`` in the queryset's order, which must be keyable
    (``keyable``), with the cursors of the pages either side; ``counted`` adds the bounded
    count (the pages show it; the API does not). Past the bound, ``total`` may know the
    number from a tally (it answers None when the list's filters are not the tally's)."""
    keys = _order_keys(queryset)
    if keys is None:
        raise ValueError("The list is not ordered by its own columns ending with the key.")
    decoded = _decode(cursor, keys) if cursor else None
    rows = queryset
    backwards = False
    if decoded is not None:
        values, backwards = decoded
        rows = rows.filter(_seek(keys, values, forward=not backwards))
        if backwards:
            rows = rows.reverse()
    with replica_reads():
        found, keyed = _first(rows, per_page + 1)
    more = keyed > per_page
    found = found[:per_page]
    if backwards:
        found.reverse()
    count, exact = _count(queryset) if counted else (0, False)
    if counted and not exact and total is not None:
        tallied = total()
        if tallied is not None:
            count, exact = tallied, True
    page = KeysetPage(found, count, exact)

    def cursor_of(row: Any, back: bool) -> str:
        return _encode([getattr(row, column.attname) for column, _desc in keys], back)

    if found:
        if more or backwards:
            page.next_cursor = cursor_of(found[-1], False)
        if decoded is not None and (more or not backwards):
            page.previous_cursor = cursor_of(found[0], True)
    return page


def _first(rows: QuerySet[Any], n: int) -> tuple[list[Any], int]:
    """The first ``n`` rows. A list that joins each row's details (``select_related``)
    finds its page's keys first, from the scope and the order alone, then reads the details
    of those rows: in one query the database joins the details of every row in scope
    before it sorts and cuts, where the scope is itself a join (an expert's 3,156 hazards
    through their assignments: 115 ms, against 4 + 29 ms in two steps). Also returns how
    many rows the list had when the page was found: one may leave it between the two reads
    (closed by someone else), and the next page is still there."""
    if not rows.query.select_related:
        found = list(rows[:n])
        return found, len(found)
    keys = list(rows.values_list("pk", flat=True)[:n])
    return in_key_order(rows, keys), len(keys)


def in_key_order(rows: QuerySet[Any], keys: list[Any], *, again: bool = True) -> list[Any]:
    """The rows of ``rows`` with these primary keys, in the keys' order: the second step of
    reading a list by its keys first (a page here, a 待办 row in common/todo.py). A row that
    left ``rows`` since its key was read is left out.

    ``again=False`` is for keys read through ``rows`` a moment before, by a caller that
    checks each row's state itself (the 待办 asks the verb table of each): it reads those
    rows with the same related rows but without ``rows``' conditions, whose joins (an
    expert's scope through their assignments) cost 8 ms of planning for a 1 ms read of ten
    rows. Never for keys from anywhere else: the scope was applied when they were read."""
    if not keys:
        return []
    if again:
        detailed = rows.filter(pk__in=keys)
    else:
        # what this read keeps of ``rows``: its related rows, nothing it would compute
        assert not rows.query.annotations and rows.query.deferred_loading == (frozenset(), True)
        detailed = rows.model._default_manager.using(rows.db).filter(pk__in=keys).order_by()
        related = rows.query.select_related
        if related is True:
            detailed = detailed.select_related()
        elif related:
            detailed = detailed.select_related(*_paths(related))
        # (Django keeps a queryset's prefetches in this attribute; no method reads it)
        detailed = detailed.prefetch_related(*getattr(rows, "_prefetch_related_lookups", ()))
    read = {row.pk: row for row in detailed}
    return [read[key] for key in keys if key in read]


def _paths(related: dict[str, Any], prefix: str = "") -> list[str]:
    """``select_related``'s nested names as the paths that ask for them again."""
    paths = []
    for name, below in related.items():
        path = f"{prefix}{name}"
        paths.extend(_paths(below, f"{path}__") if below else [path])
    return paths


def keyable(queryset: QuerySet[Any]) -> bool:
    return _order_keys(queryset) is not None


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    per_page: int = PAGE_SIZE,
    *,
    total: Callable[[], int | None] | None = None,
) -> KeysetPage | Page:
    """A page of the list: two queries whatever the page (a bounded count and the rows),
    and a third past ``EXACT_COUNT_LIMIT`` rows when a tally can give the total
    (``tallied_total``)."""
    if not keyable(queryset):
        with replica_reads():
            numbered = Paginator(queryset, per_page).get_page(request.GET.get("page"))
            numbered.object_list = list(numbered.object_list)
        return numbered
    page = seek_page(queryset, request.GET.get(CURSOR, ""), per_page, counted=True, total=total)
    page.query = query_without_page(request)
    return page


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop(CURSOR, None)
    return params.urlencode()


def tallied_total(filters: Any, tallies: QuerySet[Any] | None) -> Callable[[], int | None]:
    """The list's total read from its tally (common/db/tally.py): ``tallies`` are the tally
    rows in the viewer's scope (None where the tally cannot follow it), and the same
    FilterSet that filtered the list filters them, so the figure and the list agree. Only
    when every filter in use is one of the FilterSet's ``tallied`` fields; else None, and
    the page says "more than"."""

    def total() -> int | None:
        if tallies is None:
            return None
        filters.is_valid()
        cleaned = getattr(filters.form, "cleaned_data", {})  # none when no filter was sent
        used = {name for name, value in cleaned.items() if value not in (None, "", [], ())}
        if not used <= set(getattr(filters, "tallied", ())):
            return None
        scoped = type(filters)(filters.data, queryset=tallies, request=filters.request)
        with replica_reads():
            return int(scoped.qs.aggregate(total=models.Sum("n"))["total"] or 0)

    return total
