from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "safeserve.evaluations"
    label = "evaluations"
    verbose_name = _("Performance evaluation")

    def ready(self) -> None:
        from safeserve.contracts.panels import register_contract_panel
        from safeserve.evaluations import (
            audit_labels,  # noqa: F401 — registers the labels
            notifications,  # noqa: F401 — registers its kinds of notification
            todo,  # noqa: F401 — registers its 待办 rows
        )
        from safeserve.evaluations.panels import contract_evaluations, expert_ratings
        from safeserve.providers.panels import register_expert_panel

        register_contract_panel(contract_evaluations, order=10)
        register_expert_panel(expert_ratings, order=10)

        from safeserve.evaluations.rankings import tier_condition, with_tier
        from safeserve.procurement.eligibility import register_eligibility_check
        from safeserve.providers.selectors import register_provider_annotation

        register_eligibility_check(tier_condition)  # R10: a D-tier provider is flagged
        register_provider_annotation(with_tier)  # the directory shows each provider's tier
