from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "safeserve.procurement"
    label = "procurement"
    verbose_name = _("Procurement")

    def ready(self) -> None:
        from safeserve.procurement import (
            audit_labels,  # noqa: F401 — registers the labels
            todo,  # noqa: F401 — registers its 待办 rows
        )
