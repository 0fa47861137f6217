"""Every action confirms what happened in words that name it, not a bare 已保存."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from safeserve.procurement.models import PlanStatus, PurchasePlan


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_approving_a_plan_says_it_is_in_the_budget(demo: Any, login: Any) -> None:
    plan = PurchasePlan.objects.filter(status=PlanStatus.SUBMITTED).first()
    assert plan is not None
    response = login(demo["county_officer"]).post(
        reverse("procurement:plan_transition", args=[plan.pk, "approve"]), follow=True
    )
    assert _messages(response) == ["已批准，计划已纳入年度预算。"]


def test_returning_a_plan_names_whom_it_went_back_to(demo: Any, login: Any) -> None:
    plan = PurchasePlan.objects.filter(status=PlanStatus.SUBMITTED).first()
    response = login(demo["county_officer"]).post(
        reverse("procurement:plan_transition", args=[plan.pk, "return"]),
        {"reason": "预算依据不足"},
        follow=True,
    )
    assert _messages(response) == [f"已退回 {plan.purchaser.name}，并附退回理由。"]


def test_saving_an_edit_names_what_was_saved(demo: Any, login: Any) -> None:
    from safeserve.accounts.models import User

    target = User.objects.get(username="county_officer")
    response = login(demo["county_admin"]).post(
        reverse("accounts:user_edit", args=[target.pk]),
        {"full_name": "周建平", "role": target.role, "email": "", "phone": ""},
        follow=True,
    )
    assert _messages(response) == ["已保存：周建平。"]
