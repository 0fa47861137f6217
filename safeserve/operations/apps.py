from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running SafeServe: health and readiness, metrics, request logs, backups and restores.

    It sits after every context of the chain because a backup and a readiness check concern
    the whole database; no context imports it."""

    name = "safeserve.operations"
    label = "operations"

    def ready(self) -> None:
        from safeserve.operations import audit_labels  # noqa: F401 — registers the labels
