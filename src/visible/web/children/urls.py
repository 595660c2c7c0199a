"""The register's pages: the list of children, one child's record and its parts, the counts."""

from django.urls import path

from . import arrival, views

urlpatterns = [
    path("children/", views.children_list, name="children"),
    path("children/new", views.child_new, name="child-new"),
    path("children/<int:pk>/", views.child_detail, name="child"),
    path("children/<int:pk>/edit", views.child_edit, name="child-edit"),
    path("children/<int:pk>/history", views.child_history, name="child-history"),
    path("children/<int:pk>/allocation", views.child_allocation, name="child-allocation"),
    path("children/<int:pk>/photo", views.child_photo, name="child-photo"),
    path("children/<int:pk>/photo/change", views.photo_change, name="photo-change"),
    path("children/<int:pk>/names/add", views.other_name_add, name="name-add"),
    path(
        "children/<int:pk>/names/<int:name_pk>/remove", views.other_name_remove, name="name-remove"
    ),
    path("children/<int:pk>/flags/add", views.flag_add, name="flag-add"),
    path("children/<int:pk>/flags/<int:flag_pk>/end", views.flag_end, name="flag-end"),
    path("children/<int:pk>/care/end", views.care_end, name="care-end"),
    path("children/<int:pk>/arrival", arrival.arrival, name="child-arrival"),
    path("children/<int:pk>/arrival/start", arrival.arrival_start, name="child-arrival-start"),
    path("children/<int:pk>/arrival/time", arrival.arrival_time, name="child-arrival-time"),
    path("children/<int:pk>/arrival/<slug:item>", arrival.arrival_item, name="child-arrival-item"),
    path("children/<int:pk>/placements/add", views.placement_add, name="placement-add"),
    path(
        "children/<int:pk>/placements/<int:placement_pk>/end",
        views.placement_end,
        name="placement-end",
    ),
    path("children/<int:pk>/nrm/add", views.nrm_add, name="nrm-add"),
    path("children/<int:pk>/nrm/<int:referral_pk>/edit", views.nrm_edit, name="nrm-edit"),
    path(
        "children/<int:pk>/age-assessment/add", views.age_assessment_add, name="age-assessment-add"
    ),
    path("children/<int:pk>/guardians/add", views.guardian_add, name="guardian-add"),
    path(
        "children/<int:pk>/guardians/<int:assignment_pk>/end",
        views.guardian_end,
        name="guardian-end",
    ),
    path("counts/", views.counts, name="counts"),
]
