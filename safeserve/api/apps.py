from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "safeserve.api"
    label = "api"
