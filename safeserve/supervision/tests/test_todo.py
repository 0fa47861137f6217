"""待办 on the home page: what waits on each person is what the verb tables offer them a
forward verb on — no more, no less — most urgent first, at a constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.common.todo import PER_ROW, todo_for, todo_rows
from safeserve.common.workflow import _TABLES
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.demo.seed import seed
from safeserve.enterprises.models import Enterprise
from safeserve.fieldwork import services as fieldwork
from safeserve.hazards.models import MajorHazardReport, ReportStatus
from safeserve.providers.models import Expert

PERSONAS = [
    "county_officer",
    "county_leader",
    "township_officer",
    "township_leader",
    "department_officer",
    "department_leader",
    "provider_admin",
    "provider_leader",
    "expert",
    "expert2",
    "enterprise_user",
    "other_provider_admin",
    "other_expert",
    "other_county_officer",
    "evaluator",
]


@pytest.fixture
def chain(world: dict[str, User]) -> dict[str, User]:
    """The whole demo chain: plans, contracts in service, tasks, hazards, notices, reports."""
    seed(enterprises=(40, 10))
    return {u.username: u for u in User.objects.select_related("organization")}


def _offered(user: User) -> set[str]:
    """The pages a person must open, found the slow way: every object of every lifecycle on
    which its verb table offers the person a forward verb (while it waits), through the row
    that shows it — without the rows' SQL narrowing."""
    urls: set[str] = set()
    for row in todo_rows():
        model = row.table.model
        objects = model.objects.visible_to(user) if hasattr(model.objects, "visible_to") else None
        for obj in objects if objects is not None else model.objects.all():
            if row.offers(user, obj):
                urls.add(row.url(obj))
    return urls


def test_every_forward_verb_has_its_todo_row() -> None:
    covered = {(row.table.model, name) for row in todo_rows() for name in row.verbs}
    forward = {
        (model, verb.name)
        for model, table in _TABLES.items()
        for verb in table.verbs
        if verb.forward
    }
    assert forward - covered == set()


def test_the_todo_is_what_the_verb_tables_offer(chain: dict[str, User]) -> None:
    for persona in PERSONAS:
        user = chain[persona]
        todo = todo_for(user)
        assert todo.more == [], persona  # the demo fits on the page; nothing was cut
        assert {item.url for item in todo.items} == _offered(user), persona


def test_what_waits_on_whom_in_the_demo(chain: dict[str, User]) -> None:
    """Written out by hand: the issue's examples, one per kind of person."""

    def rows(persona: str) -> set[str]:
        return {item.row.key for item in todo_for(chain[persona]).items}

    assert {"plan.approve", "fee_report.decide", "admission.admit"} <= rows("county_officer")
    assert {"extension.decide", "document_request.close", "technical_report.accept"} <= rows(
        "township_officer"
    )
    assert {"report.acknowledge", "report.accept"} <= rows("department_officer")
    assert {"report.send", "task.assign", "technical_report.issue"} <= rows("provider_admin")
    assert "document.sign" in rows("expert2")  # the contractor's report waits on expert2
    assert {"task.check_in", "task.finish", "hazard.verify"} <= rows("expert")
    assert rows("enterprise_user") >= {"hazard.submit"}
    assert rows("other_county_officer") == set() and rows("evaluator") == set()
    # Not a record's verb, still the township's work: key enterprises no contract covers.
    assert todo_for(chain["township_officer"]).notes == []  # the demo's key one is covered
    township = chain["township_officer"].organization
    ids = list(
        Enterprise.objects.filter(township_id=township.region_id, sector="", is_key=False)
        .exclude(status="closed")
        .values_list("pk", flat=True)[:2]
    )
    assert ids
    Enterprise.objects.filter(pk__in=ids).update(is_key=True)
    [gap] = todo_for(chain["township_officer"]).notes
    assert "重点企业" in gap.title and gap.url == reverse("contracts:coverage")
    assert todo_for(chain["county_officer"]).notes == []


def test_the_most_urgent_comes_first(chain: dict[str, User]) -> None:
    items = todo_for(chain["provider_admin"]).items
    keys = [item.sort_key() for item in items]
    assert keys == sorted(keys)
    overdue = [item.overdue for item in items]
    assert overdue == sorted(overdue, reverse=True)  # every overdue item before the rest


def test_an_item_says_when_in_words(chain: dict[str, User]) -> None:
    expert = todo_for(chain["expert"])
    check_in = next(i for i in expert.items if i.row.key == "task.check_in")
    assert check_in.when == "今天到期" and check_in.tone == "warning"
    township = todo_for(chain["township_officer"])
    late = [i for i in township.items if i.overdue]
    assert late and all(i.tone == "danger" and i.when.startswith("逾期") for i in late)


def test_the_home_page_leads_with_the_todo(chain: dict[str, User], login: Any) -> None:
    html = login(chain["expert"]).get(reverse("home")).content.decode()
    assert html.index('data-testid="todo"') < html.index('data-testid="figures"')
    task_url = next(i.url for i in todo_for(chain["expert"]).items if i.row.key == "task.check_in")
    assert f'href="{task_url}"' in html
    assert "到场服务" in html


def test_a_late_major_hazard_report_is_red_on_the_county_officers_first_screen(
    chain: dict[str, User], login: Any
) -> None:
    draft = MajorHazardReport.objects.filter(status=ReportStatus.DRAFT).first()
    assert draft is not None
    html = login(chain["county_officer"]).get(reverse("home")).content.decode()
    assert 'data-testid="late-reports"' not in html
    with time_machine.travel(draft.due_at + dt.timedelta(hours=1), tick=False):
        late = login(chain["county_officer"]).get(reverse("home")).content.decode()
        assert 'data-testid="late-reports"' in late and "alert-danger" in late
        assert reverse("hazards:report", args=[draft.pk]) in late
        assert late.index('data-testid="late-reports"') < late.index('data-testid="todo"')
        provider = todo_for(chain["provider_admin"])
        send = next(i for i in provider.items if i.row.key == "report.send")
        assert send.overdue and provider.items[0].overdue


def _more_fee_reports(chain: dict[str, User], count: int) -> None:
    contract = Contract.objects.get(status=ContractStatus.IN_SERVICE, number__contains="城关镇")
    enterprise = Enterprise.objects.get(organization__users__username="enterprise_user")
    for _ in range(count):
        fieldwork.fee_complaint_report(
            actor=chain["enterprise_user"],
            enterprise=enterprise,
            contract=contract,
            demanded_by="某工作人员",
            demanded_on=timezone.localdate(),
            amount=Decimal("500"),
            description="要求支付检查费",
        )


def _more_tasks_today(chain: dict[str, User], count: int) -> None:
    contract = Contract.objects.get(status=ContractStatus.IN_SERVICE, number__contains="城关镇")
    enterprise = Enterprise.objects.get(organization__users__username="enterprise_user")
    expert = Expert.objects.get(user=chain["expert"])
    for _ in range(count):
        task = fieldwork.task_create(
            actor=chain["provider_admin"],
            contract=contract,
            kind="inspection",
            planned_date=timezone.localdate(),
            enterprise=enterprise,
        )
        fieldwork.task_assign(actor=chain["provider_admin"], task=task, lead=expert)


def _home_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("persona", "grow"),
    [("county_officer", _more_fee_reports), ("expert", _more_tasks_today)],
)
def test_the_home_page_costs_the_same_queries_for_n_and_2n_waiting_items(
    chain: dict[str, User], login: Any, persona: str, grow: Any
) -> None:
    client = login(chain[persona])
    grow(chain, PER_ROW + 1)
    first = _home_queries(client)
    grow(chain, PER_ROW + 1)
    assert _home_queries(client) == first
    # The row that overflowed links to its list, filtered the same way.
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="todo-more"' in html


def test_every_counter_opens_the_list_it_counts(chain: dict[str, User], login: Any) -> None:
    import re

    from safeserve.supervision.selectors import landing_figures

    wrong = []
    for persona in [
        "county_admin",
        "county_officer",
        "township_officer",
        "department_officer",
        "provider_admin",
        "expert",
        "enterprise_user",
    ]:
        client = login(chain[persona])
        for figure in landing_figures(chain[persona]):
            if figure.url is None:
                continue
            html = client.get(figure.url).content.decode()
            shown = re.search(r"共 (\d+) 条记录", html)
            if shown is None or int(shown.group(1)) != figure.value:
                wrong.append((persona, str(figure.label), figure.value, figure.url))
    assert wrong == []
