from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import ProcurementMethod, ServiceCategory
from safeserve.common.forms import DATE, BootstrapFormMixin
from safeserve.procurement.models import LeadingGroupRole
from safeserve.procurement.services import ItemData, ProjectData
from safeserve.providers.models import Provider, Specialty


class PlanForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=120)


class ItemForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("Service category"), choices=ServiceCategory.choices)
    description = forms.CharField(
        label=_("Description of an 'other' service"), max_length=200, required=False
    )
    content = forms.CharField(label=_("Service content"), widget=forms.Textarea(attrs={"rows": 3}))
    target_enterprises = forms.IntegerField(
        label=_("Enterprises to serve"), min_value=0, max_value=1_000_000, initial=0
    )
    target_visits = forms.IntegerField(
        label=_("Enterprise visits"), min_value=0, max_value=10_000_000, initial=0
    )
    target_sessions = forms.IntegerField(
        label=_("Sessions (training, drills…)"), min_value=0, max_value=100_000, initial=0
    )
    budget = forms.DecimalField(
        label=_("Budget (yuan)"), min_value=0, max_digits=14, decimal_places=2
    )
    is_pilot = forms.BooleanField(label=_("Pilot (试点)"), required=False)

    def to_data(self) -> ItemData:
        return ItemData(**self.cleaned_data)


class MemberForm(BootstrapFormMixin, forms.Form):
    role = forms.ChoiceField(
        label=_("Role in the group"), choices=[("", "—"), *LeadingGroupRole.choices], required=False
    )
    name = forms.CharField(label=_("Name"), max_length=40, required=False)
    position = forms.CharField(label=_("Position"), max_length=80, required=False)


MemberFormSet = forms.formset_factory(MemberForm, extra=3)


class ProjectForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    service_content = forms.CharField(
        label=_("Service items and content"), widget=forms.Textarea(attrs={"rows": 3})
    )
    enterprise_scope = forms.CharField(
        label=_("Industries and enterprises in scope"), widget=forms.Textarea(attrs={"rows": 2})
    )
    required_experts = forms.IntegerField(
        label=_("Experts required"), min_value=1, max_value=500, initial=1
    )
    required_specialties = forms.MultipleChoiceField(
        label=_("Specialties required"),
        choices=Specialty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_premises_area = forms.DecimalField(
        label=_("Minimum premises area (m²)"),
        min_value=0,
        max_digits=9,
        decimal_places=1,
        required=False,
    )
    extra_requirements = forms.CharField(
        label=_("Other requirements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Conditions the purchaser confirms at award, one per line."),
    )
    method = forms.ChoiceField(
        label=_("Procurement method"),
        required=False,
        choices=[("", "—"), *ProcurementMethod.choices],
    )

    def clean_extra_requirements(self) -> list[str]:
        text = self.cleaned_data.get("extra_requirements") or ""
        return [line.strip()[:200] for line in text.splitlines() if line.strip()][:20]

    def to_data(self) -> ProjectData:
        return ProjectData(**self.cleaned_data)


class DocumentForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Document title"), max_length=120)
    file = forms.FileField(label=_("File (PDF or image)"))


class AwardForm(BootstrapFormMixin, forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none())
    award_date = forms.DateField(label=_("Award date"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Award amount (yuan)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    method = forms.ChoiceField(
        label=_("Procurement method"), choices=ProcurementMethod.choices, required=False
    )
    confirmed = forms.MultipleChoiceField(
        label=_("The project's own requirements, confirmed"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, providers: Any, requirements: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]
        self.fields["confirmed"].choices = [(r, r) for r in requirements]  # type: ignore[attr-defined]
        self.fields["award_date"].initial = timezone.localdate()


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
