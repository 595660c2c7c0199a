"""The national administrator's organisation pages."""

from django.urls import path

from . import views as v

urlpatterns = [
    path("organisations/", v.organisations, name="organisations"),
    path("organisations/add", v.organisation_add, name="organisation-add"),
    path("organisations/add/council", v.add_council, name="organisation-add-council"),
    path("organisations/add/police-force", v.add_force, name="organisation-add-force"),
    path("organisations/add/service", v.add_service, name="organisation-add-service"),
    path("organisations/reorganise", v.reorganise, name="organisations-reorganise"),
    path(
        "organisations/reorganise/confirm",
        v.reorganise_confirm,
        name="organisations-reorganise-confirm",
    ),
    path("organisations/<int:pk>/", v.organisation, name="organisation"),
    path("organisations/<int:pk>/deactivate", v.deactivate, name="organisation-deactivate"),
    path("organisations/<int:pk>/reactivate", v.reactivate, name="organisation-reactivate"),
]
