from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "visible.people"
    label = "people"
    verbose_name = "People and teams"
