from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import HighRiskSector
from safeserve.common.forms import BootstrapFormMixin
from safeserve.organizations.models import OrganizationKind, Region, RegionLevel
from safeserve.organizations.services import COUNTY_CREATABLE_KINDS


class OrganizationForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"))
    region = forms.ModelChoiceField(
        label=_("Township / region"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("Required for townships and enterprises: their township."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Supervised high-risk sectors"),
        choices=HighRiskSector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("County departments only."),
    )
    is_fallback_department = forms.BooleanField(
        label=_("Receives major hazards outside the high-risk sectors"),
        required=False,
        help_text=_("One department per county, usually the emergency management bureau."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_phone = forms.RegexField(
        label=_("Contact phone"),
        required=False,
        regex=r"^[0-9+\-]{5,20}$",
        error_messages={"invalid": _("Enter digits only, e.g. 0570-1234567.")},
    )

    def __init__(
        self,
        *args: Any,
        county: Region,
        editing: bool = False,
        platform: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = Region.objects.filter(
            parent=county, level=RegionLevel.TOWNSHIP
        ).order_by("code")
        cast(forms.ModelChoiceField, self.fields["region"]).empty_label = _("(the county itself)")
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (k.value, k.label)
            for k in ([OrganizationKind.COUNTY_OFFICE] if platform else []) + COUNTY_CREATABLE_KINDS
        ]
        if editing:
            del self.fields["kind"]
