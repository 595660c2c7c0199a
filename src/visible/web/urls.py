"""Every page, by area. Each area's urls.py is included without a namespace of its own, so all
the names are in ``web:`` (reverse("web:episode", args=[pk])), as they were before the split."""

from django.urls import include, path

from . import language, pages

app_name = "web"
urlpatterns = [
    path("", pages.home, name="home"),
    path("language/", language.set_language, name="set-language"),  # the footer's switch
    path("", include("visible.web.security.urls")),
    path("", include("visible.web.children.urls")),
    path("", include("visible.web.missing.urls")),
    path("", include("visible.web.grabpack.urls")),
    path("", include("visible.web.childpack.urls")),
    path("", include("visible.web.ssda903.urls")),
    path("", include("visible.web.register.urls")),
    path("", include("visible.web.returns.urls")),
    path("", include("visible.web.national.urls")),
    path("", include("visible.web.sharing.urls")),
    path("", include("visible.web.transfers.urls")),
    path("", include("visible.web.sso.urls")),
    path("", include("visible.web.organisations.urls")),
    path("", include("visible.web.notifications.urls")),
    path("", include("visible.web.nrmpilot.urls")),
    path("", include("visible.web.people.urls")),
    path("", include("visible.web.rota.urls")),
]
