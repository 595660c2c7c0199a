"""Pages for the ssda903 app: uploading a return, and its problems as CSV."""

from django.urls import path

from . import views

urlpatterns = [
    path("returns/ssda903/", views.ssda903_import, name="ssda903-import"),
    path(
        "returns/ssda903/problems/<int:pk>.csv",
        views.ssda903_problems,
        name="ssda903-problems",
    ),
]
