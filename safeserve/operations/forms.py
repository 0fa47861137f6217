from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safeserve.common.forms import BootstrapFormMixin


class CountyForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("County code (GB/T 2260)"),
        max_length=12,
        help_text=_("Six digits, e.g. 330106."),
    )
    name = forms.CharField(label=_("County name"), max_length=60)
    office_name = forms.CharField(
        label=_("Name of the county work-safety office"),
        max_length=120,
        required=False,
        help_text=_("Leave empty for “<county>安全生产委员会办公室”."),
    )
    admin_username = forms.CharField(label=_("Admin's login name"), max_length=60)
    admin_full_name = forms.CharField(label=_("Admin's full name"), max_length=60)
    admin_phone = forms.RegexField(
        label=_("Admin's phone"), regex=r"^[0-9+\-]{5,20}$", required=False
    )


class TownshipForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Township or subdistrict"), max_length=60, help_text=_("e.g. 城关镇, 东山街道")
    )
    code = forms.CharField(
        label=_("Statistical region code"),
        max_length=20,
        help_text=_("9 digits starting with the county's code; 12 digits ending in 000 are fine."),
    )
    organization_name = forms.CharField(
        label=_("Name of its government"),
        max_length=120,
        required=False,
        help_text=_("Leave empty for “<county><township>人民政府” (街道: 办事处)."),
    )
