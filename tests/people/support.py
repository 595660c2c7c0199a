"""What the people tests share: reading the invitation link out of an email, inviting someone
as a page would, and the operator on the command line."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core import mail

from visible.agencies.viewer import Viewer, viewer_for
from visible.people import invitations
from visible.people.invitations import InviteInput

SITE = "http://testserver/"
LINK = re.compile(r"https?://\S+/invitation/(\S+)")


def link_in(message) -> str:
    """The invitation link's path (/invitation/<token>) in an email."""
    match = LINK.search(message.body)
    assert match, f"no invitation link in: {message.body}"
    return urlsplit(match.group(0)).path


def token_in(message) -> str:
    return link_in(message).rsplit("/", 1)[-1]


def last_link() -> str:
    return link_in(mail.outbox[-1])


def operator() -> Viewer:
    return Viewer.system("cli:test")


def invite(by, organisation, email: str, role: str, **values) -> invitations.Sent:
    """`by` (a user, or a Viewer) invites `email` as the invitation page would."""
    viewer = by if isinstance(by, Viewer) else viewer_for(by)
    details = {"given_name": "Sam", "family_name": "Okafor (synthetic)"} | values
    return invitations.invite(
        viewer,
        organisation,
        InviteInput(email=email, role=role, **details),
        site_url=SITE,
    )
