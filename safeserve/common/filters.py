"""One filter per list (STYLE.md §4): a django-filter FilterSet is the API's ``filterset_class``
and, through its form, the page's filter bar and the export's selection. A list therefore
filters the same way wherever it is read, and bad input is refused the same way: a 400 naming
the field in the API, the field's message on the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from safeserve.common.validation import MAX_ID

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _attributes(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html: in order, False left out, True bare, values
    escaped unless marked safe."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


# The input widgets whose template is django/forms/widgets/input.html (included as it is).
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "number", "email", "url", "search", "date", "hidden", "checkbox")
)


class FilterBarRenderer(DjangoTemplates):
    """The filter bar's inputs drawn in Python: the same HTML as Django's input template
    (up to the whitespace after it), without a template render per input, which was most of
    a filter bar's time on every list page. Any other template is Django's."""

    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        widget = context.get("widget") if template_name in _INPUT_TEMPLATES else None
        if widget is None:
            return super().render(template_name, context, request)
        value = widget["value"]
        shown = "" if value is None else f' value="{conditional_escape(value)}"'
        return (
            f'<input type="{conditional_escape(widget["type"])}"'
            f' name="{conditional_escape(widget["name"])}"{shown}{_attributes(widget["attrs"])}>'
        )


FILTER_BAR_RENDERER = FilterBarRenderer()


class QuickSelect(forms.Select):
    """A select drawn in Python rather than through a template per option: a platform
    administrator's filter bar lists every township of the province, and Django's widget
    templates (and the option dictionaries behind them) made that the most of the list
    page's time. Same HTML as Django's, the same option chosen (the first that matches)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        parts: list[str] = [f'<select name="{escape(name)}"{_attributes(final)}>']
        pending = [True]  # no option marked yet (a single select marks one)

        def option(value: Any, label: Any) -> str:
            text = str(value)
            mark = ""
            if (pending[0] or self.allow_multiple_selected) and text in chosen:
                pending[0] = False
                mark = " selected"
            return f'<option value="{escape(text)}"{mark}>{conditional_escape(label)}</option>'

        for value_, label in self._drawn_choices():
            if isinstance(label, (list, tuple)):
                if value_:
                    parts.append(f'<optgroup label="{conditional_escape(value_)}">')
                parts.extend(option(v, sub) for v, sub in label)
                if value_:
                    parts.append("</optgroup>")
            else:
                parts.append(option("" if value_ is None else value_, label))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value and label escaped

    def _drawn_choices(self) -> Iterable[tuple[Any, Any]]:
        """The choices; a model field's read in one fetch: Django's iterator reads them
        through a server-side cursor on PostgreSQL, three round trips for a hundred rows."""
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return choices
        field = choices.field
        if isinstance(field, NamedChoiceField):  # its label is a column: no model per row
            named: Iterable[tuple[Any, Any]] = choices.queryset.values_list(
                field.to_field_name or "pk", "name"
            )
        else:
            named = (choices.choice(row) for row in choices.queryset.all())
        first = []
        if field.empty_label is not None:
            first.append(("", field.empty_label))
        null_label = getattr(field, "null_label", None)  # django-filter's "none" choice
        if null_label is not None:
            first.append((getattr(field, "null_value", "null"), null_label))
        return [*first, *named]


class NamedChoiceField(FilterModelChoiceField):
    """A choice of one row named by its ``name`` column (a township, an organization, a
    provider): the filter bar reads the names alone (QuickSelect)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class NamedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = NamedChoiceField


def flag_of(value: Any) -> bool | None:
    """Yes, no, or None when ``value`` is neither a boolean nor one of the words for them:
    what a flag's field accepts and what ticks its checkbox."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _flag_in_use(value: Any) -> bool:
    """The bound value is what was sent ("1", "true"…), the initial one a boolean."""
    return value is not None and flag_of(value) is True


class FlagCheckbox(forms.CheckboxInput):
    """A checkbox on the page (sends 1); the API may also send true/false, yes/no, 1/0. Ticked
    when the flag is in use, so filtering again keeps it."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, check_test=_flag_in_use)

    def format_value(self, value: Any) -> str:
        return "1"

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class FlagField(forms.Field):
    widget = FlagCheckbox
    default_error_messages = {"invalid": _("Use 1 (yes) or 0 (no).")}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        flag = flag_of(value)
        if flag is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return flag


class FlagFilter(django_filters.Filter):
    """Yes, no, or either (left out). With ``method`` the method decides what yes and no
    mean (e.g. overdue); without, it compares the field."""

    field_class = FlagField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value is None:
            return qs
        return super().filter(qs, value)


class IdFilter(django_filters.Filter):
    """One related object by id (a contract, an enterprise, a task): hidden on the page, where
    it comes from a link; anything but a whole number is refused."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ListFilterSet(django_filters.FilterSet):
    """The base of every list's filters: fields are optional and styled for the filter bar."""

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Any] | None = None,
        *,
        request: HttpRequest | None = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.form.renderer = FILTER_BAR_RENDERER
        for field in self.form.fields.values():
            field.required = False
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                if type(widget) is forms.Select:
                    quick = QuickSelect(attrs=widget.attrs)
                    quick.choices = widget.choices
                    field.widget = widget = quick
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
                widget.attrs.setdefault("placeholder", field.label)
            widget.attrs.setdefault("aria-label", field.label)

    @property
    def user(self) -> Any:
        return getattr(self.request, "user", None)

    def in_words(self) -> str:
        """The filters in use as the filter bar names them, e.g. 状态：整改中；级别：重大隐患
        (an export's page says what it selected); empty when none or when one is bad."""
        if not self.is_valid():
            return ""
        parts = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, "", [], ()):
                continue
            field = self.form.fields[name]
            parts.append(f"{field.label}：{_in_words(field, value)}")
        return "；".join(parts)


def _in_words(field: forms.Field, value: Any) -> str:
    if isinstance(value, list | tuple | QuerySet):
        return "、".join(_in_words(field, item) for item in value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(value, models.Model):
        labels = {str(key): label for key, label in choices if not isinstance(label, list | tuple)}
        if str(value) in labels:
            return str(labels[str(value)])
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def filtered(
    request: HttpRequest, filterset_class: type[ListFilterSet], queryset: QuerySet[Any]
) -> ListFilterSet:
    """The page's side: the list's FilterSet bound to the query string. ``.qs`` is the list
    (a field with bad input is left out and shows its message); ``.form`` is the filter bar."""
    return filterset_class(request.GET or None, queryset=queryset, request=request)
