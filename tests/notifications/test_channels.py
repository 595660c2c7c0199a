"""Each channel against a real server on this machine: email by SMTP through Django's email
framework, text messages and email through GOV.UK Notify's own client to the stand-in, which
checks the client's JWT as Notify does. What is received is checked, and each kind of failure
is told apart: one that may pass (retried) from one that will not (given up)."""

from __future__ import annotations

import pytest

from visible.notifications.channels import (
    Message,
    NotifyEmail,
    NotifySms,
    PermanentError,
    RetryableError,
    SmtpEmail,
)

from .smtp_server import free_port


def test_smtp_email_is_received_by_the_server(smtp_server):
    reference = SmtpEmail().send(
        Message(to="coordinator@croydon.example", subject="Visible: a test", body="Hello\n")
    )
    [received] = smtp_server.wait_for(1)
    assert received.to == ["coordinator@croydon.example"]
    assert received.sender == "no-reply@visible.test"
    assert received.subject == "Visible: a test"
    assert received.body.strip() == "Hello"
    assert received.message["Message-ID"].strip("<>") == reference
    assert received.message["Auto-Submitted"] == "auto-generated"


def test_an_address_refused_for_good_is_a_permanent_failure(smtp_server):
    smtp_server.refuse("gone@croydon.example")
    with pytest.raises(PermanentError, match="refused the address: 550"):
        SmtpEmail().send(Message(to="gone@croydon.example", subject="s", body="b"))
    assert smtp_server.messages == []


def test_an_address_refused_for_now_is_retried(smtp_server):
    smtp_server.refuse("busy@croydon.example", for_good=False)
    with pytest.raises(RetryableError, match="for now: 451"):
        SmtpEmail().send(Message(to="busy@croydon.example", subject="s", body="b"))


def test_a_mail_server_that_does_not_answer_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    with pytest.raises(RetryableError, match="Could not reach the mail server 127.0.0.1"):
        SmtpEmail().send(Message(to="a@croydon.example", subject="s", body="b"))


def test_a_text_message_goes_through_notify_with_the_clients_signed_token(notify_stub):
    reference = NotifySms().send(
        Message(
            to="+447700900982",
            body="",
            personalisation={"what": "Child reported missing", "reference": "case 12", "link": "L"},
            reference="visible-notification-5",
        )
    )
    [sent] = notify_stub.sent
    assert sent.id == reference
    assert (sent.kind, sent.to, sent.template) == ("sms", "+447700900982", "sms")
    assert sent.body == "Visible: Child reported missing. Ref case 12. L"
    assert sent.reference == "visible-notification-5"


def test_email_through_notify(notify_stub):
    NotifyEmail().send(
        Message(
            to="spoc@police.example",
            body="",
            template="alert",
            personalisation={
                "what": "Child reported missing",
                "reference": "police ref MPS-1",
                "when": "10:00 on 1 June 2026",
                "organisation": "Croydon children's services",
                "link": "https://visible.test/episodes/1/",
                "reason": "a coordinator",
                "preferences_link": "https://visible.test/account/notifications",
            },
        )
    )
    [sent] = notify_stub.sent
    assert sent.subject == "Visible: Child reported missing, ref police ref MPS-1"
    assert "https://visible.test/episodes/1/" in sent.body


def test_a_wrong_key_is_refused_by_notify_and_not_retried(notify_stub, settings):
    settings.VISIBLE_NOTIFY_API_KEY = (
        "visible_test-6f1c4a2e-3b5d-4c7e-9a10-2b3c4d5e6f70-ffffffff-ffff-4fff-8fff-ffffffffffff"
    )
    with pytest.raises(PermanentError, match="GOV.UK Notify answered 403: Invalid token"):
        NotifySms().send(
            Message(
                to="07700900982", body="", personalisation={"what": "", "reference": "", "link": ""}
            )
        )
    assert notify_stub.sent == []


def test_a_number_notify_cannot_text_is_given_up(notify_stub):
    with pytest.raises(PermanentError, match="400: phone_number Not a UK mobile number"):
        NotifySms().send(
            Message(
                to="+3361234567", body="", personalisation={"what": "", "reference": "", "link": ""}
            )
        )


def test_a_missing_template_field_is_given_up(notify_stub):
    with pytest.raises(PermanentError, match="Missing personalisation: link"):
        NotifySms().send(
            Message(to="07700900982", body="", personalisation={"what": "", "reference": ""})
        )


@pytest.mark.parametrize("status", [500, 503, 429])
def test_notify_down_or_busy_is_retried(notify_stub, status):
    notify_stub.fail_next(1, status=status)
    with pytest.raises(RetryableError, match=f"GOV.UK Notify answered {status}"):
        NotifySms().send(
            Message(
                to="07700900982", body="", personalisation={"what": "", "reference": "", "link": ""}
            )
        )


def test_notify_unreachable_is_retried(notify_stub, settings):
    settings.VISIBLE_NOTIFY_BASE_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(RetryableError, match="GOV.UK Notify answered 503"):
        NotifySms().send(
            Message(
                to="07700900982", body="", personalisation={"what": "", "reference": "", "link": ""}
            )
        )


def test_without_a_key_no_text_message_can_be_sent(settings):
    settings.VISIBLE_NOTIFY_API_KEY = ""
    with pytest.raises(PermanentError, match="GOV.UK Notify is not set up"):
        NotifySms().send(Message(to="07700900982", body=""))
