"""Who did something, as a page names them: the audit log keeps the username (how a person
signs in, which never changes meaning), and a page shows the person's full name."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from .models import AuditEvent


def actor_name(username: str, full_name: str = "") -> str:
    """A person's full name; the system's own actions ("<sweep>", "<SSDA903 import>") as
    "Visible"; the username only for an account with no name."""
    if full_name.strip():
        return full_name.strip()
    if username.startswith("<") and username.endswith(">"):
        return "Visible"
    return username or "Not recorded"


def name_actors(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events, each with `actor_name` set: one query for all their people."""
    events = list(events)
    ids = {e.actor_user_id for e in events if e.actor_user_id is not None}
    names = {
        pk: f"{first} {last}".strip()
        for pk, first, last in get_user_model()
        .objects.filter(pk__in=ids)
        .values_list("pk", "first_name", "last_name")
    }
    for e in events:
        full = names.get(e.actor_user_id, "") if e.actor_user_id is not None else ""
        e.actor_name = actor_name(e.actor_username, full)  # type: ignore[attr-defined]
    return events
