from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "visible.returns"
    label = "returns"
    verbose_name = "Returns and reports"
