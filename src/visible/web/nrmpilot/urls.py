"""A council's dates in the devolved NRM decision-making pilot."""

from django.urls import path

from . import views

urlpatterns = [
    path("organisation/nrm-pilot", views.pilot_page, name="nrm-pilot"),
    path("organisation/nrm-pilot/end", views.end_pilot, name="nrm-pilot-end"),
]
