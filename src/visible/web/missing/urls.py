"""Pages for missing episodes, the missing-now board, alerts, safety plans and risk settings.

Included from web/urls.py without a namespace of its own, so the names are in `web:`
(reverse("web:episode", args=[pk]))."""

from django.urls import path

from . import views

urlpatterns = [
    path("children/<int:pk>/report-missing", views.report_missing, name="report-missing"),
    path("children/<int:pk>/safety-plan", views.safety_plan, name="safety-plan"),
    path("children/<int:pk>/safety-plan/edit", views.safety_plan_edit, name="safety-plan-edit"),
    path("episodes/<int:pk>/", views.episode, name="episode"),
    path("episodes/<int:pk>/grade", views.episode_grade, name="episode-grade"),
    path("episodes/<int:pk>/log", views.episode_log, name="episode-log"),
    path("episodes/<int:pk>/police", views.episode_police, name="episode-police"),
    path("episodes/<int:pk>/return", views.episode_return, name="episode-return"),
    path("episodes/<int:pk>/return-interview", views.episode_interview, name="episode-interview"),
    path("missing-now/", views.missing_now, name="missing-now"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/check", views.alerts_sweep, name="alerts-sweep"),
    path("alerts/<int:pk>/acknowledge", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<int:pk>/resolve", views.alert_resolve, name="alert-resolve"),
    path("risk-settings/", views.risk_settings, name="risk-settings"),
]
