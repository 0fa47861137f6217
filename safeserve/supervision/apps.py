from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "safeserve.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from safeserve.supervision import (
            audit_labels,  # noqa: F401 — registers the labels
            notifications,  # noqa: F401 — registers its kinds of notification
            todo,  # noqa: F401 — registers its 待办 rows
        )
