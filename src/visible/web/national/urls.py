"""National monitoring pages."""

from django.urls import path

from . import views as v

urlpatterns = [
    path("national/", v.national_home, name="national-home"),
    path("national/collections/new", v.collection_new, name="national-collection-new"),
    path("national/collections/<int:pk>/", v.collection_detail, name="national-collection"),
    path("national/collections/<int:pk>/chase", v.collection_chase, name="national-chase"),
    path(
        "national/collections/<int:pk>/authorities/<str:code>/",
        v.request_detail,
        name="national-request",
    ),
    path("national/collections/<int:pk>/tables/", v.collection_tables, name="national-tables"),
    path(
        "national/collections/<int:pk>/tables/export.<str:fmt>",
        v.collection_export,
        name="national-export",
    ),
    path("national/template.<str:fmt>", v.template_download, name="national-template"),
    path("national/groupings/", v.groupings, name="national-groupings"),
    path("returns/national/", v.council_collections, name="national-council"),
    path("national/child-level/", v.child_level, name="national-child-level"),
]
