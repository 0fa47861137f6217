from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "safeserve.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from safeserve.contracts import (
            audit_labels,  # noqa: F401 — registers the labels
            notifications,  # noqa: F401 — registers its kinds of notification
            todo,  # noqa: F401 — registers its 待办 rows
        )
