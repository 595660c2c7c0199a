"""The invitation email through a real SMTP server (aiosmtpd, on 127.0.0.1), as production
sends it with Django's SMTP backend and the VISIBLE_EMAIL_* settings: it arrives, to the
person, with a link that works."""

from __future__ import annotations

import email
import socket
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from tests.people.support import LINK, invite
from tests.security.signing_in import page_text
from visible.agencies.models import Role

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        parsed = email.message_from_bytes(envelope.content, policy=default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "Visible <no-reply@visible.example>"
    yield inbox
    controller.stop()


def test_the_invitation_reaches_a_real_smtp_server_and_its_link_works(
    smtp_server, client, admin_a, council_a
):
    invite(admin_a, council_a, "smtp.test@croydon.example", Role.SOCIAL_WORKER)
    [(sender, recipients, message)] = smtp_server.messages
    assert sender == "no-reply@visible.example"
    assert recipients == ["smtp.test@croydon.example"]
    assert message["Subject"] == f"You have been invited to Visible by {council_a.name}"
    body = message.get_content()
    link = LINK.search(body)
    assert link, body
    page = client.get(link.group(0).replace("http://testserver", ""))
    assert page.status_code == 200 and "Set up your Visible account" in page_text(page)
