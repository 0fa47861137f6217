"""Employer changes (变更执业单位): an expert is one person across providers. The new employer
files a request naming the expert by ID number, the county office approves or rejects, and an
approved change moves the same record — history, pool standing and login included."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from safeserve.accounts.models import ApiToken, User, UserSession
from safeserve.accounts.services import token_issue
from safeserve.audit.models import AuditEvent
from safeserve.common.lib import idnumber
from safeserve.common.tests.verbs import Walk
from safeserve.providers import services
from safeserve.providers.models import EmployerChange, Expert, Provider
from safeserve.providers.tests.test_lists import counted
from safeserve.providers.workflows import EMPLOYER_CHANGE

pytestmark = pytest.mark.django_db

ELIGIBLE = "安平安科安全技术咨询有限公司"
OTHER = "恒信安全评价有限公司"
STATEMENT = "已于2026年11月与原单位解除劳动合同，现在本单位执业。"


def pdf(name: str = "劳动合同.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


@pytest.fixture
def mover(directory: dict[str, User]) -> Expert:
    """The second provider's expert, who is joining the eligible provider."""
    return Expert.objects.get(user=directory["other_expert"])


def request_move(
    users: dict[str, User], expert: Expert, actor: str = "provider_admin", **extra: Any
) -> EmployerChange:
    user = users[actor]
    return services.employer_change_request(
        actor=user,
        provider=Provider.objects.get(organization=user.organization),
        name=extra.pop("name", expert.name),
        id_number=expert.id_number,
        statement=STATEMENT,
        **extra,
    )


# --- The verb table, walked ------------------------------------------------------------------


PERSONAS = [
    "county_officer",
    "county_leader",
    "other_county_officer",
    "provider_admin",
    "provider_leader",
    "other_provider_admin",
    "expert",
    "other_expert",
    "township_officer",
    "enterprise_user",
]


def test_the_employer_change_table_drives_page_api_and_services(
    directory: dict[str, User], mover: Expert, login: Any, api: Any
) -> None:
    def fresh() -> EmployerChange:
        EmployerChange.objects.all().delete()
        return request_move(directory, mover)

    def decided(verb: str) -> Any:
        def make() -> EmployerChange:
            change = fresh()
            if verb == "approve":
                return services.employer_change_approve(
                    actor=directory["county_officer"], change=change
                )
            if verb == "reject":
                return services.employer_change_reject(
                    actor=directory["county_officer"], change=change, reason="材料不全"
                )
            return services.employer_change_withdraw(
                actor=directory["provider_admin"], change=change
            )

        return make

    walk = Walk(
        states={
            "requested": fresh,
            "rejected": decided("reject"),
            "withdrawn": decided("withdraw"),
            "approved": decided("approve"),  # last: the expert has moved for good
        },
        personas=PERSONAS,
        calls={
            "approve": lambda user, c: services.employer_change_approve(actor=user, change=c),
            "reject": lambda user, c: services.employer_change_reject(
                actor=user, change=c, reason="身份不符"
            ),
            "withdraw": lambda user, c: services.employer_change_withdraw(actor=user, change=c),
        },
        page=lambda c: reverse("providers:employer_change", args=[c.pk]),
        detail=lambda c: f"/api/v1/employer-changes/{c.pk}/",
        reload=lambda c: EmployerChange.objects.get(pk=c.pk),
    )
    offered = walk.run(directory, login, api)
    assert offered == {
        "requested": {"approve", "reject", "withdraw"},
        "rejected": set(),
        "withdrawn": set(),
        "approved": set(),
    }
    assert set().union(*offered.values()) == set(EMPLOYER_CHANGE.names)


@pytest.mark.parametrize(
    ("persona", "approve", "reject", "withdraw"),
    [
        # Written out by hand (WORKFLOWS.md: the county office decides, the requester withdraws).
        ("county_officer", True, True, False),
        ("county_leader", True, True, False),
        ("county_admin", True, True, False),
        ("other_county_officer", False, False, False),
        ("provider_admin", False, False, True),
        ("provider_leader", False, False, True),
        ("other_provider_admin", False, False, False),
        ("expert", False, False, False),
        ("township_officer", False, False, False),
        ("department_officer", False, False, False),
        ("enterprise_user", False, False, False),
    ],
)
def test_who_may_decide_or_withdraw(
    directory: dict[str, User],
    mover: Expert,
    persona: str,
    approve: bool,
    reject: bool,
    withdraw: bool,
) -> None:
    change = request_move(directory, mover)
    user = directory[persona]
    assert EMPLOYER_CHANGE.allows("approve", user, change) is approve
    assert EMPLOYER_CHANGE.allows("reject", user, change) is reject
    assert EMPLOYER_CHANGE.allows("withdraw", user, change) is withdraw


# --- Approval moves the person -----------------------------------------------------------------


def test_approval_moves_the_expert_with_history_pool_and_login(
    directory: dict[str, User], mover: Expert, api: Any, login: Any
) -> None:
    account = directory["other_expert"]
    login(account)  # a live session and an API token of the old employer's account
    token_issue(user=account)
    pools = set(mover.pool_memberships.values_list("county_id", "status"))
    change = request_move(directory, mover)
    assert Expert.objects.visible_to(directory["provider_admin"]).filter(pk=mover.pk).count() == 0

    response = api(directory["county_officer"]).post(
        f"/api/v1/employer-changes/{change.pk}/approve/", {"note": "核实无误"}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved" and body["from_provider_name"] == OTHER
    assert body["allowed_actions"] == []
    mover.refresh_from_db()
    account.refresh_from_db()
    eligible = Provider.objects.get(name=ELIGIBLE)
    assert mover.employer == eligible
    assert account.organization == eligible.organization and account.role == "expert"
    assert not UserSession.objects.filter(user=account).exists()
    assert not ApiToken.objects.filter(user=account).exists()
    assert set(mover.pool_memberships.values_list("county_id", "status")) == pools
    # The new employer now sees and manages the expert; the former one no longer does.
    assert Expert.objects.visible_to(directory["provider_admin"]).filter(pk=mover.pk).exists()
    assert not Expert.objects.visible_to(directory["other_provider_admin"]).filter(pk=mover.pk)
    # The expert's own history says who moved them, from where to where.
    moved = AuditEvent.objects.get(action="expert.employer_changed", object_id=str(mover.pk))
    assert moved.before == {"employer": OTHER} and moved.after == {"employer": ELIGIBLE}
    assert moved.reason == "核实无误"
    assert AuditEvent.objects.filter(
        action="user.organization_changed", object_id=str(account.pk)
    ).exists()
    page = login(directory["provider_admin"]).get(
        reverse("providers:expert_detail", args=[mover.pk]) + "?history=1"
    )
    assert page.status_code == 200 and OTHER in page.content.decode()


def test_the_requester_is_told_nothing_of_the_record_before_approval(
    directory: dict[str, User], mover: Expert, api: Any, login: Any
) -> None:
    response = api(directory["provider_admin"]).post(
        "/api/v1/employer-changes/",
        {"name": "冒名者", "id_number": mover.id_number, "statement": STATEMENT},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "requested" and body["allowed_actions"] == ["withdraw"]
    assert body["expert"] is None and body["expert_name"] is None
    assert body["from_provider_name"] is None and body["name_matches"] is None
    assert body["id_number"] != mover.id_number and body["id_number"].startswith(
        mover.id_number[:3]
    )
    assert mover.name not in str(body) and OTHER not in str(body)
    page = (
        login(directory["provider_admin"])
        .get(reverse("providers:employer_change", args=[body["id"]]))
        .content.decode()
    )
    assert mover.name not in page and OTHER not in page and mover.id_number not in page
    # The county office sees who holds the record, where, and that the name differs.
    office = api(directory["county_officer"]).get(f"/api/v1/employer-changes/{body['id']}/")
    seen = office.json()
    assert seen["expert"] == mover.pk and seen["expert_name"] == mover.name
    assert seen["from_provider_name"] == OTHER and seen["name_matches"] is False
    assert seen["id_number"] != mover.id_number
    office_page = login(directory["county_officer"]).get(
        reverse("providers:employer_change", args=[body["id"]])
    )
    assert 'data-testid="name-differs"' in office_page.content.decode()


def test_approval_waits_until_the_expert_leaves_no_open_task(
    directory: dict[str, User], mover: Expert
) -> None:
    from safeserve.providers.workflows import nothing_left_behind

    change = request_move(directory, mover)
    assert nothing_left_behind(change) is None
    assert EMPLOYER_CHANGE.allows("approve", directory["county_officer"], change)
    # The guard with open tasks is walked in fieldwork/tests/test_employer_change_tasks.py.


# --- Bad input loses nothing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "", "id_number": "MOVER", "statement": STATEMENT}, "name", None),
        ({"name": "某", "id_number": "MOVER", "statement": "  "}, "statement", None),
        (
            {"name": "某", "id_number": "110101199003074515", "statement": STATEMENT},
            "id_number",
            "invalid_id_number",
        ),
        (
            {"name": "某", "id_number": "12345", "statement": STATEMENT},
            "id_number",
            "invalid_id_number",
        ),
        (
            {"name": "某", "id_number": "UNKNOWN", "statement": STATEMENT},
            "id_number",
            "no_such_expert",
        ),
        (
            {"name": "某", "id_number": "OWN", "statement": STATEMENT},
            "id_number",
            "already_employed",
        ),
    ],
)
def test_bad_requests_are_refused_naming_the_field(
    directory: dict[str, User],
    mover: Expert,
    api: Any,
    body: dict[str, str],
    field: str,
    code: str | None,
) -> None:
    own = Expert.objects.get(user=directory["expert"])
    numbers = {
        "MOVER": mover.id_number,
        "OWN": own.id_number,
        "UNKNOWN": idnumber.complete("11010119770707001"),
    }
    body = {**body, "id_number": numbers.get(body["id_number"], body["id_number"])}
    before = AuditEvent.objects.count()
    response = api(directory["provider_admin"]).post(
        "/api/v1/employer-changes/", body, format="json"
    )
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    if code:
        assert response.json()["code"] == code
    assert not EmployerChange.objects.exists() and AuditEvent.objects.count() == before


def test_a_second_open_request_for_the_same_expert_is_refused(
    directory: dict[str, User], mover: Expert, api: Any
) -> None:
    request_move(directory, mover)
    response = api(directory["provider_admin"]).post(
        "/api/v1/employer-changes/",
        {"name": mover.name, "id_number": mover.id_number, "statement": STATEMENT},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "already_requested"
    assert EmployerChange.objects.count() == 1


def test_evidence_must_be_a_pdf_or_an_image(
    directory: dict[str, User], mover: Expert, login: Any
) -> None:
    client = login(directory["provider_admin"])
    response = client.post(
        reverse("providers:employer_change_new"),
        {
            "name": mover.name,
            "id_number": mover.id_number,
            "statement": STATEMENT,
            "evidence": SimpleUploadedFile("合同.pdf", b"<html>not a pdf</html>"),
        },
    )
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    assert not EmployerChange.objects.exists()


def test_a_rejection_needs_a_reason(directory: dict[str, User], mover: Expert, api: Any) -> None:
    change = request_move(directory, mover)
    response = api(directory["county_officer"]).post(
        f"/api/v1/employer-changes/{change.pk}/reject/", {"reason": " "}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    change.refresh_from_db()
    assert change.status == "requested"
    response = api(directory["county_officer"]).post(
        f"/api/v1/employer-changes/{change.pk}/reject/",
        {"reason": "身份证号与姓名不符"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["decision_note"] == "身份证号与姓名不符"
    mover.refresh_from_db()
    assert mover.employer.name == OTHER


def test_a_decided_request_refuses_another_decision_naming_its_state(
    directory: dict[str, User], mover: Expert, api: Any
) -> None:
    change = request_move(directory, mover)
    services.employer_change_withdraw(actor=directory["provider_admin"], change=change)
    response = api(directory["county_officer"]).post(
        f"/api/v1/employer-changes/{change.pk}/approve/", {}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "wrong_state"


# --- Scope, pages, export ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("county_officer", True),
        ("county_admin", True),
        ("provider_admin", True),
        ("provider_leader", True),
        ("other_county_officer", False),
        ("other_provider_admin", False),  # the former employer is not told who asked
        ("expert", False),
        ("other_expert", False),
        ("township_officer", False),
        ("enterprise_user", False),
    ],
)
def test_who_sees_a_request(
    directory: dict[str, User], mover: Expert, api: Any, login: Any, persona: str, sees: bool
) -> None:
    change = request_move(directory, mover, evidence=pdf())
    user = directory[persona]
    rest = api(user)
    listed = rest.get("/api/v1/employer-changes/")
    ids = [row["id"] for row in listed.json()["results"]] if listed.status_code == 200 else []
    assert (change.pk in ids) is sees
    assert (rest.get(f"/api/v1/employer-changes/{change.pk}/").status_code == 200) is sees
    client = login(user)
    detail = client.get(reverse("providers:employer_change", args=[change.pk]))
    assert (detail.status_code == 200) is sees
    evidence = client.get(reverse("providers:employer_change_evidence", args=[change.pk]))
    assert (evidence.status_code == 200) is sees


def test_the_page_flow_from_a_refused_registration_to_an_approved_move(
    directory: dict[str, User], mover: Expert, login: Any
) -> None:
    client = login(directory["provider_admin"])
    refused = client.post(
        reverse("providers:expert_create"),
        {"name": mover.name, "id_number": mover.id_number, "is_active": "on"},
    )
    html = refused.content.decode()
    assert 'data-testid="carry-over"' in html
    carried = client.post(
        reverse("providers:employer_change_new"),
        {"prefill": "1", "name": mover.name, "id_number": mover.id_number},
    )
    assert carried.status_code == 200 and mover.id_number in carried.content.decode()
    assert not EmployerChange.objects.exists()  # carried over, not filed
    filed = client.post(
        reverse("providers:employer_change_new"),
        {
            "name": mover.name,
            "id_number": mover.id_number,
            "statement": STATEMENT,
            "evidence": pdf(),
        },
    )
    change = EmployerChange.objects.get()
    assert filed.status_code == 302 and filed["Location"] == reverse(
        "providers:employer_change", args=[change.pk]
    )
    assert change.original_name == "劳动合同.pdf" and change.evidence.name != "劳动合同.pdf"

    office = login(directory["county_officer"])
    home = office.get(reverse("home")).content.decode()
    assert reverse("providers:employer_changes") + "?status=requested" in home
    approved = office.post(
        reverse("providers:employer_change_verb", args=[change.pk, "approve"]),
        {"note": ""},
        follow=True,
    )
    assert approved.status_code == 200
    change.refresh_from_db()
    assert change.status == "approved"
    messages = [str(m) for m in approved.context["messages"]]
    assert messages == [f"已批准，{mover.name} 已变更至 {ELIGIBLE} 执业。"]
    assert Expert.objects.get(pk=mover.pk).employer.name == ELIGIBLE


def test_the_export_is_the_filtered_list_with_id_numbers_masked(
    directory: dict[str, User], mover: Expert, login: Any, api: Any
) -> None:
    request_move(directory, mover)
    for client, url in [
        (login(directory["county_officer"]), reverse("providers:employer_changes_export")),
        (api(directory["county_officer"]), "/api/v1/employer-changes/export/"),
    ]:
        response = client.get(url + "?status=requested")
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        rows = [list(r) for r in book.active.iter_rows(values_only=True)]
        text = str(rows)
        assert mover.name in text and OTHER in text
        assert mover.id_number not in text and mover.id_number[:3] in text
    other = api(directory["other_county_officer"]).get("/api/v1/employer-changes/export/")
    assert mover.name not in str(
        [
            list(r)
            for r in load_workbook(
                io.BytesIO(b"".join(other.streaming_content)), read_only=True
            ).active.iter_rows(values_only=True)
        ]
    )


def test_the_audit_trail_keeps_no_full_id_number(directory: dict[str, User], mover: Expert) -> None:
    request_move(directory, mover)
    event = AuditEvent.objects.get(action="employer_change.requested")
    assert mover.id_number not in event.canonical


def _more_requests(directory: dict[str, User], count: int) -> None:
    other = Provider.objects.get(name=OTHER)
    start = EmployerChange.objects.count()
    for i in range(start, start + count):
        expert = Expert.objects.create(
            name=f"调动专家{i}",
            id_number=idnumber.complete(f"11010119800201{i:03d}"),
            employer=other,
        )
        request_move(directory, expert)


def test_the_list_page_api_and_export_cost_the_same_queries_for_n_and_2n_rows(
    directory: dict[str, User], login: Any, api: Any
) -> None:
    officer = directory["county_officer"]
    urls = [
        (login(officer), reverse("providers:employer_changes") + "?status=requested"),
        (login(officer), reverse("providers:employer_changes_export") + "?status=requested"),
        (api(officer), "/api/v1/employer-changes/?status=requested"),
    ]
    _more_requests(directory, 5)
    first = [counted(client, url) for client, url in urls]
    _more_requests(directory, 5)
    assert [counted(client, url) for client, url in urls] == first
    assert Session.objects.exists()


# --- Review fixes: nothing about the record reaches the requester before approval -------------


def test_the_requesters_export_and_search_say_nothing_of_the_record(
    directory: dict[str, User], mover: Expert, login: Any, api: Any
) -> None:
    request_move(directory, mover, name="化名")
    requester = api(directory["provider_admin"])
    sheet = requester.get("/api/v1/employer-changes/export/")
    rows = [
        list(r)
        for r in load_workbook(
            io.BytesIO(b"".join(sheet.streaming_content)), read_only=True
        ).active.iter_rows(values_only=True)
    ]
    assert OTHER not in str(rows) and mover.name not in str(rows)
    for guess in (OTHER, mover.name):
        found = requester.get("/api/v1/employer-changes/", {"q": guess}).json()["results"]
        assert found == [], guess
    assert len(requester.get("/api/v1/employer-changes/", {"q": "化名"}).json()["results"]) == 1
    office = api(directory["county_officer"])
    assert len(office.get("/api/v1/employer-changes/", {"q": OTHER}).json()["results"]) == 1
    office_sheet = office.get("/api/v1/employer-changes/export/")
    assert OTHER in str(
        [
            list(r)
            for r in load_workbook(
                io.BytesIO(b"".join(office_sheet.streaming_content)), read_only=True
            ).active.iter_rows(values_only=True)
        ]
    )


def test_a_moved_login_is_an_expert_account_that_must_set_a_new_password(
    directory: dict[str, User], mover: Expert
) -> None:
    account = directory["other_expert"]
    User.objects.filter(pk=account.pk).update(role="admin")  # raised there meanwhile
    change = request_move(directory, mover)
    services.employer_change_approve(actor=directory["county_officer"], change=change)
    account.refresh_from_db()
    assert account.role == "expert" and account.must_change_password
    assert account.organization.name == ELIGIBLE


def test_a_login_of_another_organization_is_unlinked_not_moved(
    directory: dict[str, User], mover: Expert
) -> None:
    stranger = directory["township_officer"]
    Expert.objects.filter(pk=mover.pk).update(user=stranger)
    change = request_move(directory, mover)
    services.employer_change_approve(actor=directory["county_officer"], change=change)
    mover.refresh_from_db()
    stranger.refresh_from_db()
    assert mover.user_id is None and stranger.organization.name != ELIGIBLE
