from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page

from safeserve.audit.history import HistoryPanel
from safeserve.common.access import require
from safeserve.common.db.routers import replica_reads
from safeserve.common.exceptions import ApplicationError
from safeserve.common.forms import apply_error
from safeserve.common.models import POLICY_FIELDS, policy_for, policy_label
from safeserve.common.request import AuthedRequest
from safeserve.common.todo import todo_for
from safeserve.supervision import ocds
from safeserve.supervision.dashboards import Chart, dashboard_for, view_of
from safeserve.supervision.forms import CountyPolicyForm
from safeserve.supervision.selectors import landing_figures, late_major_reports
from safeserve.supervision.services import (
    can_edit_policy,
    can_read_policy,
    county_policy_update,
    policy_snapshot,
)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    with replica_reads():  # the figures; the 待办, what waits on this person, from the primary
        figures = landing_figures(request.user)
    return render(
        request,
        "supervision/home.html",
        {
            "todo": todo_for(request.user),
            "late_reports": late_major_reports(request.user),
            "figures": figures,
        },
    )


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    """数据看板: the user's figures and charts, every number a link to its list."""
    require(view_of(request.user) is not None)
    with replica_reads():
        board = dashboard_for(request.user)
    assert board is not None
    return render(
        request,
        "supervision/dashboard.html",
        {
            "dashboard": board,
            "charts": [_chart_view(c) for c in board.charts],
            "now": timezone.now(),
        },
    )


def _chart_view(chart: Chart) -> dict[str, Any]:
    """What the template draws: the chart's data for ECharts, and its numbers as a table (a
    row per category, a column per series)."""
    rows = [
        {"label": label, "points": [serie.points[i] for serie in chart.series]}
        for i, label in enumerate(chart.categories)
    ]
    return {
        "key": chart.key,
        "title": chart.title,
        "kind": chart.kind,
        "note": chart.note,
        "series": chart.series,
        "rows": rows,
        "data": chart.as_dict(),
        "script_id": f"chart-{chart.key}-data",
        "empty": not any(p.value for serie in chart.series for p in serie.points),
    }


@login_required
def county_policy(request: AuthedRequest) -> HttpResponse:
    require(can_read_policy(request.user))
    org = request.user.organization
    county_id = org.county_id if org else None
    policy = policy_for(county_id)
    history = HistoryPanel(request, policy if policy.pk else None)
    if (fragment := history.fragment()) is not None:
        return fragment
    can_edit = can_edit_policy(request.user)
    form = CountyPolicyForm(request.POST or None, initial=policy_snapshot(policy))
    if request.method == "POST":
        require(can_edit)
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k in POLICY_FIELDS}
            try:
                county_policy_update(
                    actor=request.user, values=values, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("County policy saved."))
                return redirect("county_policy")
    rows = [(policy_label(f), getattr(policy, f)) for f in POLICY_FIELDS]
    return render(
        request,
        "supervision/county_policy.html",
        {
            "form": form,
            "rows": rows,
            "can_edit": can_edit,
            "history": history,
        },
    )


OCDS_PAGE = 100  # contracting processes per page of /public/ocds/


@cache_page(300)
def public_ocds(request: HttpRequest) -> HttpResponse:
    """The county's contracting processes as an OCDS release package, 100 processes a page,
    oldest first; ``?after=<project id>`` turns the page (the next one is in the Link
    header). No login: only what the public pages show (supervision/ocds.py)."""
    after = request.GET.get("after", "")
    projects = ocds.public_projects()
    if after.isdigit():
        projects = projects.filter(pk__gt=int(after))
    with replica_reads():
        page = list(projects[: OCDS_PAGE + 1])
    more = len(page) > OCDS_PAGE
    page = page[:OCDS_PAGE]
    body = ocds.package(
        (release for project in page for release in ocds.releases_of(project)),
        uri=request.build_absolute_uri(),
    )
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    if more:
        following = f"{reverse('public_ocds')}?after={page[-1].pk}"
        response["Link"] = f'<{request.build_absolute_uri(following)}>; rel="next"'
    return response


@cache_page(300)
def public_ocds_record(request: HttpRequest, ocid: str) -> HttpResponse:
    """One contracting process's OCDS record: its releases and the compiled release."""
    prefix = f"{settings.OCDS_PREFIX}-"
    number = ocid.removeprefix(prefix)
    if not ocid.startswith(prefix) or not number.isdigit():
        raise Http404
    with replica_reads():
        project = ocds.public_projects().filter(pk=int(number)).first()
    if project is None:
        raise Http404
    return JsonResponse(ocds.record(project), json_dumps_params={"ensure_ascii": False})
