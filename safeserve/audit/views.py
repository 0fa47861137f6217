from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from safeserve.audit.forms import AuditFilterForm
from safeserve.audit.scope import reads_county_log
from safeserve.audit.selectors import event_list
from safeserve.common.access import require
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest


@login_required
def audit_list(request: AuthedRequest) -> HttpResponse:
    require(reads_county_log(request.user))
    filters = AuditFilterForm(request.GET)
    filters.is_valid()
    events = event_list(user=request.user, filters=filters.cleaned_data)
    return render(
        request,
        "audit/audit_list.html",
        {
            "page": paginate(request, events),
            "filters": filters,
            "query": query_without_page(request),
        },
    )
