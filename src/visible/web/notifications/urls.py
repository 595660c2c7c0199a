"""Your account's notification settings, and an organisation's."""

from django.urls import path

from . import views

urlpatterns = [
    path("account/notifications", views.preferences, name="notification-preferences"),
    path(
        "notification-settings",
        views.organisation_settings,
        name="notification-organisation-settings",
    ),
]
