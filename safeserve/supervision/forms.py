from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safeserve.common.forms import BootstrapFormMixin
from safeserve.common.models import POLICY_LIMITS, policy_help, policy_label


class CountyPolicyForm(BootstrapFormMixin, forms.Form):
    """One whole-number field per policy value, labelled and bounded from the model."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in POLICY_LIMITS.items():
            if (low, high) == (0, 1):  # a switch: required or not
                self.fields[name] = forms.TypedChoiceField(
                    label=policy_label(name).capitalize(),
                    choices=[(1, _("Required")), (0, _("Optional"))],
                    coerce=int,
                    help_text=policy_help(name),
                )
                self.fields[name].widget.attrs["class"] = "form-select"
                continue
            self.fields[name] = forms.IntegerField(
                label=policy_label(name).capitalize(),
                min_value=low,
                max_value=high,
                help_text=policy_help(name),
            )
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["reason"] = forms.CharField(
            label=_("Reason for the change"), max_length=300, required=False
        )
        self.fields["reason"].widget.attrs["class"] = "form-control"
