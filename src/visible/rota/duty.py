"""Who is on duty: the rota's questions, each at a moment the caller gives (no clock here).

A person counts only while they are an active member of the organisation, with an active
account: someone who has left is never told, even if a shift still names them."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet

from visible.agencies.models import Membership, Organisation

from .models import LADDER, Position, Shift


def _serving(organisation_id: int) -> Exists:
    return Exists(
        Membership.objects.filter(
            user=OuterRef("person"), organisation_id=organisation_id, is_active=True
        )
    )


def shifts_at(organisation: Organisation | int, at: dt.datetime) -> QuerySet[Shift]:
    """The shifts in force at ``at`` (starts included, end not), of people still serving."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return (
        Shift.objects.filter(organisation_id=organisation_id, starts_at__lte=at, ends_at__gt=at)
        .filter(_serving(organisation_id), person__is_active=True)
        .select_related("person")
        .order_by("starts_at", "pk")
    )


def on_duty(organisation: Organisation | int, position: str, at: dt.datetime) -> list[User]:
    """The people at ``position`` at ``at``, earliest shift first, each once."""
    found: list[User] = []
    for shift in shifts_at(organisation, at).filter(position=position):
        if shift.person not in found:
            found.append(shift.person)
    return found


def who_is_on(organisation: Organisation | int, at: dt.datetime) -> dict[str, list[Shift]]:
    """Each position of the ladder with the shifts in force at ``at`` (empty if nobody)."""
    found: dict[str, list[Shift]] = {position: [] for position in LADDER}
    for shift in shifts_at(organisation, at):
        found[shift.position].append(shift)
    return found


def shifts_between(
    organisation: Organisation | int, start: dt.datetime, end: dt.datetime
) -> QuerySet[Shift]:
    """Every shift that overlaps [start, end), leavers included (the rota as it was kept)."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return (
        Shift.objects.filter(organisation_id=organisation_id, starts_at__lt=end, ends_at__gt=start)
        .select_related("person")
        .order_by("starts_at", "position", "pk")
    )


def position_label(position: str) -> str:
    try:
        return Position(position).label
    except ValueError:
        return position.replace("_", " ").capitalize()
