from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from safeserve.accounts.request import AuthedRequest
from safeserve.supervision.selectors import landing_figures


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "supervision/home.html",
        {
            "figures": landing_figures(request.user),
        },
    )


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse(
            {"status": "error", "database": "unreachable", "detail": exc.__class__.__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})
