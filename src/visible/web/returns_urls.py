"""Pages for the returns app: the FOI return and the partnership's annual report."""

from django.urls import path

from . import views_returns

urlpatterns = [
    path("returns/foi/", views_returns.foi_return, name="foi-return"),
    path("returns/foi/download", views_returns.foi_return_download, name="foi-return-download"),
    path("returns/partnerships/", views_returns.partnerships, name="partnerships"),
    path(
        "returns/partnerships/<int:pk>/<int:year>/",
        views_returns.partnership_report,
        name="partnership-report",
    ),
    path(
        "returns/partnerships/<int:pk>/<int:year>/pdf",
        views_returns.partnership_report_pdf,
        name="partnership-report-pdf",
    ),
    path(
        "returns/partnerships/<int:pk>/<int:year>/sections/<slug:key>",
        views_returns.partnership_section,
        name="partnership-section",
    ),
]
