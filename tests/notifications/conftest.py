"""A real SMTP server and a stand-in for GOV.UK Notify on this machine, with Visible's
settings pointed at them (the support modules smtp_server.py and notify_stub.py)."""

from __future__ import annotations

import pytest

from .notify_stub import NotifyStub
from .smtp_server import SmtpServer


@pytest.fixture
def smtp_server(settings):
    """Visible's email goes by SMTP (Django's SMTP backend) to a server started for the test."""
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Visible <no-reply@visible.test>"
    yield server
    server.stop()


@pytest.fixture
def notify_stub(settings):
    """Text messages go through GOV.UK Notify's client to a stand-in started for the test."""
    stub = NotifyStub().start()
    for name, value in stub.settings().items():
        setattr(settings, name, value)
    yield stub
    stub.stop()
