from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from safeserve.accounts.backends import user_can_log_in
from safeserve.accounts.models import User
from safeserve.common.forms import BootstrapFormMixin
from safeserve.organizations.models import Role


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong username or password. After 5 failures in a row the account "
            "is locked for 15 minutes."
        ),
        "inactive": _(
            "This account (or its organization) has been deactivated. Contact your administrator."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.refused_inactive = False

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            username = self.cleaned_data.get("username")
            password = self.cleaned_data.get("password")
            user = User.objects.select_related("organization").filter(username=username).first()
            if user and password and user.check_password(password) and not user_can_log_in(user):
                self.refused_inactive = True
                raise forms.ValidationError(
                    self.error_messages["inactive"], code="inactive"
                ) from None
            raise


class PasswordChangeForm(BootstrapFormMixin, forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 10 characters; not a common password, "
            "not all digits, not like your username or name."
        ),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class UserForm(BootstrapFormMixin, forms.Form):
    username = forms.RegexField(
        regex=r"^[A-Za-z0-9_.@+-]+\Z",
        label=_("Username"),
        max_length=60,
        help_text=_("Letters, digits and @/./+/-/_ only."),
        error_messages={"invalid": _("Letters, digits and @/./+/-/_ only.")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    phone = forms.RegexField(
        label=_("Phone"),
        required=False,
        regex=r"^[0-9+\-]{5,20}$",
        error_messages={"invalid": _("Enter digits only, e.g. 13812345678.")},
    )

    def __init__(
        self, *args: Any, roles: list[str] | None = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if roles is not None:
            cast(forms.ChoiceField, self.fields["role"]).choices = [
                (r, Role(r).label) for r in roles
            ]
        if editing:
            del self.fields["username"]


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
