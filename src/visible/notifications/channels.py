"""The channels a message goes by: email through Django's email framework (the SMTP relay of
the settings, EMAIL_*), and text messages and email through GOV.UK Notify.

A channel is anything with ``name``, ``done_state`` and ``send(message) -> str``: it sends one
message and returns the provider's reference for it (Notify's notification id; for SMTP the
Message-ID Visible gave the email), or raises

- ``RetryableError``: it may work later (the server did not answer, refused for now, was busy:
  SMTP 4xx, HTTP 429 and 5xx, a timeout, a refused connection); the message is tried again
  after the next delay of VISIBLE_NOTIFY_RETRY_DELAYS;
- ``PermanentError``: trying again will not help (the address was refused: SMTP 5xx, Notify
  400 or 403); the message is given up at once.

Either error's text says what went wrong in words for the operations log and the record,
never the message's content (docs/notifications.md).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid

SMTP = "smtp"
NOTIFY = "notify"


@dataclass(frozen=True)
class Message:
    """One message, ready to go. For email, ``subject`` and ``body`` (plain text); for Notify,
    the template and its personalisation as well (Notify makes the body from its template:
    ``body`` is what Visible expects it to say, kept for the checks)."""

    to: str
    body: str
    subject: str = ""
    template: str = ""  # which of Visible's Notify templates: alert or digest
    personalisation: dict[str, Any] = field(default_factory=dict)
    reference: str = ""  # ours, sent to Notify with the message (the notification's id)


class SendError(Exception):
    """Sending failed; the text says why, without the message's content."""


class RetryableError(SendError):
    """May work later."""


class PermanentError(SendError):
    """Will not work however often it is tried."""


class Channel(Protocol):
    name: str  # "smtp" or "notify": the provider, recorded on each notification
    done_state: str  # the notification's state once the provider has taken the message

    def send(self, message: Message) -> str: ...


class SmtpEmail:
    """Email through Django's email framework: the SMTP relay of the settings (EMAIL_HOST,
    EMAIL_PORT, EMAIL_HOST_USER, EMAIL_USE_TLS, from VISIBLE_EMAIL_*), from DEFAULT_FROM_EMAIL.
    Accepted means the relay took it; what happens after is the relay's."""

    name = SMTP
    done_state = "sent"

    def send(self, message: Message) -> str:
        message_id = make_msgid(domain=_mail_domain())
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.to],
            headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
        )
        try:
            connection = get_connection(timeout=settings.VISIBLE_NOTIFY_TIMEOUT_SECONDS)
        except TypeError:  # a backend without a timeout (the tests' in-memory one)
            connection = get_connection()
        try:
            sent = connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            text = "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
            if codes and all(code >= 500 for code in codes):
                raise PermanentError(f"The mail server refused the address: {text}") from None
            raise RetryableError(f"The mail server refused the address for now: {text}") from None
        except smtplib.SMTPAuthenticationError as error:
            # The relay's user or password is wrong: no message can go until someone fixes the
            # settings, which may happen before the last try.
            raise RetryableError(
                f"The mail server refused Visible's sign-in ({error.smtp_code}): check "
                "VISIBLE_EMAIL_HOST_USER and VISIBLE_EMAIL_HOST_PASSWORD"
            ) from None
        except smtplib.SMTPResponseException as error:
            words = f"The mail server answered {error.smtp_code} {_text(error.smtp_error)}"
            if error.smtp_code >= 500:
                raise PermanentError(words) from None
            raise RetryableError(words) from None
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as error:
            raise RetryableError(
                f"Could not reach the mail server {settings.EMAIL_HOST}:{settings.EMAIL_PORT}: "
                f"{type(error).__name__}"
            ) from None
        if not sent:
            raise RetryableError("The mail server did not take the message")
        return message_id.strip("<>")


def _mail_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rpartition("@")[2] or "visible.invalid"


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:200]


class _Notify:
    """GOV.UK Notify through its Python client: one client per message (the client is not
    thread-safe), the key and address from the settings."""

    name = NOTIFY
    done_state = "accepted"

    def _client(self):
        from notifications_python_client.notifications import NotificationsAPIClient

        if not settings.VISIBLE_NOTIFY_API_KEY:
            raise PermanentError(
                "GOV.UK Notify is not set up (VISIBLE_NOTIFY_API_KEY is empty), so no text "
                "message can be sent"
            )

        return NotificationsAPIClient(
            settings.VISIBLE_NOTIFY_API_KEY,
            base_url=settings.VISIBLE_NOTIFY_BASE_URL,
            timeout=settings.VISIBLE_NOTIFY_TIMEOUT_SECONDS,
        )

    def _call(self, send) -> str:
        from notifications_python_client.errors import APIError

        client = self._client()
        try:
            answer = send(client)
        except APIError as error:
            status = error.status_code
            words = f"GOV.UK Notify answered {status}: {_notify_message(error)}"
            if status in (400, 403):
                raise PermanentError(words) from None
            raise RetryableError(words) from None
        if not isinstance(answer, dict) or not answer.get("id"):
            raise RetryableError("GOV.UK Notify's answer had no notification id")
        return str(answer["id"])


def _notify_message(error) -> str:
    message = error.message
    if isinstance(message, list):  # [{"error": "BadRequestError", "message": "..."}]
        message = "; ".join(
            str(item.get("message", item)) if isinstance(item, dict) else str(item)
            for item in message
        )
    return " ".join(str(message).split())[:300]


class NotifySms(_Notify):
    def send(self, message: Message) -> str:
        return self._call(
            lambda client: client.send_sms_notification(
                phone_number=message.to,
                template_id=settings.VISIBLE_NOTIFY_SMS_TEMPLATE_ID,
                personalisation=message.personalisation,
                reference=message.reference or None,
            )
        )


class NotifyEmail(_Notify):
    def send(self, message: Message) -> str:
        template = (
            settings.VISIBLE_NOTIFY_DIGEST_TEMPLATE_ID
            if message.template == "digest"
            else settings.VISIBLE_NOTIFY_EMAIL_TEMPLATE_ID
        )
        return self._call(
            lambda client: client.send_email_notification(
                email_address=message.to,
                template_id=template,
                personalisation=message.personalisation,
                reference=message.reference or None,
            )
        )


def sms_available() -> bool:
    """Whether text messages can be sent: GOV.UK Notify is set up."""
    return bool(settings.VISIBLE_NOTIFY_API_KEY)


def email_provider() -> str:
    return NOTIFY if settings.VISIBLE_NOTIFY_EMAIL and settings.VISIBLE_NOTIFY_API_KEY else SMTP


def channel_for(channel: str, provider: str) -> Channel:
    """The channel that sends a notification of this channel (email or sms) by this provider."""
    if channel == "sms":
        return NotifySms()
    if provider == NOTIFY:
        return NotifyEmail()
    return SmtpEmail()
