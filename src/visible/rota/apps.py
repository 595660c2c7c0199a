from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "visible.rota"
    label = "rota"
    verbose_name = "On-call rota"
