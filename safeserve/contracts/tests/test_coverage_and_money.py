"""R9 coverage and R3 payments, the bad paths first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from safeserve.common.exceptions import ApplicationError
from safeserve.contracts import services
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.contracts.services import coverage as coverage_services
from safeserve.contracts.tests.test_contracts import _save, _sign_both
from safeserve.enterprises.models import Enterprise
from safeserve.procurement.models import ProjectStatus, PurchaseProject
from safeserve.procurement.tests.conftest import TODAY


@pytest.fixture
def signed(demo):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    contract = services.contract_draft(actor=demo["township_officer"], project=project)
    _save(demo, contract)
    return _sign_both(demo, contract)


def _enterprises(**filters):
    return list(Enterprise.objects.filter(county__code="990121", **filters).order_by("pk"))


def test_a_township_cannot_cover_a_high_risk_enterprise(demo, signed):
    high_risk = _enterprises(township__code="990121100", sector="hazardous_goods")
    if not high_risk:
        pytest.skip("the small demo has no high-risk enterprise in 城关镇")
    with pytest.raises(ApplicationError) as refused:
        services.coverage_add(
            actor=demo["township_officer"], contract=signed, enterprises=high_risk[:1]
        )
    assert refused.value.code == "coverage_refused"
    assert "监管部门" in str(refused.value.message)


def test_a_township_cannot_cover_another_townships_enterprise(demo, signed):
    other = _enterprises(sector="")
    other = [e for e in other if e.township.code != "990121100"][:1]
    with pytest.raises(ApplicationError) as refused:
        services.coverage_add(actor=demo["township_officer"], contract=signed, enterprises=other)
    assert "辖区" in str(refused.value.message)
    assert not signed.coverage.exists()  # all or nothing


def test_coverage_is_all_or_nothing_and_idempotent(demo, signed):
    own = _enterprises(township__code="990121100", sector="")
    assert services.coverage_add(
        actor=demo["township_officer"], contract=signed, enterprises=own
    ) == len(own)
    assert (
        services.coverage_add(actor=demo["township_officer"], contract=signed, enterprises=own) == 0
    )


def test_the_provider_sees_the_enterprises_its_contracts_cover(demo, signed, api):
    own = _enterprises(township__code="990121100", sector="")[:2]
    services.coverage_add(actor=demo["township_officer"], contract=signed, enterprises=own)
    body = api(demo["provider_admin"]).get(f"/api/v1/enterprises/{own[0].pk}/")
    assert body.status_code == 200
    other = _enterprises(township__code="990121101")[0]
    assert api(demo["provider_admin"]).get(f"/api/v1/enterprises/{other.pk}/").status_code == 404
    assert (
        api(demo["other_provider_admin"]).get(f"/api/v1/enterprises/{own[0].pk}/").status_code
        == 404
    )


def test_the_coverage_report_shows_gaps_and_exports_them(demo, signed, login):
    key = _enterprises(township__code="990121100", sector="", is_key=True)
    services.coverage_add(actor=demo["township_officer"], contract=signed, enterprises=key[1:])
    page = login(demo["township_officer"]).get(reverse("contracts:coverage"))
    report = page.context["report"]
    assert [r.name for r in report.rows] == ["安平县城关镇人民政府"]
    row = report.rows[0]
    assert (row.total, row.covered) == (len(key), len(key) - 1)
    assert [g["name"] for g in row.gaps] == [key[0].name]
    county = login(demo["county_officer"]).get(reverse("contracts:coverage")).context["report"]
    assert len(county.rows) > 1
    export = login(demo["county_officer"]).get(reverse("contracts:coverage_export"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_payments_never_exceed_the_amount_less_deductions(demo, signed):
    officer = demo["township_officer"]
    services.deduction_record(
        actor=officer, contract=signed, amount=Decimal("28000"), reason="检查覆盖率未达标"
    )
    services.payment_record(actor=officer, contract=signed, amount=Decimal("150000"), paid_on=TODAY)
    with pytest.raises(ApplicationError) as refused:
        services.payment_record(
            actor=officer, contract=signed, amount=Decimal("150000.01"), paid_on=TODAY
        )
    assert refused.value.code == "over_payable" and "150000.00" in str(refused.value.message)
    services.payment_record(actor=officer, contract=signed, amount=Decimal("150000"), paid_on=TODAY)
    assert services.payable_balance(signed) == (Decimal("300000"), Decimal("28000"), Decimal(0))
    with pytest.raises(ApplicationError):
        services.deduction_record(
            actor=officer, contract=signed, amount=Decimal("1"), reason="再扣"
        )


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), None])
def test_a_payment_must_be_positive(demo, signed, amount):
    with pytest.raises(ApplicationError):
        services.payment_record(
            actor=demo["township_officer"], contract=signed, amount=amount, paid_on=TODAY
        )


def test_no_payment_on_a_draft(demo):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    draft = services.contract_draft(actor=demo["township_officer"], project=project)
    with pytest.raises(ApplicationError) as refused:
        services.payment_record(
            actor=demo["township_officer"], contract=draft, amount=Decimal("1"), paid_on=TODAY
        )
    assert refused.value.code == "wrong_state"


def test_complete_only_after_the_period_and_close_only_when_settled(demo, signed):
    officer = demo["township_officer"]
    services.contract_start(actor=officer, contract=signed)
    with pytest.raises(ApplicationError) as early:
        services.contract_complete(actor=officer, contract=signed)
    assert early.value.code == "period_not_ended"
    Contract.objects.filter(pk=signed.pk).update(
        period_end=TODAY - dt.timedelta(days=1), period_start=TODAY - dt.timedelta(days=300)
    )
    assert services.contract_complete(actor=officer, contract=signed).status == "completed"
    Contract.objects.filter(pk=signed.pk).update(status=ContractStatus.EVALUATED)
    with pytest.raises(ApplicationError) as unsettled:
        services.contract_close(actor=officer, contract=signed)
    assert unsettled.value.code == "payments_open"
    services.payment_record(actor=officer, contract=signed, amount=Decimal("328000"), paid_on=TODAY)
    assert services.contract_close(actor=officer, contract=signed).status == "closed"


def test_coverage_and_payments_through_the_api(demo, signed, api):
    client = api(demo["township_officer"])
    own = _enterprises(township__code="990121100", sector="")[:2]
    added = client.post(
        f"/api/v1/contracts/{signed.pk}/enterprises/",
        {"usccs": [e.uscc for e in own]},
        format="json",
    )
    assert added.status_code == 201 and len(added.json()) == 2
    unknown = client.post(
        f"/api/v1/contracts/{signed.pk}/enterprises/",
        {"usccs": ["91110000600037341L"]},
        format="json",
    )
    assert unknown.status_code == 400
    paid = client.post(
        f"/api/v1/contracts/{signed.pk}/payments/",
        {"amount": "1000", "paid_on": str(TODAY)},
        format="json",
    )
    assert paid.status_code == 201 and paid.json()["payable"] == "327000.00"
    over = client.post(
        f"/api/v1/contracts/{signed.pk}/payments/",
        {"amount": "999999", "paid_on": str(TODAY)},
        format="json",
    )
    assert over.status_code == 409
    report = client.get("/api/v1/coverage/").json()
    assert report["rows"][0]["covered"] >= 0
    assert (
        api(demo["provider_admin"])
        .post(
            f"/api/v1/contracts/{signed.pk}/payments/",
            {"amount": "1", "paid_on": str(TODAY)},
            format="json",
        )
        .status_code
        == 403
    )


def _xlsx(rows):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    handle = io.BytesIO()
    workbook.save(handle)
    handle.seek(0)
    handle.name = "list.xlsx"
    return handle


def _flash(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_coverage_by_uploaded_list_is_all_or_nothing(demo, signed, login):
    own = _enterprises(township__code="990121100", sector="")[:3]
    client = login(demo["township_officer"])
    url = reverse("contracts:coverage_change", args=[signed.pk])
    # A directory export: the codes sit under their heading, not in the first column.
    mixed = _xlsx(
        [["企业名称", "统一社会信用代码"]]
        + [[e.name, e.uscc] for e in own]
        + [["外县企业", "91110000600037341L"]]
    )
    refused = client.post(url, {"file": mixed}, follow=True)
    assert "91110000600037341L" in " ".join(_flash(refused))
    assert not signed.coverage.exists()
    good = _xlsx([["企业名称", "统一社会信用代码"]] + [[e.name, e.uscc.lower()] for e in own])
    added = client.post(url, {"file": good}, follow=True)
    assert str(len(own)) in " ".join(_flash(added))
    assert signed.coverage.count() == len(own) >= 2


def test_coverage_upload_without_a_heading_reads_the_first_column(demo, signed, login):
    own = _enterprises(township__code="990121100", sector="")[:2]
    client = login(demo["township_officer"])
    url = reverse("contracts:coverage_change", args=[signed.pk])
    client.post(url, {"file": _xlsx([[e.uscc] for e in own])})
    assert signed.coverage.count() == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "另存为 .xlsx"),
        (b"name,uscc\n", "另存为 .xlsx"),
        (None, "统一社会信用代码"),
    ],
    ids=["xls", "csv", "empty-sheet"],
)
def test_a_bad_coverage_file_gets_a_message_and_adds_nothing(
    demo, signed, login, content, expected
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = (
        SimpleUploadedFile("list.xlsx", content)
        if content is not None
        else SimpleUploadedFile("list.xlsx", _xlsx([]).read())
    )
    client = login(demo["township_officer"])
    response = client.post(
        reverse("contracts:coverage_change", args=[signed.pk]), {"file": upload}, follow=True
    )
    assert response.status_code == 200
    assert expected in " ".join(_flash(response))
    assert not signed.coverage.exists()


def test_a_filter_matching_too_many_is_refused_not_cut_short(demo, signed, login, monkeypatch):
    monkeypatch.setattr(coverage_services, "COVERAGE_ADD_LIMIT", 1)
    client = login(demo["township_officer"])
    response = client.post(
        reverse("contracts:coverage_change", args=[signed.pk]), {"is_key": ""}, follow=True
    )
    assert "缩小" in " ".join(_flash(response)) or "narrow" in " ".join(_flash(response))
    assert not signed.coverage.exists()


def test_coverage_upload_through_the_api(demo, signed, api):
    own = _enterprises(township__code="990121100", sector="")[:2]
    client = api(demo["township_officer"])
    added = client.post(
        f"/api/v1/contracts/{signed.pk}/enterprises/",
        {"file": _xlsx([["统一社会信用代码"]] + [[e.uscc] for e in own])},
        format="multipart",
    )
    assert added.status_code == 201 and len(added.json()) == 2
    bad = client.post(
        f"/api/v1/contracts/{signed.pk}/enterprises/",
        {"file": _xlsx([["统一社会信用代码"]])},
        format="multipart",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "no_codes"


def test_a_damaged_workbook_is_refused_not_a_server_error(demo, signed, login, api):
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    good = _xlsx([["统一社会信用代码"], ["91990121MA0000007G"]]).getvalue()
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(damaged, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            target.writestr(entry, data[: len(data) // 2] if "sheet1" in entry.filename else data)
    upload = damaged.getvalue()
    response = api(demo["township_officer"]).post(
        f"/api/v1/contracts/{signed.pk}/enterprises/",
        {"file": SimpleUploadedFile("list.xlsx", upload)},
        format="multipart",
    )
    assert response.status_code == 415
    page = login(demo["township_officer"]).post(
        reverse("contracts:coverage_change", args=[signed.pk]),
        {"file": SimpleUploadedFile("list.xlsx", upload)},
        follow=True,
    )
    assert "另存为 .xlsx" in " ".join(_flash(page))
    assert not signed.coverage.exists()


def test_the_todo_gap_count_is_the_reports_figure_for_every_purchaser(demo, signed):
    """The 待办 counts its gaps in the database (issue 15); each purchaser's figure is the one
    its row of the coverage report shows."""
    from django.utils import timezone

    from safeserve.accounts.models import User
    from safeserve.contracts.selectors import coverage_gap_count, coverage_report
    from safeserve.organizations.models import OrganizationKind

    key = _enterprises(township__code="990121100", sector="", is_key=True)
    services.coverage_add(actor=demo["township_officer"], contract=signed, enterprises=key[1:])
    year = timezone.localdate().year
    office = coverage_report(viewer=demo["county_officer"], year=year)
    gaps = {row.purchaser_id: row.total - row.covered for row in office.rows}
    assert gaps and any(gaps.values())
    purchasers = User.objects.filter(
        organization__county__code="990121",
        organization__kind__in=[OrganizationKind.TOWNSHIP, OrganizationKind.DEPARTMENT],
    ).select_related("organization")
    for user in purchasers:
        assert coverage_gap_count(viewer=user, year=year) == gaps.get(user.organization_id, 0)
