from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "visible.web"
    label = "web"
    verbose_name = "Web pages"
