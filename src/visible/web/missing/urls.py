"""Pages for missing episodes, the missing-now board, alerts, safety plans and risk settings.

Included from web/urls.py without a namespace of its own, so the names are in `web:`
(reverse("web:episode", args=[pk]))."""

from django.urls import path

from . import alert_page, deadlines, views

urlpatterns = [
    path("children/<int:pk>/report-missing", views.report_missing, name="report-missing"),
    path("children/<int:pk>/safety-plan", views.safety_plan, name="safety-plan"),
    path("children/<int:pk>/safety-plan/edit", views.safety_plan_edit, name="safety-plan-edit"),
    path("episodes/<int:pk>/", views.episode, name="episode"),
    path("episodes/<int:pk>/grade", views.episode_grade, name="episode-grade"),
    path("episodes/<int:pk>/log", views.episode_log, name="episode-log"),
    path("episodes/<int:pk>/police", views.episode_police, name="episode-police"),
    path("episodes/<int:pk>/police-grade", views.episode_police_grade, name="episode-police-grade"),
    path("episodes/<int:pk>/return", views.episode_return, name="episode-return"),
    path("episodes/<int:pk>/return-interview", views.episode_interview, name="episode-interview"),
    path("missing-now/", views.missing_now, name="missing-now"),
    path("missing-now/live", views.missing_now_live, name="missing-now-live"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/live", views.alerts_live, name="alerts-live"),
    path("alerts/banner", views.alert_banner, name="alert-banner"),
    path("alerts/check", views.alerts_sweep, name="alerts-sweep"),
    path("alerts/<int:pk>/", views.alert_goto, name="alert"),
    path("alerts/<int:pk>/details", alert_page.alert_detail, name="alert-detail"),
    path("alert-deadlines/", deadlines.deadlines_page, name="alert-deadlines"),
    path("alerts/<int:pk>/dismiss", views.alert_dismiss, name="alert-dismiss"),
    path("alerts/<int:pk>/acknowledge", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<int:pk>/resolve", views.alert_resolve, name="alert-resolve"),
    path("risk-settings/", views.risk_settings, name="risk-settings"),
]
