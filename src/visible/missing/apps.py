from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "visible.missing"
    label = "missing"
    verbose_name = "Missing episodes"
