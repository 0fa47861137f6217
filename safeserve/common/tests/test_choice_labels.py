"""BaseModel's get_<field>_display reads a dictionary made once per field (a list page asks
hundreds of times): the same answers as Django's, in the language active at each call."""

from __future__ import annotations

from django.utils import translation

from safeserve.fieldwork.models import ServiceTask, TaskKind, TaskStatus


def test_the_label_is_the_choices_in_the_language_of_the_moment() -> None:
    task = ServiceTask(status=TaskStatus.ON_SITE, kind=TaskKind.INSPECTION)
    with translation.override("en"):
        english = (task.get_status_display(), task.get_kind_display())
    with translation.override("zh-hans"):
        chinese = (task.get_status_display(), task.get_kind_display())
    with translation.override("en"):
        assert english == (str(TaskStatus.ON_SITE.label), str(TaskKind.INSPECTION.label))
    with translation.override("zh-hans"):
        assert chinese == (str(TaskStatus.ON_SITE.label), str(TaskKind.INSPECTION.label))
    assert english != chinese


def test_a_value_outside_the_choices_is_shown_as_it_is() -> None:
    assert ServiceTask(status="lost").get_status_display() == "lost"
    assert ServiceTask(status=None).get_status_display() is None
