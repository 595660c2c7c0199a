"""The on-call rota."""

from django.urls import path

from . import views

urlpatterns = [
    path("rota/", views.rota_page, name="rota"),
    path("rota/add", views.add_shift, name="rota-add"),
    path("rota/upload", views.upload_rota, name="rota-upload"),
    path("rota/upload/check", views.check_upload, name="rota-upload-check"),
    path("rota/upload/template.csv", views.rota_template, name="rota-template"),
    path("rota/<int:pk>/change", views.change_shift, name="rota-change"),
    path("rota/<int:pk>/remove", views.remove_shift, name="rota-remove"),
]
