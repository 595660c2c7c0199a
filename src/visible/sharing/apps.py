from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "visible.sharing"
    label = "sharing"
    verbose_name = "Multi-agency sharing"
