"""Pages of fieldwork: task lists (an expert's day and week), planning, the task page with
check-in, checklists and records, the phone inspection form, fee reports and document
requests. Views parse, fetch through scope, call one service, and render or redirect."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.lib.http import serve_file
from safeserve.common.pagination import paginate, query_without_page, tallied_total
from safeserve.common.request import AuthedRequest
from safeserve.common.validation import date_or_error, id_or_none, number_or_error, required_id
from safeserve.contracts.models import Contract, ContractEnterprise
from safeserve.contracts.services import experts_allowed
from safeserve.enterprises.models import Enterprise
from safeserve.fieldwork import exports, selectors, services
from safeserve.fieldwork import permissions as perms
from safeserve.fieldwork.filters import DocumentRequestFilter, FeeComplaintFilter, TaskFilter
from safeserve.fieldwork.models import (
    KINDS_BY_CATEGORY,
    ChecklistTemplate,
    DocumentRequest,
    DocumentRequestKind,
    FeeComplaint,
    InspectionPhoto,
    ServiceTask,
    TaskKind,
    TaskRecord,
    TaskStatus,
    TaskTally,
)
from safeserve.fieldwork.panels import task_panels
from safeserve.fieldwork.workflows import DOCUMENT_REQUEST, FEE_REPORT, TASK


def _fail(request: AuthedRequest, exc: ApplicationError) -> None:
    messages.error(request, str(exc.message))


@login_required
def task_list(request: AuthedRequest) -> HttpResponse:
    filters = filtered(
        request, TaskFilter, selectors.task_list(viewer=request.user, inspections=False)
    )
    expert = perms.expert_of(request.user)
    return render(
        request,
        "fieldwork/task_list.html",
        {
            "page": paginate(
                request,
                selectors.task_rows(filters.qs),
                total=tallied_total(filters, TaskTally.objects.visible_to(request.user)),
            ),
            "filters": filters,
            "query": query_without_page(request),
            "week": selectors.my_week(request.user, timezone.localdate()) if expert else None,
            # the menu shows each contract's number (its name) and links to its planning
            "plannable": list(selectors.contracts_acted_on(request.user).only("number")[:50]),
        },
    )


@login_required
def task_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(
        request, TaskFilter, selectors.task_list(viewer=request.user, inspections=False)
    )
    return export_page(request, export=exports.TASKS, filters=filters)


def _contract(request: AuthedRequest, pk: int) -> Contract:
    return get_visible(
        Contract.objects.select_related("provider", "purchaser", "project__item"),
        request.user,
        pk=pk,
    )


@login_required
def task_plan(request: AuthedRequest, contract_pk: int) -> HttpResponse:
    """Plan one task, or generate the inspection schedule of the whole contract."""
    contract = _contract(request, contract_pk)
    require(perms.can_plan_tasks(request.user, contract))
    kinds = KINDS_BY_CATEGORY.get(contract.project.item.category, [])
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("what") == "schedule":
                count = services.task_schedule_generate(
                    actor=request.user,
                    contract=contract,
                    visits_per_year=id_or_none(request.POST.get("visits_per_year")) or 0,
                )
                messages.success(request, _("%(n)d visits planned.") % {"n": count})
                return redirect(f"{_url('fieldwork:list')}?contract={contract.pk}")
            planned = date_or_error(
                request.POST.get("planned_date"), "planned_date", _("planned date")
            )
            if planned is None:
                raise ApplicationError(
                    "required", _("Please fill in %(field)s.") % {"field": _("planned date")}
                )
            enterprise_id = id_or_none(request.POST.get("enterprise"))
            enterprise = (
                get_visible(Enterprise.objects.all(), request.user, pk=enterprise_id)
                if enterprise_id
                else None
            )
            task = services.task_create(
                actor=request.user,
                contract=contract,
                kind=request.POST.get("kind", ""),
                planned_date=planned,
                enterprise=enterprise,
                title=request.POST.get("title", ""),
                notes=request.POST.get("notes", ""),
            )
            return redirect("fieldwork:detail", pk=task.pk)
        except ApplicationError as exc:
            _fail(request, exc)
            status = 400
        except ValueError:
            messages.error(request, _("Choose 1, 2, 3, 4, 6 or 12 visits a year."))
            status = 400
    return render(
        request,
        "fieldwork/task_plan.html",
        {
            "contract": contract,
            "kinds": [(k, TaskKind(k).label) for k in kinds],
            "enterprises": contract.coverage.select_related("enterprise").order_by(
                "enterprise__name"
            ),
            "has_schedule": TaskKind.INSPECTION in kinds,
            "post": request.POST,
        },
        status=status,
    )


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


def _task(request: AuthedRequest, pk: int) -> ServiceTask:
    return get_visible(selectors.with_details(ServiceTask.objects.all()), request.user, pk=pk)


def _one(task: ServiceTask, name: str) -> Any:
    """The task's record or rating (one to one), or None: read by a join on the page."""
    try:
        return getattr(task, name)
    except ObjectDoesNotExist:
        return None


@login_required
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_visible(
        selectors.with_hazard_flag(
            selectors.with_details(
                ServiceTask.objects.select_related("record", "rating"), inspections=False
            )
        ),
        request.user,
        pk=pk,
    )
    user = request.user
    working_papers = perms.sees_working_papers(user)
    history = HistoryPanel(
        request, task, hide_actions=() if working_papers else ENTERPRISE_HIDDEN_TASK_EVENTS
    )
    if (fragment := history.fragment()) is not None:
        return fragment
    contract = task.contract
    # The checklists and the choice of more: for those who read the working papers.
    sheets = task.uses_checklists and working_papers
    inspections = services.checklist_progress(task) if sheets else []
    if sheets:
        task.checklist_progress_read = inspections  # type: ignore[attr-defined]  # the finish guard too
    verbs = TASK.verbs_for(user, task)
    chosen = {sheet.template_id for sheet, _total, _answered in inspections}
    templates = services.available_templates(task.county_id) if sheets else []
    current, older = services.suggested_templates(task, templates) if sheets else ([], [])
    show_older = request.GET.get("older") == "1"
    record, rating = _one(task, "record"), _one(task, "rating")
    return render(
        request,
        "fieldwork/task_detail.html",
        {
            "task": task,
            "verbs": verbs,
            "team": list(task.assignments.all()),
            "allowed_experts": experts_allowed(contract).order_by("name")
            if "assign" in verbs
            else [],
            "working_papers": working_papers,
            "suggested": [t for t in current if t.pk not in chosen],
            "others": [
                t
                for t in templates
                if t.pk not in chosen
                and t not in current
                and t not in older
                and (show_older or not t.superseded)
            ]
            if sheets
            else [],
            # Superseded criteria only when asked for (areas the current text does not cover).
            "show_older": show_older,
            "older": [t for t in older if t.pk not in chosen] if show_older else [],
            "has_older": bool(older),
            "inspections": inspections,
            # What the lead still has to do before the findings can be recorded.
            "missing": services.missing_findings(task)
            if task.status == TaskStatus.ON_SITE and perms.is_lead(user, task)
            else [],
            "record": record,
            "record_fields": services.RECORD_FIELDS.get(task.kind, ()),
            # the template shows the measurements of a testing task only
            "test_results": list(task.test_results.all())
            if task.kind == TaskKind.OCCUPATIONAL_TESTING
            else [],
            "panels": task_panels(request, task, verbs),
            "rating": rating,
            "history": history,
            "today": timezone.localdate(),
        },
    )


# What experts record on site reaches the enterprise through the notice (R11), not as it
# is typed: answers and checklist choices stay out of the enterprise's view of the task.
ENTERPRISE_HIDDEN_TASK_EVENTS = ("task.item_answered", "task.checklist_added")


@login_required
@require_POST
def task_action(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    task = _task(request, pk)
    post = request.POST
    try:
        if verb == "check-in":
            services.task_check_in(
                actor=request.user,
                task=task,
                latitude=post.get("latitude"),
                longitude=post.get("longitude"),
                accuracy=post.get("accuracy"),
            )
            messages.success(
                request, _("Checked in at %(t)s.") % {"t": f"{timezone.localtime():%H:%M}"}
            )
        elif verb == "finish":
            services.task_finish(actor=request.user, task=task)
            messages.success(request, _("Findings recorded."))
        elif verb == "cancel":
            services.task_cancel(actor=request.user, task=task, reason=post.get("reason", ""))
        elif verb == "assign":
            lead_id = required_id(post.get("lead"), "lead", _("the lead expert"))
            ids = [n for n in map(id_or_none, post.getlist("members")) if n is not None]
            lead, members = services.team_for(task.contract, lead_id, ids)
            services.task_assign(actor=request.user, task=task, lead=lead, members=members)
        elif verb == "edit":
            planned = date_or_error(post.get("planned_date"), "planned_date", _("planned date"))
            if planned is None:
                raise ApplicationError(
                    "required", _("Please fill in %(field)s.") % {"field": _("planned date")}
                )
            services.task_update(
                actor=request.user,
                task=task,
                planned_date=planned,
                title=post.get("title", ""),
                notes=post.get("notes", ""),
            )
        elif verb == "checklist":
            template = ChecklistTemplate.objects.filter(
                pk=required_id(post.get("template"), "template", _("a checklist"))
            ).first()
            if template is None:
                raise Http404
            inspection = services.inspection_add(actor=request.user, task=task, template=template)
            return redirect("inspection", pk=task.pk, inspection_pk=inspection.pk)
        elif verb == "record":
            data = {k: post.get(k, "") for k in services.RECORD_FIELDS.get(task.kind, ())}
            labels = {"participants": _("participants"), "attendees": _("attendees")}
            for number_field, label in labels.items():
                if number_field in data:
                    data[number_field] = number_or_error(
                        data[number_field], number_field, label, whole=True
                    )
            if "hours" in data:
                data["hours"] = number_or_error(data["hours"], "hours", _("hours"))
            services.record_save(
                actor=request.user, task=task, data=data, materials=request.FILES.get("materials")
            )
            messages.success(request, _("Record saved."))
        elif verb == "test-result":
            services.test_result_add(
                actor=request.user,
                task=task,
                factor=post.get("factor", ""),
                point=post.get("point", ""),
                measured_value=_required_number(
                    post.get("measured_value", ""), "measured_value", _("measured value")
                ),
                limit_value=_required_number(
                    post.get("limit_value", ""), "limit_value", _("limit")
                ),
                unit=post.get("unit", ""),
            )
        elif verb == "rate":
            services.task_rate(
                actor=request.user,
                task=task,
                score=id_or_none(post.get("score")) or 0,
                comment=post.get("comment", ""),
            )
            messages.success(request, _("Thank you for your rating."))
        else:
            raise Http404
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("fieldwork:detail", pk=task.pk)


def _required_number(value: str, field: str, label: str) -> Decimal:
    number = number_or_error(value, field, label)
    if number is None:
        raise ApplicationError(
            "required",
            _("Please fill in %(field)s.") % {"field": label},
            errors={field: [_("This field is required.")]},
            status=400,
        )
    return Decimal(number)


# Fee reports (R15) ------------------------------------------------------------------------


@login_required
def fee_complaints(request: AuthedRequest) -> HttpResponse:
    enterprise = selectors.own_enterprise(request.user)
    can_report = enterprise is not None and perms.is_enterprise_user(request.user, enterprise)
    status = 200
    if request.method == "POST":
        require(can_report)
        assert enterprise is not None
        try:
            contract = Contract.objects.filter(
                pk=id_or_none(request.POST.get("contract")) or 0, coverage__enterprise=enterprise
            ).first()
            if contract is None:
                raise ApplicationError(
                    "contract_required", _("Choose the contract of the provider concerned.")
                )
            amount = number_or_error(request.POST.get("amount"), "amount", _("amount (yuan)"))
            demanded_on = date_or_error(request.POST.get("demanded_on"), "demanded_on", _("when"))
            if amount is None or demanded_on is None:
                raise ApplicationError("required", _("Fill in the date and the amount demanded."))
            services.fee_complaint_report(
                actor=request.user,
                enterprise=enterprise,
                contract=contract,
                demanded_by=request.POST.get("demanded_by", ""),
                demanded_on=demanded_on,
                amount=amount,
                description=request.POST.get("description", ""),
                evidence=request.FILES.get("evidence"),
            )
            messages.success(request, _("Reported to the purchaser and the county office."))
            return redirect("fieldwork:fee_complaints")
        except ApplicationError as exc:
            _fail(request, exc)
            status = 400
    filters = filtered(
        request, FeeComplaintFilter, selectors.fee_complaint_list(viewer=request.user)
    )
    page = paginate(request, filters.qs)
    page_items = list(page)
    return render(
        request,
        "fieldwork/fee_complaints.html",
        {
            "page": page,
            "filters": filters,
            "query": query_without_page(request),
            "can_report": can_report,
            "contracts": Contract.objects.filter(coverage__enterprise=enterprise).select_related(
                "provider"
            )
            if enterprise
            else [],
            "post": request.POST,
            "decidable": {c.pk for c in page_items if FEE_REPORT.allows("decide", request.user, c)},
        },
        status=status,
    )


@login_required
@require_POST
def fee_complaint_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = get_visible(FeeComplaint.objects.all(), request.user, pk=pk)
    try:
        services.fee_complaint_decide(
            actor=request.user,
            complaint=complaint,
            confirmed=request.POST.get("decision") == "confirm",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("fieldwork:fee_complaints")


@login_required
def fee_complaint_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(
        request, FeeComplaintFilter, selectors.fee_complaint_list(viewer=request.user)
    )
    return export_page(request, export=exports.FEE_REPORTS, filters=filters)


# Document requests (R20) ------------------------------------------------------------------


@login_required
def document_request_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(
        request, DocumentRequestFilter, selectors.document_request_list(viewer=request.user)
    )
    return export_page(request, export=exports.DOCUMENT_REQUESTS, filters=filters)


@login_required
def document_requests(request: AuthedRequest) -> HttpResponse:
    filters = filtered(
        request, DocumentRequestFilter, selectors.document_request_list(viewer=request.user)
    )
    requestable = selectors.contracts_acted_on(request.user)
    contracts = list(
        requestable.select_related("provider", "purchaser").prefetch_related(
            Prefetch(
                "coverage",
                queryset=ContractEnterprise.objects.select_related("enterprise").order_by(
                    "enterprise__name"
                ),
            )
        )[:50]
    )
    status = 200
    if request.method == "POST":
        contract = next((c for c in contracts if str(c.pk) == request.POST.get("contract")), None)
        require(contract is not None)
        assert contract is not None
        try:
            enterprise = contract.coverage.filter(
                enterprise_id=id_or_none(request.POST.get("enterprise")) or 0
            ).first()
            due = date_or_error(request.POST.get("due_date"), "due_date", _("answer by"))
            if enterprise is None or due is None:
                raise ApplicationError(
                    "required", _("Choose the enterprise and the date to answer by.")
                )
            created = services.document_request_create(
                actor=request.user,
                contract=contract,
                enterprise=enterprise.enterprise,
                kind=request.POST.get("kind", ""),
                description=request.POST.get("description", ""),
                due_date=due,
            )
            return redirect("fieldwork:document_request", pk=created.pk)
        except ApplicationError as exc:
            _fail(request, exc)
            status = 400
    return render(
        request,
        "fieldwork/document_requests.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "contracts": contracts,
            "kinds": DocumentRequestKind.choices,
            "post": request.POST,
        },
        status=status,
    )


@login_required
def document_request(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_visible(
        DocumentRequest.objects.select_related("enterprise", "requested_by_org", "contract"),
        request.user,
        pk=pk,
    )
    history = HistoryPanel(request, item)
    if (fragment := history.fragment()) is not None:
        return fragment
    verbs = DOCUMENT_REQUEST.verbs_for(request.user, item)
    if request.method == "POST":
        try:
            if request.POST.get("what") == "close":
                services.document_request_close(actor=request.user, request=item)
            else:
                confidential = request.POST.get("confidential") == "on"
                files = [(f.name or "", f, confidential) for f in request.FILES.getlist("files")]
                services.document_request_answer(
                    actor=request.user,
                    request=item,
                    answer=request.POST.get("answer", ""),
                    files=files,
                )
                messages.success(request, _("Answer sent."))
        except ApplicationError as exc:
            _fail(request, exc)
        return redirect("fieldwork:document_request", pk=item.pk)
    return render(
        request,
        "fieldwork/document_request.html",
        {
            "item": item,
            "documents": list(item.documents.all()),
            "verbs": verbs,
            "history": history,
        },
    )


@login_required
def task_file(request: AuthedRequest, pk: int, what: str, file_pk: int = 0) -> FileResponse:
    """An inspection photo or a record's materials, to those who can see the task."""
    task = get_visible(ServiceTask.objects.all(), request.user, pk=pk)
    if what == "photo":
        photo = InspectionPhoto.objects.filter(pk=file_pk, answer__inspection__task=task).first()
        stored = photo.file if photo else None
    else:
        record = TaskRecord.objects.filter(task=task).first()
        stored = record.materials if record else None
    if not stored:
        raise Http404
    return serve_file(stored)


@login_required
def fee_complaint_evidence(request: AuthedRequest, pk: int) -> FileResponse:
    complaint = get_visible(FeeComplaint.objects.all(), request.user, pk=pk)
    if not complaint.evidence:
        raise Http404
    return serve_file(complaint.evidence)


@login_required
def document_download(request: AuthedRequest, pk: int, document_pk: int) -> FileResponse:
    item = get_visible(DocumentRequest.objects.all(), request.user, pk=pk)
    document = item.documents.filter(pk=document_pk).first()
    if document is None:
        raise Http404
    services.document_open(actor=request.user, document=document)
    return serve_file(document.file, attachment=True, name=document.original_name)
