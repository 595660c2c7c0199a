"""Information for the child: the pack's page and PDF, its contacts, and a council's own
translations."""

from django.urls import path

from . import views

urlpatterns = [
    path("children/<int:pk>/information-for-child", views.child_pack, name="child-pack"),
    path(
        "children/<int:pk>/information-for-child.pdf",
        views.child_pack_pdf,
        name="child-pack-pdf",
    ),
    path(
        "children/<int:pk>/information-for-child/contacts",
        views.child_pack_contacts,
        name="child-pack-contacts",
    ),
    path(
        "children/<int:pk>/information-for-child/text",
        views.child_pack_text,
        name="child-pack-text",
    ),
    path("organisation/child-pack", views.council_packs, name="child-pack-council"),
    path(
        "organisation/child-pack/<str:code>",
        views.council_translation,
        name="child-pack-translation",
    ),
]
