"""The one way Visible texts a child (docs/child-pack.md): the pack's numbers (116 000, 999 and
their social worker's), sent only to a phone someone has marked safe to contact.

A text reaches whoever holds the phone: a trafficker who controls a child's phone learns that
the council is in touch, and what it said. So ``text_child`` refuses unless the child's
contacts say "Safe to text" for the number held now, and the refusal changes and sends
nothing. No other code path sends a text message to a child: notifications go to staff
(notifications/delivery.py), never to a child's number.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from visible.access import register as register_policy
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.notifications import channels

from . import texts
from .models import ChildContacts, PhoneSafety
from .pack import HELPLINE, POLICE, side_for

MAX_LENGTH = 612  # four text messages' worth (GOV.UK Notify counts 153 characters each)


class ChildSms(channels._Notify):
    """GOV.UK Notify's text message, with the child's template (one field: the body)."""

    def send(self, message: channels.Message) -> str:
        return self._call(
            lambda client: client.send_sms_notification(
                phone_number=message.to,
                template_id=settings.VISIBLE_NOTIFY_CHILD_SMS_TEMPLATE_ID,
                personalisation={"body": message.body},
                reference=message.reference or None,
            )
        )


def available() -> bool:
    return bool(settings.VISIBLE_NOTIFY_API_KEY and settings.VISIBLE_NOTIFY_CHILD_SMS_TEMPLATE_ID)


class NotSafeToText(ValidationError):
    """The child's phone is not marked safe to contact: nothing was sent."""


def message_for(child: Child, contacts: ChildContacts, code: str) -> str:
    """The text: the pack's helpline and emergency lines in the child's language, and their
    social worker's number if held. No name: the phone may not be the child's alone."""
    side = side_for(child.responsible_organisation_id, code)
    b = side.blocks
    lines = [
        f"{b['helpline_heading']}",
        f"{b['call']} / {b['text']}: {HELPLINE}",
        f"{b['police']}: {POLICE}",
    ]
    if contacts.social_worker_phone:
        lines.append(f"{b['social_worker']}: {contacts.social_worker_phone}")
    return "\n".join(lines)[:MAX_LENGTH]


def check_safe(child: Child) -> ChildContacts:
    contacts = ChildContacts.objects.filter(child=child).first()
    if contacts is None or not contacts.phone:
        raise NotSafeToText({"phone": "There is no mobile number for the child: nothing was sent"})
    if contacts.phone_safety != PhoneSafety.SAFE:
        raise NotSafeToText(
            {
                "phone_safety": "The child's phone is not marked safe to contact, so nothing "
                "was sent. Change “Safe to contact this phone?” only if you know it is safe"
            }
        )
    return contacts


def text_child(viewer: Viewer, child: Child, code: str, *, now: dt.datetime, channel=None) -> str:
    """Send the pack's numbers by text to the child's phone, if it is marked safe; returns
    the provider's reference. Audited (who, which number, when; never the words)."""
    if not register_policy.can_edit(viewer, child):
        raise PermissionDenied("Your organisation or role cannot contact this child")
    if code not in texts.LANGUAGES:
        raise ValidationError({"language": "Choose one of the pack's languages"})
    contacts = check_safe(child)  # before anything else: no text unless it is safe
    if channel is None:
        if not available():
            raise ValidationError(
                {"phone": "Text messages to children are not set up for this service"}
            )
        channel = ChildSms()
    body = message_for(child, contacts, code)
    try:
        reference = channel.send(channels.Message(to=contacts.phone, body=body))
    except channels.SendError as error:
        raise ValidationError({"phone": f"The text was not sent: {error}"}) from None
    with transaction.atomic():
        record(
            viewer,
            AuditAction.CREATE,
            object_type="childcontacts",
            object_id=contacts.pk,
            child_id=child.pk,
            summary=f"Texted the child the pack's numbers ({texts.language(code).name})",
            detail={"to": contacts.phone, "language": code, "reference": reference, "at": now},
        )
    return reference
