from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.forms import apply_error
from safeserve.common.lib.uploads import validate_scan
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.procurement import exports, selectors, services
from safeserve.procurement.filters import PlanFilter, ProjectFilter
from safeserve.procurement.forms import (
    AwardForm,
    DocumentForm,
    ItemForm,
    MemberFormSet,
    PlanForm,
    ProjectForm,
    ReasonForm,
)
from safeserve.procurement.models import (
    LeadingGroup,
    LeadingGroupRole,
    PlanItem,
    PurchasePlan,
    PurchaseProject,
)
from safeserve.procurement.permissions import (
    can_read_procurement,
    can_start_plans,
    is_county_office_officer,
    is_purchaser_of,
)
from safeserve.procurement.workflows import PLAN, PROJECT, leading_group_complete
from safeserve.providers.models import IN_REGISTER, Provider


@login_required
def plan_list(request: AuthedRequest) -> HttpResponse:
    require(can_read_procurement(request.user))
    filters = filtered(request, PlanFilter, selectors.plan_list(viewer=request.user))
    return render(
        request,
        "procurement/plan_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "can_start": can_start_plans(request.user),
        },
    )


@login_required
def plan_export(request: AuthedRequest) -> HttpResponseBase:
    require(can_read_procurement(request.user))
    filters = filtered(request, PlanFilter, selectors.plan_list(viewer=request.user))
    return export_page(request, export=exports.PLANS, filters=filters)


@login_required
def plan_create(request: AuthedRequest) -> HttpResponse:
    require(can_start_plans(request.user))
    from django.utils import timezone

    form = PlanForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("procurement:plan_detail", pk=plan.pk)
    return render(
        request, "procurement/simple_form.html", {"form": form, "title": _("New purchase plan")}
    )


def _plan_for(request: AuthedRequest, pk: int) -> PurchasePlan:
    return get_visible(
        PurchasePlan.objects.select_related("purchaser", "decided_by"), request.user, pk=pk
    )


@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    history = HistoryPanel(request, plan)
    if (fragment := history.fragment()) is not None:
        return fragment
    user = request.user
    prefetch_related_objects([plan], "items")  # listed, and read by the submit verb's guard
    group = (
        LeadingGroup.objects.filter(purchaser_id=plan.purchaser_id, year=plan.year)
        .prefetch_related("members")
        .first()
    )
    purchaser = is_purchaser_of(user, plan.purchaser_id)
    order = {role: n for n, role in enumerate(LeadingGroupRole.values)}
    members = sorted(group.members.all(), key=lambda m: (order[m.role], m.pk)) if group else []
    return render(
        request,
        "procurement/plan_detail.html",
        {
            "plan": plan,
            "items": selectors.items_with_execution(plan),
            "group": group,
            "members": members,
            "group_complete": leading_group_complete(group),
            "is_purchaser": purchaser,
            "verbs": PLAN.verbs_for(user, plan),
            "item_form": ItemForm(),
            "reason_form": ReasonForm(),
            "history": history,
        },
    )


@login_required
@require_POST
def plan_transition(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    plan = _plan_for(request, pk)
    actions = {
        "submit": services.plan_submit,
        "approve": services.plan_approve,
        "close": services.plan_close,
    }
    try:
        if verb == "return":
            services.plan_return(
                actor=request.user, plan=plan, reason=request.POST.get("reason", "")
            )
        elif verb in actions:
            actions[verb](actor=request.user, plan=plan)
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        done = {
            "submit": _("Submitted to the county office for approval."),
            "approve": _("Approved: the plan is in the annual budget."),
            "close": _("The plan is closed."),
            "return": _("Returned to %(purchaser)s with your reason.")
            % {"purchaser": plan.purchaser.name},
        }
        messages.success(request, done[verb])
    return redirect("procurement:plan_detail", pk=plan.pk)


@login_required
def item_form(request: AuthedRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    plan = _plan_for(request, pk)
    require(PLAN.allows("items", request.user, plan))
    item = None
    initial: dict[str, Any] = {}
    if item_pk is not None:
        item = plan.items.filter(pk=item_pk).first()
        if item is None:
            raise Http404
        initial = {f: getattr(item, f) for f in ItemForm.base_fields}
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_item_save(actor=request.user, plan=plan, data=form.to_data(), item=item)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("procurement:plan_detail", pk=plan.pk)
    return render(
        request,
        "procurement/simple_form.html",
        {"form": form, "title": _("Plan item"), "back": plan},
    )


@login_required
@require_POST
def item_delete(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    item = plan.items.filter(pk=item_pk).first()
    if item is None:
        raise Http404
    try:
        services.plan_item_delete(actor=request.user, item=item)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("procurement:plan_detail", pk=plan.pk)


@login_required
def leading_group(request: AuthedRequest, year: int) -> HttpResponse:
    require(can_start_plans(request.user))
    if not 2000 <= year <= 2100:
        raise Http404
    group = (
        LeadingGroup.objects.filter(purchaser=request.user.organization, year=year)
        .prefetch_related("members")
        .first()
    )
    initial = [
        {"role": m.role, "name": m.name, "position": m.position}
        for m in (group.members.all() if group else [])
    ]
    formset = MemberFormSet(request.POST or None, initial=initial)
    error = None
    if request.method == "POST" and formset.is_valid():
        try:
            services.leading_group_save(
                actor=request.user, year=year, members=[f.cleaned_data for f in formset.forms]
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Leading group saved."))
            plan = PurchasePlan.objects.filter(
                purchaser=request.user.organization, year=year
            ).first()
            return (
                redirect("procurement:plan_detail", pk=plan.pk)
                if plan
                else redirect("procurement:plan_list")
            )
    return render(
        request,
        "procurement/leading_group.html",
        {"formset": formset, "year": year, "error": error},
    )


def _reads_projects(user: Any) -> bool:
    """Purchasers and the county office; a provider, the projects awarded to it."""
    return can_read_procurement(user) or (
        user.organization is not None and user.organization.kind == "provider"
    )


@login_required
def project_list(request: AuthedRequest) -> HttpResponse:
    require(_reads_projects(request.user))
    filters = filtered(request, ProjectFilter, selectors.project_list(viewer=request.user))
    return render(
        request,
        "procurement/project_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def project_export(request: AuthedRequest) -> HttpResponseBase:
    require(_reads_projects(request.user))
    filters = filtered(request, ProjectFilter, selectors.project_list(viewer=request.user))
    return export_page(request, export=exports.PROJECTS, filters=filters)


@login_required
def project_create(request: AuthedRequest, item_pk: int) -> HttpResponse:
    item = PlanItem.objects.select_related("plan").filter(pk=item_pk).first()
    if (
        item is None
        or not PurchasePlan.objects.visible_to(request.user).filter(pk=item.plan_id).exists()
    ):
        raise Http404
    require(PLAN.allows("projects", request.user, item.plan))
    form = ProjectForm(
        request.POST or None, initial={"title": item.plan.title, "service_content": item.content}
    )
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, item=item, data=form.to_data())
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("procurement:project_detail", pk=project.pk)
    return render(
        request,
        "procurement/simple_form.html",
        {"form": form, "title": _("New purchase project"), "back": item.plan},
    )


def _project_for(request: AuthedRequest, pk: int) -> PurchaseProject:
    return get_visible(
        PurchaseProject.objects.select_related(
            "item", "item__plan", "purchaser", "awarded_provider"
        ),
        request.user,
        pk=pk,
    )


def _providers_for(project: PurchaseProject) -> Any:
    """The register of the project's county, to check and award (a removed provider is
    listed so the check says why; an application is not in the register yet)."""
    return Provider.objects.filter(
        admissions__county_id=project.county_id, admissions__status__in=IN_REGISTER
    ).order_by("name")


@login_required
def project_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _project_for(request, pk)
    user = request.user
    purchaser = is_purchaser_of(user, project.purchaser_id)
    # Refused awards name other providers: the purchaser and county office only.
    history = HistoryPanel(
        request,
        project,
        hide_actions=()
        if purchaser or is_county_office_officer(user, project.county_id)
        else ("project.award_refused",),
    )
    if (fragment := history.fragment()) is not None:
        return fragment
    award_form = AwardForm(
        request.GET or None,
        providers=_providers_for(project),
        requirements=project.extra_requirements or [],
        initial={"method": project.method},
    )
    result = None
    if "provider" in request.GET and award_form.is_valid():
        data = award_form.cleaned_data
        result = services.project_eligibility(
            actor=user,
            project=project,
            provider=data["provider"],
            on_date=data["award_date"],
            confirmed=data["confirmed"],
        )
    return render(
        request,
        "procurement/project_detail.html",
        {
            "project": project,
            "documents": project.documents.select_related("uploaded_by"),
            "verbs": PROJECT.verbs_for(user, project),
            "award_form": award_form,
            "result": result,
            "document_form": DocumentForm(),
            "reason_form": ReasonForm(),
            "history": history,
        },
    )


@login_required
def project_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _project_for(request, pk)
    require(PROJECT.allows("update", request.user, project))
    initial = {f: getattr(project, f) for f in ProjectForm.base_fields}
    initial["extra_requirements"] = "\n".join(project.extra_requirements or [])
    form = ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(actor=request.user, project=project, data=form.to_data())
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("procurement:project_detail", pk=project.pk)
    return render(
        request,
        "procurement/simple_form.html",
        {"form": form, "title": _("Edit purchase project"), "back_project": project},
    )


@login_required
@require_POST
def project_document(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _project_for(request, pk)
    require(is_purchaser_of(request.user, project.purchaser_id))
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            validate_scan(form.cleaned_data["file"])
            services.project_add_document(
                actor=request.user,
                project=project,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        except Exception as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Document attached."))
    else:
        messages.error(request, _("Give the document a title and choose the file."))
    return redirect("procurement:project_detail", pk=project.pk)


@login_required
@require_POST
def project_award(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _project_for(request, pk)
    require(is_purchaser_of(request.user, project.purchaser_id))
    form = AwardForm(
        request.POST,
        providers=_providers_for(project),
        requirements=project.extra_requirements or [],
    )
    if not form.is_valid():
        messages.error(request, _("Choose the provider, the date, the amount and the method."))
        return redirect("procurement:project_detail", pk=project.pk)
    data = form.cleaned_data
    try:
        services.project_award(
            actor=request.user,
            project=project,
            provider=data["provider"],
            award_date=data["award_date"],
            amount=data["amount"],
            method=data["method"],
            confirmed=data["confirmed"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Provider awarded; the eligibility check is stored with the award.")
        )
    return redirect("procurement:project_detail", pk=project.pk)


@login_required
@require_POST
def project_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _project_for(request, pk)
    try:
        services.project_cancel(
            actor=request.user, project=project, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Project cancelled."))
    return redirect("procurement:project_detail", pk=project.pk)
