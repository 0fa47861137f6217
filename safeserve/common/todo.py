"""待办: what waits on a person, from the verb tables (DESIGN.md §3 "Lifecycles").

An object is in a person's 待办 when its lifecycle's verb table offers them a forward verb on
it now — ``VerbTable.allows``, the same answer the page's buttons and the API's
``allowed_actions`` give — and, for a verb open for long, while the row says it waits (a task
waits for experts while it has none). Each lifecycle registers its rows in its
``AppConfig.ready`` (later lifecycles add theirs): which forward verbs a row stands for, in
words the person reads, and the candidates to try — the objects the person can see, in the
states those verbs start from (applied here, from the table), narrowed in SQL to those that
plausibly wait on this person and ordered most urgent first. Only the first ``PER_ROW``
candidates of a row are tried, so a home page costs the same number of queries whatever the
county's size (one per row, and a second for a row with candidates); a row with more links
to its list, filtered the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeserve.common.pagination import in_key_order
from safeserve.common.workflow import VerbTable

PER_ROW = 10
SOON_DAYS = 7


@dataclass(frozen=True)
class TodoRow:
    key: str  # "<lifecycle>.<what>", unique
    table: VerbTable
    verbs: tuple[str, ...]  # forward verbs of the table this row stands for
    label: Any  # what to do, e.g. 审批采购计划 (lazy text)
    candidates: Callable[[Any], QuerySet[Any]]  # visible to the user, narrowed, most urgent first
    title: Callable[[Any], str]
    url: Callable[[Any], str]
    since: Callable[[Any], dt.datetime | dt.date | None] = field(default=lambda obj: obj.created_at)
    due: Callable[[Any], dt.datetime | dt.date | None] = field(default=lambda obj: None)
    list_url: Callable[[Any], str | None] = field(default=lambda user: None)
    # The verbs' guards are the person's own work (a draft plan needs its leading group, an
    # inspection its findings): the object waits on them even while a guard refuses the verb.
    homework: bool = False
    # When a verb is open for long but the object waits on the person only at times (a task
    # can be reassigned all along, but waits for experts only while it has none). The
    # candidates' narrowing says the same in SQL; a test holds the two together.
    waiting: Callable[[Any], bool] = field(default=lambda obj: True)
    # Fills, in a few queries for all candidates, what the verbs' predicates would otherwise
    # look up one object at a time.
    prepare: Callable[[list[Any], Any], None] = field(default=lambda objs, user: None)

    def __post_init__(self) -> None:
        for name in self.verbs:
            assert self.table[name].forward, f"{self.key}: {name} is not a forward verb"

    def offers(self, user: Any, obj: Any) -> bool:
        """The row's verbs the table offers the user on the object, while it waits."""
        guards = not self.homework
        return any(
            self.table.allows(name, user, obj, guards=guards) for name in self.verbs
        ) and bool(self.waiting(obj))

    @property
    def states(self) -> set[str]:
        return set().union(*(self.table[name].sources for name in self.verbs))


@dataclass(frozen=True)
class TodoItem:
    row: TodoRow
    obj: Any
    title: str
    url: str
    since: dt.datetime | dt.date | None
    due: dt.datetime | dt.date | None

    @property
    def label(self) -> Any:
        return self.row.label

    @property
    def days_left(self) -> int | None:
        """Whole days until the due date (negative: overdue); None without one."""
        if self.due is None:
            return None
        return (_as_date(self.due) - timezone.localdate()).days

    @property
    def overdue(self) -> bool:
        if self.due is None:
            return False
        if isinstance(self.due, dt.datetime):
            return self.due < timezone.now()
        return self.due < timezone.localdate()

    @property
    def waiting_days(self) -> int | None:
        if self.since is None:
            return None
        return (timezone.localdate() - _as_date(self.since)).days

    @property
    def when(self) -> str:
        """The due date or the wait, in words: 逾期 3 天, 今天到期, 还剩 2 天, 已等待 5 天."""
        days = self.days_left
        if days is not None:
            if self.overdue:
                late = max(-days, 0)
                if late == 0:
                    return _("past its due hour")
                return ngettext("%(n)d day overdue", "%(n)d days overdue", late) % {"n": late}
            if days == 0:
                return _("due today")
            return ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
        waiting = self.waiting_days
        if waiting is None:
            return ""
        if waiting == 0:
            return _("new today")
        return ngettext("waiting %(n)d day", "waiting %(n)d days", waiting) % {"n": waiting}

    @property
    def tone(self) -> str:
        """The house colours: overdue red, waiting amber (due within a week, or waiting
        without a date); grey while the date is still far off."""
        if self.overdue:
            return "danger"
        days = self.days_left
        return "secondary" if days is not None and days > SOON_DAYS else "warning"

    def sort_key(self) -> tuple[Any, ...]:
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        due = _as_moment(self.due) if self.due is not None else far
        since = _as_moment(self.since) if self.since is not None else far
        return (not self.overdue, due, since)


@dataclass(frozen=True)
class TodoNote:
    """Work that is no single record's verb but still waits on the person — e.g. key
    enterprises no contract of the year covers yet (R9). Shown above the items."""

    label: Any
    title: str
    url: str


@dataclass
class Todo:
    items: list[TodoItem]
    more: list[tuple[TodoRow, str | None]]  # rows with more than PER_ROW candidates
    notes: list[TodoNote] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(item.overdue for item in self.items)

    @property
    def count(self) -> int:
        return len(self.items) + len(self.notes)


def _as_date(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value


def _as_moment(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.max))


_ROWS: dict[str, TodoRow] = {}
_NOTES: list[Callable[[Any], list[TodoNote]]] = []


def register_todo_notes(source: Callable[[Any], list[TodoNote]]) -> None:
    """A later app's notes (a constant number of queries per person)."""
    if source not in _NOTES:
        _NOTES.append(source)


def register_todo_rows(rows: Iterable[TodoRow]) -> None:
    for row in rows:
        _ROWS[row.key] = row


def todo_rows() -> list[TodoRow]:
    return list(_ROWS.values())


def todo_for(user: Any) -> Todo:
    """Everything waiting on the user: overdue first, then by due date, then oldest first."""
    items: list[TodoItem] = []
    more: list[tuple[TodoRow, str | None]] = []
    seen: set[str] = set()
    if not user.is_authenticated:
        return Todo(items, more)
    for row in _ROWS.values():
        rows = row.candidates(user).filter(status__in=row.states)
        # Most rows wait on someone else: first their ids alone, a query the database plans
        # in a fraction of the time of one with every related table the items show.
        pks = list(rows.values_list("pk", flat=True)[: PER_ROW + 1])
        if not pks:
            continue
        if len(pks) > PER_ROW:
            pks = pks[:PER_ROW]
            more.append((row, row.list_url(user)))
        # The keys were just read through the scoped, narrowed candidates; offers() below
        # asks the verb table of each as it now is.
        candidates = in_key_order(rows, pks, again=False)
        row.prepare(candidates, user)
        for obj in candidates:
            if not row.offers(user, obj):
                continue
            url = row.url(obj)
            if url in seen:  # one item per page to open (e.g. a notice of several hazards)
                continue
            seen.add(url)
            items.append(TodoItem(row, obj, row.title(obj), url, row.since(obj), row.due(obj)))
    items.sort(key=TodoItem.sort_key)
    notes = [note for source in _NOTES for note in source(user)]
    return Todo(items, more, notes)
