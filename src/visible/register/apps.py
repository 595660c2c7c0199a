from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "visible.register"
    label = "register"
    verbose_name = "Register import"
