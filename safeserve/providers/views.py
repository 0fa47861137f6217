from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safeserve.accounts.models import User
from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.forms import apply_error
from safeserve.common.lib.http import serve_file
from safeserve.common.lib.masking import mask_id_number, mask_phone
from safeserve.common.models import policy_for
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.common.tabs import tab_of, tab_url
from safeserve.organizations.models import OrganizationKind, Role
from safeserve.providers import exports, selectors, services
from safeserve.providers.filters import EmployerChangeFilter, ExpertFilter, ProviderFilter
from safeserve.providers.forms import (
    AdmissionForm,
    EmployerChangeForm,
    EquipmentFormSet,
    ExpertForm,
    ProviderForm,
    QualificationForm,
    ViolationForm,
)
from safeserve.providers.models import (
    Debarment,
    EmployerChange,
    Expert,
    ExpertPoolMembership,
    Provider,
    ProviderAdmission,
    Qualification,
    ViolationRecord,
)
from safeserve.providers.panels import expert_panels
from safeserve.providers.permissions import (
    can_edit_expert,
    can_edit_provider,
    can_read_register,
    can_register_provider,
    can_see_personal_data,
    is_county_office_actor,
    reads_employer_changes,
)
from safeserve.providers.workflows import (
    ADMISSION,
    EMPLOYER_CHANGE,
    nothing_left_behind,
    sees_record_holder,
)


def _county_id(request: AuthedRequest) -> int | None:
    org = request.user.organization
    return org.county_id if org else None


@login_required
def provider_list(request: AuthedRequest) -> HttpResponse:
    require(can_read_register(request.user))
    filters = filtered(request, ProviderFilter, selectors.provider_list(viewer=request.user))
    policy = policy_for(_county_id(request))
    warning = policy.qualification_warning_days
    return render(
        request,
        "providers/provider_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "warning_days": warning,
            "today": timezone.localdate(),
            "warn_until": timezone.localdate() + timedelta(days=warning),
            "lookback_years": policy.violation_lookback_years,
        },
    )


@login_required
def provider_export(request: AuthedRequest) -> HttpResponseBase:
    require(can_read_register(request.user))
    filters = filtered(request, ProviderFilter, selectors.provider_list(viewer=request.user))
    return export_page(request, export=exports.PROVIDERS, filters=filters)


@login_required
def provider_mine(request: AuthedRequest) -> HttpResponse:
    """A provider's own profile, or the form to create it."""
    org = request.user.organization
    if org is None or org.kind != OrganizationKind.PROVIDER:
        raise Http404
    provider = Provider.objects.filter(organization=org).first()
    if provider is not None:
        return redirect("providers:detail", pk=provider.pk)
    require(can_register_provider(request.user))
    form = ProviderForm(
        request.POST or None,
        request.FILES or None,
        initial={"name": org.name, "is_independent_legal_person": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_register(
                actor=request.user,
                data=form.to_data(),
                attestation_file=form.cleaned_data["attestation_file"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Profile saved. Add your qualifications and experts."))
            return redirect("providers:detail", pk=provider.pk)
    return render(request, "providers/provider_form.html", {"form": form})


def _provider_for(request: AuthedRequest, pk: int) -> Provider:
    return get_visible(Provider.objects.select_related("organization"), request.user, pk=pk)


def _with_in_force(debarments: Any, today: dt.date) -> list[Debarment]:
    rows = list(debarments)
    for ban in rows:
        ban.in_force = ban.is_active_on(today)
    return rows


@login_required
def provider_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    provider = _provider_for(request, pk)
    history = HistoryPanel(request, provider)
    if (fragment := history.fragment()) is not None:
        return fragment
    county_id = _county_id(request)
    tabs = [
        ("overview", _("Profile and qualifications")),
        ("violations", _("Violations")),
        ("experts", _("Its experts")),
    ]
    tab = tab_of(request, tabs)
    county_office = is_county_office_actor(request.user)
    can_edit = can_edit_provider(request.user, provider)
    admission = ProviderAdmission.objects.filter(provider=provider, county_id=county_id).first()
    context: dict[str, Any] = {
        "provider": provider,
        "tabs": tabs,
        "tab": tab,
        "can_edit": can_edit,
        "county_office": county_office,
        "admission": admission,
        "history": history,
    }
    today = timezone.localdate()
    if tab == "overview":
        policy = policy_for(county_id)
        context.update(
            qualifications=[
                (q, q.state_on(today, policy.qualification_warning_days))
                for q in provider.qualifications.order_by("type", "-valid_to")
            ],
            equipment=provider.equipment.all(),
            admission_verbs=ADMISSION.verbs_for(request.user, admission) if admission else [],
            debarments=_with_in_force(
                Debarment.objects.filter(provider=provider, county_id=county_id), today
            ),
            contact_phone=provider.contact_phone
            if (county_office or can_edit)
            else mask_phone(provider.contact_phone),
            admission_form=AdmissionForm(),
        )
    elif tab == "violations":
        context.update(
            violations=ViolationRecord.objects.filter(
                provider=provider, county_id=county_id
            ).select_related("recorded_by"),
            lookback_start=selectors.lookback_start(county_id, today, policy_for(county_id)),
            violation_form=ViolationForm(),
        )
    else:
        context["experts"] = provider.experts.order_by("name").prefetch_related("specialties")
    return render(request, "providers/provider_detail.html", context)


@login_required
def provider_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    provider = _provider_for(request, pk)
    require(can_edit_provider(request.user, provider))
    initial = {k: getattr(provider, k) for k in ProviderForm.base_fields if k != "attestation_file"}
    form = ProviderForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(
                actor=request.user,
                provider=provider,
                data=form.to_data(),
                attestation_file=form.cleaned_data["attestation_file"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("providers:detail", pk=provider.pk)
    return render(request, "providers/provider_form.html", {"form": form, "provider": provider})


@login_required
def provider_equipment(request: AuthedRequest, pk: int) -> HttpResponse:
    provider = _provider_for(request, pk)
    require(can_edit_provider(request.user, provider))
    initial = [
        {
            "name": e.name,
            "model": e.model,
            "quantity": e.quantity,
            "calibrated_until": e.calibrated_until,
        }
        for e in provider.equipment.all()
    ]
    formset = EquipmentFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        items = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        for item in items:
            item.pop("DELETE", None)
        services.provider_set_equipment(actor=request.user, provider=provider, items=items)
        messages.success(request, _("Equipment list saved."))
        return redirect("providers:detail", pk=provider.pk)
    return render(
        request, "providers/equipment_form.html", {"formset": formset, "provider": provider}
    )


@login_required
def qualification_form(
    request: AuthedRequest, pk: int, qualification_pk: int | None = None
) -> HttpResponse:
    provider = _provider_for(request, pk)
    require(can_edit_provider(request.user, provider))
    qualification = None
    initial: dict[str, Any] = {}
    if qualification_pk is not None:
        qualification = Qualification.objects.filter(
            pk=qualification_pk or 0, provider=provider
        ).first()
        if qualification is None:
            raise Http404
        initial = {
            k: getattr(qualification, k) for k in QualificationForm.base_fields if k != "scan"
        }
    form = QualificationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if qualification is None:
                services.qualification_add(
                    actor=request.user,
                    provider=provider,
                    data=form.to_data(),
                    scan=form.cleaned_data["scan"],
                )
            else:
                services.qualification_update(
                    actor=request.user,
                    qualification=qualification,
                    data=form.to_data(),
                    scan=form.cleaned_data["scan"],
                )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Qualification saved."))
            return redirect("providers:detail", pk=provider.pk)
    return render(
        request,
        "providers/qualification_form.html",
        {"form": form, "provider": provider, "qualification": qualification},
    )


@login_required
@require_POST
def qualification_delete(request: AuthedRequest, pk: int, qualification_pk: int) -> HttpResponse:
    provider = _provider_for(request, pk)
    require(can_edit_provider(request.user, provider))
    qualification = Qualification.objects.filter(pk=qualification_pk, provider=provider).first()
    if qualification is None:
        raise Http404
    services.qualification_delete(actor=request.user, qualification=qualification)
    messages.success(request, _("Qualification deleted."))
    return redirect("providers:detail", pk=provider.pk)


@login_required
@require_POST
def provider_admission(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    provider = _provider_for(request, pk)
    if verb not in ADMISSION.names:
        raise Http404
    form = AdmissionForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if verb in ("suspend", "reinstate"):
            services.provider_suspension(
                actor=request.user, provider=provider, suspend=verb == "suspend", reason=reason
            )
        else:
            services.provider_set_admission(
                actor=request.user, provider=provider, admit=verb == "admit", reason=reason
            )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(ADMISSION_DONE[verb]))
    return redirect("providers:detail", pk=provider.pk)


ADMISSION_DONE = {
    "admit": gettext_lazy("Admitted to the county register."),
    "remove": gettext_lazy("Removed from the county register."),
    "suspend": gettext_lazy(
        "Suspended in this county: it fails eligibility and signs nothing until reinstated."
    ),
    "reinstate": gettext_lazy("Reinstated in this county."),
}


@login_required
@require_POST
def provider_violation(request: AuthedRequest, pk: int) -> HttpResponse:
    provider = _provider_for(request, pk)
    require(is_county_office_actor(request.user))
    form = ViolationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Fill in the date, source and description of the violation."))
        return redirect(tab_url(reverse("providers:detail", args=[provider.pk]), "violations"))
    try:
        services.violation_record(actor=request.user, provider=provider, **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Violation recorded."))
    return redirect(tab_url(reverse("providers:detail", args=[provider.pk]), "violations"))


# --- Experts ------------------------------------------------------------------------------


@login_required
def expert_list(request: AuthedRequest) -> HttpResponse:
    require(can_read_register(request.user))
    filters = filtered(request, ExpertFilter, selectors.expert_list(viewer=request.user))
    org = request.user.organization
    own_provider = (
        Provider.objects.filter(organization=org).first()
        if org and org.kind == OrganizationKind.PROVIDER
        else None
    )
    page = paginate(request, filters.qs)
    return render(
        request,
        "providers/expert_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query_without_page(request),
            "can_create": own_provider is not None
            and can_edit_provider(request.user, own_provider),
            "employer_changes": reads_employer_changes(request.user),
        },
    )


@login_required
def expert_export(request: AuthedRequest) -> HttpResponseBase:
    require(can_read_register(request.user))
    filters = filtered(request, ExpertFilter, selectors.expert_list(viewer=request.user))
    return export_page(request, export=exports.EXPERTS, filters=filters)


def _expert_for(request: AuthedRequest, pk: int) -> Expert:
    return get_visible(
        Expert.objects.select_related(
            "employer", "employer__organization", "user"
        ).prefetch_related(
            "specialties",
            "certificates",
            Prefetch("pool_memberships", queryset=ExpertPoolMembership.objects.all()),
        ),
        request.user,
        pk=pk,
    )


def _accounts_for(provider: Provider, expert: Expert | None = None) -> Any:
    taken = Expert.objects.exclude(user=None)
    if expert is not None:
        taken = taken.exclude(pk=expert.pk)
    return User.objects.filter(
        organization_id=provider.organization_id, role=Role.EXPERT, is_active=True
    ).exclude(pk__in=taken.values("user_id"))


@login_required
def expert_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    expert = _expert_for(request, pk)
    history = HistoryPanel(request, expert)
    if (fragment := history.fragment()) is not None:
        return fragment
    personal = can_see_personal_data(request.user, expert)
    county_id = _county_id(request)
    membership = next((m for m in expert.pool_memberships.all() if m.county_id == county_id), None)
    return render(
        request,
        "providers/expert_detail.html",
        {
            "expert": expert,
            "id_number": expert.id_number if personal else mask_id_number(expert.id_number),
            "phone": expert.phone if personal else mask_phone(expert.phone),
            "can_edit": can_edit_expert(request.user, expert),
            "county_office": is_county_office_actor(request.user),
            "membership": membership,
            "history": history,
            "panels": expert_panels(request, expert),
        },
    )


@login_required
def expert_create(request: AuthedRequest) -> HttpResponse:
    org = request.user.organization
    provider = Provider.objects.filter(organization=org).first() if org else None
    if provider is None:
        raise Http404
    require(can_edit_provider(request.user, provider))
    form = ExpertForm(
        request.POST or None, accounts=_accounts_for(provider), initial={"is_active": True}
    )
    carry_over = None
    if request.method == "POST" and form.is_valid():
        try:
            expert = services.expert_create(
                actor=request.user, provider=provider, data=form.to_data()
            )
        except ApplicationError as exc:
            if exc.code == "id_number_unavailable":  # registered elsewhere: offer the request
                carry_over = {k: form.cleaned_data[k] for k in ("name", "id_number")}
            apply_error(form, exc)
        else:
            messages.success(request, _("Expert registered."))
            return redirect("providers:expert_detail", pk=expert.pk)
    return render(request, "providers/expert_form.html", {"form": form, "carry_over": carry_over})


@login_required
def expert_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    expert = _expert_for(request, pk)
    require(can_edit_expert(request.user, expert))
    assert expert.employer is not None
    certificate = expert.certificates.order_by("pk").first()
    initial = {
        "name": expert.name,
        "id_number": expert.id_number,
        "phone": expert.phone,
        "title": expert.title,
        "specialties": expert.specialty_values,
        "user": expert.user,
        "is_active": expert.is_active,
        "certificate_kind": certificate.kind if certificate else "",
        "certificate_number": certificate.number if certificate else "",
        "certificate_valid_until": certificate.valid_until if certificate else None,
    }
    hidden = (
        None
        if can_see_personal_data(request.user, expert)
        else {"id_number": expert.id_number, "phone": expert.phone}
    )
    form = ExpertForm(
        request.POST or None,
        accounts=_accounts_for(expert.employer, expert),
        initial=initial,
        hidden=hidden,
    )
    if request.method == "POST" and form.is_valid():
        try:
            data = form.to_data()
            # The form edits the first certificate; the others stay as they are.
            data.certificates += [
                {"kind": c.kind, "number": c.number, "valid_until": c.valid_until}
                for c in list(expert.certificates.order_by("pk"))[1:]
            ]
            services.expert_update(actor=request.user, expert=expert, data=data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("providers:expert_detail", pk=expert.pk)
    return render(request, "providers/expert_form.html", {"form": form, "expert": expert})


@login_required
@require_POST
def expert_pool(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    expert = _expert_for(request, pk)
    require(is_county_office_actor(request.user))
    if verb not in ("admit", "suspend", "reinstate"):
        raise Http404
    try:
        services.expert_pool_change(
            actor=request.user, expert=expert, verb=verb, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Pool status saved."))
    return redirect("providers:expert_detail", pk=expert.pk)


@login_required
def provider_document(
    request: AuthedRequest, pk: int, what: str, qualification_pk: int | None = None
) -> HttpResponseBase:
    """A provider's scans, served only to those who can see the provider."""
    provider = _provider_for(request, pk)
    if what == "attestation":
        document = provider.attestation_file
    else:
        qualification = Qualification.objects.filter(
            pk=qualification_pk or 0, provider=provider
        ).first()
        if qualification is None:
            raise Http404
        document = qualification.scan
    if not document:
        raise Http404
    return serve_file(document)


# Employer changes (变更执业单位) -------------------------------------------------------------


def _own_provider(request: AuthedRequest) -> Provider | None:
    org = request.user.organization
    if org is None or org.kind != OrganizationKind.PROVIDER:
        return None
    provider = Provider.objects.filter(organization=org).select_related("organization").first()
    return provider if provider is not None and can_edit_provider(request.user, provider) else None


@login_required
def employer_changes(request: AuthedRequest) -> HttpResponse:
    require(reads_employer_changes(request.user))
    filters = filtered(
        request, EmployerChangeFilter, selectors.employer_change_list(viewer=request.user)
    )
    page = paginate(request, filters.qs)
    return render(
        request,
        "providers/employer_changes.html",
        {
            "page": page,
            "filters": filters,
            "query": query_without_page(request),
            "can_request": _own_provider(request) is not None,
            "deciding": is_county_office_actor(request.user),
        },
    )


@login_required
def employer_change_export(request: AuthedRequest) -> HttpResponseBase:
    require(reads_employer_changes(request.user))
    filters = filtered(
        request, EmployerChangeFilter, selectors.employer_change_list(viewer=request.user)
    )
    return export_page(request, export=exports.EMPLOYER_CHANGES, filters=filters)


@login_required
def employer_change_new(request: AuthedRequest) -> HttpResponse:
    provider = _own_provider(request)
    require(provider is not None)
    assert provider is not None
    # The expert form hands over a refused registration's name and ID number ("prefill"),
    # so the user need not type them again; nothing is filed until this form is sent.
    prefill = request.method == "POST" and request.POST.get("prefill") == "1"
    form = EmployerChangeForm(
        None if prefill or request.method != "POST" else request.POST,
        request.FILES or None,
        initial={k: request.POST.get(k, "") for k in ("name", "id_number")} if prefill else None,
    )
    status = 200
    if request.method == "POST" and not prefill:
        if form.is_valid():
            try:
                change = services.employer_change_request(
                    actor=request.user, provider=provider, **form.cleaned_data
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request, _("Employer change requested; the county office will decide.")
                )
                return redirect("providers:employer_change", pk=change.pk)
        status = 400
    return render(request, "providers/employer_change_form.html", {"form": form}, status=status)


def _change_for(request: AuthedRequest, pk: int) -> EmployerChange:
    return get_visible(
        EmployerChange.objects.select_related(
            "expert",
            "expert__employer",
            "from_provider",
            "to_provider",
            "requested_by",
            "decided_by",
        ),
        request.user,
        pk=pk,
    )


@login_required
def employer_change_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    change = _change_for(request, pk)
    history = HistoryPanel(request, change)
    if (fragment := history.fragment()) is not None:
        return fragment
    reveals = sees_record_holder(request.user, change)
    verbs = EMPLOYER_CHANGE.verbs_for(request.user, change)
    # Why the county office cannot approve yet (the guard's own words).
    refusal = nothing_left_behind(change) if "reject" in verbs and "approve" not in verbs else None
    return render(
        request,
        "providers/employer_change_detail.html",
        {
            "change": change,
            "id_number": mask_id_number(change.id_number),
            "reveals": reveals,
            "verbs": verbs,
            "blocked": refusal.message if refusal is not None else None,
            "history": history,
        },
    )


@login_required
def employer_change_evidence(request: AuthedRequest, pk: int) -> FileResponse:
    change = _change_for(request, pk)
    if not change.evidence:
        raise Http404
    return serve_file(change.evidence, attachment=True, name=change.original_name)


_CHANGE_VERBS = {
    "approve": (
        lambda user, change, text: services.employer_change_approve(
            actor=user, change=change, note=text
        ),
        gettext_lazy("Approved: %(name)s now works for %(provider)s."),
    ),
    "reject": (
        lambda user, change, text: services.employer_change_reject(
            actor=user, change=change, reason=text
        ),
        gettext_lazy("Rejected; %(provider)s sees the reason."),
    ),
    "withdraw": (
        lambda user, change, text: services.employer_change_withdraw(actor=user, change=change),
        gettext_lazy("The request for %(name)s is withdrawn."),
    ),
}


@login_required
@require_POST
def employer_change_verb(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in _CHANGE_VERBS:
        raise Http404
    change = _change_for(request, pk)
    call, done = _CHANGE_VERBS[verb]
    try:
        call(request.user, change, request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        # The name as the requester gave it: the one name every party of the request knows.
        messages.success(request, done % {"name": change.name, "provider": change.to_provider.name})
    return redirect("providers:employer_change", pk=change.pk)
