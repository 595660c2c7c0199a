from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "visible.national"
    label = "national"
    verbose_name = "National monitoring"
