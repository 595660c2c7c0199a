from django.apps import AppConfig


class ChildPackConfig(AppConfig):
    name = "visible.childpack"
    label = "childpack"
    verbose_name = "Information for the child"
