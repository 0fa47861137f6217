"""The contract's and the amendment's verb tables (WORKFLOWS.md "Contract"; amendments: this
table is the reference — proposed by one party, agreed or declined by the other, withdrawn by
the proposer). Services check them, pages and allowed_actions read them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.contracts.models import ACTIVE_STATUSES, Amendment, AmendmentStatus, Contract
from safeserve.contracts.models import ContractStatus as S
from safeserve.contracts.permissions import (
    is_provider_signatory,
    is_provider_staff,
    is_purchaser,
    is_purchaser_leader,
)
from safeserve.contracts.selectors import payable_balance
from safeserve.procurement.models import ProjectStatus


def _refuse(contract: Contract) -> ApplicationError:
    return ApplicationError(
        "wrong_state",
        _("Not possible while the contract is %(s)s.") % {"s": contract.get_status_display()},
    )


def signs_for_a_side_not_yet_signed(user: Any, contract: Contract) -> bool:
    """Each party confirms once: the purchaser's leader, the provider's leader or admin."""
    return (is_purchaser_leader(user, contract) and contract.purchaser_signed_at is None) or (
        is_provider_signatory(user, contract) and contract.provider_signed_at is None
    )


def proposes_for_a_party(user: Any, contract: Contract) -> bool:
    return is_purchaser(user, contract) or is_provider_signatory(user, contract)


def project_awarded(contract: Contract) -> ApplicationError | None:
    if contract.project.status == ProjectStatus.AWARDED:
        return None
    return ApplicationError(
        "project_not_awarded",
        _("The purchase project is %(s)s; only an awarded project's contract is signed.")
        % {"s": contract.project.get_status_display()},
    )


def provider_in_good_standing(contract: Contract) -> ApplicationError | None:
    """A provider suspended in the county (R10 动态调整) or banned there (R17) signs nothing
    new; the contracts it has in force continue."""
    from safeserve.providers.models import AdmissionStatus, Debarment, ProviderAdmission

    suspended = ProviderAdmission.objects.filter(
        county_id=contract.county_id,
        provider_id=contract.provider_id,
        status=AdmissionStatus.SUSPENDED,
    ).first()
    if suspended is not None:
        return ApplicationError(
            "provider_suspended",
            _("The provider is suspended in this county (%(reason)s) and cannot sign.")
            % {"reason": suspended.reason},
        )
    ban = (
        Debarment.objects.in_force()
        .filter(county_id=contract.county_id, provider_id=contract.provider_id)
        .first()
    )
    if ban is not None:
        return ApplicationError(
            "provider_debarred",
            _("The provider is banned in this county until %(day)s and cannot sign.")
            % {"day": ban.ends_on},
        )
    return None


def period_ended(contract: Contract) -> ApplicationError | None:
    if contract.period_end and contract.period_end > timezone.localdate():
        return ApplicationError(
            "period_not_ended", _("The service period ends on %(d)s.") % {"d": contract.period_end}
        )
    return None


def payments_settled(contract: Contract) -> ApplicationError | None:
    _paid, _deducted, payable = payable_balance(contract)
    if payable > 0:
        return ApplicationError(
            "payments_open", _("%(p)s is still to be paid or deducted.") % {"p": payable}
        )
    return None


def something_payable(contract: Contract) -> ApplicationError | None:
    """R3: nothing is paid or deducted beyond the amount less deductions and payments."""
    if payable_balance(contract)[2] > 0:
        return None
    return ApplicationError(
        "nothing_payable", _("Everything of the amount is already paid or deducted.")
    )


MONEY_STATES = (S.SIGNED, S.IN_SERVICE, S.COMPLETED, S.EVALUATED)
COVERAGE_STATES = (S.DRAFT, *MONEY_STATES)
ENGAGEMENT_STATES = (S.DRAFT, *ACTIVE_STATUSES)

CONTRACT = VerbTable(
    Contract,
    [
        verb(
            "sign",
            [S.DRAFT],
            signs_for_a_side_not_yet_signed,
            project_awarded,
            provider_in_good_standing,
        ),
        verb("start", [S.SIGNED], is_purchaser),
        verb("complete", [S.IN_SERVICE], is_purchaser, period_ended),
        verb("close", [S.EVALUATED], is_purchaser, payments_settled),
        verb("terminate", [S.DRAFT, *ACTIVE_STATUSES], is_purchaser_leader, forward=False),
        verb("terms", [S.DRAFT], is_purchaser),
        verb("amend", ACTIVE_STATUSES, proposes_for_a_party, forward=False),
        verb("payments", MONEY_STATES, is_purchaser, something_payable, forward=False),
        verb("deductions", MONEY_STATES, is_purchaser, something_payable, forward=False),
        verb("enterprises", COVERAGE_STATES, is_purchaser, forward=False),
        verb("engagements", ENGAGEMENT_STATES, is_provider_staff, forward=False),
    ],
    refuse_state=_refuse,
)


def _proposer(user: Any, amendment: Amendment) -> bool:
    contract = amendment.contract
    if amendment.proposed_by_side == "purchaser":
        return is_purchaser(user, contract)
    return is_provider_signatory(user, contract)


def _other_party(user: Any, amendment: Amendment) -> bool:
    contract = amendment.contract
    if amendment.proposed_by_side == "purchaser":
        return is_provider_signatory(user, contract)
    return is_purchaser_leader(user, contract)


def contract_in_force(amendment: Amendment) -> ApplicationError | None:
    if amendment.contract.status in ACTIVE_STATUSES:
        return None
    return ApplicationError("cannot_amend", _("Only a signed or in-service contract is amended."))


def _refuse_amendment(amendment: Amendment) -> ApplicationError:
    return ApplicationError(
        "amendment_decided",
        _("This amendment is already %(s)s.") % {"s": amendment.get_status_display()},
    )


AMENDMENT = VerbTable(
    Amendment,
    [
        verb("agree", [AmendmentStatus.PROPOSED], _other_party, contract_in_force),
        verb("decline", [AmendmentStatus.PROPOSED], _other_party),
        verb("withdraw", [AmendmentStatus.PROPOSED], _proposer, forward=False),
    ],
    refuse_state=_refuse_amendment,
)
