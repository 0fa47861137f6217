"""Pages of the hazard loop: lists with overdue flags, the hazard page with every verb the
viewer may use, raising a hazard, notices and their public link, major-hazard reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.lib.http import serve_file
from safeserve.common.models import policy_for
from safeserve.common.pagination import paginate, query_without_page, tallied_total
from safeserve.common.request import AuthedRequest
from safeserve.common.validation import date_or_error, id_or_none, number_or_error
from safeserve.fieldwork import permissions as perms
from safeserve.fieldwork import selectors as fieldwork_selectors
from safeserve.fieldwork import services as fieldwork_services
from safeserve.fieldwork.models import Answer, Inspection, ServiceTask
from safeserve.fieldwork.workflows import TASK
from safeserve.hazards import exports, selectors, services
from safeserve.hazards.filters import HazardFilter, NoticeFilter, ReportFilter
from safeserve.hazards.models import (
    GOVERNANCE_PARTS,
    ExtensionStatus,
    GovernancePlan,
    Hazard,
    HazardLevel,
    HazardStatus,
    HazardTally,
    MajorHazardReport,
    Notice,
    SupervisionLevel,
)
from safeserve.hazards.panels import link_panels, notice_panels
from safeserve.hazards.workflows import EXTENSION, HAZARD, REPORT


@login_required
def hazard_list(request: AuthedRequest) -> HttpResponse:
    hazards = selectors.hazard_list(viewer=request.user, details=False)
    filters = filtered(request, HazardFilter, hazards)
    return render(
        request,
        "hazards/hazard_list.html",
        {
            "page": paginate(
                request,
                filters.qs,
                total=tallied_total(filters, HazardTally.objects.visible_to(request.user)),
            ),
            "filters": filters,
            "query": query_without_page(request),
            "figures": selectors.hazard_figures(request.user),
        },
    )


@login_required
def hazard_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(request, HazardFilter, selectors.hazard_list(viewer=request.user))
    return export_page(request, export=exports.HAZARDS, filters=filters)


def _hazard(request: AuthedRequest, pk: int) -> Hazard:
    return get_visible(selectors.with_details(Hazard.objects.all()), request.user, pk=pk)


@login_required
def hazard_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    hazard = _hazard(request, pk)
    history = HistoryPanel(request, hazard)
    if (fragment := history.fragment()) is not None:
        return fragment
    user = request.user
    report = MajorHazardReport.objects.visible_to(user).filter(hazard_id=hazard.pk).first()
    extensions = list(hazard.extensions.all())
    pending = next((e for e in extensions if e.status == ExtensionStatus.PENDING), None)
    if pending is not None:
        pending.hazard = hazard
    return render(
        request,
        "hazards/hazard_detail.html",
        {
            "hazard": hazard,
            "verbs": HAZARD.verbs_for(user, hazard),
            "report": report,
            "files": [f for f in hazard.files.all() if f.stage == "finding"],
            "verification_files": [f for f in hazard.files.all() if f.stage == "verification"],
            "rectifications": _rectifications_of(hazard),
            "reviews": list(hazard.reviews.select_related("reviewed_by")),
            "extensions": extensions,
            "pending": pending,
            "extension_verbs": EXTENSION.verbs_for(user, pending) if pending else [],
            "history": history,
        },
    )


def _rectifications_of(hazard: Hazard) -> list[Any]:
    """The hazard's rectifications, each with its evidence (``shown_files``) taken from the
    hazard's files already read rather than read again."""
    rows: list[Any] = list(hazard.rectifications.all())
    for row in rows:
        row.shown_files = [f for f in hazard.files.all() if f.submission_id == row.pk]
    return rows


@login_required
def hazard_file(request: AuthedRequest, pk: int, file_pk: int) -> FileResponse:
    """A hazard's photo or document, served only to those who can see the hazard."""
    hazard = get_visible(Hazard.objects.all(), request.user, pk=pk)
    stored = hazard.files.filter(pk=file_pk).first()
    if stored is None or not stored.file:
        raise Http404
    return serve_file(stored.file, name=stored.original_name)


def _acknowledged(hazard: Hazard) -> str:
    """Signing for one hazard says which; the notice page signs the whole notice and says
    how many (notice_acknowledge)."""
    return _("Receipt of hazard %(number)s confirmed; rectify it by %(date)s.") % {
        "number": hazard.number,
        "date": hazard.deadline,
    }


@login_required
@require_POST
def hazard_action(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    hazard = _hazard(request, pk)
    post = request.POST
    user = request.user
    try:
        if verb == "acknowledge":
            services.hazard_acknowledge(actor=user, hazard=hazard)
            messages.success(request, _acknowledged(hazard))
        elif verb == "submit":
            services.hazard_submit(
                actor=user,
                hazard=hazard,
                description=post.get("description", ""),
                files=request.FILES.getlist("files"),
            )
            messages.success(request, _("Rectification submitted for verification."))
        elif verb == "verify":
            services.hazard_verify(
                actor=user,
                hazard=hazard,
                note=post.get("note", ""),
                photos=request.FILES.getlist("photos"),
            )
            messages.success(request, _("Verified and closed."))
        elif verb == "reject":
            services.hazard_reject(actor=user, hazard=hazard, reason=post.get("reason", ""))
        elif verb == "extend":
            new_deadline = date_or_error(
                post.get("new_deadline"), "new_deadline", _("New deadline")
            )
            if new_deadline is None:
                raise ApplicationError("required", _("Choose the new deadline."))
            services.extension_request(
                actor=user, hazard=hazard, new_deadline=new_deadline, reason=post.get("reason", "")
            )
        elif verb == "decide-extension":
            extension = hazard.extensions.filter(pk=id_or_none(post.get("extension")) or 0).first()
            if extension is None:
                raise Http404
            services.extension_decide(
                actor=user,
                extension=extension,
                approve=post.get("decision") == "approve",
                note=post.get("note", ""),
            )
        elif verb == "reopen":
            services.hazard_reopen(actor=user, hazard=hazard, reason=post.get("reason", ""))
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("hazards:detail", pk=hazard.pk)


@login_required
def hazard_raise(request: AuthedRequest, task_pk: int) -> HttpResponse:
    """A hazard not tied to a checklist item: its basis cites the rule in free text."""
    task = get_visible(
        ServiceTask.objects.select_related("enterprise", "contract"), request.user, pk=task_pk
    )
    try:
        TASK.check("hazards", request.user, task)  # the role is a 403, the state a message
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("fieldwork:detail", pk=task.pk)
    status = 200
    if request.method == "POST":
        post = request.POST
        try:
            hazard = services.hazard_raise(
                actor=request.user,
                task=task,
                level=post.get("level", ""),
                description=post.get("description", ""),
                location=post.get("location", ""),
                advice=post.get("advice", ""),
                basis=post.get("basis", ""),
                deadline=date_or_error(post.get("deadline"), "deadline", _("rectify by")),
                responsible_person=post.get("responsible_person", ""),
                funds_estimate=number_or_error(
                    post.get("funds_estimate"), "funds_estimate", _("estimated funds (yuan)")
                ),
                photos=request.FILES.getlist("photos"),
            )
            messages.success(request, _("Hazard %(number)s raised.") % {"number": hazard.number})
            return redirect("fieldwork:detail", pk=task.pk)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            status = 400
    days = policy_for(task.county_id).general_rectification_days
    return render(
        request,
        "hazards/hazard_raise.html",
        {
            "task": task,
            "post": request.POST,
            "levels": HazardLevel.choices,
            "default_deadline": timezone.localdate() + dt.timedelta(days=days),
        },
        status=status,
    )


# The phone checklist -------------------------------------------------------------------------


@login_required
def inspection(request: AuthedRequest, pk: int, inspection_pk: int) -> HttpResponse:
    """The expert's phone form: one card per item; each card saves itself, and a 'problem
    found' answer can raise its hazard in the same step (``services.answer_and_raise``)."""
    task = get_visible(
        fieldwork_selectors.with_details(ServiceTask.objects.all()), request.user, pk=pk
    )
    sheet = (
        Inspection.objects.filter(task=task, pk=inspection_pk)
        .select_related("template")
        .prefetch_related("answers__photos", "answers__hazards", "template__items")
        .first()
    )
    if sheet is None or not perms.sees_working_papers(request.user):
        raise Http404
    retry: Any = None
    status = 200
    htmx = request.headers.get("HX-Request") == "true"
    if request.method == "POST" and request.POST.get("all_remaining_no"):
        try:
            count = fieldwork_services.answers_remaining_no(actor=request.user, inspection=sheet)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d remaining item answered: no problem.",
                    "%(n)d remaining items answered: no problem.",
                    count,
                )
                % {"n": count},
            )
        return redirect(request.path)
    if request.method == "POST":
        post = request.POST
        item = sheet.template.items.filter(pk=id_or_none(post.get("item")) or 0).first()
        if item is None:
            raise Http404
        try:
            hazard = services.answer_and_raise(
                actor=request.user,
                inspection=sheet,
                item=item,
                answer=post.get("answer", ""),
                description=post.get("description", ""),
                photos=request.FILES.getlist("photos"),
                raise_hazard=bool(post.get("raise_hazard")),
                level=post.get("level") or HazardLevel.GENERAL,
                location=post.get("location", ""),
                advice=post.get("advice", ""),
                deadline=date_or_error(post.get("deadline"), "deadline", _("rectify by")),
                responsible_person=post.get("responsible_person", ""),
            )[1]
        except PermissionDenied as exc:
            if not htmx:
                raise
            # htmx swaps no 403: say it in the card, or the expert thinks it was saved.
            return _inspection_card(request, task, sheet, item, post, ("danger", str(exc)))
        except ApplicationError as exc:
            # Nothing was kept: show the card again with what the expert typed.
            if htmx:  # the message inside the card, where the expert is
                return _inspection_card(request, task, sheet, item, post, ("danger", exc.message))
            messages.error(request, str(exc.message))
            retry, status = post, 400
        else:
            if hazard is None:
                done = _("Saved: %(answer)s.") % {"answer": Answer(post.get("answer", "")).label}
            else:
                done = _("Hazard %(number)s raised (%(level)s).") % {
                    "number": hazard.number,
                    "level": hazard.get_level_display(),
                }
            if htmx:
                return _inspection_card(request, task, sheet, item, None, ("success", done))
            messages.success(request, done)
            return redirect(f"{request.path}#item-{item.pk}")
    answers = {a.item_id: a for a in sheet.answers.all()}
    retry_item = id_or_none(retry.get("item")) if retry else None
    items = [
        (item, answers.get(item.pk), retry if item.pk == retry_item else None)
        for item in sheet.template.items.all()
    ]
    return render(
        request,
        "hazards/inspection.html",
        {
            **_inspection_context(request, task),
            "sheet": sheet,
            "items": items,
            "answered": len(answers),
        },
        status=status,
    )


def _inspection_context(request: AuthedRequest, task: ServiceTask) -> dict[str, Any]:
    days = policy_for(task.county_id).general_rectification_days
    return {
        "task": task,
        "can_answer": TASK.allows("answer", request.user, task),
        "answer_choices": Answer.choices,
        "default_deadline": timezone.localdate() + dt.timedelta(days=days),
    }


def _inspection_card(
    request: AuthedRequest,
    task: ServiceTask,
    sheet: Inspection,
    item: Any,
    retry: Any,
    message: tuple[str, Any],
) -> HttpResponse:
    """One item's card after an htmx save, its message inside it, and the answered count
    swapped out of band — the expert stays where they are on the page."""
    items = list(sheet.template.items.all())
    answers = {
        a.item_id: a
        for a in sheet.answers.prefetch_related("photos", "hazards").all()  # fresh
    }
    context = {
        **_inspection_context(request, task),
        "item": item,
        "answer": answers.get(item.pk),
        "retry": retry,
        "number": items.index(item) + 1,
        "item_message": {"tone": message[0], "text": message[1]},
    }
    card = render_to_string("hazards/_inspection_item.html", context, request=request)
    count = render_to_string(
        "hazards/_inspection_count.html",
        {"answered": len(answers), "total": len(items), "oob": True},
    )
    return HttpResponse(card + count)


@login_required
@require_POST
def notice_issue(request: AuthedRequest, task_pk: int) -> HttpResponse:
    task = get_visible(ServiceTask.objects.all(), request.user, pk=task_pk)
    ids = [n for n in map(id_or_none, request.POST.getlist("hazards")) if n is not None]
    hazards = list(Hazard.objects.visible_to(request.user).filter(pk__in=ids, task=task))
    try:
        notice = services.notice_issue(actor=request.user, task=task, hazards=hazards)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("fieldwork:detail", pk=task.pk)
    return redirect("hazards:notice", pk=notice.pk)


@login_required
def notice_list(request: AuthedRequest) -> HttpResponse:
    filters = filtered(request, NoticeFilter, selectors.notice_list(viewer=request.user))
    return render(
        request,
        "hazards/notice_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def notice_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(request, NoticeFilter, selectors.notice_list(viewer=request.user))
    return export_page(request, export=exports.NOTICES, filters=filters)


@login_required
@require_POST
def notice_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    """The enterprise confirms receipt of the whole notice: every hazard still waiting."""
    notice = get_visible(Notice.objects.select_related("enterprise"), request.user, pk=pk)
    if not perms.is_enterprise_user(request.user, notice.enterprise):
        raise PermissionDenied
    try:
        count = services.notice_acknowledge(actor=request.user, notice=notice)
        messages.success(request, _("Receipt confirmed for %(n)d hazards.") % {"n": count})
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("hazards:notice", pk=notice.pk)


@login_required
def notice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = get_visible(
        Notice.objects.select_related("enterprise", "contract__provider", "task", "issued_by"),
        request.user,
        pk=pk,
    )
    link = request.build_absolute_uri(
        reverse("notice_link", args=[notice.pk, services.notice_token(notice)])
    )
    # What the notice lists, and what the acknowledge verb's guards read of each.
    hazards = list(
        notice.hazards.select_related("enterprise", "contract__provider", "task").order_by("pk")
    )
    for hazard in hazards:
        hazard.notice = notice
    return render(
        request,
        "hazards/notice.html",
        {
            "notice": notice,
            "hazards": hazards,
            "link": link,
            "link_valid": services.link_is_valid(notice),
            "panels": notice_panels(request, notice),
            # Acknowledging signs the whole notice: offered while a hazard of it waits.
            "can_acknowledge": any(
                HAZARD.allows("acknowledge", request.user, h)
                for h in hazards
                if h.status == HazardStatus.NOTIFIED
            ),
        },
    )


def notice_link(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The enterprise's page without an account: that notice's hazards only."""
    try:
        notice = services.notice_from_link(request, pk, token)
    except services.LinkRateExceeded:
        return render(request, "hazards/notice_link_busy.html", status=429)
    if notice is None:
        raise Http404
    if not services.link_is_valid(notice):
        return render(request, "hazards/notice_link_expired.html", {"notice": notice}, status=410)
    actor = services.LinkActor(notice=notice)
    if request.method == "POST":
        hazard = Hazard.objects.filter(
            pk=id_or_none(request.POST.get("hazard")) or 0, notice=notice
        ).first()
        if hazard is None:
            raise Http404
        try:
            if request.POST.get("verb") == "acknowledge":
                services.hazard_acknowledge(actor=actor, hazard=hazard)
                messages.success(request, _acknowledged(hazard))
            elif request.POST.get("verb") == "submit":
                services.hazard_submit(
                    actor=actor,
                    hazard=hazard,
                    description=request.POST.get("description", ""),
                    files=request.FILES.getlist("files"),
                    submitter_name=request.POST.get("submitter_name", ""),
                )
                messages.success(request, _("Rectification submitted for verification."))
            else:
                raise Http404
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        return redirect(request.path)
    hazards = selectors.with_details(notice.hazards.all()).order_by("pk")
    return render(
        request,
        "hazards/notice_link.html",
        {
            "notice": notice,
            "hazards": [(h, HAZARD.verbs_for(actor, h)) for h in hazards],
            "panels": link_panels(request, notice, token),
        },
    )


@login_required
def report_list(request: AuthedRequest) -> HttpResponse:
    filters = filtered(request, ReportFilter, selectors.report_list(viewer=request.user))
    return render(
        request,
        "hazards/report_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "now": timezone.now(),
        },
    )


@login_required
def report_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(request, ReportFilter, selectors.report_list(viewer=request.user))
    return export_page(request, export=exports.REPORTS, filters=filters)


@login_required
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    report = get_visible(
        selectors.report_details(MajorHazardReport.objects.all()), request.user, pk=pk
    )
    history = HistoryPanel(request, report)
    if (fragment := history.fragment()) is not None:
        return fragment
    hazard = (
        Hazard.objects.select_related("task", "contract__provider", "enterprise")
        .prefetch_related("task__assignments")
        .get(pk=report.hazard_id)
    )
    user = request.user
    report.hazard = hazard
    plan = GovernancePlan.objects.filter(report=report).first()
    return render(
        request,
        "hazards/report_detail.html",
        {
            "report": report,
            "verbs": REPORT.verbs_for(user, report),
            "hazard": hazard,
            "plan": plan,
            "plan_parts": [
                (part, GovernancePlan._meta.get_field(part).verbose_name, getattr(plan, part, ""))  # type: ignore[union-attr]
                for part in GOVERNANCE_PARTS
            ],
            "levels": SupervisionLevel.choices,
            "now": timezone.now(),
            "history": history,
        },
    )


@login_required
@require_POST
def report_action(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    report = get_visible(MajorHazardReport.objects.all(), request.user, pk=pk)
    post = request.POST
    user = request.user
    try:
        if verb == "save":
            services.major_report_save(
                actor=user,
                report=report,
                current_state=post.get("current_state", ""),
                harm_analysis=post.get("harm_analysis", ""),
                handling_advice=post.get("handling_advice", ""),
            )
            if post.get("send"):
                services.major_report_send(actor=user, report=report)
                messages.success(request, _("Sent to the responsible department."))
        elif verb == "acknowledge":
            services.major_report_acknowledge(actor=user, report=report)
        elif verb == "supervise":
            planned = date_or_error(
                post.get("planned_completion"), "planned_completion", _("planned completion")
            )
            if planned is None:
                raise ApplicationError("required", _("Choose the planned completion date."))
            services.major_report_supervise(
                actor=user,
                report=report,
                level=post.get("supervision_level", ""),
                supervising_unit=post.get("supervising_unit", ""),
                planned_completion=planned,
            )
        elif verb == "plan":
            services.governance_plan_save(
                actor=user,
                report=report,
                parts={p: post.get(p, "") for p in GOVERNANCE_PARTS},
                funds_amount=post.get("funds_amount", ""),
            )
            messages.success(request, _("Governance plan saved."))
        elif verb == "accept":
            services.major_report_accept(actor=user, report=report, note=post.get("note", ""))
            messages.success(request, _("Accepted on site; the hazard is closed."))
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("hazards:report", pk=report.pk)
