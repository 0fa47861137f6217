from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from safeserve.audit.actions import action_choices, object_type_choices
from safeserve.common.forms import BootstrapFormMixin


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Actor"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object ID"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            ("", _("All actions")),
            *action_choices(),
        ]
        object_type = cast(forms.ChoiceField, self.fields["object_type"])
        object_type.choices = [("", _("All kinds")), *object_type_choices()]
