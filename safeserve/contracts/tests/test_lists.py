"""The contract list filters the same way on the page, in the API and in the audited export,
within the viewer's scope; a bad filter is named; no other county's names are offered."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from safeserve.audit.models import AuditEvent
from safeserve.contracts import services
from safeserve.contracts.models import Amendment, Contract
from safeserve.contracts.tests.test_contracts import _save, _sign_both
from safeserve.organizations.models import PURCHASER_KINDS, Organization
from safeserve.procurement.models import PlanItem, PurchaseProject
from safeserve.procurement.tests.conftest import TODAY
from safeserve.providers.models import Provider

pytestmark = pytest.mark.django_db

YEAR = TODAY.year
OTHER = "恒信安全评价有限公司"
CHANGNING = "长宁安达安全咨询有限公司"


def sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def last_export() -> Any:
    event = AuditEvent.objects.filter(action="list.exported").order_by("-seq").first()
    assert event is not None
    return event.after


def counted(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, url
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(captured)


def page_rows(client: Any, url: str) -> list[Contract]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["page"])


def _contract(item: PlanItem, provider: Provider, **fields: Any) -> Contract:
    project = PurchaseProject.objects.create(
        item=item,
        purchaser=item.plan.purchaser,
        county=item.plan.county,
        title="x",
        service_content="x",
        enterprise_scope="x",
        status="contracted",
        awarded_provider=provider,
        award_amount=fields.get("amount", Decimal("10")),
    )
    return Contract.objects.create(
        project=project,
        purchaser=item.plan.purchaser,
        provider=provider,
        county=item.plan.county,
        **{"amount": Decimal("10"), **fields},
    )


@pytest.fixture
def contracts(demo: dict[str, Any]) -> dict[str, Contract]:
    """城关镇's signed contract with 安平安科 (service from today for a year), and two of
    应急管理局 with 恒信: a draft without a period, one terminated last year."""
    project = PurchaseProject.objects.get(status="awarded")
    signed = services.contract_draft(actor=demo["township_officer"], project=project)
    _save(demo, signed)
    signed = _sign_both(demo, signed)
    department = demo["department_officer"].organization
    item = PlanItem.objects.get(plan__purchaser=department, category="occupational")
    other = Provider.objects.get(name=OTHER)
    draft = _contract(item, other, number="应急〔2026〕02号")
    terminated = _contract(
        item,
        other,
        number="应急〔2025〕09号",
        status="terminated",
        period_start=dt.date(YEAR - 1, 3, 1),
        period_end=dt.date(YEAR - 1, 12, 31),
        amount=Decimal("5000"),
    )
    return {"signed": signed, "draft": draft, "terminated": terminated}


@pytest.mark.parametrize(
    ("username", "query", "expected"),
    [
        ("county_officer", "", {"signed", "draft", "terminated"}),
        ("county_officer", "status=signed", {"signed"}),
        ("county_officer", f"year={YEAR}", {"signed"}),
        ("county_officer", f"year={YEAR + 1}", {"signed"}),  # its period runs into next year
        ("county_officer", f"year={YEAR - 1}", {"terminated"}),
        ("county_officer", "year=2030", set()),
        ("county_officer", "purchaser={department}", {"draft", "terminated"}),
        ("county_officer", "provider={other}", {"draft", "terminated"}),
        ("county_officer", "provider={other}&status=draft", {"draft"}),
        ("township_officer", "", {"signed"}),
        ("department_officer", f"year={YEAR - 1}&provider={{other}}", {"terminated"}),
        ("provider_admin", "", {"signed"}),
        ("provider_admin", "purchaser={township}", {"signed"}),
        ("other_provider_admin", "status=draft", {"draft"}),
    ],
)
def test_contracts_filter_the_same_on_the_page_and_in_the_api(
    contracts: Any, demo: Any, login: Any, api: Any, username: str, query: str, expected: set[str]
) -> None:
    user = demo[username]
    query = query.format(
        department=demo["department_officer"].organization_id,
        township=demo["township_officer"].organization_id,
        other=Provider.objects.get(name=OTHER).pk,
    )
    want = {contracts[key].pk for key in expected}
    page = page_rows(login(user), f"{reverse('contracts:list')}?{query}")
    listed = api(user).get(f"/api/v1/contracts/?{query}")
    assert listed.status_code == 200
    assert {c.pk for c in page} == want
    assert {c["id"] for c in listed.json()["results"]} == want


@pytest.mark.parametrize(
    ("username", "field", "value"),
    [
        ("county_officer", "year", "20x6"),
        ("county_officer", "year", "26"),
        ("county_officer", "status", "nope"),
        ("county_officer", "provider", "abc"),
        ("county_officer", "provider", "{changning}"),  # another county's provider
        ("county_officer", "purchaser", "{other_county}"),
        ("township_officer", "purchaser", "{department}"),
        ("township_officer", "provider", "{other}"),  # not a provider of its contracts
        ("provider_admin", "provider", "{other}"),
    ],
)
def test_a_bad_contract_filter_is_named(
    contracts: Any, demo: Any, login: Any, api: Any, username: str, field: str, value: str
) -> None:
    user = demo[username]
    outside = Organization.objects.filter(county__code="990122", kind__in=PURCHASER_KINDS)
    value = value.format(
        changning=Provider.objects.get(name=CHANGNING).pk,
        other_county=outside.first().pk,
        department=demo["department_officer"].organization_id,
        other=Provider.objects.get(name=OTHER).pk,
    )
    for url in ("/api/v1/contracts/", "/api/v1/contracts/export/"):
        response = api(user).get(f"{url}?{field}={value}")
        assert response.status_code == 400, url
        assert field in response.json()["errors"], url
    page = login(user).get(f"{reverse('contracts:list')}?{field}={value}")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(page.context["filters"].form.errors[field][0]) in html
    for name in [CHANGNING, *outside.values_list("name", flat=True)]:
        assert name not in html
    if username != "county_officer":
        assert OTHER not in html


def test_the_bar_leaves_out_the_choices_a_viewer_does_not_have(
    contracts: Any, demo: Any, login: Any
) -> None:
    def hidden(username: str) -> set[str]:
        form = login(demo[username]).get(reverse("contracts:list")).context["filters"].form
        return {name for name, field in form.fields.items() if field.widget.is_hidden}

    assert hidden("county_officer") == set()
    assert hidden("township_officer") == {"purchaser"}
    assert hidden("provider_admin") == {"provider"}


def test_the_contract_export_is_the_filtered_list(
    contracts: Any, demo: Any, login: Any, api: Any
) -> None:
    signed = contracts["signed"]
    Amendment.objects.create(
        contract=signed,
        reason="增加企业",
        changes="增加5家",
        amount_delta=Decimal("1000"),
        created_by=demo["township_officer"],
        status="agreed",
    )
    officer = demo["county_officer"]
    client = login(officer)
    query = "status=terminated"
    rows = sheet(client.get(f"{reverse('contracts:export')}?{query}"))
    page = page_rows(client, f"{reverse('contracts:list')}?{query}")
    assert [row[0] for row in rows[1:]] == [c.number for c in page] == ["应急〔2025〕09号"]
    rows = sheet(client.get(reverse("contracts:export")))
    page = page_rows(client, reverse("contracts:list"))
    assert [row[0] for row in rows[1:]] == [c.number for c in page]
    assert last_export()["list"] == "contracts" and last_export()["rows"] == 3
    row = next(r for r in rows[1:] if r[0] == signed.number)
    # number, purchaser, provider, amount, after amendments, from, until, status,
    # signed by the purchaser at, by the provider at, signed on
    assert row[1] == demo["township_officer"].organization.name
    assert row[2] == signed.provider.name
    assert Decimal(row[3]) == Decimal("328000") and Decimal(row[4]) == Decimal("329000")
    assert row[5].date() == signed.period_start and row[6].date() == signed.period_end
    assert row[8] and row[9] and row[10].date() == signed.signed_on
    draft = next(r for r in rows[1:] if r[0] == contracts["draft"].number)
    assert draft[5] in ("", None) and draft[10] in ("", None)
    assert sheet(api(officer).get("/api/v1/contracts/export/")) == rows
    assert last_export()["rows"] == 3 and last_export()["channel"] == "api"


def test_another_county_gets_none_of_the_contracts(
    contracts: Any, demo: Any, login: Any, api: Any
) -> None:
    outsider = demo["other_county_officer"]
    numbers = {c.number for c in contracts.values()}
    for query in ("", f"year={YEAR}", "status=signed"):
        assert not page_rows(login(outsider), f"{reverse('contracts:list')}?{query}")
        assert not api(outsider).get(f"/api/v1/contracts/?{query}").json()["results"]
        exported = sheet(login(outsider).get(f"{reverse('contracts:export')}?{query}"))
        api_exported = sheet(api(outsider).get(f"/api/v1/contracts/export/?{query}"))
        assert not {row[0] for row in exported[1:] + api_exported[1:]} & numbers
        assert last_export()["rows"] == 0
    html = login(outsider).get(reverse("contracts:list")).content.decode()
    assert demo["township_officer"].organization.name not in html


def test_the_contract_page_and_export_cost_the_same_queries_for_n_and_2n_rows(
    contracts: Any, demo: Any, login: Any, api: Any
) -> None:
    officer = demo["county_officer"]
    page, rest = login(officer), api(officer)
    department = demo["department_officer"].organization
    item = PlanItem.objects.get(plan__purchaser=department, category="inspection")
    other = Provider.objects.get(name=OTHER)

    def grow(n: int) -> None:
        for _ in range(n):
            contract = _contract(
                item,
                other,
                status="in_service",
                period_start=TODAY,
                period_end=TODAY + dt.timedelta(days=200),
            )
            Amendment.objects.create(
                contract=contract,
                reason="x",
                changes="x",
                amount_delta=Decimal("1"),
                created_by=demo["department_officer"],
                status="agreed",
            )

    query = f"?status=in_service&year={YEAR}&purchaser={department.pk}&provider={other.pk}"
    urls = [
        (page, reverse("contracts:list") + query),
        (page, reverse("contracts:export") + query),
        (rest, "/api/v1/contracts/" + query),
        (rest, "/api/v1/contracts/export/" + query),
    ]
    grow(3)
    first = [counted(client, url) for client, url in urls]
    grow(3)
    assert [counted(client, url) for client, url in urls] == first
    assert last_export()["rows"] == 6
