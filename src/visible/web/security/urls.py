"""Signing in (password, then the second factor) and out, recovery codes and passwords."""

from django.urls import path

from . import views

urlpatterns = [
    path("sign-in", views.SignInView.as_view(), name="sign-in"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("sign-in/code", views.SecondFactorView.as_view(), name="second-factor"),
    path("sign-in/set-up", views.SetUpView.as_view(), name="second-factor-set-up"),
    path("sign-in/recovery-code", views.RecoveryCodeView.as_view(), name="recovery-code"),
    path("sign-in/recovery-codes", views.recovery_codes, name="recovery-codes"),
    path("password-reset", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("account/password", views.PasswordChangeView.as_view(), name="password-change"),
]
