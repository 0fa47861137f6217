"""The hazard and task tallies (common/db/tally.py, issue 15): past the exact-count limit a
list's total is read from them, for every role whose scope they follow and for the filters
they count, and it equals the list; they move with the row in the same transaction, whatever
wrote it; ``manage.py tallies`` finds and repairs a wrong one. (Every test of the suite also
checks them when it ends: conftest.py.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.common import pagination
from safeserve.common.db.tally import differences
from safeserve.demo.province import seed_province_chain
from safeserve.demo.tests.test_province import SMALL
from safeserve.fieldwork.filters import TaskFilter
from safeserve.fieldwork.models import ServiceTask, TaskStatus, TaskTally
from safeserve.hazards import selectors
from safeserve.hazards.filters import HazardFilter
from safeserve.hazards.models import (
    Hazard,
    HazardDeadlineTally,
    HazardMonthTally,
    HazardStatus,
    HazardTally,
)
from safeserve.organizations.models import Region

pytestmark = pytest.mark.django_db

# The pages say "more than" past the limit; at 0 every list with a row is past it.
LIMIT = 0


@pytest.fixture
def chain(province_county: Region, monkeypatch: Any) -> Region:
    seed_province_chain([province_county], SMALL)
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", LIMIT)
    return province_county


def _page(client: Any, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"]


# By hand, not from the code's table: whose scope a tally follows, and which filters it counts.
TALLIED_ROLES = ["p1_county_officer", "p1_purchaser0", "p1_purchaser2", "p1_provider0"]
HAZARD_URLS = ["/hazards/", "/hazards/?status=rectifying", "/hazards/?level=major"]
HAZARD_URLS += ["/hazards/?open=yes", "/hazards/?open=no&level=general"]
TASK_URLS = ["/tasks/", "/tasks/?status=planned", "/tasks/?kind=inspection&status=accepted"]


@pytest.mark.parametrize("username", TALLIED_ROLES)
def test_past_the_limit_the_total_is_exact_and_equals_the_list(
    chain: Region, login: Any, username: str
) -> None:
    user = User.objects.get(username=username)
    if username == "p1_purchaser2":  # the small county's first department
        assert user.organization.kind == "department"
    client = login(user)
    for url in HAZARD_URLS + TASK_URLS:
        page = _page(client, url)
        rows, filterset = (
            (Hazard, HazardFilter) if url in HAZARD_URLS else (ServiceTask, TaskFilter)
        )
        query = url.partition("?")[2]
        counted = filterset(
            QueryDict(query) or None, queryset=rows.objects.visible_to(user)
        ).qs.count()
        # past the limit (a township or provider of the small county may have no major hazard)
        assert counted > LIMIT or "major" in url, (username, url)
        assert (page.count, page.count_exact) == (counted, True), (username, url)


def test_the_page_says_the_tallied_total(chain: Region, login: Any) -> None:
    user = User.objects.get(username="p1_county_officer")
    total = Hazard.objects.visible_to(user).count()
    html = login(user).get("/hazards/").content.decode()
    assert f"共 {total} 条记录" in html or f"{total} records" in html


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("p1_expert0_0", "/hazards/"),  # an expert's hazards are a join on assignments
        ("p1_expert0_0", "/tasks/"),
        ("p1_county_officer", "/hazards/?overdue=yes"),  # a date is no dimension
        ("p1_county_officer", "/hazards/?status=closed&found_from=2026-01-01"),
        ("p1_county_officer", "/tasks/?timeliness=planned"),
    ],
)
def test_what_the_tally_cannot_count_stays_more_than(
    chain: Region, login: Any, username: str, url: str
) -> None:
    page = _page(login(User.objects.get(username=username)), url)
    assert (page.count, page.count_exact) == (LIMIT, False)


def test_the_tally_moves_with_the_row_and_rolls_back_with_it(chain: Region) -> None:
    hazard = Hazard.objects.filter(county=chain, status=HazardStatus.RECTIFYING).first()
    assert hazard is not None

    def tallied(status: str) -> int:
        return HazardTally.total(
            HazardTally.objects.filter(county=chain, status=status, level=hazard.level)
        )

    rectifying, closed = tallied(HazardStatus.RECTIFYING), tallied(HazardStatus.CLOSED)
    with pytest.raises(RuntimeError), transaction.atomic():
        hazard.status = HazardStatus.CLOSED
        hazard.save(update_fields=["status", "updated_at"])
        moved = (tallied(HazardStatus.RECTIFYING), tallied(HazardStatus.CLOSED))
        assert moved == (rectifying - 1, closed + 1)
        raise RuntimeError("the verb failed after saving")
    assert (tallied(HazardStatus.RECTIFYING), tallied(HazardStatus.CLOSED)) == (rectifying, closed)


def test_the_month_tally_counts_by_the_countys_month_and_moves_on_closing(chain: Region) -> None:
    hazard = Hazard.objects.filter(county=chain).exclude(status=HazardStatus.CLOSED).first()
    assert hazard is not None
    june, july = dt.date(2026, 6, 1), dt.date(2026, 7, 1)

    def found(month: dt.date) -> int:
        return HazardMonthTally.total(HazardMonthTally.objects.filter(found_month=month))

    def closed(month: dt.date) -> int:
        return HazardMonthTally.total(HazardMonthTally.objects.filter(closed_month=month))

    before = (found(june), closed(july))
    # 31 May 16:30 UTC is already 1 June in the county (Asia/Shanghai), even while a
    # request has another time zone active: a stored count follows the county's clock
    may_in_utc = dt.datetime(2026, 5, 31, 16, 30, tzinfo=dt.UTC)
    with timezone.override(dt.UTC):
        Hazard.objects.filter(pk=hazard.pk).update(found_at=may_in_utc)
    assert found(june) == before[0] + 1
    hazard.refresh_from_db()
    hazard.status = HazardStatus.CLOSED
    hazard.closed_at = may_in_utc + dt.timedelta(days=30)  # 1 July, 00:30 in the county
    with timezone.override(dt.UTC):
        hazard.save(update_fields=["status", "closed_at", "updated_at"])
    assert (found(june), closed(july)) == (before[0] + 1, before[1] + 1)
    assert not differences(HazardMonthTally, Hazard.objects.all())


def test_bulk_writes_keep_the_tally(chain: Region) -> None:
    tasks = ServiceTask.objects.filter(county=chain, status=TaskStatus.PLANNED)
    some = list(tasks.values_list("pk", flat=True)[:7])
    ServiceTask.objects.filter(pk__in=some).update(status=TaskStatus.CANCELLED)
    assert not differences(TaskTally, ServiceTask.objects.all())
    copies = [
        ServiceTask(
            **{
                f.attname: getattr(task, f.attname)
                for f in ServiceTask._meta.concrete_fields
                if not f.primary_key
            }
        )
        for task in ServiceTask.objects.filter(pk__in=some)
    ]
    ServiceTask.objects.bulk_create(copies)
    assert not differences(TaskTally, ServiceTask.objects.all())
    ServiceTask.objects.filter(pk__in=[t.pk for t in copies]).delete()
    assert not differences(TaskTally, ServiceTask.objects.all())


def test_the_command_finds_and_repairs_a_wrong_tally(chain: Region, capsys: Any) -> None:
    call_command("tallies")
    out = capsys.readouterr().out
    assert "OK      Hazard (HazardTally)" in out and "OK      Hazard (HazardMonthTally)" in out
    row = HazardTally.objects.filter(county=chain).order_by("pk").first()
    HazardTally.objects.filter(pk=row.pk).update(n=F("n") + 3)
    with pytest.raises(CommandError, match="--rebuild"):
        call_command("tallies")
    assert "tallied" in capsys.readouterr().out
    call_command("tallies", "--rebuild")
    call_command("tallies")
    assert "OK      Hazard" in capsys.readouterr().out


FIGURE_ROLES = [*TALLIED_ROLES, "admin", "p1_expert0_0"]


@pytest.mark.parametrize("username", FIGURE_ROLES)
def test_the_figures_from_the_tallies_equal_the_hazards_counted(
    chain: Region, username: str
) -> None:
    """Open, overdue, major and submitted, read from the tallies plus this month's days,
    equal the same figures counted from the hazards, with deadlines on every side of the
    month's first day and of today (10 June). Time is fixed, so the months are known."""
    today = timezone.localdate()
    assert today == dt.date(2026, 6, 10)
    open_ = Hazard.objects.filter(county=chain).exclude(status=HazardStatus.CLOSED)
    edges = [
        dt.date(2026, 5, 31),  # last month: from the tally
        dt.date(2026, 6, 1),  # this month, overdue: counted
        dt.date(2026, 6, 9),
        today,  # due today: not yet overdue
        dt.date(2026, 7, 1),
    ]
    pks = list(open_.order_by("pk").values_list("pk", flat=True)[: len(edges) * 3])
    for i, pk in enumerate(pks):
        hazard = Hazard.objects.get(pk=pk)
        hazard.deadline = edges[i % len(edges)]
        hazard.save(update_fields=["deadline", "updated_at"])
    user = User.objects.get(username=username)
    figures = selectors.hazard_figures(user)
    assert figures == selectors._counted_figures(user)
    if username == "p1_county_officer":  # one figure by hand
        overdue = open_.filter(deadline__lt=today).count()
        assert figures["overdue"] == overdue > 0


def test_the_figures_read_the_same_few_rows_for_a_county_and_the_platform(
    chain: Region, django_assert_max_num_queries: Any
) -> None:
    for username in ("p1_county_officer", "admin"):
        user = User.objects.select_related("organization").get(username=username)
        with django_assert_max_num_queries(3):
            selectors.hazard_figures(user)


def test_the_deadline_tally_moves_when_a_hazard_closes_or_its_deadline_moves(
    chain: Region,
) -> None:
    hazard = Hazard.objects.filter(county=chain).exclude(status=HazardStatus.CLOSED).first()
    assert hazard is not None

    def due(month: dt.date | None) -> int:
        return HazardDeadlineTally.total(
            HazardDeadlineTally.objects.filter(county=chain, open_month=month)
        )

    may, august = dt.date(2026, 5, 1), dt.date(2026, 8, 1)
    hazard.deadline = dt.date(2026, 5, 20)
    hazard.save(update_fields=["deadline", "updated_at"])
    before = (due(may), due(august), due(None))
    hazard.deadline = dt.date(2026, 8, 3)  # an extension granted
    hazard.save(update_fields=["deadline", "updated_at"])
    assert (due(may), due(august)) == (before[0] - 1, before[1] + 1)
    hazard.status = HazardStatus.CLOSED
    hazard.closed_at = timezone.now()
    hazard.save(update_fields=["status", "closed_at", "updated_at"])
    assert (due(august), due(None)) == (before[1], before[2] + 1)
    assert not differences(HazardDeadlineTally, Hazard.objects.all())
