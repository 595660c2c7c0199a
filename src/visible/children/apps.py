from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "visible.children"
    label = "children"
    verbose_name = "Register of children in scope"
