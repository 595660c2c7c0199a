from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "visible.reference"
    label = "reference"
    verbose_name = "Reference data"
