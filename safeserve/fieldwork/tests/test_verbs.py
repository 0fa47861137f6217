"""The service task's, the document request's and the fee report's verb tables drive the page,
the API and the services alike, for every state and every persona."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse

from safeserve.common.tests.verbs import Walk
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import (
    Answer,
    DocumentRequest,
    FeeComplaint,
    Inspection,
    ServiceTask,
    TaskStatus,
)
from safeserve.fieldwork.tests.conftest import (
    TODAY,
    answer_all,
    assign,
    expert_of,
    plan_task,
    raise_general,
    reload,
    template,
)
from safeserve.fieldwork.workflows import DOCUMENT_REQUEST, FEE_REPORT, TASK

PERSONAS = [
    "township_officer",
    "county_officer",
    "department_officer",
    "provider_admin",
    "expert",
    "expert2",
    "other_expert",
    "enterprise_user",
    "other_county_officer",
]


def _answer(user: Any, task: ServiceTask) -> Any:
    """Answers the first item of the task's checklist (one is added when it has none)."""
    inspection = task.inspections.first() or Inspection.objects.create(
        task=task, template=template("general-basic"), added_by=user
    )
    return fieldwork.answer_record(
        actor=user,
        inspection=inspection,
        item=inspection.template.items.first(),
        answer=Answer.NO,
    )


def _another_checklist(user: Any, task: ServiceTask) -> Any:
    chosen = set(task.inspections.values_list("template_id", flat=True))
    unused = next(t for t in fieldwork.available_templates(task.county_id) if t.pk not in chosen)
    return fieldwork.inspection_add(actor=user, task=task, template=unused)


def _task_calls(users: dict[str, Any]) -> dict[str, Any]:
    return {
        "check-in": lambda user, t: fieldwork.task_check_in(actor=user, task=t),
        "finish": lambda user, t: fieldwork.task_finish(actor=user, task=t),
        "rate": lambda user, t: fieldwork.task_rate(actor=user, task=t, score=5),
        "assign": lambda user, t: fieldwork.task_assign(
            actor=user,
            task=t,
            lead=expert_of(users["expert"]),
            members=[expert_of(users["expert2"])],
        ),
        "update": lambda user, t: fieldwork.task_update(
            actor=user, task=t, planned_date=t.planned_date, title="改期后的检查"
        ),
        "cancel": lambda user, t: fieldwork.task_cancel(actor=user, task=t, reason="企业停产"),
        "checklists": _another_checklist,
        "answer": _answer,
        "record": lambda user, t: fieldwork.record_save(
            actor=user, task=t, data={"topic": "有限空间作业安全"}
        ),
        "test-results": lambda user, t: fieldwork.test_result_add(
            actor=user,
            task=t,
            factor="噪声",
            point="粉碎车间",
            measured_value=Decimal("80"),
            limit_value=Decimal("85"),
        ),
        "hazards": lambda user, t: raise_general({"u": user}, t, actor="u"),
    }


def test_the_task_table_drives_page_api_and_services(users, contract, hengfeng, login, api):
    days = iter(range(1, 30))

    def planned() -> ServiceTask:
        task = plan_task(users, contract, hengfeng, days=next(days))
        assign(users, task)
        return reload(task)

    def on_site() -> ServiceTask:
        task = planned()
        fieldwork.task_check_in(actor=users["expert"], task=task)
        return reload(task)

    def answered() -> ServiceTask:
        task = on_site()
        inspection = fieldwork.inspection_add(
            actor=users["expert"], task=task, template=template("general-basic")
        )
        answer_all(users["expert"], inspection)
        return reload(task)

    def with_a_hazard() -> ServiceTask:
        task = answered()
        raise_general(users, task)
        return reload(task)

    def findings_recorded() -> ServiceTask:
        task = answered()
        fieldwork.task_finish(actor=users["expert"], task=task)
        return reload(task)

    def rated() -> ServiceTask:
        task = findings_recorded()
        fieldwork.task_rate(actor=users["enterprise_user"], task=task, score=4)
        return reload(task)

    def cancelled() -> ServiceTask:
        task = planned()
        fieldwork.task_cancel(actor=users["provider_admin"], task=task, reason="企业停产")
        return reload(task)

    def accepted() -> ServiceTask:
        # Reached through the technical report (issue 12); the table already names it.
        task = findings_recorded()
        ServiceTask.objects.filter(pk=task.pk).update(status=TaskStatus.ACCEPTED)
        return reload(task)

    walk = Walk(
        states={
            "planned": planned,
            "on_site": on_site,
            "on_site_answered": answered,
            "on_site_with_a_hazard": with_a_hazard,
            "findings_recorded": findings_recorded,
            "rated": rated,
            "accepted": accepted,
            "cancelled": cancelled,
        },
        personas=PERSONAS,
        calls=_task_calls(users),
        page=lambda t: reverse("fieldwork:detail", args=[t.pk]),
        detail=lambda t: f"/api/v1/tasks/{t.pk}/",
        reload=reload,
    )
    offered = walk.run(users, login, api)
    # By hand, what each state offers to someone (DESIGN.md R7, R10, R15; WORKFLOWS.md).
    assert offered["planned"] == {"check-in", "assign", "update", "cancel", "checklists"}
    assert offered["on_site"] == {"assign", "cancel", "checklists", "answer", "hazards"}
    assert "finish" in offered["on_site_answered"]
    assert "cancel" not in offered["on_site_with_a_hazard"]  # its hazards must be followed up
    assert offered["findings_recorded"] == {"rate", "assign"}
    assert offered["rated"] == {"assign"}
    assert offered["accepted"] == {"rate"}
    assert offered["cancelled"] == set()
    assert set().union(*offered.values()) == set(TASK.names) - {"record", "test-results"}


def test_the_task_table_offers_records_and_measurements_by_kind(
    users, training_contract, department_contracts, login, api
):
    """A training keeps a record and an occupational test keeps measurements; neither uses
    checklists."""
    days = iter(range(1, 30))

    def on_site(contract: Any, kind: str) -> Any:
        def make() -> ServiceTask:
            covered = contract.coverage.order_by("pk").first()
            enterprise = covered.enterprise if covered else None  # a training for many
            task = plan_task(users, contract, enterprise, kind=kind, days=next(days))
            assign(users, task)
            fieldwork.task_check_in(actor=users["expert"], task=task)
            return reload(task)

        return make

    walk = Walk(
        states={
            "training_on_site": on_site(training_contract, "training"),
            "testing_on_site": on_site(
                department_contracts["occupational"], "occupational_testing"
            ),
        },
        personas=["provider_admin", "expert", "expert2", "enterprise_user", "township_officer"],
        calls=_task_calls(users),
        page=lambda t: reverse("fieldwork:detail", args=[t.pk]),
        detail=lambda t: f"/api/v1/tasks/{t.pk}/",
        reload=reload,
    )
    offered = walk.run(users, login, api)
    # Hazards are raised at an enterprise; a training for many has none.
    assert offered["training_on_site"] == {"assign", "cancel", "record"}
    assert offered["testing_on_site"] == {"assign", "cancel", "test-results", "hazards"}


def test_the_document_request_table_drives_page_api_and_services(
    users, contract, hengfeng, login, api
):
    def make(*then: str) -> Any:
        def _make() -> DocumentRequest:
            request = fieldwork.document_request_create(
                actor=users["provider_admin"],
                contract=contract,
                enterprise=hengfeng,
                kind="documents",
                description="请提供安全生产责任制文件",
                due_date=TODAY + dt.timedelta(days=7),
            )
            if "answered" in then:
                fieldwork.document_request_answer(
                    actor=users["enterprise_user"], request=request, answer="已上传"
                )
            if "closed" in then:
                fieldwork.document_request_close(actor=users["provider_admin"], request=request)
            return DocumentRequest.objects.get(pk=request.pk)

        return _make

    walk = Walk(
        states={"open": make(), "answered": make("answered"), "closed": make("closed")},
        personas=PERSONAS,
        calls={
            "answer": lambda user, r: fieldwork.document_request_answer(
                actor=user, request=r, answer="补充材料"
            ),
            "close": lambda user, r: fieldwork.document_request_close(actor=user, request=r),
        },
        page=lambda r: reverse("fieldwork:document_request", args=[r.pk]),
        detail=lambda r: f"/api/v1/document-requests/{r.pk}/",
        reload=lambda r: DocumentRequest.objects.get(pk=r.pk),
    )
    offered = walk.run(users, login, api)
    assert offered == {
        "open": {"answer", "close"},
        "answered": {"answer", "close"},
        "closed": set(),
    }
    assert set().union(*offered.values()) == set(DOCUMENT_REQUEST.names)


def test_the_fee_report_table_drives_page_api_and_services(users, contract, hengfeng, login, api):
    def make(decided: bool) -> Any:
        def _make() -> FeeComplaint:
            complaint = fieldwork.fee_complaint_report(
                actor=users["enterprise_user"],
                enterprise=hengfeng,
                contract=contract,
                demanded_by="检查专家",
                demanded_on=TODAY,
                amount=Decimal("500"),
                description="检查后索要咨询费",
            )
            if decided:
                fieldwork.fee_complaint_decide(
                    actor=users["county_officer"], complaint=complaint, confirmed=True, note="属实"
                )
            return FeeComplaint.objects.get(pk=complaint.pk)

        return _make

    walk = Walk(
        states={"reported": make(False), "decided": make(True)},
        personas=[*PERSONAS, "county_leader", "county_admin"],
        calls={
            "decide": lambda user, c: fieldwork.fee_complaint_decide(
                actor=user, complaint=c, confirmed=False, note="查无实据"
            ),
        },
        # The county office decides on its list of reports; each row names its report.
        page=lambda c: reverse("fieldwork:fee_complaints"),
        key=lambda c: f"fee-report-{c.pk}",
        detail=lambda c: f"/api/v1/fee-complaints/{c.pk}/",
        reload=lambda c: FeeComplaint.objects.get(pk=c.pk),
    )
    offered = walk.run(users, login, api)
    assert offered == {"reported": {"decide"}, "decided": set()}
    assert set().union(*offered.values()) == set(FEE_REPORT.names)
