from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safeserve.audit.selectors import history_for
from safeserve.common.access import require
from safeserve.common.db.routers import replica_reads
from safeserve.common.exceptions import ApplicationError
from safeserve.common.forms import apply_error
from safeserve.common.models import POLICY_FIELDS, policy_for, policy_label
from safeserve.common.request import AuthedRequest
from safeserve.common.todo import todo_for
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
def county_policy(request: AuthedRequest) -> HttpResponse:
    require(can_read_policy(request.user))
    org = request.user.organization
    county_id = org.county_id if org else None
    policy = policy_for(county_id)
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
            "history": history_for(policy, request.user) if policy.pk else [],
        },
    )
