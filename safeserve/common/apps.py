from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "safeserve.common"
    label = "common"

    def ready(self) -> None:
        from safeserve.common import checks  # noqa: F401 — registers the system checks
