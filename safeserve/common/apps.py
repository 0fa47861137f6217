from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "safeserve.common"
    label = "common"
