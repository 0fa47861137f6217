from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safeserve.common.forms import DATE, BootstrapFormMixin
from safeserve.contracts.services import Terms

TEXT = forms.Textarea(attrs={"rows": 2})


class TermsForm(BootstrapFormMixin, forms.Form):
    number = forms.CharField(label=_("Contract number"), max_length=60, required=False)
    subject_matter = forms.CharField(label=_("Subject matter"), required=False, widget=TEXT)
    quantity = forms.CharField(
        label=_("Quantity"),
        max_length=200,
        required=False,
        help_text=_("e.g. 45 key enterprises, 4 visits each"),
    )
    quality_requirements = forms.CharField(
        label=_("Quality requirements"), required=False, widget=TEXT
    )
    period_start = forms.DateField(label=_("Service from"), required=False, widget=DATE)
    period_end = forms.DateField(label=_("Service until"), required=False, widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=14, decimal_places=2
    )
    payment_method = forms.CharField(label=_("Payment method"), required=False, widget=TEXT)
    rights_obligations = forms.CharField(
        label=_("Rights and obligations"), required=False, widget=TEXT
    )
    liability = forms.CharField(label=_("Liability for breach"), required=False, widget=TEXT)
    planned_visits = forms.IntegerField(
        label=_("Enterprise visits planned per year"), min_value=0, max_value=1_000_000, initial=0
    )
    criteria = forms.CharField(
        label=_("Performance evaluation criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: name | weight | requirement | method, and | 一票否决 after a "
            "criterion whose failure fails the evaluation. Weights add up to 100."
        ),
    )
    installments = forms.CharField(
        label=_("Payment installments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: amount | payable when. They add up to the amount."),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end date must not be before the start date."))
        return data

    def to_terms(self) -> Terms:
        values = {k: v for k, v in self.cleaned_data.items() if k in Terms.__dataclass_fields__}
        return Terms(**values)


class AmendmentForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXT)
    changes = forms.CharField(label=_("What changes"), widget=TEXT)
    amount_delta = forms.DecimalField(
        label=_("Change of amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        initial=0,
        required=False,
    )
