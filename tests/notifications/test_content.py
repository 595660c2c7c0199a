"""Every kind of message, by every channel, checked for the child's every name and spelling:
an alert's own text names the child (it is read in the inbox, behind the access rules), so a
message must say what happened in Visible's own words, give a reference and a link, and
nothing more."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from tests import factories
from tests.factories import make_user
from visible.agencies.models import Role
from visible.missing.models import Alert
from visible.notifications import notify
from visible.notifications.models import Notification, Preferences, State
from visible.notifications.references import WHAT

from .support import assert_names_absent, named_in

pytestmark = pytest.mark.django_db
KINDS = sorted(WHAT) + ["a_kind_added_later"]


@pytest.fixture
def child(sw_a, fake):
    return factories.create_uasc_child(
        sw_a,
        fake,
        preferred_name="Dawi",
        other_names=[("Dawit Tekleh", "other_spelling"), ("ዳዊት ተኽለ", "own_script"),
                     ("Daveed Tekle", "alias"), ("Dawit Haile", "previous")],
    )  # fmt: skip


@pytest.fixture
def reader(council_a):
    user = make_user("coordinator.a", council_a, Role.MISSING_COORDINATOR)
    user.email = "coordinator.a@croydon.example"
    user.save()
    Preferences.objects.create(user=user, channels="both", mobile="+447700900982")
    return user


def test_the_check_finds_each_name(child):
    assert named_in("Seen with David Tekla?", child) == []
    assert named_in("Seen: DAWIT.", child) == ["Dawit", "dawit"]  # and ዳዊት, folded to ASCII
    assert named_in("called ዳዊት", child) == ["ዳዊት"]
    assert named_in("known as Daveed", child) == ["Daveed"]
    assert named_in(f"born {child.date_of_birth:%d/%m/%Y}", child)


@pytest.mark.parametrize("kind", KINDS)
def test_no_message_names_the_child(
    kind, child, reader, notify_stub, django_capture_on_commit_callbacks
):
    now = timezone.now()
    alert = Alert.objects.create(
        organisation=child.responsible_organisation, child=child, code=kind, key=f"{child.pk}/{kind}",
        text=f"{child.full_name} (also known as Dawit Tekleh, ዳዊት ተኽለ), born "
        f"{child.date_of_birth:%d/%m/%Y}: {kind}",
        source="test", due_at=now, raised_at=now,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify(alert, [reader], "missing_coordinator")
    assert set(Notification.objects.values_list("state", flat=True)) == {
        State.SENT,
        State.ACCEPTED,
    }
    [email] = mail.outbox
    [text] = notify_stub.sent
    for body in (email.subject, email.body, text.body, str(text.personalisation)):
        assert_names_absent(body, child)
    link = (
        "https://visible.test/alerts/"
        if kind in ("break_glass_by_staff", "notification_not_sent")
        # The receivers of a transfer cannot open the child's record: their transfers list.
        else "https://visible.test/transfers"
        if kind in ("nts_packet_sent", "nts_transfer_withdrawn")
        else f"https://visible.test/children/{child.pk}/"
    )
    assert link in email.body and text.body.endswith(link)
    assert f"Ref Visible alert {alert.pk}." in text.body
    assert WHAT.get(kind, "New alert in Visible") in email.subject


@pytest.mark.parametrize(
    ("grade", "words"),
    [("high", "graded high risk"), ("medium", "graded medium risk"),
     ("no_apparent_risk", "graded no apparent risk")],
)  # fmt: skip
def test_grades_in_words(grade, words):
    from visible.notifications.references import grade_words

    assert grade_words(grade) == words
