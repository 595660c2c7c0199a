"""Turning audit events into the "who changed what" history shown on a child's record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from visible.audit.models import AuditEvent
from visible.children.models import (
    AgeAssessment,
    Arrival,
    ArrivalItemDone,
    Child,
    ChildName,
    Flag,
    GuardianAssignment,
    NrmReferral,
    Placement,
    PlacementRefusal,
)
from visible.reference.codes import LEGAL_STATUSES, PLACEMENT_TYPES
from visible.reference.models import Authority
from visible.reference.nationalities import language_name, nationality_name

MODELS = {
    "child": Child,
    "other name": ChildName,
    "flag": Flag,
    "placement": Placement,
    "NRM referral": NrmReferral,
    "age assessment": AgeAssessment,
    "guardian": GuardianAssignment,
    "allocation": Child,
    "arrival": Arrival,
    "arrival item": ArrivalItemDone,
    "refused placement": PlacementRefusal,
}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: dt.datetime
    who: str
    organisation: str
    summary: str
    action: str
    record: str
    changes: list[Change]


def _label(model: Any, name: str) -> str:
    if name == "authority_id":
        return "Authority the placement is in"
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        label = name.replace("_", " ")
    return label[:1].upper() + label[1:]


def _display(model: Any, name: str, value: Any) -> str:
    if value in (None, "", []):
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "nationality":
        return nationality_name(value)
    if name == "first_language":
        return language_name(value)
    if name == "other_languages":
        return ", ".join(language_name(v) for v in value)
    if name == "place_code":
        return f"{value}: {PLACEMENT_TYPES.label(value)}"
    if name == "legal_status":
        return f"{value}: {LEGAL_STATUSES.label(value)}"
    if name == "authority_id":
        authority = Authority.objects.filter(pk=value).first()
        return authority.name if authority else str(value)
    if isinstance(value, str) and len(value) > 10 and value[4] == "-" and value[10] == "T":
        try:
            moment = timezone.localtime(dt.datetime.fromisoformat(value))
            return f"{moment:%H:%M} on {moment.day} {moment:%B %Y}"
        except ValueError:
            pass
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value).strftime("%-d %B %Y")
        except ValueError:
            pass
    try:
        field = model._meta.get_field(name)
        if field.choices:
            return str(dict(field.choices).get(value, value))
    except (FieldDoesNotExist, AttributeError):
        pass
    return str(value)


def describe_events(events: Iterable[AuditEvent]) -> list[HistoryEntry]:
    from visible.audit.names import name_actors

    entries = []
    for event in name_actors(events):
        detail = event.detail_data
        record_name = detail.get("record", event.object_type)
        model = MODELS.get(record_name)
        changes = [
            Change(_label(model, name), _display(model, name, old), _display(model, name, new))
            for name, (old, new) in sorted(detail.get("changes", {}).items())
        ]
        entries.append(
            HistoryEntry(
                at=timezone.localtime(event.at),
                who=event.actor_name,  # type: ignore[attr-defined]
                organisation=event.organisation_name,
                summary=event.summary,
                action=event.get_action_display(),
                record=record_name,
                changes=changes,
            )
        )
    return entries
