"""The Philomena Protocol grab pack: printable page and PDF."""

from django.urls import path

from . import views_grabpack

urlpatterns = [
    path("episodes/<int:pk>/grab-pack", views_grabpack.episode_grab_pack, name="grab-pack"),
    path(
        "episodes/<int:pk>/grab-pack.pdf",
        views_grabpack.episode_grab_pack_pdf,
        name="grab-pack-pdf",
    ),
    path("children/<int:pk>/grab-pack", views_grabpack.child_grab_pack, name="child-grab-pack"),
    path(
        "children/<int:pk>/grab-pack.pdf",
        views_grabpack.child_grab_pack_pdf,
        name="child-grab-pack-pdf",
    ),
]
