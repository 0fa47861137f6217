from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "safeserve.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self) -> None:
        from safeserve.enterprises import audit_labels  # noqa: F401 — registers the labels
