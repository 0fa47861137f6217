from __future__ import annotations

from django import forms

from safeserve.common.exceptions import ApplicationError


def apply_error(form: forms.Form, error: ApplicationError) -> None:
    """Shows a service's refusal on the form: its message above the form, and the details
    beside the fields they concern."""
    form.add_error(None, error.message)
    for field, messages in error.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class BootstrapFormMixin:
    """Adds Bootstrap classes to widgets so templates can render fields uniformly."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
