"""Pages of the register import: the upload and the column mapping (the upload's own page is
the SSDA903 upload page's: web/ssda903)."""

from django.urls import path

from . import views

urlpatterns = [
    path("register/import/", views.register_import, name="register-import"),
    path("register/import/mapping/", views.register_mapping, name="register-mapping"),
]
