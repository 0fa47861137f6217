from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from safeserve.accounts.models import User
from safeserve.common.forms import DATE, BootstrapFormMixin
from safeserve.common.lib.masking import mask_id_number, mask_phone
from safeserve.common.lib.uploads import validate_scan
from safeserve.enterprises.validation import validate_phone
from safeserve.providers.models import (
    CertificateKind,
    LegalEntityKind,
    ProviderEquipment,
    QualificationType,
    Specialty,
    ViolationSource,
)
from safeserve.providers.services import ExpertData, ProviderData, QualificationData


class ProviderForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40)
    legal_entity_kind = forms.ChoiceField(
        label=_("Kind of legal entity"), choices=LegalEntityKind.choices
    )
    is_independent_legal_person = forms.BooleanField(
        label=_("Independent legal person bearing civil liability"), required=False
    )
    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=40, required=False
    )
    premises_address = forms.CharField(label=_("Premises address"), max_length=200, required=False)
    premises_area = forms.DecimalField(
        label=_("Premises area (m²)"), min_value=0, max_digits=9, decimal_places=1, required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    report_prefix = forms.CharField(
        label=_("Word of report numbers"),
        max_length=20,
        required=False,
        help_text=_(
            "As in 〔2026〕某安技字第0012号: 某安技字. Empty: the first two characters of "
            "the name and 安技字."
        ),
    )
    notice_prefix = forms.CharField(
        label=_("Word of notice numbers"),
        max_length=20,
        required=False,
        help_text=_(
            "As in 〔2026〕某安整字第0003号: 某安整字. Empty: the first two characters of "
            "the name and 整改字."
        ),
    )
    attestation_statement = forms.CharField(
        label=_("Attestation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The provider's statement that it meets the other legal conditions "
            "(good reputation, tax and social-security record, no major violation "
            "in the last three years)."
        ),
    )
    attestation_signer = forms.CharField(label=_("Signed by"), max_length=40, required=False)
    attestation_date = forms.DateField(label=_("Signed on"), required=False, widget=DATE)
    attestation_file = forms.FileField(
        label=_("Signed attestation (scan, PDF or image)"), required=False
    )

    def clean_contact_phone(self) -> str:
        return validate_phone(self.cleaned_data["contact_phone"])

    def clean_attestation_file(self) -> Any:
        return validate_scan(self.cleaned_data.get("attestation_file"))

    def to_data(self) -> ProviderData:
        values = {k: v for k, v in self.cleaned_data.items() if k != "attestation_file"}
        return ProviderData(**values)


class EquipmentForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ProviderEquipment
        fields = ["name", "model", "quantity", "calibrated_until"]
        widgets = {"calibrated_until": DATE}


EquipmentFormSet = forms.formset_factory(EquipmentForm, extra=3, can_delete=True)


class QualificationForm(BootstrapFormMixin, forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=QualificationType.choices)
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=60)
    issuer = forms.CharField(label=_("Issued by"), max_length=80)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid until"), widget=DATE)
    scope = forms.CharField(
        label=_("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scan = forms.FileField(label=_("Scan of the certificate"), required=False)

    def clean_scan(self) -> Any:
        return validate_scan(self.cleaned_data.get("scan"))

    def to_data(self) -> QualificationData:
        return QualificationData(**{k: v for k, v in self.cleaned_data.items() if k != "scan"})


class AdmissionForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ViolationForm(BootstrapFormMixin, forms.Form):
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    source = forms.ChoiceField(label=_("Source"), choices=ViolationSource.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))


class ExpertForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=40)
    id_number = forms.CharField(label=_("ID number"), max_length=30)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    title = forms.CharField(
        label=_("Professional title"), max_length=40, required=False, help_text=_("e.g. 高级工程师")
    )
    specialties = forms.MultipleChoiceField(
        label=_("Specialties"),
        choices=Specialty.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    certificate_kind = forms.ChoiceField(
        label=_("Certificate"), required=False, choices=[("", "—"), *CertificateKind.choices]
    )
    certificate_number = forms.CharField(
        label=_("Certificate number"), max_length=60, required=False
    )
    certificate_valid_until = forms.DateField(
        label=_("Certificate valid until"), required=False, widget=DATE
    )
    user: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Login account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_(
            "An expert account of your organization, so the "
            "expert can do fieldwork and sign reports."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self, *args: Any, accounts: Any, hidden: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        """``hidden``: the stored ID number and phone, for an editor who may not see them
        (R: personal data to the county office, the provider's admin and the expert only) —
        the fields start empty, show the masked value, and left empty keep what is stored."""
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = accounts
        self.hidden = hidden
        if hidden is not None:
            for name, masked in (
                ("id_number", mask_id_number(hidden["id_number"])),
                ("phone", mask_phone(hidden["phone"])),
            ):
                field = self.fields[name]
                field.required = False
                field.widget.attrs["placeholder"] = masked
                field.help_text = _("Hidden from you; leave empty to keep it, or enter a new one.")
                self.initial[name] = ""

    def clean_phone(self) -> str:
        if self.hidden is not None and not self.cleaned_data["phone"].strip():
            return self.hidden["phone"]
        return validate_phone(self.cleaned_data["phone"])

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        if self.hidden is not None and not value.strip():
            return self.hidden["id_number"]
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("certificate_number") and not data.get("certificate_kind"):
            self.add_error("certificate_kind", _("Choose the kind of certificate."))
        return data

    def to_data(self) -> ExpertData:
        d = self.cleaned_data
        certificates = []
        if d.get("certificate_number"):
            certificates.append(
                {
                    "kind": d["certificate_kind"],
                    "number": d["certificate_number"],
                    "valid_until": d.get("certificate_valid_until"),
                }
            )
        return ExpertData(
            name=d["name"],
            id_number=d["id_number"],
            phone=d["phone"],
            title=d["title"],
            is_active=d["is_active"],
            specialties=d["specialties"],
            certificates=certificates,
            user=d["user"],
        )


class EmployerChangeForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=40)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        help_text=_("The expert's resident ID number, as registered by the former employer."),
    )
    statement = forms.CharField(
        label=_("Statement"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_(
            "Since when the expert works for you and how the former employment ended "
            "(e.g. 已于2026年11月与原单位解除劳动合同)."
        ),
    )
    evidence = forms.FileField(
        label=_("Proof of employment (PDF or image)"),
        required=False,
        help_text=_("e.g. the labour contract or the former employer's leaving certificate."),
    )
