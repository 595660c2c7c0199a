from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "visible.agencies"
    label = "agencies"
    verbose_name = "Organisations and people"
