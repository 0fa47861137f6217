from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "safeserve.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from safeserve.audit import exports  # noqa: F401 — registers the export's labels
