"""The filter bar's QuickSelect draws the same HTML as Django's Select: plain, grouped and
model choices, the chosen value marked, text escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from safeserve.common.filters import QuickSelect
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
