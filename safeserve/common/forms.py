from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError


def apply_error(form: forms.Form, error: ApplicationError) -> None:
    """Shows a service's refusal on the form: its message above the form, and the details
    beside the fields they concern."""
    form.add_error(None, error.message)
    for field, messages in error.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


# A date field: the browser's date picker, which sends and shows ISO dates (forms and filter
# bars alike; Django deep-copies the widget for each field).
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

DASHES = "---------"  # Django's empty choice, which nobody should have to read


class BootstrapFormMixin:
    """Adds Bootstrap classes to widgets so templates can render fields uniformly, and words
    the empty choice of a select as 请选择 instead of Django's dashes."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            if getattr(field, "empty_label", None) == DASHES:
                field.empty_label = _("Choose…")
            elif isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.ModelChoiceField
            ):
                choices = list(field.choices)  # type: ignore[arg-type]
                if any(label == DASHES for _value, label in choices):
                    field.choices = [
                        (value, _("Choose…") if label == DASHES else label)
                        for value, label in choices
                    ]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class SpreadsheetForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )


def spreadsheet_upload(
    request: HttpRequest, start: Callable[[UploadedFile], Any]
) -> tuple[SpreadsheetForm, int, Any]:
    """The upload step every spreadsheet import shares: a body declared larger than the limit
    is refused before it is read (413), a malformed form is a 400, and ``start`` (which checks
    the file and queues its job) may refuse it with an ApplicationError. Returns the form, the
    status and the job (None unless started)."""
    form = SpreadsheetForm()
    if request.method != "POST":
        return form, 200, None
    length = str(request.META.get("CONTENT_LENGTH") or "0")
    if (int(length) if length.isdigit() else 0) > settings.IMPORT_MAX_BYTES + 65536:
        form.add_error(
            None,
            _("The file is larger than %(limit)d MB; split it into smaller files.")
            % {"limit": settings.IMPORT_MAX_BYTES // 1048576},
        )
        return form, 413, None
    form = SpreadsheetForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, 400, None
    try:
        return form, 200, start(form.cleaned_data["file"])
    except ApplicationError as exc:
        apply_error(form, exc)
        return form, exc.status, None
