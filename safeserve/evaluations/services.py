"""Evaluations (R16, WORKFLOWS.md "Evaluation"): opened by the purchaser for a contract and
period with the contract's criteria; scored (0 to each weight, with a comment; a veto
criterion failed fails it whatever the total); sent to the provider with the metrics of that
moment; replied to by the provider within the county's window; made final by the
purchaser's leader — who may change scores after the reply only giving reasons. Every step
audited; a final evaluation never changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.uploads import validate_uploads
from safeserve.common.models import policy_for
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.contracts.permissions import is_purchaser
from safeserve.contracts.services import contract_evaluated
from safeserve.evaluations import metrics
from safeserve.evaluations.models import (
    Evaluation,
    EvaluationFile,
    EvaluationScore,
    EvaluationStatus,
)
from safeserve.evaluations.reevaluations import end_access_when_done
from safeserve.evaluations.sanctions import sanction_follow
from safeserve.evaluations.workflows import EVALUATION, every_criterion_scored

COMMENT_LIMIT = 2000
REPLY_LIMIT = 10000
# A contract is evaluated once it ends, and yearly while it runs over several years.
EVALUABLE_STATUSES = (
    ContractStatus.IN_SERVICE,
    ContractStatus.COMPLETED,
    ContractStatus.EVALUATED,
    ContractStatus.TERMINATED,
)


def periods(contract: Contract) -> list[tuple[dt.date, dt.date, bool]]:
    """The contract's evaluation periods: calendar-year slices of its service period, the
    last one ending with it (``closing``)."""
    start, end = contract.period_start, contract.period_end
    if start is None or end is None:
        return []
    out = []
    while start <= end:
        slice_end = min(dt.date(start.year, 12, 31), end)
        out.append((start, slice_end, slice_end == end))
        start = slice_end + dt.timedelta(days=1)
    return out


def open_periods(
    contract: Contract, today: dt.date | None = None
) -> list[tuple[dt.date, dt.date, bool]]:
    """The periods that may be evaluated now and are not yet: a year once it has ended, the
    closing one once the contract is completed or terminated."""
    today = today or timezone.localdate()
    if contract.status not in EVALUABLE_STATUSES:
        return []
    taken = set(contract.evaluations.values_list("period_start", "period_end"))
    ended = contract.status in (ContractStatus.COMPLETED, ContractStatus.TERMINATED)
    return [
        (start, end, closing)
        for start, end, closing in periods(contract)
        if (start, end) not in taken and ((not closing and end < today) or (closing and ended))
    ]


def evaluation_of(pk: int) -> Evaluation:
    return (
        Evaluation.objects.select_related("contract__provider", "contract__purchaser", "provider")
        .prefetch_related("scores", "files")
        .get(pk=pk)
    )


def _lock(evaluation: Evaluation) -> Evaluation:
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("contract__provider", "contract__purchaser", "provider")
        .prefetch_related("scores", "files")
        .get(pk=evaluation.pk)
    )


def _result(evaluation: Evaluation) -> None:
    """Total, veto and pass — computed, never typed (R16)."""
    scores = list(evaluation.scores.all())
    evaluation.total = sum((s.score or Decimal(0) for s in scores), Decimal(0))
    evaluation.vetoed = any(s.veto and s.failed_veto for s in scores)
    evaluation.passed = (
        None
        if any(s.score is None for s in scores)
        else (evaluation.total >= evaluation.pass_score and not evaluation.vetoed)
    )


@transaction.atomic
def evaluation_open(
    *, actor: Any, contract: Contract, period_start: dt.date, period_end: dt.date
) -> Evaluation:
    """The purchaser opens the evaluation of one of the contract's periods, with its
    criteria as they stand (fixed at signing)."""
    locked = Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
    require(is_purchaser(actor, locked))
    match = [p for p in open_periods(locked) if p[:2] == (period_start, period_end)]
    if not match:
        raise ApplicationError(
            "period_not_open",
            _(
                "This period cannot be evaluated now: a year once it has ended, the last "
                "period once the contract is completed; each period once."
            ),
        )
    criteria = list(locked.criteria.all())
    if not criteria:
        raise ApplicationError(
            "no_criteria", _("The contract has no evaluation criteria to score against.")
        )
    evaluation = Evaluation.objects.create(
        county_id=locked.county_id,
        contract=locked,
        purchaser_id=locked.purchaser_id,
        provider_id=locked.provider_id,
        period_start=period_start,
        period_end=period_end,
        closing=match[0][2],
        pass_score=(
            locked.pass_score
            if locked.pass_score is not None
            else policy_for(locked.county_id).pass_score
        ),
        created_by=actor,
    )
    EvaluationScore.objects.bulk_create(
        EvaluationScore(
            evaluation=evaluation,
            criterion=c,
            position=i,
            name=c.name,
            weight=c.weight,
            requirement=c.requirement,
            method=c.method,
            veto=c.veto,
        )
        for i, c in enumerate(criteria, start=1)
    )
    audit_record(
        action="evaluation.opened",
        actor=actor,
        obj=evaluation,
        after={
            "status": evaluation.status,
            "period": f"{period_start}—{period_end}",
            "pass_score": evaluation.pass_score,
        },
    )
    return evaluation


def _parse_score(raw: Any, score: EvaluationScore) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
        if not value.is_finite() or value != value.quantize(Decimal("0.1")):
            value = Decimal(-1)  # NaN, infinity, or finer than a tenth: refused below
        value = value.quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not Decimal(0) <= value <= score.weight:
        message = _("%(name)s: a score from 0 to %(weight)d, in tenths at most.") % {
            "name": score.name,
            "weight": score.weight,
        }
        raise ApplicationError(
            "invalid_score", message, errors={f"score_{score.position}": [message]}, status=400
        )
    return value


def _apply(
    evaluation: Evaluation, changes: dict[int, dict[str, Any]]
) -> dict[str, tuple[Any, Any]]:
    """Each changed criterion (by position): its score, veto and comment, all checked
    before any is kept. Returns what changed, as before and after."""
    by_position = {s.position: s for s in evaluation.scores.all()}
    unknown = set(changes) - set(by_position)
    if unknown:
        raise ApplicationError(
            "unknown_criterion",
            _("No criterion numbered %(n)s in this evaluation.")
            % {"n": "、".join(map(str, sorted(unknown)))},
            status=400,
        )
    changed: dict[str, tuple[Any, Any]] = {}
    staged = []
    for position, values in sorted(changes.items()):
        score = by_position[position]
        new_score = _parse_score(values.get("score", score.score), score)
        comment = str(values.get("comment", score.comment) or "").replace("\r\n", "\n").strip()
        if len(comment) > COMMENT_LIMIT:
            message = _("%(name)s: the comment is over %(n)d characters.") % {
                "name": score.name,
                "n": COMMENT_LIMIT,
            }
            raise ApplicationError(
                "invalid", message, errors={f"comment_{position}": [message]}, status=400
            )
        failed = bool(values.get("failed_veto", score.failed_veto)) and score.veto
        before = (score.score, score.failed_veto, score.comment.replace("\r\n", "\n").strip())
        if (new_score, failed, comment) != before:
            changed[score.name] = (
                _describe(score.score, score.failed_veto),
                _describe(new_score, failed),
            )
            staged.append((score, new_score, failed, comment))
    for score, new_score, failed, comment in staged:
        score.score, score.failed_veto, score.comment = new_score, failed, comment
        score.save(update_fields=["score", "failed_veto", "comment"])
    return changed


def _describe(score: Decimal | None, failed: bool) -> str:
    text = "—" if score is None else str(score)
    return text + (f"（{_('veto failed')}）" if failed else "")


@transaction.atomic
def evaluation_score(
    *, actor: Any, evaluation: Evaluation, changes: dict[int, dict[str, Any]]
) -> Evaluation:
    """The purchaser scores the draft: per criterion (by its position) ``score`` (0 to the
    weight), ``comment``, and for a veto criterion ``failed_veto``."""
    locked = _lock(evaluation)
    EVALUATION.check("score", actor, locked)
    changed = _apply(locked, changes)
    if changed:
        _result(locked)
        locked.status = EvaluationStatus.DRAFT  # a commissioned re-evaluation is begun
        locked.save(update_fields=["status", "total", "vetoed", "passed", "updated_at"])
        audit_record(
            action="evaluation.scored",
            actor=actor,
            obj=locked,
            before={name: pair[0] for name, pair in changed.items()},
            after={name: pair[1] for name, pair in changed.items()},
        )
    return locked


@transaction.atomic
def evaluation_send(*, actor: Any, evaluation: Evaluation) -> Evaluation:
    """To the provider, with the metrics of this moment; its reply window opens."""
    locked = _lock(evaluation)
    EVALUATION.check("send", actor, locked)
    _result(locked)
    now = timezone.now()
    days = policy_for(locked.county_id).evaluation_reply_days
    locked.metrics = {
        "computed_at": now.isoformat(),
        "items": [
            m.as_dict()
            for m in metrics.compute(locked.contract, locked.period_start, locked.period_end)
        ],
    }
    locked.status, locked.sent_at, locked.sent_by = EvaluationStatus.SENT, now, actor
    locked.reply_due = timezone.localdate() + dt.timedelta(days=days)
    locked.save()
    audit_record(
        action="evaluation.sent",
        actor=actor,
        obj=locked,
        before={"status": EvaluationStatus.DRAFT},
        after={
            "status": locked.status,
            "total": locked.total,
            "passed": locked.passed,
            "reply_due": locked.reply_due,
        },
    )
    return locked


@transaction.atomic
def evaluation_reply(
    *, actor: Any, evaluation: Evaluation, statement: str, files: list[Any] | None = None
) -> Evaluation:
    """The provider's statement (and attachments: PDF, PNG or JPEG), within the window."""
    locked = _lock(evaluation)
    EVALUATION.check("reply", actor, locked)
    text = (statement or "").strip()
    if not text:
        raise ApplicationError(
            "statement_required",
            _("Write the provider's statement."),
            errors={"statement": [_("Write the provider's statement.")]},
            status=400,
        )
    if len(text) > REPLY_LIMIT:
        message = _("The statement is over %(n)d characters.") % {"n": REPLY_LIMIT}
        raise ApplicationError("invalid", message, errors={"statement": [message]}, status=400)
    uploads = validate_uploads(list(files or []), photos_only=False, field="files")
    locked.status, locked.reply = EvaluationStatus.REPLIED, text
    locked.replied_at, locked.replied_by = timezone.now(), actor
    locked.save()
    stored: list[Any] = []
    try:
        for upload in uploads:
            attachment = EvaluationFile.objects.create(
                evaluation=locked,
                file=upload,
                name=str(upload.name)[:200],
                size=upload.size,
                uploaded_by=actor,
            )
            stored.append(attachment.file)
        audit_record(
            action="evaluation.replied",
            actor=actor,
            obj=locked,
            before={"status": EvaluationStatus.SENT},
            after={"status": locked.status, "files": len(uploads)},
        )
    except BaseException:
        # the rows roll back with the transaction; the stored files would stay behind
        for file in stored:
            file.delete(save=False)
        raise
    return evaluation_of(locked.pk)


@transaction.atomic
def evaluation_finalise(
    *,
    actor: Any,
    evaluation: Evaluation,
    changes: dict[int, dict[str, Any]] | None = None,
    reason: str = "",
) -> Evaluation:
    """The purchaser's leader makes it final, confirming the scores or changing them — a
    change after the provider was told (sent) needs its reasons. The result then never
    changes; the contract's last period completes the contract (evaluated)."""
    locked = _lock(evaluation)
    EVALUATION.check("finalise", actor, locked)
    text = (reason or "").strip()
    changed = _apply(locked, changes or {})
    if changed and not text:
        raise ApplicationError(
            "reason_required",
            _("Scores changed after the provider was told: give the reasons."),
            errors={"reason": [_("Give the reasons for the changes.")]},
            status=400,
        )
    if len(text) > REPLY_LIMIT:
        message = _("The reasons are over %(n)d characters.") % {"n": REPLY_LIMIT}
        raise ApplicationError("invalid", message, errors={"reason": [message]}, status=400)
    incomplete = every_criterion_scored(locked)
    if incomplete is not None:  # a change may not blank what was sent
        raise incomplete
    _result(locked)
    before = locked.status
    locked.status, locked.final_note = EvaluationStatus.FINAL, text
    locked.finalised_at, locked.finalised_by = timezone.now(), actor
    locked.effective = True
    locked.save()
    if locked.original_id:
        # R16: the third party's result prevails; the purchaser's stays, no longer effective
        Evaluation.objects.filter(pk=locked.original_id).update(effective=False)
        end_access_when_done(locked)
    audit_record(
        action="evaluation.finalised",
        actor=actor,
        obj=locked,
        before={"status": before, **{name: pair[0] for name, pair in changed.items()}},
        after={
            "status": locked.status,
            "total": locked.total,
            "passed": locked.passed,
            **{name: pair[1] for name, pair in changed.items()},
        },
        reason=text,
    )
    # R17: the effective result decides the sanction (a fail proposes one).
    sanction_follow(actor=actor, evaluation=locked)
    if locked.closing and not locked.original_id:
        contract_evaluated(actor=actor, contract=locked.contract, evaluation=locked.title)
    return locked
