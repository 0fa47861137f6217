from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "safeserve.hazards"
    label = "hazards"
    verbose_name = _("Hazards")

    def ready(self) -> None:
        from safeserve.fieldwork.panels import register_task_panel
        from safeserve.hazards import (
            audit_labels,  # noqa: F401 — registers the labels
            notifications,  # noqa: F401 — registers its kinds of notification
            todo,  # noqa: F401 — registers its 待办 rows
        )
        from safeserve.hazards.panels import task_hazards

        register_task_panel(task_hazards, order=10)
