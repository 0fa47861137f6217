"""R7: only the provider's own experts or experts it engaged for the contract."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safeserve.common.exceptions import ApplicationError
from safeserve.contracts import services
from safeserve.contracts.tests.test_coverage_and_money import signed  # noqa: F401 — fixture
from safeserve.procurement.tests.conftest import TODAY
from safeserve.providers.models import Expert, ExpertPoolMembership


def _outsider():
    return Expert.objects.filter(employer__name="恒信安全评价有限公司").first()


def _engage(demo, contract, expert, **changes):
    values = {
        "actor": demo["provider_admin"],
        "contract": contract,
        "expert": expert,
        "role": "member",
        "starts_on": TODAY,
        "ends_on": TODAY + dt.timedelta(days=90),
        "agreement": SimpleUploadedFile("agreement.pdf", b"%PDF-1.4 agreement"),
    }
    values.update(changes)
    return services.engagement_create(**values)


def test_own_employees_are_allowed_and_outsiders_only_when_engaged(demo, signed):  # noqa: F811
    allowed = set(services.experts_allowed(signed).values_list("pk", flat=True))
    own = set(
        Expert.objects.filter(employer=signed.provider, is_active=True).values_list("pk", flat=True)
    )
    assert allowed == own
    outsider = _outsider()
    _engage(demo, signed, outsider)
    assert outsider.pk in set(services.experts_allowed(signed).values_list("pk", flat=True))
    assert outsider.pk not in set(
        services.experts_allowed(signed, TODAY + dt.timedelta(days=91)).values_list("pk", flat=True)
    )


def test_many_contracts_asked_at_once_answer_as_each_asked_alone(demo, signed):  # noqa: F811
    """contracts_allowing (the 待办's one question for many hazards) agrees with
    experts_allowed for the provider's own expert, an outsider before and after being
    engaged, and on a day past the engagement."""
    outsider = _outsider()
    own = Expert.objects.filter(employer=signed.provider, is_active=True).first()

    def agree(expert: Expert, on: dt.date) -> bool:
        alone = services.experts_allowed(signed, on).filter(pk=expert.pk).exists()
        together = services.contracts_allowing(expert, [signed], on) == {signed.pk}
        assert alone == together, (expert, on)
        return alone

    assert agree(own, TODAY) and not agree(outsider, TODAY)
    _engage(demo, signed, outsider)
    assert agree(outsider, TODAY)
    assert not agree(outsider, TODAY + dt.timedelta(days=91))


def test_another_provider_cannot_engage_or_act_under_the_contract(demo, signed):  # noqa: F811
    with pytest.raises(PermissionDenied):
        _engage(demo, signed, _outsider(), actor=demo["other_provider_admin"])
    with pytest.raises(PermissionDenied):
        _engage(demo, signed, _outsider(), actor=demo["township_officer"])


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("own", "own_expert"),
        ("suspended", "not_in_pool"),
        ("no_agreement", "agreement_missing"),
        ("reversed", "period_reversed"),
        ("outside", "outside_period"),
    ],
)
def test_bad_engagements_are_refused(demo, signed, case, code):  # noqa: F811
    expert = _outsider()
    changes: dict[str, object] = {}
    if case == "own":
        expert = Expert.objects.filter(employer=signed.provider).first()
    elif case == "suspended":
        ExpertPoolMembership.objects.filter(expert=expert).update(status="suspended")
    elif case == "no_agreement":
        changes = {"agreement": None}
    elif case == "reversed":
        changes = {"ends_on": TODAY - dt.timedelta(days=1)}
    elif case == "outside":
        changes = {"ends_on": TODAY + dt.timedelta(days=800)}
    with pytest.raises(ApplicationError) as refused:
        _engage(demo, signed, expert, **changes)
    assert refused.value.code == code


def test_an_engagement_is_ended_and_the_page_shows_it(demo, signed, login):  # noqa: F811
    engagement = _engage(demo, signed, _outsider())
    services.engagement_end(actor=demo["provider_admin"], engagement=engagement, reason="完成")
    assert _outsider().pk not in set(services.experts_allowed(signed).values_list("pk", flat=True))
    page = login(demo["provider_admin"]).get(
        reverse("contracts:detail", args=[signed.pk]) + "?tab=experts"
    )
    assert "不得转包" in page.content.decode()


def test_engagements_through_the_api(demo, signed, api):  # noqa: F811
    client = api(demo["provider_admin"])
    listed = client.get(f"/api/v1/contracts/{signed.pk}/engagements/").json()
    assert listed and not any(row["engaged"] for row in listed)
    outsider = _outsider()
    response = client.post(
        f"/api/v1/contracts/{signed.pk}/engagements/",
        {
            "expert": outsider.pk,
            "role": "member",
            "starts_on": str(TODAY),
            "ends_on": str(TODAY + dt.timedelta(days=30)),
            "agreement": SimpleUploadedFile("a.pdf", b"%PDF-1.4 a"),
        },
        format="multipart",
    )
    assert response.status_code == 201
    assert any(row["engaged"] and row["id"] == outsider.pk for row in response.json())
    bad = client.post(
        f"/api/v1/contracts/{signed.pk}/engagements/",
        {
            "expert": outsider.pk,
            "role": "member",
            "starts_on": str(TODAY),
            "ends_on": str(TODAY),
            "agreement": SimpleUploadedFile("a.exe", b"MZ"),
        },
        format="multipart",
    )
    assert bad.status_code == 415


def test_budget_execution_and_contract_lists_keep_their_query_counts(demo, signed, login):  # noqa: F811
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safeserve.contracts.models import Amendment, Contract
    from safeserve.procurement.models import PlanItem, PurchaseProject

    services.payment_record(
        actor=demo["township_officer"], contract=signed, amount=Decimal("1000"), paid_on=TODAY
    )
    client = login(demo["county_officer"])
    page = client.get(reverse("contracts:budget"))
    row = next(i for i in page.context["items"] if i.pk == signed.project.item_id)
    assert (row.contracted, row.paid) == (Decimal("328000"), Decimal("1000"))

    def count(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def grow(n):
        plan = signed.project.item.plan
        for index in range(n):
            item = PlanItem.objects.create(
                plan=plan, category="inspection", content="x", budget=Decimal("100")
            )
            project = PurchaseProject.objects.create(
                item=item,
                purchaser=signed.purchaser,
                county=signed.county,
                title="x",
                service_content="x",
                enterprise_scope="x",
                status="awarded",
                awarded_provider=signed.provider,
                award_amount=Decimal("10"),
            )
            contract = Contract.objects.create(
                project=project,
                purchaser=signed.purchaser,
                provider=signed.provider,
                county=signed.county,
                amount=Decimal("10"),
                status="draft" if index % 2 else "signed",
            )
            Amendment.objects.create(
                contract=contract,
                reason="x",
                changes="x",
                amount_delta=Decimal("1"),
                created_by=demo["township_officer"],
                status="agreed",
            )

    urls = [
        reverse("contracts:list"),
        reverse("contracts:budget"),
        reverse("contracts:coverage"),
        "/api/v1/contracts/",
    ]
    grow(3)
    first = [count(u) for u in urls]
    grow(3)
    assert [count(u) for u in urls] == first
