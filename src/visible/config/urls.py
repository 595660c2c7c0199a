from django.urls import include, path

# Uploaded files (photographs) are never served from a public media URL: the web app streams
# them through views that check the viewer's access first.
urlpatterns = [
    path("api/v1/", include("visible.api.urls")),
    path("", include("visible.web.urls")),
]

handler404 = "visible.web.pages.not_found"
handler403 = "visible.web.pages.forbidden"
handler500 = "visible.web.pages.server_error"
