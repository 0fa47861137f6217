from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import HighRiskSector
from safeserve.common.forms import BootstrapFormMixin
from safeserve.enterprises import validation as v
from safeserve.enterprises.models import EnterpriseStatus
from safeserve.enterprises.services import EnterpriseData
from safeserve.organizations.models import Region

RESTORE_MAPPING = "__mapping__"


class TownshipChoiceField(forms.ModelChoiceField[Region]):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class EnterpriseForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Enterprise name"), max_length=120)
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        help_text=_("18 characters, as on the business licence."),
    )
    township = TownshipChoiceField(label=_("Township"), queryset=Region.objects.none())
    industry_code = forms.CharField(
        label=_("Industry code"),
        max_length=10,
        help_text=_("GB/T 4754-2017, e.g. C2614 or 2614."),
    )
    is_key = forms.BooleanField(label=_("Key enterprise"), required=False)
    dust_explosion = forms.BooleanField(label=_("Combustible dust"), required=False)
    ammonia_refrigeration = forms.BooleanField(label=_("Ammonia refrigeration"), required=False)
    confined_space = forms.BooleanField(label=_("Confined spaces"), required=False)
    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=40, required=False
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    employees = forms.IntegerField(
        label=_("Employees"), min_value=0, max_value=10_000_000, required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=EnterpriseStatus.choices)

    def __init__(self, *args: Any, townships: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["township"]).queryset = townships

    def clean_uscc(self) -> str:
        return v.validate_uscc(self.cleaned_data["uscc"])

    def clean_industry_code(self) -> str:
        return v.validate_industry_code(self.cleaned_data["industry_code"])

    def clean_contact_phone(self) -> str:
        return v.validate_phone(self.cleaned_data["contact_phone"])

    def to_data(self) -> EnterpriseData:
        return EnterpriseData(**self.cleaned_data)


class SectorOverrideForm(BootstrapFormMixin, forms.Form):
    sector = forms.ChoiceField(
        label=_("High-risk sector"),
        choices=[
            (RESTORE_MAPPING, _("Follow the county mapping")),
            ("", _("Not high-risk")),
            *HighRiskSector.choices,
        ],
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class SectorRuleForm(BootstrapFormMixin, forms.Form):
    code_prefix = forms.CharField(
        label=_("Industry code prefix"),
        max_length=6,
        help_text=_("2 to 4 digits, e.g. 54 (a division) or 5435 (a class)."),
    )
    sector = forms.ChoiceField(
        label=_("High-risk sector"),
        choices=[("", _("Not high-risk")), *HighRiskSector.choices],
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
