from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from safeserve.audit.exports import export_page
from safeserve.audit.filters import AuditEventFilter
from safeserve.audit.scope import reads_county_log
from safeserve.audit.selectors import event_list
from safeserve.audit.trail_export import EVENTS
from safeserve.common.access import require
from safeserve.common.filters import filtered
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest


@login_required
def audit_list(request: AuthedRequest) -> HttpResponse:
    require(reads_county_log(request.user))
    filters = filtered(request, AuditEventFilter, event_list(user=request.user))
    return render(
        request,
        "audit/audit_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def audit_export(request: AuthedRequest) -> HttpResponseBase:
    require(reads_county_log(request.user))
    filters = filtered(request, AuditEventFilter, event_list(user=request.user))
    return export_page(request, export=EVENTS, filters=filters)
