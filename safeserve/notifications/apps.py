from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "safeserve.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from safeserve.notifications import audit_labels  # noqa: F401 — registers the labels
