"""What the audit trail calls contract events and the keys it records (registered when the
app loads, so every page of history has its labels)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types

register_object_types({"contracts.contract": gettext_lazy("Contract")})

register_keys(
    {"proposed_by": gettext_lazy("Proposed by")},
    choices={
        side: {"purchaser": gettext_lazy("Purchaser"), "provider": gettext_lazy("Provider")}
        for side in ("side", "proposed_by")
    },
)

register_actions(
    {
        "contract.drafted": gettext_lazy("Contract drafted"),
        "contract.terms_saved": gettext_lazy("Contract terms saved"),
        "contract.confirmed": gettext_lazy("Signature confirmed"),
        "contract.signed": gettext_lazy("Contract signed by both parties"),
        "contract.started": gettext_lazy("Service started"),
        "contract.terminated": gettext_lazy("Contract terminated"),
        "contract.amended": gettext_lazy("Amendment agreed by both parties"),
        "contract.amendment_proposed": gettext_lazy("Amendment proposed"),
        "contract.amendment_declined": gettext_lazy("Amendment declined or withdrawn"),
    }
)

register_actions(
    {
        "contract.payment_recorded": gettext_lazy("Payment recorded"),
        "contract.deduction_recorded": gettext_lazy("Fund deduction recorded"),
        "contract.completed": gettext_lazy("Service completed"),
        "contract.evaluated": gettext_lazy("Evaluation final"),
        "contract.closed": gettext_lazy("Contract closed"),
    }
)

register_actions(
    {
        "contract.coverage_added": gettext_lazy("Enterprises added to the coverage list"),
        "contract.coverage_removed": gettext_lazy("Enterprise removed from the coverage list"),
    }
)

register_actions(
    {
        "contract.expert_engaged": gettext_lazy("Outside expert engaged"),
        "contract.engagement_ended": gettext_lazy("Engagement ended"),
    }
)
