"""Pages for the returns app: the FOI return and the partnership's annual report."""

from django.urls import path

from . import hub, views

urlpatterns = [
    path("returns/", hub.returns, name="returns"),
    path("returns/foi/", views.foi_return, name="foi-return"),
    path("returns/foi/download", views.foi_return_download, name="foi-return-download"),
    path("returns/partnerships/", views.partnerships, name="partnerships"),
    path(
        "returns/partnerships/<int:pk>/<int:year>/",
        views.partnership_report,
        name="partnership-report",
    ),
    path(
        "returns/partnerships/<int:pk>/<int:year>/pdf",
        views.partnership_report_pdf,
        name="partnership-report-pdf",
    ),
    path(
        "returns/partnerships/<int:pk>/<int:year>/sections/<slug:key>",
        views.partnership_section,
        name="partnership-section",
    ),
]
