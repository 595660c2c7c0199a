from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "visible.sso"
    label = "sso"
    verbose_name = "Single sign-on"
