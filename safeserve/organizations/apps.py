from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "safeserve.organizations"
    label = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from safeserve.audit.scope import register_county_log_reader
        from safeserve.organizations import audit_labels  # noqa: F401 — registers the labels
        from safeserve.organizations.permissions import can_read_county_logs

        register_county_log_reader(can_read_county_logs)
