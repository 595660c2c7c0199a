"""Signing in with the organisation's identity provider, and its administrator's page."""

from django.urls import path

from . import views

urlpatterns = [
    path("sign-in/organisation", views.sign_in, name="sso-sign-in"),
    path("sign-in/organisation/go", views.go, name="sso-go"),
    path("sign-in/organisation/callback", views.callback, name="sso-callback"),
    path("organisation/sign-in", views.settings_page, name="sso-settings"),
    path("organisation/sign-in/check", views.check_issuer, name="sso-check"),
    path("organisation/sign-in/on-or-off", views.turn_on_or_off, name="sso-enable"),
    path("organisation/sign-in/forget-link", views.forget_link, name="sso-forget-link"),
]
