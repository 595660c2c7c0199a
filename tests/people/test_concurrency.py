"""Two administrators deactivating each other at the same moment, and one invitation link used
twice at once: real concurrent transactions (PostgreSQL row locks; on SQLite, writers queue).
An organisation is never left without an active administrator; a link is used once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from tests.connections import at_once
from tests.factories import as_viewer, make_user
from tests.people.support import invite, token_in
from visible.agencies.models import Membership, Role
from visible.people import invitations, members
from visible.people.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_administrators_removing_each_other_at_once_leave_one(council_a):
    first = make_user("admin.one", council_a, Role.ORGANISATION_ADMIN)
    second = make_user("admin.two", council_a, Role.ORGANISATION_ADMIN)
    pairs = [(first, second), (second, first)]

    def remove(i: int) -> str:
        by, whom = pairs[i]
        try:
            members.deactivate(as_viewer(by), whom.memberships.get())
        except Conflict:  # both still administrators when they looked: the last one is kept
            return "refused"
        except PermissionDenied:  # the other was first, and this one is no longer an administrator
            return "refused"
        return "done"

    assert sorted(at_once(remove, 2)) == ["done", "refused"]
    assert (
        Membership.objects.filter(
            organisation=council_a, role=Role.ORGANISATION_ADMIN, is_active=True
        ).count()
        == 1
    )


def test_one_link_used_twice_at_once_is_used_once(council_a):
    admin = make_user("admin.one", council_a, Role.ORGANISATION_ADMIN)
    invite(admin, council_a, "race@croydon.example", Role.SOCIAL_WORKER)
    token = token_in(mail.outbox[-1])

    def use(i: int) -> str:
        try:
            invitations.accept(token, password=f"a synthetic passphrase number {i}")
        except invitations.LinkUnusable as unusable:
            return f"refused: {unusable.state}"
        return "set the password"

    assert sorted(at_once(use, 2)) == ["refused: accepted", "set the password"]
    assert Membership.objects.get(user__username="race@croydon.example").is_active
