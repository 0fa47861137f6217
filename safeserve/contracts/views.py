from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
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
from safeserve.common.lib.xlsx import write_rows, xlsx_response
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.common.tabs import tab_of
from safeserve.common.validation import id_or_none, year_or_none
from safeserve.contracts import exports, selectors, services
from safeserve.contracts.filters import ContractFilter
from safeserve.contracts.forms import AmendmentForm, TermsForm
from safeserve.contracts.models import Amendment, Contract, ContractStatus, Payment
from safeserve.contracts.panels import TABS, contract_panels, contract_url
from safeserve.contracts.workflows import AMENDMENT, CONTRACT
from safeserve.enterprises.models import Enterprise
from safeserve.enterprises.spreadsheets import codes_from_upload
from safeserve.procurement.models import PurchaseProject
from safeserve.procurement.permissions import (
    can_read_procurement,
)


def _contracts() -> QuerySet[Contract]:
    return Contract.objects.select_related(
        "purchaser",
        "provider",
        "project",
        "project__item",
        "purchaser_signed_by",
        "provider_signed_by",
    )


def _contract_for(request: AuthedRequest, pk: int) -> Contract:
    return get_visible(_contracts(), request.user, pk=pk)


@login_required
def contract_list(request: AuthedRequest) -> HttpResponse:
    filters = filtered(request, ContractFilter, selectors.contract_list(viewer=request.user))
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def contract_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(request, ContractFilter, selectors.contract_list(viewer=request.user))
    return export_page(request, export=exports.CONTRACTS, filters=filters)


@login_required
@require_POST
def contract_draft(request: AuthedRequest, project_pk: int) -> HttpResponse:
    project = get_visible(PurchaseProject.objects.all(), request.user, pk=project_pk)
    try:
        contract = services.contract_draft(actor=request.user, project=project)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("procurement:project_detail", pk=project.pk)
    return redirect("contracts:detail", pk=contract.pk)


COVERAGE_SHOWN = 500  # the contract page lists this many covered enterprises


def _tabs_of(contract: Contract) -> list[tuple[str, str]]:
    names = {
        "overview": _("Terms and amendments"),
        "experts": _("Experts on the contract"),
        "coverage": _("Covered enterprises"),
        "payments": _("Payments and deductions"),
        "evaluations": _("Evaluations"),
    }
    signed = contract.signed_on is not None  # money and evaluations follow the signature
    return [
        (tab, str(names[tab])) for tab in TABS if signed or tab not in ("payments", "evaluations")
    ]


@login_required
def contract_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = get_visible(selectors.with_balance(_contracts()), request.user, pk=pk)
    history = HistoryPanel(request, contract)
    if (fragment := history.fragment()) is not None:
        return fragment
    tabs = _tabs_of(contract)
    tab = tab_of(request, tabs)
    # The amount after amendments heads every tab; the overview lists them.
    amendments = Prefetch(
        "amendments", queryset=Amendment.objects.select_related("created_by", "decided_by")
    )
    if tab == "payments":
        # the ledger, from which the balance is summed too (selectors.payable_balance)
        payments = Prefetch("payments", queryset=Payment.objects.select_related("installment"))
        prefetch_related_objects([contract], amendments, payments, "deductions")
    else:
        prefetch_related_objects([contract], amendments)
    user = request.user
    verbs = CONTRACT.verbs_for(user, contract)
    context: dict[str, Any] = {
        "contract": contract,
        "verbs": verbs,
        "tabs": tabs,
        "tab": tab,
        "history": history,
    }
    if tab == "overview":
        context.update(_overview(user, contract, verbs))
    elif tab == "experts":
        context.update(
            allowed_experts=services.experts_allowed(contract)
            .select_related("employer")
            .order_by("name")[:200],
            engagements=contract.engagements.select_related("expert", "expert__employer").order_by(
                "-created_at"
            ),
            engage_candidates=services.engagement_candidates(contract)
            if "engagements" in verbs
            else [],
        )
    elif tab == "coverage":
        coverage = list(
            contract.coverage.select_related("enterprise", "enterprise__township").order_by(
                "enterprise__name"
            )[:COVERAGE_SHOWN]
        )
        context.update(
            coverage=coverage,
            # counted only when the page shows fewer than all of them
            coverage_count=contract.coverage.count()
            if len(coverage) == COVERAGE_SHOWN
            else len(coverage),
            # The county's coverage page is the government's (the provider cannot open it).
            reads_coverage=can_read_procurement(user),
        )
    elif tab == "payments":
        deductions = list(contract.deductions.all())
        context.update(
            balance=selectors.payable_balance(contract),
            recoverable=selectors.deduction_totals_of(deductions)[1],
            payments=list(contract.payments.all()),
            deductions=deductions,
            installments=list(contract.installments.all()) if "payments" in verbs else [],
        )
    else:
        context["panels"] = [p for p in contract_panels(request, contract, verbs) if p]
    return render(request, "contracts/contract_detail.html", context)


def _overview(user: Any, contract: Contract, verbs: list[str]) -> dict[str, Any]:
    """The terms (a form while the purchaser drafts them), the amendments and the end."""
    criteria = list(contract.criteria.all())
    installments = list(contract.installments.all())
    form = None
    if "terms" in verbs:
        form = TermsForm(
            initial={
                **services.contract_snapshot(contract),
                "criteria": "\n".join(
                    f"{c.name} | {c.weight} | {c.requirement} | {c.method}"
                    + (" | 一票否决" if c.veto else "")
                    for c in criteria
                ),
                "installments": "\n".join(f"{i.amount} | {i.condition}" for i in installments),
            }
        )
    return {
        "criteria": criteria,
        "installments": installments,
        "amendments": _amendments_for(user, contract),
        "missing": services.missing_terms(contract)
        if contract.status == ContractStatus.DRAFT
        else [],
        "form": form,
        "amendment_form": AmendmentForm(),
    }


@login_required
@require_POST
def contract_terms(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = _contract_for(request, pk)
    form = TermsForm(request.POST)
    if form.is_valid():
        try:
            services.contract_save_terms(
                actor=request.user,
                contract=contract,
                terms=form.to_terms(),
                criteria=form.cleaned_data["criteria"],
                installments=form.cleaned_data["installments"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Terms saved."))
            return redirect("contracts:detail", pk=contract.pk)
    return render(
        request, "contracts/contract_terms.html", {"form": form, "contract": contract}, status=400
    )


def _amendments_for(user: Any, contract: Contract) -> list[Any]:
    """Each amendment with the verbs this user may do on it (its verb table)."""
    rows: list[Any] = list(contract.amendments.all())  # prefetched with their people
    for row in rows:
        row.contract = contract
        row.verbs = AMENDMENT.verbs_for(user, row)
    return rows


def _contract_done(verb: str, contract: Contract) -> str:
    """What a contract verb did, in the words the page confirms it with."""
    status = contract.__class__.objects.get(pk=contract.pk).get_status_display()
    words = {
        "sign": _("Signed for your side; the contract is now %(status)s."),
        "start": _("Service started."),
        "complete": _("The service is confirmed complete."),
        "close": _("The contract is closed."),
        "terminate": _("The contract is terminated."),
        "amend": _("Amendment proposed; the other party agrees or declines."),
        "amendment_agree": _("Amendment agreed; the contract now reads as amended."),
        "amendment_decline": _("Amendment declined."),
        "amendment_withdraw": _("Amendment withdrawn."),
    }
    return words.get(verb, _("Saved.")) % {"status": status}


@login_required
@require_POST
def contract_action(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    contract = _contract_for(request, pk)
    try:
        if verb == "sign":
            services.contract_sign(actor=request.user, contract=contract)
        elif verb == "start":
            services.contract_start(actor=request.user, contract=contract)
        elif verb == "complete":
            services.contract_complete(actor=request.user, contract=contract)
        elif verb == "close":
            services.contract_close(actor=request.user, contract=contract)
        elif verb == "terminate":
            services.contract_terminate(
                actor=request.user,
                contract=contract,
                reason=request.POST.get("reason", ""),
                liability=request.POST.get("liability", ""),
            )
        elif verb == "amend":
            form = AmendmentForm(request.POST)
            if not form.is_valid():
                problems = "；".join(
                    f"{form.fields[name].label}：{' '.join(str(e) for e in errors)}"
                    for name, errors in form.errors.items()
                    if name in form.fields
                )
                raise ApplicationError("amendment_invalid", problems, status=400)
            services.contract_amend(
                actor=request.user,
                contract=contract,
                reason=form.cleaned_data["reason"],
                changes=form.cleaned_data["changes"],
                amount_delta=form.cleaned_data["amount_delta"] or Decimal(0),
            )
        elif verb in ("amendment_agree", "amendment_decline", "amendment_withdraw"):
            number = str(request.POST.get("amendment", ""))
            amendment_id = id_or_none(number)
            amendment = (
                contract.amendments.filter(pk=amendment_id).first() if amendment_id else None
            )
            if amendment is None:
                raise Http404
            reason = str(request.POST.get("reason", ""))
            if verb == "amendment_agree":
                services.amendment_agree(actor=request.user, amendment=amendment)
            elif verb == "amendment_decline":
                services.amendment_decline(actor=request.user, amendment=amendment, reason=reason)
            else:
                services.amendment_withdraw(actor=request.user, amendment=amendment, reason=reason)
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _contract_done(verb, contract))
    return redirect("contracts:detail", pk=contract.pk)


def public_contracts(request: HttpRequest) -> HttpResponse:
    """政府采购信息公开: signed contracts, without login (parties, subject, amount, period)."""
    contracts = (
        Contract.objects.exclude(status__in=[ContractStatus.DRAFT])
        .exclude(signed_on__isnull=True)
        .select_related("purchaser", "provider", "county")
        .prefetch_related("amendments")  # the amount shown includes signed amendments
        .order_by("-signed_on", "-pk")
    )
    return render(
        request,
        "contracts/public_contracts.html",
        {"page": paginate(request, contracts), "query": query_without_page(request)},
    )


def _year(request: HttpRequest) -> int:
    from django.utils import timezone

    return year_or_none(request.GET.get("year")) or timezone.localdate().year


@login_required
def coverage(request: AuthedRequest) -> HttpResponse:
    require(can_read_procurement(request.user))
    report = selectors.coverage_report(viewer=request.user, year=_year(request))
    return render(request, "contracts/coverage.html", {"report": report})


@login_required
def coverage_export(request: AuthedRequest) -> HttpResponseBase:
    require(can_read_procurement(request.user))
    report = selectors.coverage_report(viewer=request.user, year=_year(request))
    rows = (
        [g["name"], g["uscc"], g["township"], g["sector"] or "非高危", g["purchaser"]]
        for g in report.gaps
    )
    handle = write_rows(
        ["企业名称", "统一社会信用代码", "所在乡镇", "高危行业", "负责购买主体"],
        rows,
        f"{report.year}年未覆盖重点企业",
    )
    return xlsx_response(handle, f"未覆盖重点企业-{report.year}.xlsx")


@login_required
@require_POST
def coverage_change(request: AuthedRequest, pk: int) -> HttpResponse:
    """Adds enterprises by the directory's filters, or by a pasted list of codes; or removes
    one."""
    contract = _contract_for(request, pk)
    require(CONTRACT["enterprises"].who(request.user, contract))
    visible = Enterprise.objects.visible_to(request.user)
    try:
        if request.POST.get("remove"):
            removed = id_or_none(request.POST["remove"])
            enterprise = visible.filter(pk=removed).first() if removed else None
            if enterprise is None:
                raise Http404
            services.coverage_remove(actor=request.user, contract=contract, enterprise=enterprise)
            messages.success(request, _("Removed from the coverage list."))
        elif request.POST.get("codes", "").strip() or request.FILES.get("file"):
            upload = request.FILES.get("file")
            codes = (
                codes_from_upload(upload, upload.size or 0)
                if upload is not None
                else request.POST["codes"].split()
            )
            added = services.coverage_add_listed(actor=request.user, contract=contract, codes=codes)
            messages.success(request, _("%(n)d enterprises added.") % {"n": added})
        else:
            filters: dict[str, Any] = {
                k: str(request.POST.get(k, "")) for k in ("sector", "is_key", "q")
            }
            township = str(request.POST.get("township", ""))
            filters["township"] = id_or_none(township)
            added = services.coverage_add_matching(
                actor=request.user, contract=contract, filters=filters
            )
            messages.success(request, _("%(n)d enterprises added.") % {"n": added})
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect(contract_url(contract, "coverage"))


@login_required
@require_POST
def money(request: AuthedRequest, pk: int, what: str) -> HttpResponse:
    contract = _contract_for(request, pk)
    try:
        amount = Decimal(request.POST.get("amount", "") or "x")
    except ArithmeticError:
        amount = Decimal(0)
    try:
        if what == "payment":
            from datetime import date

            paid_on_text = request.POST.get("paid_on", "")
            try:
                paid_on = date.fromisoformat(paid_on_text)
            except ValueError:
                raise ApplicationError(
                    "invalid_date", _("Enter the payment date."), status=400
                ) from None
            sequence = request.POST.get("installment", "")
            installment_id = id_or_none(sequence)
            installment = (
                contract.installments.filter(pk=installment_id).first() if installment_id else None
            )
            services.payment_record(
                actor=request.user,
                contract=contract,
                amount=amount,
                paid_on=paid_on,
                installment=installment,
                voucher=request.POST.get("voucher", ""),
            )
        elif what == "deduction":
            services.deduction_record(
                actor=request.user,
                contract=contract,
                amount=amount,
                reason=request.POST.get("reason", ""),
            )
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        shown = f"¥{amount:,.2f}"
        messages.success(
            request,
            _("Payment of %(amount)s recorded.") % {"amount": shown}
            if what == "payment"
            else _("Deduction of %(amount)s recorded.") % {"amount": shown},
        )
    return redirect(contract_url(contract, "payments"))


@login_required
@require_POST
def engagement(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = _contract_for(request, pk)
    from datetime import date

    try:
        if request.POST.get("end"):
            ended = id_or_none(request.POST["end"])
            engaged = contract.engagements.filter(pk=ended).first() if ended else None
            if engaged is None:
                raise Http404
            services.engagement_end(
                actor=request.user, engagement=engaged, reason=request.POST.get("reason", "")
            )
            done = _("The engagement of %(name)s has ended.") % {"name": engaged.expert.name}
        else:
            expert_id = request.POST.get("expert", "")
            expert_pk = id_or_none(expert_id)
            expert = (
                services.engagement_candidates(contract).filter(pk=expert_pk).first()
                if expert_pk
                else None
            )
            if expert is None:
                raise ApplicationError(
                    "choose_expert", _("Choose an expert from the county's pool."), status=400
                )
            try:
                starts_on = date.fromisoformat(request.POST.get("starts_on", ""))
                ends_on = date.fromisoformat(request.POST.get("ends_on", ""))
            except ValueError:
                raise ApplicationError("invalid_date", _("Enter both dates."), status=400) from None
            agreement = request.FILES.get("agreement")
            if agreement is not None:
                try:
                    validate_scan(agreement)
                except ValidationError as exc:
                    raise ApplicationError(
                        "invalid_file", " ".join(exc.messages), status=415
                    ) from None
            services.engagement_create(
                actor=request.user,
                contract=contract,
                expert=expert,
                role=request.POST.get("role", "member"),
                starts_on=starts_on,
                ends_on=ends_on,
                agreement=agreement,
            )
            done = _("%(name)s is engaged for this contract until %(date)s.") % {
                "name": expert.name,
                "date": ends_on,
            }
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect(contract_url(contract, "experts"))


@login_required
def budget(request: AuthedRequest) -> HttpResponse:
    require(can_read_procurement(request.user))
    year = _year(request)
    return render(
        request,
        "contracts/budget.html",
        {"year": year, "items": selectors.budget_execution(viewer=request.user, year=year)},
    )
