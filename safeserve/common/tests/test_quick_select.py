"""The filter bar is drawn in Python (QuickSelect, FilterBarRenderer) in the same HTML as
Django's widget templates: plain, grouped and model choices, the chosen value marked, every
input type, text escaped; and every list's filter bar as a whole."""

from __future__ import annotations

import contextlib
import datetime
import importlib
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.forms.renderers import get_default_renderer
from django.utils.safestring import mark_safe
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from safeserve.accounts.models import User
from safeserve.common.filters import (
    FILTER_BAR_RENDERER,
    FlagCheckbox,
    ListFilterSet,
    NamedChoiceField,
    QuickSelect,
)
from safeserve.organizations.models import Region

CHOICES: list[Any] = [
    ("", "全部"),
    ("a", "甲 <b>"),
    ("组", [("b", "乙"), ("c", '丙"丁')]),
    ("", [("d", "无组名")]),  # a group without a name is drawn without its wrapper
]


def _both(choices: Any, value: Any, attrs: dict[str, Any]) -> tuple[str, str]:
    django = forms.Select(attrs=attrs, choices=choices)
    quick = QuickSelect(attrs=attrs)
    quick.choices = choices
    return (
        " ".join(django.render("f", value).split()),
        " ".join(quick.render("f", value).split()),
    )


@pytest.mark.parametrize("value", ["", "a", "c", None, "missing"])
def test_it_draws_what_djangos_select_draws(value: Any) -> None:
    attrs = {"class": "form-select", "aria-label": "状态 & 级别", "id": "id_f", "disabled": False}
    django, quick = _both(CHOICES, value, attrs)
    assert quick == django.replace("> <", "><")


def test_model_choices_too(world: Any) -> None:
    field = forms.ModelChoiceField(Region.objects.order_by("pk")[:5], empty_label="全部乡镇")
    chosen = Region.objects.order_by("pk")[2]
    django, quick = _both(field.choices, chosen.pk, {"id": "id_township"})
    assert quick == django.replace("> <", "><")
    assert f'<option value="{chosen.pk}" selected>' in quick


@pytest.mark.parametrize("value", ["", "null"])
def test_django_filters_none_choice_too(world: Any, value: str) -> None:
    """django-filter's model field offers "none" after "all": drawn there, and chosen."""
    field = FilterModelChoiceField(
        Region.objects.order_by("pk")[:3], empty_label="全部乡镇", null_label="未填写"
    )
    django, quick = _both(field.choices, value, {"id": "id_township"})
    assert quick == django.replace("> <", "><")
    assert '<option value="null"' in quick


def test_named_choices_read_the_names_alone(world: Any, django_assert_num_queries: Any) -> None:
    """A township, organization or provider is drawn from its name column: the same
    options as Django's, in one query, without a model per row."""
    field = NamedChoiceField(Region.objects.order_by("code"), empty_label="全部乡镇")
    chosen = Region.objects.order_by("code")[1]
    django, _quick = _both(field.choices, chosen.pk, {"id": "id_township"})
    quick = QuickSelect(attrs={"id": "id_township"})
    quick.choices = field.choices
    with django_assert_num_queries(1):
        drawn = quick.render("f", chosen.pk)
    assert " ".join(drawn.split()) == django.replace("> <", "><")
    assert f'<option value="{chosen.pk}" selected>{chosen.name}</option>' in drawn


INPUTS: list[tuple[forms.Widget, Any]] = [
    (forms.TextInput(attrs={"class": "form-control", "placeholder": '名称 <或> "代码"'}), "a&b"),
    (forms.TextInput(attrs={"placeholder": mark_safe("<b>已标记安全</b>")}), None),
    (forms.DateInput(attrs={"type": "date"}), datetime.date(2026, 6, 10)),
    (forms.DateInput(attrs={"type": "date", "required": True, "disabled": False}), ""),
    (forms.NumberInput(attrs={"min": 1}), 7),
    (forms.HiddenInput(), "12"),
    (forms.HiddenInput(), None),
    (forms.CheckboxInput(attrs={"class": "form-check-input"}), True),
    (forms.CheckboxInput(), False),
    (FlagCheckbox(attrs={"class": "form-check-input"}), True),
    (FlagCheckbox(), None),
]


@pytest.mark.parametrize(("widget", "value"), INPUTS)
def test_the_filter_bar_draws_inputs_as_djangos_templates_do(widget: Any, value: Any) -> None:
    django = widget.render("f", value, attrs={"id": "id_f"})
    drawn = widget.render("f", value, attrs={"id": "id_f"}, renderer=FILTER_BAR_RENDERER)
    assert drawn.strip() == django.strip()
    assert drawn.startswith("<input ")


def _filtersets() -> list[type[ListFilterSet]]:
    for app in apps.get_app_configs():
        if app.name.startswith("safeserve."):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(f"{app.name}.filters")
    found, todo = [], list(ListFilterSet.__subclasses__())
    while todo:
        filterset = todo.pop()
        found.append(filterset)
        todo.extend(filterset.__subclasses__())
    return found


@pytest.mark.parametrize("bad", [False, True])
def test_every_filter_bar_is_the_same_html_as_djangos(world: Any, rf: Any, bad: bool) -> None:
    """Every list's filter bar, each field drawn by the filter bar's renderer and by
    Django's default one, with nothing chosen and with a value in every field."""
    admin = User.objects.filter(is_superuser=True).first()
    filtersets = _filtersets()
    assert len(filtersets) >= 15
    for filterset_class in filtersets:
        names = list(filterset_class.base_filters)
        request = rf.get("/", dict.fromkeys(names, '1 <"x">') if bad else {})
        request.user = admin
        filterset = filterset_class(request.GET or None, queryset=None, request=request)
        form = filterset.form
        assert form.renderer is FILTER_BAR_RENDERER
        for field in form:
            drawn = str(field)
            form.renderer = get_default_renderer()
            try:
                django = str(field)
            finally:
                form.renderer = FILTER_BAR_RENDERER
            assert " ".join(drawn.split()) == " ".join(django.split()).replace("> <", "><"), (
                filterset_class.__name__,
                field.name,
            )


@pytest.mark.parametrize(
    ("sent", "ticked"), [("1", True), ("true", True), ("0", False), ("no", False), (None, False)]
)
def test_a_flag_in_use_is_ticked_so_filtering_again_keeps_it(
    world: Any, rf: Any, sent: Any, ticked: bool
) -> None:
    """仅看逾期 sent as overdue=1 comes back ticked: a second 筛选 (say, of another status)
    keeps the overdue hazards alone instead of silently dropping the flag."""
    from safeserve.hazards.filters import HazardFilter

    request = rf.get("/", {"overdue": sent, "status": "rectifying"} if sent else {})
    request.user = User.objects.filter(is_superuser=True).first()
    box = str(HazardFilter(request.GET or None, queryset=None, request=request).form["overdue"])
    assert (" checked" in box) is ticked
