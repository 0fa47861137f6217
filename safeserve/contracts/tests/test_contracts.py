"""Contracts: every missing term, budget, capacity, term, two signatures, amendments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.dates import years_from
from safeserve.contracts import services
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.procurement.models import ProjectStatus, PurchaseProject
from safeserve.procurement.tests.conftest import TODAY

CRITERIA = (
    "检查覆盖率 | 40 | 每家重点企业每季度1次 | 系统统计\n"
    "隐患闭环率 | 40 | 一般隐患整改闭环 | 抽查复核\n"
    "企业满意度 | 20 | 平均4分以上 | 企业评价"
)


def _terms(**changes):
    values: dict[str, Any] = {
        "number": "AP-2026-001",
        "subject_matter": "安全生产检查服务",
        "quantity": "45家×4次",
        "quality_requirements": "按检查表逐项检查并书面交底",
        "period_start": TODAY,
        "period_end": years_from(TODAY, 1) - dt.timedelta(days=1),
        "amount": Decimal("328000"),
        "payment_method": "分两期支付",
        "rights_obligations": "甲方提供企业名单；乙方按期完成检查",
        "liability": "未按期完成扣减相应经费",
        "planned_visits": 180,
    }
    values.update(changes)
    return services.Terms(**values)


@pytest.fixture
def contract(demo):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    return services.contract_draft(actor=demo["township_officer"], project=project)


def _save(
    demo,
    contract,
    *,
    criteria=CRITERIA,
    installments="164000 | 签订后\n164000 | 年终评估后",
    **changes,
):
    return services.contract_save_terms(
        actor=demo["township_officer"],
        contract=contract,
        terms=_terms(**changes),
        criteria=criteria,
        installments=installments,
    )


def _sign_both(demo, contract):
    services.contract_sign(actor=demo["township_leader"], contract=contract)
    return services.contract_sign(actor=demo["provider_leader"], contract=contract)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"subject_matter": ""}, "标的"),
        ({"quantity": ""}, "数量"),
        ({"quality_requirements": ""}, "质量要求"),
        ({"period_start": None}, "服务期限"),
        ({"payment_method": ""}, "资金支付方式"),
        ({"rights_obligations": ""}, "权利义务"),
        ({"liability": ""}, "违约责任"),
        ({"criteria": ""}, "绩效评估标准"),
        ({"criteria": "覆盖率 | 50 | x | y"}, "合计为100"),
        ({"installments": "100 | 签订后"}, "分期"),
    ],
)
def test_signing_is_refused_while_a_term_is_missing(demo, contract, changes, words):
    _save(demo, contract, **changes)
    with pytest.raises(ApplicationError) as refused:
        services.contract_sign(actor=demo["township_leader"], contract=contract)
    assert refused.value.code == "terms_missing" and words in str(refused.value.message)


def test_both_parties_sign_and_the_pass_score_is_fixed(demo, contract):
    _save(demo, contract)
    first = services.contract_sign(actor=demo["township_leader"], contract=contract)
    assert first.status == ContractStatus.DRAFT and first.purchaser_signed_at
    signed = services.contract_sign(actor=demo["provider_leader"], contract=contract)
    assert signed.status == ContractStatus.SIGNED and signed.pass_score == 60
    assert PurchaseProject.objects.get(pk=contract.project_id).status == ProjectStatus.CONTRACTED


@pytest.mark.parametrize(
    "username",
    ["township_officer", "provider_admin_other", "expert", "county_officer", "department_leader"],
)
def test_only_the_two_signatories_sign(demo, contract, username):
    _save(demo, contract)
    actor = demo["other_provider_admin"] if username == "provider_admin_other" else demo[username]
    with pytest.raises(PermissionDenied):
        services.contract_sign(actor=actor, contract=contract)


def test_changing_terms_withdraws_a_confirmation(demo, contract):
    _save(demo, contract)
    services.contract_sign(actor=demo["township_leader"], contract=contract)
    _save(demo, contract, quantity="45家×3次")
    contract.refresh_from_db()
    assert contract.purchaser_signed_at is None


def test_a_term_longer_than_the_policy_is_refused(demo, contract):
    _save(demo, contract, period_end=years_from(TODAY, 3))
    with pytest.raises(ApplicationError) as refused:
        services.contract_sign(actor=demo["township_leader"], contract=contract)
    assert refused.value.code == "term_too_long"


def test_more_than_the_award_is_refused(demo, contract):
    award = contract.project.award_amount
    _save(demo, contract, amount=award + 1, installments=f"{award + 1} | 签订后")
    with pytest.raises(ApplicationError) as refused:
        services.contract_sign(actor=demo["township_leader"], contract=contract)
    assert refused.value.code == "over_award"


def test_over_the_item_budget_is_refused(demo, contract):
    # As if another project under the item had been awarded the rest meanwhile.
    PurchaseProject.objects.filter(pk=contract.project_id).update(award_amount=Decimal("400000"))
    _save(
        demo,
        contract,
        amount=Decimal("360000.01"),
        installments="180000.01 | 签订后\n180000 | 年终",
    )
    with pytest.raises(ApplicationError) as refused:
        services.contract_sign(actor=demo["township_leader"], contract=contract)
    assert refused.value.code == "over_budget"


def test_over_capacity_is_refused_with_the_figures(demo, contract):
    _save(demo, contract, planned_visits=240 * 20)
    with pytest.raises(ApplicationError) as refused:
        services.contract_sign(actor=demo["township_leader"], contract=contract)
    assert refused.value.code == "over_capacity"
    assert "14" in str(refused.value.message) and "240" in str(refused.value.message)


def _agreed(demo, contract, delta, reason="增加企业"):
    proposed = services.contract_amend(
        actor=demo["township_officer"],
        contract=contract,
        reason=reason,
        changes=reason,
        amount_delta=Decimal(delta),
    )
    return services.amendment_agree(actor=demo["provider_leader"], amendment=proposed)


def test_amendments_add_up_to_at_most_ten_percent(demo, contract):
    _save(demo, contract, amount=Decimal("300000"), installments="150000 | 签订后\n150000 | 年终")
    _sign_both(demo, contract)
    _agreed(demo, contract, "20000")
    with pytest.raises(ApplicationError) as refused:
        _agreed(demo, contract, "10000.01", "再增加")
    assert refused.value.code == "amendment_over_limit"
    _agreed(demo, contract, "10000", "再增加")
    contract.refresh_from_db()
    assert contract.current_amount == Decimal("330000")


def test_two_proposals_each_within_the_limit_cannot_both_be_agreed(demo, contract):
    _save(demo, contract, amount=Decimal("300000"), installments="150000 | 签订后\n150000 | 年终")
    _sign_both(demo, contract)
    first, second = (
        services.contract_amend(
            actor=demo["township_officer"],
            contract=contract,
            reason="增加",
            changes=f"第{n}次",
            amount_delta=Decimal("20000"),
        )
        for n in (1, 2)
    )
    services.amendment_agree(actor=demo["provider_leader"], amendment=first)
    with pytest.raises(ApplicationError) as refused:
        services.amendment_agree(actor=demo["provider_leader"], amendment=second)
    assert refused.value.code == "amendment_over_limit"  # rechecked when agreed


def test_amendments_stay_within_the_item_budget(demo, contract):
    _save(demo, contract)
    _sign_both(demo, contract)
    with pytest.raises(ApplicationError) as refused:
        services.contract_amend(
            actor=demo["township_officer"],
            contract=contract,
            reason="增加",
            changes="增加",
            amount_delta=Decimal("32000.01"),
        )
    assert refused.value.code in ("over_budget", "amendment_over_limit")


def test_a_signed_contract_changes_only_by_amendment(demo, contract):
    _save(demo, contract)
    _sign_both(demo, contract)
    with pytest.raises(ApplicationError) as refused:
        _save(demo, contract, quantity="改了")
    assert refused.value.code == "wrong_state"


def test_run_daily_starts_service_and_termination_needs_the_leader(demo, contract, capsys):
    _save(demo, contract)
    _sign_both(demo, contract)
    call_command("run_daily")
    assert "已开始履行的合同：1" in capsys.readouterr().out
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_SERVICE
    with pytest.raises(PermissionDenied):
        services.contract_terminate(
            actor=demo["township_officer"], contract=contract, reason="违约"
        )
    terminated = services.contract_terminate(
        actor=demo["township_leader"], contract=contract, reason="严重违约", liability="乙方承担"
    )
    assert terminated.status == ContractStatus.TERMINATED


def test_the_public_page_lists_signed_contracts_without_login(demo, contract, client):
    assert "安平安科" not in client.get(reverse("public_contracts")).content.decode()
    _save(demo, contract)
    _sign_both(demo, contract)
    page = client.get(reverse("public_contracts"))
    assert page.status_code == 200 and "安平安科安全技术咨询有限公司" in page.content.decode()
    assert "13905701003" not in page.content.decode()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("township_officer", 200),
        ("county_officer", 200),
        ("provider_admin", 200),
        ("provider_leader", 200),
        ("expert", 404),
        ("other_provider_admin", 404),
        ("department_officer", 404),
        ("enterprise_user", 404),
        ("other_county_officer", 404),
    ],
)
def test_contract_pages_by_persona(demo, contract, login, username, status):
    assert (
        login(demo[username]).get(reverse("contracts:detail", args=[contract.pk])).status_code
        == status
    )


def test_the_api_signs_and_reports_missing_terms(demo, contract, api):
    township = api(demo["township_leader"])
    body = township.get(f"/api/v1/contracts/{contract.pk}/").json()
    assert "数量" in body["missing_terms"]
    refused = township.post(f"/api/v1/contracts/{contract.pk}/sign/")
    assert refused.status_code == 409 and refused.json()["code"] == "terms_missing"
    saved = api(demo["township_officer"]).post(
        f"/api/v1/contracts/{contract.pk}/terms/",
        {
            "number": "X-1",
            "subject_matter": "检查",
            "quantity": "45家",
            "quality_requirements": "按表",
            "period_start": str(TODAY),
            "period_end": str(TODAY + dt.timedelta(days=300)),
            "amount": "328000",
            "payment_method": "两期",
            "rights_obligations": "略",
            "liability": "略",
            "planned_visits": 180,
            "criteria": CRITERIA,
            "installments": "",
        },
        format="json",
    )
    assert saved.status_code == 200 and saved.json()["missing_terms"] == []
    bad = api(demo["township_officer"]).post(
        f"/api/v1/contracts/{contract.pk}/terms/",
        {"amount": "1", "criteria": "只有名称"},
        format="json",
    )
    assert bad.status_code == 400 and "criteria" in bad.json()["errors"]
    assert township.post(f"/api/v1/contracts/{contract.pk}/sign/").status_code == 200
    signed = api(demo["provider_admin"]).post(f"/api/v1/contracts/{contract.pk}/sign/")
    assert signed.json()["status"] == "signed"


def _race_setup(*, second_provider: str, visits: int, amounts: tuple[str, str]):
    """Two contracts under one plan item, each confirmed by the purchaser; returns the users
    and the contracts waiting for their providers' confirmation."""
    from safeserve.demo.seed import seed
    from safeserve.enterprises.reference import ensure_gbt4754
    from safeserve.procurement import services as procurement
    from safeserve.providers.models import Provider

    ensure_gbt4754()
    seed(enterprises=(5, 1), contracts=False)
    from safeserve.accounts.models import User

    users = {u.username: u for u in User.objects.select_related("organization")}
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    PurchaseProject.objects.filter(pk=project.pk).update(award_amount=Decimal(amounts[0]))
    project.refresh_from_db()
    first = services.contract_draft(actor=users["township_officer"], project=project)
    services.contract_save_terms(
        actor=users["township_officer"],
        contract=first,
        terms=_terms(planned_visits=visits, amount=Decimal(amounts[0])),
        criteria=CRITERIA,
        installments="",
    )
    second_project = procurement.project_create(
        actor=users["township_officer"],
        item=project.item,
        data=procurement.ProjectData(title="第二", service_content="x", enterprise_scope="x"),
    )
    provider = Provider.objects.get(organization__users__username=second_provider)
    PurchaseProject.objects.filter(pk=second_project.pk).update(
        status=ProjectStatus.AWARDED, awarded_provider=provider, award_amount=Decimal(amounts[1])
    )
    second = services.contract_draft(
        actor=users["township_officer"], project=PurchaseProject.objects.get(pk=second_project.pk)
    )
    services.contract_save_terms(
        actor=users["township_officer"],
        contract=second,
        terms=_terms(planned_visits=visits, amount=Decimal(amounts[1])),
        criteria=CRITERIA,
        installments="",
    )
    for contract in (first, second):
        services.contract_sign(actor=users["township_leader"], contract=contract)
    return users, first, second


def _race(calls: list[Any]) -> list[str]:
    """Runs the calls in parallel threads; each outcome is "done" or the refusal's code."""
    import threading

    outcomes: list[str] = []

    def run(call: Any) -> None:
        try:
            call()
            outcomes.append("done")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_concurrent_second_signatures_on_postgresql_respect_capacity(transactional_db):
    """Two contracts with the same provider, each alone under the cap, together over it: the
    signatures race, and only one contract may end up signed (R8)."""
    users, first, second = _race_setup(
        second_provider="provider_admin", visits=14 * 140, amounts=("328000", "1000")
    )
    leader = users["provider_leader"]
    outcomes = _race(
        [
            lambda: services.contract_sign(actor=leader, contract=first),
            lambda: services.contract_sign(actor=leader, contract=second),
        ]
    )
    assert outcomes == ["done", "over_capacity"]
    assert Contract.objects.filter(status=ContractStatus.SIGNED).count() == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_concurrent_amendments_of_two_providers_respect_the_item_budget(transactional_db):
    """Two providers' contracts under one plan item leave 10,000 of its budget: two amendments,
    each alone within it, together over it, agreed at the same moment — the lock on the item
    lets only one through (R3)."""
    users, first, second = _race_setup(
        second_provider="other_provider_admin", visits=10, amounts=("300000", "50000")
    )
    services.contract_sign(actor=users["provider_leader"], contract=first)
    services.contract_sign(actor=users["other_provider_admin"], contract=second)
    proposals = [
        services.contract_amend(
            actor=users["township_officer"],
            contract=contract,
            reason="增加企业",
            changes="增加",
            amount_delta=Decimal(delta),
        )
        for contract, delta in ((first, "10000"), (second, "5000"))
    ]
    outcomes = _race(
        [
            lambda: services.amendment_agree(
                actor=users["provider_leader"], amendment=proposals[0]
            ),
            lambda: services.amendment_agree(
                actor=users["other_provider_admin"], amendment=proposals[1]
            ),
        ]
    )
    assert outcomes == ["done", "over_budget"]
