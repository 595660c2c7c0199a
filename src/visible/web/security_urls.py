"""Sign-in's second step, recovery codes and passwords (views_security.py). The sign-in page
itself stays at /sign-in (urls.py)."""

from django.urls import path

from . import views_security as views

urlpatterns = [
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
