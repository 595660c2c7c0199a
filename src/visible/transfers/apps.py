from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "visible.transfers"
    label = "transfers"
    verbose_name = "National Transfer Scheme transfers and long-term missing cases"
