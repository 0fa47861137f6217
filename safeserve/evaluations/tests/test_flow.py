"""An evaluation from opening to final (R16, WORKFLOWS.md "Evaluation"): the contract's periods,
scores checked against each weight, the metrics frozen when sent, the provider's reply within
the window, nothing final before the reply or the window's end, changes after the reply only
with reasons, a veto criterion failing whatever the total, the contract evaluated by the
final result of its last period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.common.tests.clock import TODAY
from safeserve.contracts import services as contracts
from safeserve.contracts.models import ContractStatus
from safeserve.evaluations import services
from safeserve.evaluations.models import EvaluationStatus
from safeserve.evaluations.tests.conftest import NEXT_YEAR, at
from safeserve.evaluations.tests.helpers import (
    FULL,
    final,
    first_period,
    opened,
    replied,
    scored,
    sent,
)

pytestmark = pytest.mark.django_db


def test_a_contract_is_evaluated_per_calendar_year_and_at_its_end(users, contract):
    periods = services.periods(contract)
    assert periods[0] == (contract.period_start, dt.date(TODAY.year, 12, 31), False)
    assert periods[-1][1:] == (contract.period_end, True)
    assert services.open_periods(contract) == []  # nothing has ended yet
    with pytest.raises(ApplicationError) as refused:
        opened(users, contract)
    assert refused.value.code == "period_not_open"
    with at(NEXT_YEAR):
        assert services.open_periods(contract) == [periods[0]]
        evaluation = opened(users, contract)
        assert services.open_periods(contract) == []  # each period once
        assert [s.name for s in evaluation.scores.all()] == [
            "检查覆盖率",
            "隐患闭环率",
            "企业满意度",
        ]
        assert evaluation.pass_score == contract.pass_score == 60
        with pytest.raises(ApplicationError):
            opened(users, contract)


def test_the_evaluation_runs_from_draft_to_final(users, contract, next_year):
    evaluation = opened(users, contract)
    assert evaluation.status == EvaluationStatus.DRAFT

    with pytest.raises(ApplicationError) as refused:
        services.evaluation_send(actor=users["township_officer"], evaluation=evaluation)
    assert refused.value.code == "criteria_unscored"

    with pytest.raises(ApplicationError) as refused:  # above the weight, named
        scored(users, evaluation, {1: {"score": "41", "comment": "x"}})
    assert refused.value.status == 400 and "score_1" in refused.value.errors
    assert services.evaluation_of(evaluation.pk).scores.all()[0].score is None  # nothing kept

    evaluation = sent(users, evaluation)
    assert evaluation.status == EvaluationStatus.SENT
    assert evaluation.total == Decimal("84.0") and evaluation.passed is True
    assert evaluation.reply_due == NEXT_YEAR + dt.timedelta(days=10)
    assert [m["key"] for m in evaluation.metrics["items"]][:3] == ["coverage", "tasks", "hazards"]

    # nothing final before the reply or the window's end
    with pytest.raises(ApplicationError) as refused:
        final(users, evaluation)
    assert refused.value.code == "reply_pending"

    evaluation = services.evaluation_reply(
        actor=users["provider_admin"],
        evaluation=services.evaluation_of(evaluation.pk),
        statement="对隐患闭环率有异议，附延期批准文件。",
        files=[SimpleUploadedFile("延期批准.pdf", b"%PDF-1.4 test", "application/pdf")],
    )
    assert evaluation.status == EvaluationStatus.REPLIED
    assert [f.name for f in evaluation.files.all()] == ["延期批准.pdf"]

    # a change after the provider was told needs its reasons
    with pytest.raises(ApplicationError) as refused:
        final(users, evaluation, changes={2: {"score": "34"}})
    assert refused.value.code == "reason_required" and "reason" in refused.value.errors
    assert services.evaluation_of(evaluation.pk).scores.all()[1].score == Decimal("30.0")

    evaluation = final(users, evaluation, changes={2: {"score": "34"}}, reason="延期获批，不计逾期")
    assert evaluation.status == EvaluationStatus.FINAL
    assert evaluation.total == Decimal("88.0") and evaluation.final_note == "延期获批，不计逾期"
    event = AuditEvent.objects.get(action="evaluation.finalised")
    assert event.before["隐患闭环率"] == "30.0" and event.after["隐患闭环率"] == "34.0"
    assert event.reason == "延期获批，不计逾期"

    # a final evaluation never changes
    for attempt in (
        lambda: scored(users, evaluation),
        lambda: final(users, evaluation),
        lambda: replied(users, evaluation),
    ):
        with pytest.raises(ApplicationError) as refused:
            attempt()
        assert refused.value.code == "wrong_state"
    trail = AuditEvent.objects.filter(
        object_type="evaluations.evaluation", object_id=str(evaluation.pk)
    ).order_by("seq")
    assert [e.action for e in trail] == [
        "evaluation.opened",
        "evaluation.scored",
        "evaluation.sent",
        "evaluation.replied",
        "evaluation.finalised",
    ]


def test_a_failed_veto_criterion_fails_whatever_the_total(users, contract, next_year):
    from safeserve.evaluations.models import EvaluationScore

    evaluation = opened(users, contract)
    EvaluationScore.objects.filter(evaluation=evaluation, position=3).update(veto=True)
    full: dict[int, dict[str, object]] = {
        1: {"score": "40", "comment": "满分"},
        2: {"score": "40", "comment": "满分"},
        3: {"score": "20", "comment": "查实收费", "failed_veto": True},
    }
    evaluation = scored(users, evaluation, full)
    assert evaluation.total == Decimal("100.0")
    assert evaluation.vetoed and evaluation.passed is False


def test_a_lapsed_window_is_never_finalised_by_itself(users, contract, next_year):
    evaluation = sent(users, opened(users, contract))
    due = evaluation.reply_due
    # the last day: the provider may still reply, the leader may not finalise
    with at(due), pytest.raises(ApplicationError):
        final(users, evaluation)
    with at(due + dt.timedelta(days=1)):
        with pytest.raises(ApplicationError) as refused:  # too late to reply
            replied(users, evaluation)
        assert refused.value.code == "reply_window_closed"
        assert services.evaluation_of(evaluation.pk).status == EvaluationStatus.SENT
        done = final(users, evaluation)
        assert done.status == EvaluationStatus.FINAL and done.final_note == ""


def test_the_final_result_of_the_last_period_evaluates_the_contract(users, contract):
    end = contract.period_end + dt.timedelta(days=1)
    with at(end):  # the service period is over, the contract not yet completed
        assert [p[2] for p in services.open_periods(contract)] == [False]
    with at(end):
        contracts.contract_complete(actor=users["township_officer"], contract=contract)
        contract.refresh_from_db()
        periods = services.open_periods(contract)
        assert [p[2] for p in periods] == [False, True]
        start, stop, _closing = periods[-1]
        evaluation = services.evaluation_open(
            actor=users["township_officer"], contract=contract, period_start=start, period_end=stop
        )
        evaluation = sent(users, evaluation)
        replied(users, evaluation)
        final(users, evaluation)
        contract.refresh_from_db()
        assert contract.status == ContractStatus.EVALUATED
        assert AuditEvent.objects.filter(action="contract.evaluated").count() == 1


def test_the_first_period_does_not_evaluate_the_contract(users, contract, next_year):
    start, end = first_period(contract)
    evaluation = sent(users, opened(users, contract))
    replied(users, evaluation)
    final(users, evaluation)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_SERVICE
    assert (start, end) == (evaluation.period_start, evaluation.period_end)


def test_finalising_may_not_blank_a_score_and_a_retyped_comment_is_no_change(
    users, contract, next_year
):
    evaluation = replied(users, sent(users, opened(users, contract)))
    with pytest.raises(ApplicationError) as refused:
        final(users, evaluation, changes={1: {"score": "", "comment": ""}}, reason="清空")
    assert refused.value.code == "criteria_unscored"
    # the page's textarea sends the stored comment back with CRLF line ends: not a change
    same = {1: {"score": "36", "comment": FULL[1]["comment"].replace("\n", "\r\n")}}
    assert final(users, evaluation, changes=same).status == EvaluationStatus.FINAL


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-1", "5.05", "1e400", "abc"])
def test_a_score_that_is_not_a_plain_number_in_range_is_refused(users, contract, next_year, raw):
    evaluation = opened(users, contract)
    with pytest.raises(ApplicationError) as refused:
        scored(users, evaluation, {1: {"score": raw, "comment": "x"}})
    assert refused.value.status == 400 and "score_1" in refused.value.errors


def test_the_provider_does_not_see_the_drafting_in_the_history(users, contract, next_year):
    from safeserve.audit.selectors import history_for
    from safeserve.evaluations.selectors import hidden_history

    evaluation = sent(users, opened(users, contract))
    provider = users["provider_admin"]
    shown = [
        e.action for e in history_for(evaluation, provider, hide_actions=hidden_history(provider))
    ]
    assert shown == ["evaluation.sent"]
    officer = users["township_officer"]
    assert "evaluation.scored" in [
        e.action for e in history_for(evaluation, officer, hide_actions=hidden_history(officer))
    ]


def test_a_reply_that_fails_leaves_no_file_behind(users, contract, next_year, monkeypatch):
    from django.core.files.storage import default_storage

    from safeserve.evaluations import services as evaluation_services

    evaluation = sent(users, opened(users, contract))

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(evaluation_services, "audit_record", broken)
    pdf = SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    before = _stored("evaluations", default_storage)
    with pytest.raises(RuntimeError):
        evaluation_services.evaluation_reply(
            actor=users["provider_admin"],
            evaluation=services.evaluation_of(evaluation.pk),
            statement="异议",
            files=[pdf],
        )
    assert _stored("evaluations", default_storage) == before
    assert services.evaluation_of(evaluation.pk).status == EvaluationStatus.SENT


def _stored(top, storage):
    """Every file under ``top`` in the storage."""
    if not storage.exists(top):
        return set()
    found, pending = set(), [top]
    while pending:
        folder = pending.pop()
        dirs, files = storage.listdir(folder)
        found |= {f"{folder}/{name}" for name in files}
        pending += [f"{folder}/{name}" for name in dirs]
    return found
