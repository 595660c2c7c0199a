from django.apps import AppConfig


class PseudoConfig(AppConfig):
    name = "visible.pseudo"
    label = "pseudo"
    verbose_name = "Pseudonymised child-level submissions (national body)"
