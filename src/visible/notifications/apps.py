from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "visible.notifications"
    label = "notifications"
    verbose_name = "Notifications"
