from __future__ import annotations

from typing import Any

from django import forms

from safeserve.notifications.registry import Kind, kinds
from safeserve.notifications.services import preferences_of


def _checkbox(kind: Kind, initial: bool, *, disabled: bool = False) -> forms.BooleanField:
    return forms.BooleanField(
        required=False,
        initial=initial,
        label=kind.label,
        disabled=disabled,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "aria-label": kind.label}),
    )


class PreferencesForm(forms.Form):
    """Two checkboxes per kind: in the app, by email. A kind a legal duty hangs on shows in
    the app whatever is chosen (its box is disabled)."""

    def __init__(self, user: Any, data: Any = None) -> None:
        super().__init__(data)
        for kind, in_app, email in preferences_of(user):
            self.fields[f"{kind.key}__app"] = _checkbox(kind, in_app, disabled=kind.mandatory)
            self.fields[f"{kind.key}__email"] = _checkbox(kind, email)

    def kinds(self) -> list[tuple[Kind, forms.BoundField, forms.BoundField]]:
        return [(kind, self[f"{kind.key}__app"], self[f"{kind.key}__email"]) for kind in kinds()]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {
            kind.key: (
                bool(self.cleaned_data.get(f"{kind.key}__app")) or kind.mandatory,
                bool(self.cleaned_data.get(f"{kind.key}__email")),
            )
            for kind in kinds()
        }
