"""Pages for the ssda903 app: uploading a return or CIN factors, each upload's own page (its
progress, then its outcome), and an upload's problems as CSV."""

from django.urls import path

from . import views

urlpatterns = [
    path("returns/ssda903/", views.ssda903_import, name="ssda903-import"),
    path("returns/ssda903/factors/", views.factors_import, name="ssda903-factors"),
    path("returns/ssda903/uploads/<int:pk>/", views.ssda903_upload, name="ssda903-upload"),
    path(
        "returns/ssda903/problems/<int:pk>.csv",
        views.ssda903_problems,
        name="ssda903-problems",
    ),
]
