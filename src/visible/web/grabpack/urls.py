"""The Philomena Protocol grab pack: printable page and PDF."""

from django.urls import path

from . import views

urlpatterns = [
    path("episodes/<int:pk>/grab-pack", views.episode_grab_pack, name="grab-pack"),
    path(
        "episodes/<int:pk>/grab-pack.pdf",
        views.episode_grab_pack_pdf,
        name="grab-pack-pdf",
    ),
    path("children/<int:pk>/grab-pack", views.child_grab_pack, name="child-grab-pack"),
    path(
        "children/<int:pk>/grab-pack.pdf",
        views.child_grab_pack_pdf,
        name="child-grab-pack-pdf",
    ),
]
