"""Multi-agency pages."""

from django.urls import path

from . import views as v

urlpatterns = [
    path("children/<int:pk>/share-grab-pack", v.share_grab_pack, name="share-grab-pack"),
    path("children/<int:pk>/shares/<int:share_pk>/end", v.share_end, name="share-end"),
    path(
        "children/<int:pk>/break-glass/<int:glass_pk>/review",
        v.break_glass_review,
        name="break-glass-review",
    ),
    path("children/<int:pk>/transfer", v.transfer, name="transfer"),
    path("break-glass", v.break_glass, name="break-glass"),
    path("police/missing", v.force_missing, name="force-missing"),
    path("police/challenges/<int:pk>/", v.police_challenge, name="police-challenge"),
    path("police/missing/live", v.force_missing_live, name="force-missing-live"),
]
