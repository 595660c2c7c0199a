from django.urls import path, re_path

from . import views, views_auth, views_grabpack, views_people

app_name = "api"
urlpatterns = [
    path("schema.json", views_auth.SchemaView.as_view(), name="schema"),
    path("docs", views_auth.docs, name="docs"),
    path("oauth/token", views_auth.TokenView.as_view(), name="token"),
    path("children", views.ChildrenView.as_view(), name="children"),
    path("children/<int:pk>", views.ChildView.as_view(), name="child"),
    path("children/<int:pk>/photo", views.ChildPhotoView.as_view(), name="child-photo"),
    path("children/<int:pk>/flags", views.FlagsView.as_view(), name="flags"),
    path("children/<int:pk>/flags/<int:flag_id>/end", views.EndFlagView.as_view(), name="flag-end"),
    path("children/<int:pk>/placements", views.PlacementsView.as_view(), name="placements"),
    path(
        "children/<int:pk>/placements/<int:placement_id>/end",
        views.EndPlacementView.as_view(),
        name="placement-end",
    ),
    path("children/<int:pk>/episodes", views.ChildEpisodesView.as_view(), name="child-episodes"),
    path(
        "children/<int:pk>/grab-pack",
        views_grabpack.ChildGrabPackView.as_view(),
        name="child-grab-pack",
    ),
    path(
        "children/<int:pk>/grab-pack.pdf",
        views_grabpack.ChildGrabPackPdfView.as_view(),
        name="child-grab-pack-pdf",
    ),
    path("episodes", views.EpisodesView.as_view(), name="episodes"),
    path("episodes/<int:pk>", views.EpisodeView.as_view(), name="episode"),
    path("episodes/<int:pk>/gradings", views.GradingsView.as_view(), name="gradings"),
    path("episodes/<int:pk>/log", views.LogView.as_view(), name="log"),
    path("episodes/<int:pk>/police-report", views.PoliceReportView.as_view(), name="police-report"),
    path("episodes/<int:pk>/return", views.ReturnView.as_view(), name="return"),
    path("episodes/<int:pk>/police-grades", views.PoliceGradesView.as_view(), name="police-grades"),
    path(
        "police-challenges/<int:pk>/answer",
        views.ChallengeAnswerView.as_view(),
        name="police-challenge-answer",
    ),
    path(
        "episodes/<int:pk>/grab-pack",
        views_grabpack.EpisodeGrabPackView.as_view(),
        name="grab-pack",
    ),
    path(
        "episodes/<int:pk>/grab-pack.pdf",
        views_grabpack.EpisodeGrabPackPdfView.as_view(),
        name="grab-pack-pdf",
    ),
    path("people", views_people.PeopleView.as_view(), name="people"),
    path("people/<int:pk>", views_people.PersonView.as_view(), name="person"),
    path(
        "people/<int:pk>/deactivate",
        views_people.PersonDeactivateView.as_view(),
        name="person-deactivate",
    ),
    path(
        "people/<int:pk>/reactivate",
        views_people.PersonReactivateView.as_view(),
        name="person-reactivate",
    ),
    re_path(r"^(?P<rest>[\s\S]*)\Z", views_auth.not_found),  # any other path: a JSON 404
]
