"""Every write to contracts, in four parts along the chain of a contract: its lifecycle,
amendments, money (payments, deductions), coverage (R9) and engagements (R7)."""

from safeserve.contracts.selectors import payable_balance
from safeserve.contracts.services.amendments import (
    amendment_agree,
    amendment_decline,
    amendment_withdraw,
    contract_amend,
)
from safeserve.contracts.services.coverage import (
    COVERAGE_ADD_LIMIT,
    coverage_add,
    coverage_add_listed,
    coverage_add_matching,
    coverage_refusal,
    coverage_remove,
)
from safeserve.contracts.services.engagements import (
    engagement_candidates,
    engagement_create,
    engagement_end,
    experts_allowed,
)
from safeserve.contracts.services.lifecycle import (
    TERM_FIELDS,
    Terms,
    contract_close,
    contract_complete,
    contract_draft,
    contract_evaluated,
    contract_save_terms,
    contract_sign,
    contract_snapshot,
    contract_start,
    contract_terminate,
    missing_terms,
    parse_criteria,
    parse_installments,
    provider_workload,
    start_due_contracts,
)
from safeserve.contracts.services.money import deduction_record, payment_record

__all__ = [
    "COVERAGE_ADD_LIMIT",
    "TERM_FIELDS",
    "Terms",
    "amendment_agree",
    "amendment_decline",
    "amendment_withdraw",
    "contract_amend",
    "contract_close",
    "contract_complete",
    "contract_draft",
    "contract_evaluated",
    "contract_save_terms",
    "contract_sign",
    "contract_snapshot",
    "contract_start",
    "contract_terminate",
    "coverage_add",
    "coverage_add_listed",
    "coverage_add_matching",
    "coverage_refusal",
    "coverage_remove",
    "deduction_record",
    "engagement_candidates",
    "engagement_create",
    "engagement_end",
    "experts_allowed",
    "missing_terms",
    "parse_criteria",
    "parse_installments",
    "payable_balance",
    "payment_record",
    "provider_workload",
    "start_due_contracts",
]
