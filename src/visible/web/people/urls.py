"""People and teams (an organisation's administrators), the invitation link, and the choice of
organisation for someone in two."""

from django.urls import path

from . import views

urlpatterns = [
    path("people/", views.people_list, name="people"),
    path("people/invite", views.invite, name="people-invite"),
    path(
        "people/administrators/invite",
        views.invite_administrator,
        name="invite-administrator",
    ),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/role", views.person_role, name="person-role"),
    path("people/<int:pk>/team", views.person_team, name="person-team"),
    path("people/<int:pk>/deactivate", views.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate", views.person_reactivate, name="person-reactivate"),
    path("people/<int:pk>/invitation/resend", views.person_resend, name="person-resend"),
    path("people/<int:pk>/invitation/withdraw", views.person_withdraw, name="person-withdraw"),
    path("teams/", views.teams_page, name="teams"),
    path("teams/<int:pk>/rename", views.team_rename, name="team-rename"),
    path("teams/<int:pk>/close", views.team_close, name="team-close"),
    path("teams/<int:pk>/reopen", views.team_reopen, name="team-reopen"),
    path("invitation/<str:token>", views.invitation, name="invitation"),
    path("organisation", views.choose_organisation, name="choose-organisation"),
]
