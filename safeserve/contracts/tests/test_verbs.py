"""The contract's and the amendment's verb tables drive the page, the API and the services
alike, for every state and every persona."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safeserve.common.tests.verbs import Walk
from safeserve.contracts import services
from safeserve.contracts.models import Amendment, Contract, ContractStatus
from safeserve.contracts.tests.test_contracts import _save, _sign_both
from safeserve.contracts.workflows import CONTRACT
from safeserve.procurement.models import ProjectStatus, PurchaseProject
from safeserve.procurement.tests.conftest import TODAY
from safeserve.providers.models import Expert

# The contract page's tabs: its verbs' forms are spread over them.
CONTRACT_TABS = ["overview", "experts", "coverage", "payments", "evaluations"]
PERSONAS = [
    "township_leader",
    "township_officer",
    "county_officer",
    "provider_leader",
    "provider_admin",
    "expert",
    "other_provider_admin",
    "department_officer",
    "enterprise_user",
    "other_county_officer",
]


def _reload(contract: Contract) -> Contract:
    return Contract.objects.select_related("project", "project__item", "provider").get(
        pk=contract.pk
    )


def _contract_calls(demo: dict[str, Any]) -> dict[str, Any]:
    outsider = Expert.objects.filter(employer__name="恒信安全评价有限公司").first()

    def engage(user: Any, contract: Contract) -> Any:
        assert contract.period_start is not None and contract.period_end is not None
        ends_on = contract.period_start + dt.timedelta(days=30)
        return services.engagement_create(
            actor=user,
            contract=contract,
            expert=outsider,
            role="member",
            starts_on=contract.period_start,
            ends_on=min(ends_on, contract.period_end),
            agreement=SimpleUploadedFile("agreement.pdf", b"%PDF-1.4 agreement"),
        )

    return {
        "sign": lambda user, c: services.contract_sign(actor=user, contract=c),
        "start": lambda user, c: services.contract_start(actor=user, contract=c),
        "complete": lambda user, c: services.contract_complete(actor=user, contract=c),
        "close": lambda user, c: services.contract_close(actor=user, contract=c),
        "terminate": lambda user, c: services.contract_terminate(
            actor=user, contract=c, reason="双方协商解除"
        ),
        "terms": lambda user, c: services.contract_save_terms(
            actor=user,
            contract=c,
            terms=services.Terms(**services.contract_snapshot(c)),
            criteria="\n".join(
                f"{x.name} | {x.weight} | {x.requirement} | {x.method}" for x in c.criteria.all()
            ),
            installments="",
        ),
        "amend": lambda user, c: services.contract_amend(
            actor=user, contract=c, reason="增加服务对象", changes="增加5家企业"
        ),
        "payments": lambda user, c: services.payment_record(
            actor=user, contract=c, amount=Decimal("0.01"), paid_on=TODAY
        ),
        "deductions": lambda user, c: services.deduction_record(
            actor=user, contract=c, amount=Decimal("0.01"), reason="未按期完成"
        ),
        "enterprises": lambda user, c: services.coverage_add(
            actor=user, contract=c, enterprises=[]
        ),
        "engagements": engage,
    }


def test_the_contract_table_drives_page_api_and_services(demo, login, api):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    contract = services.contract_draft(actor=demo["township_officer"], project=project)
    _save(demo, contract)

    def at(status: str, **fields: Any) -> Any:
        def make() -> Contract:
            Contract.objects.filter(pk=contract.pk).update(status=status, **fields)
            return _reload(contract)

        return make

    def signed() -> Contract:
        return _reload(_sign_both(demo, _reload(contract)))

    def evaluated_and_paid() -> Contract:
        Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.EVALUATED)
        owed = services.payable_balance(_reload(contract))[2]
        services.payment_record(
            actor=demo["township_officer"], contract=_reload(contract), amount=owed, paid_on=TODAY
        )
        return _reload(contract)

    walk = Walk(
        states={
            "draft": lambda: _reload(contract),
            "signed": signed,
            "in_service": at(ContractStatus.IN_SERVICE),
            # The service period over, so the contract may be completed.
            "in_service_ended": at(
                ContractStatus.IN_SERVICE,
                period_start=TODAY - dt.timedelta(days=365),
                period_end=TODAY - dt.timedelta(days=1),
            ),
            "completed": at(ContractStatus.COMPLETED),
            "evaluated": evaluated_and_paid,
            "closed": at(ContractStatus.CLOSED),
            "terminated": at(ContractStatus.TERMINATED),
        },
        personas=PERSONAS,
        calls=_contract_calls(demo),
        page=lambda c: [
            reverse("contracts:detail", args=[c.pk]) + f"?tab={tab}" for tab in CONTRACT_TABS
        ],
        detail=lambda c: f"/api/v1/contracts/{c.pk}/",
        reload=_reload,
    )
    offered = walk.run(demo, login, api)
    assert set().union(*offered.values()) == set(CONTRACT.names)  # every verb was reached
    # Spot checks by hand of what the walk found (the table is not its own test).
    assert offered["draft"] == {"sign", "terminate", "terms", "enterprises", "engagements"}
    assert offered["closed"] == set()
    assert "close" in offered["evaluated"] and "payments" not in offered["evaluated"]


def test_the_amendment_table_drives_page_api_and_services(demo, login, api):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    contract = services.contract_draft(actor=demo["township_officer"], project=project)
    _save(demo, contract)
    contract = _sign_both(demo, contract)

    def proposed(by: str) -> Any:
        def make() -> Amendment:
            Amendment.objects.all().delete()
            return services.contract_amend(
                actor=demo[by], contract=_reload(contract), reason="增加", changes="增加2家企业"
            )

        return make

    def settled(status: str) -> Any:
        def make() -> Amendment:
            amendment = proposed("township_officer")()
            Amendment.objects.filter(pk=amendment.pk).update(status=status)
            return Amendment.objects.get(pk=amendment.pk)

        return make

    def reload(amendment: Amendment) -> Amendment:
        fresh = Amendment.objects.get(pk=amendment.pk)
        fresh.contract = _reload(contract)
        return fresh

    def actions(body: dict[str, Any], amendment: Amendment) -> list[str]:
        row = next(a for a in body["amendments"] if a["id"] == amendment.pk)
        return list(row["allowed_actions"])

    walk = Walk(
        states={
            "proposed_by_purchaser": proposed("township_officer"),
            "proposed_by_provider": proposed("provider_leader"),
            "agreed": settled("agreed"),
            "declined": settled("declined"),
        },
        personas=PERSONAS,
        calls={
            "agree": lambda user, a: services.amendment_agree(actor=user, amendment=a),
            "decline": lambda user, a: services.amendment_decline(actor=user, amendment=a),
            "withdraw": lambda user, a: services.amendment_withdraw(actor=user, amendment=a),
        },
        page=lambda a: reverse("contracts:detail", args=[contract.pk]),
        detail=lambda a: f"/api/v1/contracts/{contract.pk}/",
        actions_of=actions,
        key=lambda a: f"amendment-{a.pk}",
        reload=reload,
    )
    offered = walk.run(demo, login, api)
    assert offered["proposed_by_purchaser"] == {"agree", "decline", "withdraw"}
    assert offered["agreed"] == offered["declined"] == set()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        # written out by hand: a draft contract with complete terms
        ("township_leader", {"sign", "terminate", "terms", "enterprises"}),
        ("township_officer", {"terms", "enterprises"}),
        ("provider_leader", {"sign", "engagements"}),
        ("provider_admin", {"sign", "engagements"}),
        ("county_officer", set()),
        ("expert", set()),
        ("other_provider_admin", set()),
    ],
)
def test_a_draft_contract_offers_each_persona_its_verbs(demo, api, persona, expected):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    contract = services.contract_draft(actor=demo["township_officer"], project=project)
    _save(demo, contract)
    response = api(demo[persona]).get(f"/api/v1/contracts/{contract.pk}/")
    allowed = set(response.json()["allowed_actions"]) if response.status_code == 200 else set()
    assert allowed == expected
