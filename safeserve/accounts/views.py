from __future__ import annotations

import time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from safeserve.accounts import exports, otp, selectors, services
from safeserve.accounts.filters import DeniedAccessFilter, LoginLogFilter, UserFilter
from safeserve.accounts.forms import LoginForm, PasswordChangeForm, ReasonForm, UserForm
from safeserve.accounts.middleware import LAST_SEEN, LOGIN_AT
from safeserve.accounts.models import LoginResult, User
from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.forms import apply_error
from safeserve.common.lib.masking import mask_phone
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.organizations.models import Organization
from safeserve.organizations.permissions import (
    can_manage_any_users,
    can_manage_users_of,
    can_read_county_logs,
)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # logs in with a new session key
        now = time.time()
        self.request.session[LOGIN_AT] = now
        self.request.session[LAST_SEEN] = now
        self.request.session.save()
        user = form.get_user()
        services.session_register(user=user, session_key=self.request.session.session_key or "")
        services.login_record(
            request=self.request, username=user.username, user=user, result=LoginResult.SUCCESS
        )
        if not user.must_change_password and services.password_expiry_enforce(user=user):
            messages.warning(
                self.request,
                _("Your password has expired under the county's policy; set a new one."),
            )
        if otp.otp_needed(self.request):
            device = otp.remembered_device(self.request, user)
            if device is not None:  # "remember this device for 12 hours"
                otp_login(self.request, device)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        username = (self.request.POST.get("username") or "").strip()
        if username:
            if getattr(self.request, "axes_locked_out", False):
                result = LoginResult.LOCKED
            elif form.refused_inactive:
                result = LoginResult.INACTIVE
            else:
                result = LoginResult.FAILED
            services.login_record(request=self.request, username=username, result=result)
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.session_forget(session_key=request.session.session_key)
        services.login_record(
            request=request,
            username=request.user.get_username(),
            user=request.user,
            result=LoginResult.LOGOUT,
        )
        logout(request)
        messages.info(request, _("You have logged out."))
    return redirect("accounts:login")


@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


# --- Second factor -----------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith("/") else "/"


class OTPCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authenticator code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows now, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
    remember = forms.BooleanField(label=_("Remember this device for 12 hours"), required=False)


@login_required
def otp_verify(request: AuthedRequest) -> HttpResponse:
    if request.user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next_url(request))
    if otp.totp_device(request.user) is None:
        return redirect("accounts:otp_setup")
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = otp.matching_device(request.user, form.cleaned_data["code"])
        if device is None:
            services.otp_failure_record(request=request, user=request.user)
            form.add_error("code", _("That code is not right; enter the code the app shows now."))
        else:
            otp_login(request, device)
            response = redirect(_next_url(request))
            if form.cleaned_data["remember"]:
                otp.remember(response, request.user, device)
            return response
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def otp_setup(request: AuthedRequest) -> HttpResponse:
    """Set up the authenticator: scan the QR code (or type the key), confirm with a code;
    the ten backup codes are shown once."""
    verified = request.user.is_verified()  # type: ignore[attr-defined]
    if otp.totp_device(request.user) is not None and not verified:
        return redirect("accounts:otp_verify")
    pending = request.session.get("otp_setup_device")
    device = otp.pending_device(request.user, pending) if pending else None
    if device is None:
        device = services.otp_enrol_start(user=request.user)
        request.session["otp_setup_device"] = device.pk
    form = OTPCodeForm(request.POST or None)
    form.fields.pop("remember")
    form.fields["code"].help_text = _("The 6 digits the app shows after scanning.")
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.otp_enrol_confirm(
                user=request.user, device=device, code=form.cleaned_data["code"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            request.session.pop("otp_setup_device", None)
            otp_login(request, device)
            return render(
                request,
                "accounts/otp_backup_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": otp.qr_svg(device),
            "key": otp.base32_key(device),
            "next": _next_url(request),
        },
    )


@login_required
@require_POST
def user_reset_otp(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _user_for(request, pk)
    try:
        services.otp_reset(actor=request.user, user=target, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The second factor of %(name)s was reset; they set it up again at the next login.")
            % {"name": target.full_name},
        )
    return redirect("accounts:user_detail", pk=target.pk)


# --- User management --------------------------------------------------------------------


def _manageable_organizations(user: User) -> Any:
    orgs = Organization.objects.visible_to(user).filter(is_active=True).select_related("county")
    return [org for org in orgs if can_manage_users_of(user, org)]


@login_required
def user_list(request: AuthedRequest) -> HttpResponse:
    require(can_manage_any_users(request.user))
    filters = filtered(request, UserFilter, selectors.user_list(viewer=request.user))
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def user_export(request: AuthedRequest) -> HttpResponseBase:
    require(can_manage_any_users(request.user))
    filters = filtered(request, UserFilter, selectors.user_list(viewer=request.user))
    return export_page(request, export=exports.USERS, filters=filters)


@login_required
def user_create(request: AuthedRequest) -> HttpResponse:
    actor: User = request.user
    require(can_manage_any_users(actor))
    choices = _manageable_organizations(actor)
    initial_org = request.GET.get("organization")

    class CreateForm(UserForm):
        organization = forms.TypedChoiceField(
            label=_("Organization"),
            coerce=int,
            choices=[(o.pk, f"{o.name}（{o.get_kind_display()}）") for o in choices],
        )
        field_order = ["organization", "username", "full_name", "role", "email", "phone"]

    form = CreateForm(request.POST or None, initial={"organization": initial_org})
    if request.method == "POST" and form.is_valid():
        organization = next(o for o in choices if o.pk == form.cleaned_data["organization"])
        try:
            user, temporary = services.user_create(
                actor=actor,
                organization=organization,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return render(
                request,
                "accounts/temporary_password.html",
                {"target": user, "temporary": temporary, "created": True},
            )
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


def _user_for(request: HttpRequest, pk: int) -> User:
    return get_visible(
        User.objects.select_related("organization", "organization__county"), request.user, pk=pk
    )


@login_required
def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _user_for(request, pk)
    can_manage = target.organization is not None and can_manage_users_of(
        request.user, target.organization
    )
    # Colleagues see each other's names; phones and history only managers and oneself.
    history = HistoryPanel(
        request, target if (can_manage or target.pk == request.user.pk) else None
    )
    if (fragment := history.fragment()) is not None:
        return fragment
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "can_manage": can_manage,
            # Colleagues see each other's names; phones and history only managers and oneself.
            "phone": target.phone
            if (can_manage or target.pk == request.user.pk)
            else mask_phone(target.phone),
            "history": history,
            "reason_form": ReasonForm(),
            "locked_until": selectors.lockout_of(target) if can_manage else None,
            "has_second_factor": can_manage and otp.totp_device(target) is not None,
        },
    )


@login_required
def user_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _user_for(request, pk)
    require(
        target.organization is not None and can_manage_users_of(request.user, target.organization)
    )
    assert target.organization is not None
    roles = services.ROLES_BY_KIND[target.organization.kind]
    form = UserForm(
        request.POST or None,
        roles=roles,
        editing=True,
        initial={
            "full_name": target.full_name,
            "role": target.role,
            "email": target.email,
            "phone": target.phone,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(
                actor=request.user,
                user=target,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s saved.") % {"name": form.cleaned_data["full_name"]}
            )
            return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/user_form.html", {"form": form, "target": target})


@login_required
@require_POST
def user_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _user_for(request, pk)
    require(
        target.organization is not None and can_manage_users_of(request.user, target.organization)
    )
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a reason for deactivating the user."))
        return redirect("accounts:user_detail", pk=target.pk)
    try:
        services.user_deactivate(
            actor=request.user,
            user=target,
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The user is deactivated and all their sessions ended."))
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_reactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _user_for(request, pk)
    require(
        target.organization is not None and can_manage_users_of(request.user, target.organization)
    )
    try:
        services.user_reactivate(actor=request.user, user=target)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The user is active again."))
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_unlock(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _user_for(request, pk)
    require(
        target.organization is not None and can_manage_users_of(request.user, target.organization)
    )
    try:
        services.user_unlock(actor=request.user, user=target)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("%(name)s is unlocked and can log in again.") % {"name": target.full_name}
        )
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_reset_password(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _user_for(request, pk)
    require(
        target.organization is not None and can_manage_users_of(request.user, target.organization)
    )
    temporary = services.user_reset_password(actor=request.user, user=target)
    return render(
        request,
        "accounts/temporary_password.html",
        {"target": target, "temporary": temporary, "created": False},
    )


@login_required
def login_log(request: AuthedRequest) -> HttpResponse:
    require(can_read_county_logs(request.user))
    filters = filtered(request, LoginLogFilter, selectors.login_log_list(viewer=request.user))
    return render(
        request,
        "accounts/login_log.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def login_log_export(request: AuthedRequest) -> HttpResponseBase:
    require(can_read_county_logs(request.user))
    filters = filtered(request, LoginLogFilter, selectors.login_log_list(viewer=request.user))
    return export_page(request, export=exports.LOGIN_LOG, filters=filters)


@login_required
def denied_log(request: AuthedRequest) -> HttpResponse:
    require(can_read_county_logs(request.user))
    filters = filtered(
        request, DeniedAccessFilter, selectors.denied_access_list(viewer=request.user)
    )
    return render(
        request,
        "accounts/denied_log.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def denied_log_export(request: AuthedRequest) -> HttpResponseBase:
    require(can_read_county_logs(request.user))
    filters = filtered(
        request, DeniedAccessFilter, selectors.denied_access_list(viewer=request.user)
    )
    return export_page(request, export=exports.DENIED_ACCESSES, filters=filters)
