"""Building evaluations in tests through the services, as the pages and the API call them."""

from __future__ import annotations

from typing import Any

from safeserve.contracts.models import Contract
from safeserve.evaluations import services
from safeserve.evaluations.models import Evaluation

# The fieldwork contract's criteria (检查覆盖率 40, 隐患闭环率 40, 企业满意度 20), all scored.
FULL = {
    1: {"score": "36", "comment": "覆盖全部重点企业"},
    2: {"score": "30", "comment": "个别隐患逾期"},
    3: {"score": "18", "comment": "企业评价良好"},
}


def first_period(contract: Contract) -> tuple[Any, Any]:
    start, end, _closing = services.periods(contract)[0]
    return start, end


def opened(users: dict[str, Any], contract: Contract, who: str = "township_officer") -> Evaluation:
    start, end = first_period(contract)
    return services.evaluation_open(
        actor=users[who], contract=contract, period_start=start, period_end=end
    )


def scored(users: dict[str, Any], evaluation: Evaluation, changes: Any = None) -> Evaluation:
    return services.evaluation_score(
        actor=users["township_officer"],
        evaluation=services.evaluation_of(evaluation.pk),
        changes=changes or FULL,
    )


def sent(users: dict[str, Any], evaluation: Evaluation) -> Evaluation:
    scored(users, evaluation)
    return services.evaluation_send(
        actor=users["township_officer"], evaluation=services.evaluation_of(evaluation.pk)
    )


def replied(users: dict[str, Any], evaluation: Evaluation) -> Evaluation:
    return services.evaluation_reply(
        actor=users["provider_admin"],
        evaluation=services.evaluation_of(evaluation.pk),
        statement="对隐患逾期一项有异议：企业已申请延期并获批。",
    )


def final(users: dict[str, Any], evaluation: Evaluation, **kwargs: Any) -> Evaluation:
    return services.evaluation_finalise(
        actor=users["township_leader"],
        evaluation=services.evaluation_of(evaluation.pk),
        **kwargs,
    )
