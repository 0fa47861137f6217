from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "safeserve.fieldwork"
    label = "fieldwork"
    verbose_name = _("Fieldwork")

    def ready(self) -> None:
        from safeserve.fieldwork import (
            audit_labels,  # noqa: F401 — registers the labels
            notifications,  # noqa: F401 — registers its kinds of notification
            todo,  # noqa: F401 — registers its 待办 rows
        )
        from safeserve.fieldwork.selectors import open_tasks_left_behind
        from safeserve.providers.workflows import register_employer_change_blocker

        register_employer_change_blocker(open_tasks_left_behind)
