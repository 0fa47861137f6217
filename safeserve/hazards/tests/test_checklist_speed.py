"""The expert's checklist, faster: an item saves without reloading the page (htmx swaps its
card, the message inside it, the count beside the title), the remaining items can be answered
"no problem" in one confirmed step, and superseded criteria stay out of the way until asked."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import Answer, InspectionAnswer, ServiceTask
from safeserve.fieldwork.tests.conftest import template

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _sheet(users: dict[str, Any], task: ServiceTask) -> Any:
    return fieldwork.inspection_add(
        actor=users["expert"], task=task, template=template("general-basic")
    )


def test_an_item_saves_in_place_with_its_message_and_the_count(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    sheet = _sheet(users, on_site)
    items = list(sheet.template.items.order_by("position"))
    url = reverse("inspection", args=[on_site.pk, sheet.pk])
    page = login(users["expert"]).get(url).content.decode()
    assert f'hx-post="{url}"' in page and 'data-testid="all-remaining-no"' in page

    response = login(users["expert"]).post(url, {"item": items[1].pk, "answer": "no"}, **HX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html  # the card, not the page
    assert f'id="item-{items[1].pk}"' in html and html.count('data-testid="item"') == 1
    assert 'data-testid="item-message"' in html and "已保存" in html
    assert 'hx-swap-oob="true"' in html and f"1/{len(items)}" in html
    assert InspectionAnswer.objects.get(inspection=sheet, item=items[1]).answer == Answer.NO


def test_a_refused_item_keeps_what_was_typed_and_says_why_in_its_card(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    sheet = _sheet(users, on_site)
    item = sheet.template.items.order_by("position").first()
    url = reverse("inspection", args=[on_site.pk, sheet.pk])
    response = login(users["expert"]).post(
        url, {"item": item.pk, "answer": "yes", "description": "", "location": "二楼"}, **HX
    )
    html = response.content.decode()
    assert "alert-danger" in html and "请描述存在的问题" in html
    assert 'value="二楼"' in html
    assert not InspectionAnswer.objects.filter(inspection=sheet).exists()


def test_the_remaining_items_are_answered_no_problem_in_one_step(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    sheet = _sheet(users, on_site)
    items = list(sheet.template.items.order_by("position"))
    fieldwork.answer_record(
        actor=users["expert"],
        inspection=sheet,
        item=items[0],
        answer=Answer.YES,
        description="消防通道堆放杂物",
    )
    url = reverse("inspection", args=[on_site.pk, sheet.pk])
    page = login(users["expert"]).get(url).content.decode()
    assert "data-confirm=" in page[page.index('data-testid="all-remaining-no"') - 300 :]

    response = login(users["expert"]).post(url, {"all_remaining_no": "1"}, follow=True)

    answers = dict(
        InspectionAnswer.objects.filter(inspection=sheet).values_list("item_id", "answer")
    )
    assert answers[items[0].pk] == Answer.YES  # kept
    assert all(answers[item.pk] == Answer.NO for item in items[1:])
    assert len(answers) == len(items)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [f"已将其余 {len(items) - 1} 项答为“无问题”。"]
    event = AuditEvent.objects.get(action="task.items_answered_no")
    assert event.after["count"] == len(items) - 1
    assert 'data-testid="all-remaining-no"' not in response.content.decode()
    with pytest.raises(ApplicationError) as caught:
        fieldwork.answers_remaining_no(actor=users["expert"], inspection=sheet)
    assert caught.value.code == "nothing_remaining"


def test_only_an_expert_on_site_answers_the_remaining_items(
    users: dict[str, Any], on_site: ServiceTask
) -> None:
    sheet = _sheet(users, on_site)
    for persona in ("provider_admin", "other_expert", "enterprise_user"):
        with pytest.raises(PermissionDenied):
            fieldwork.answers_remaining_no(actor=users[persona], inspection=sheet)
    assert not InspectionAnswer.objects.filter(inspection=sheet).exists()


def test_superseded_checklists_are_offered_only_when_asked(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    url = reverse("fieldwork:detail", args=[on_site.pk])
    client = login(users["expert"])
    plain = client.get(url).content.decode()
    assert "gm2017-textile" not in plain and 'data-testid="show-older"' in plain
    superseded = template("gm2017-textile")
    assert f'value="{superseded.pk}"' not in plain
    asked = client.get(url + "?older=1").content.decode()
    assert f'value="{superseded.pk}"' in asked


def test_a_refusal_by_role_shows_in_the_card_not_as_a_silent_403(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    sheet = _sheet(users, on_site)
    item = sheet.template.items.order_by("position").first()
    url = reverse("inspection", args=[on_site.pk, sheet.pk])
    response = login(users["provider_admin"]).post(url, {"item": item.pk, "answer": "no"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "alert-danger" in html and "无权" in html
    assert not InspectionAnswer.objects.filter(inspection=sheet).exists()
