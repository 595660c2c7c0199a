"""Every write to the register, one function per use case.

Each function checks the viewer may do it, validates, writes, and appends the audit event in
one transaction: a write that fails leaves nothing behind, and no write goes unrecorded. Views,
the CLI and importers all call these; none of them writes the models directly. Each takes its
values as a typed input (children/inputs.py), so a caller missing a required field fails where
it calls, naming the field.

The register knows nothing of missing episodes or of sharing (.importlinter forbids the
imports): telling another council that a child is placed in its area is a cross-agency notice,
raised by sharing.actions.record_placement around record_placement below, and that is what
the pages and the API call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from visible.access import register as policy
from visible.agencies.viewer import Viewer
from visible.audit.log import plain_value as _plain
from visible.audit.log import record, record_for
from visible.audit.models import AuditAction
from visible.reference.models import Authority

from . import photographs
from .inputs import AgeAssessmentInput, ChildInput, GuardianInput, NrmReferralInput, PlacementInput
from .models import (
    AgeAssessment,
    AgeAssessmentStatus,
    Child,
    ChildName,
    Flag,
    FlagKind,
    GuardianAssignment,
    NrmReferral,
    Placement,
)
from .names import search_text_for
from .validation import (
    Problems,
    check_child_details,
    check_identifiers_unique,
    check_no_overlap,
    check_not_before_birth,
    check_period,
    check_placement_code,
)

CHILD_FIELDS = ChildInput.field_names()
PLACEMENT_FIELDS = (
    "place_code",
    "detail",
    "start_date",
    "end_date",
    "postcode",
    "authority_id",
    "provider",
)
NRM_FIELDS = NrmReferralInput.field_names()


class StaleRecord(ValidationError):
    """Someone else saved the record after this edit began."""


def _today() -> dt.date:
    return timezone.localdate()


def _snapshot(instance: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: _plain(getattr(instance, f)) for f in fields}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {f: [before[f], after[f]] for f in after if before.get(f) != after[f]}


def _refresh_search_text(child: Child) -> None:
    names = [child.given_names, child.family_name, child.preferred_name]
    names += list(child.other_names.values_list("name", flat=True))
    child.search_text = search_text_for(names)


def _save_identifiers(
    child: Child, organisation_id: int, values: dict[str, Any], **save: Any
) -> None:
    """Save the child in a savepoint. Two writes can both pass check_identifiers_unique before
    either commits; the database's unique constraints then refuse the second (PostgreSQL makes
    it wait for the first, then raises IntegrityError). The check, run again now that the first
    has committed, names the identifier in the same words as before, instead of a server error."""
    try:
        with transaction.atomic():
            child.save(**save)
    except IntegrityError:
        p = Problems()
        check_identifiers_unique(p, organisation_id, values, exclude_child_id=child.pk)
        if not p.errors:
            raise  # not an identifier: a fault, not the person's mistake
        p.raise_if_any()


def _bump(child: Child) -> None:
    Child.objects.filter(pk=child.pk).update(version=F("version") + 1, updated_at=timezone.now())
    child.refresh_from_db(fields=["version", "updated_at"])


# --- the child -----------------------------------------------------------------------------


def _child_values(details: ChildInput) -> dict[str, Any]:
    """The details as the record holds them (its languages a list)."""
    return details.as_values() | {"other_languages": list(details.other_languages)}


@transaction.atomic
def create_child(
    viewer: Viewer, details: ChildInput, other_names: Sequence[tuple[str, str]] = ()
) -> Child:
    policy.require_create(viewer)
    organisation = viewer.organisation
    values = _child_values(details)
    p = Problems()
    check_child_details(p, values, _today())
    check_identifiers_unique(p, organisation.pk, values, exclude_child_id=None)
    p.raise_if_any()
    child = Child(responsible_organisation=organisation, **values)
    _save_identifiers(child, organisation.pk, values)
    for name, kind in other_names:
        if name.strip():
            ChildName.objects.create(child=child, name=name.strip(), kind=kind)
    _refresh_search_text(child)
    child.save(update_fields=["search_text"])
    record_for(
        viewer,
        AuditAction.CREATE,
        child,
        child.pk,
        f"Added {child.full_name} to the register",
        {
            "record": "child",
            "changes": {
                f: [None, v]
                for f, v in _snapshot(child, CHILD_FIELDS).items()
                if v not in ("", None, [], False)
            },
            "other_names": [n for n, _ in other_names if n.strip()],
        },
    )
    return child


@transaction.atomic
def update_child(viewer: Viewer, child: Child, details: ChildInput, expected_version: int) -> Child:
    """Replace the child's core details with `details` (all of them: a caller changing a few
    lays them over ``ChildInput.of(child)``), if the record is still at `expected_version`."""
    policy.require_edit(viewer, child)
    locked = Child.objects.select_for_update(no_key=True).get(pk=child.pk)
    if locked.version != expected_version:
        raise StaleRecord(
            {
                "__all__": [
                    "Someone else changed this record while you were editing it. "
                    "Your changes have not been saved: reload the page to see theirs, then make yours again."
                ]
            }
        )
    values = _child_values(details)
    p = Problems()
    check_child_details(p, values, _today())
    check_identifiers_unique(
        p, locked.responsible_organisation_id, values, exclude_child_id=locked.pk
    )
    p.raise_if_any()
    before = _snapshot(locked, CHILD_FIELDS)
    for field, value in values.items():
        setattr(locked, field, value)
    _refresh_search_text(locked)
    locked.version = locked.version + 1
    _save_identifiers(locked, locked.responsible_organisation_id, values)
    changes = _changes(before, _snapshot(locked, CHILD_FIELDS))
    if changes:
        record_for(
            viewer,
            AuditAction.CHANGE,
            locked,
            locked.pk,
            f"Changed {', '.join(changes)}",
            {"record": "child", "changes": changes},
        )
    return locked


@transaction.atomic
def add_other_name(viewer: Viewer, child: Child, name: str, kind: str) -> ChildName:
    policy.require_edit(viewer, child)
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Enter the other name or spelling"]})
    if child.other_names.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"'{name}' is already recorded for this child"]})
    other = ChildName.objects.create(child=child, name=name, kind=kind)
    _refresh_search_text(child)
    child.save(update_fields=["search_text"])
    _bump(child)
    record_for(
        viewer,
        AuditAction.CREATE,
        other,
        child.pk,
        f"Added other name '{name}'",
        {
            "record": "other name",
            "changes": {"name": [None, name], "kind": [None, kind]},
        },
    )
    return other


@transaction.atomic
def remove_other_name(viewer: Viewer, other: ChildName) -> None:
    child = other.child
    policy.require_edit(viewer, child)
    name, kind, pk = other.name, other.kind, other.pk
    other.delete()
    _refresh_search_text(child)
    child.save(update_fields=["search_text"])
    _bump(child)
    record(
        viewer,
        AuditAction.END,
        object_type="childname",
        object_id=pk,
        child_id=child.pk,
        summary=f"Removed other name '{name}'",
        detail={"record": "other name", "changes": {"name": [name, None], "kind": [kind, None]}},
    )


@transaction.atomic
def set_photo(viewer: Viewer, child: Child, photo: Any, taken_on: dt.date | None) -> Child:
    """`photo` is the uploaded file: kept only if it is a JPEG or PNG within the limits, and
    then encoded again without its metadata (photographs.py)."""
    policy.require_edit(viewer, child)
    errors: dict[str, list[str]] = {}
    if taken_on and taken_on > _today():
        errors["photo_taken_on"] = ["Date the photograph was taken must be today or in the past"]
    try:
        photo = photographs.prepared(photo, child.pk)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    old = child.photo.name if child.photo else None
    child.photo = photo
    child.photo_taken_on = taken_on
    child.save(update_fields=["photo", "photo_taken_on"])
    _bump(child)
    record_for(
        viewer,
        AuditAction.CHANGE,
        child,
        child.pk,
        "Changed photograph",
        {
            "record": "child",
            "changes": {
                "photo": [old, child.photo.name],
                "photo_taken_on": [None, _plain(taken_on)],
            },
        },
    )
    return child


# --- flags ---------------------------------------------------------------------------------


def _check_no_open_flag(p: Problems, child: Child, kind: str) -> None:
    open_flag = (
        Flag.objects.filter(child=child, kind=kind, end_date__isnull=True)
        .order_by("start_date", "pk")
        .first()
    )
    if open_flag is not None:
        p.add(
            "kind",
            f"This child already has an open '{FlagKind(kind).label}' flag from "
            f"{open_flag.start_date:%-d %B %Y}. End it before recording a new one",
            conflict=True,
        )


@transaction.atomic
def record_flag(
    viewer: Viewer,
    child: Child,
    kind: str,
    start_date: dt.date,
    evidence: str,
    stage: str = "",
    source: str = "manual",
) -> Flag:
    policy.require_edit(viewer, child)
    p = Problems()
    if kind not in FlagKind.values:
        p.add("kind", f"'{kind}' is not a flag Visible records; choose from the list")
    if not (evidence or "").strip():
        p.add(
            "evidence",
            "Enter the evidence the flag rests on, for example the NRM decision or referral",
        )
    if kind == FlagKind.CRIMINALISED and not stage:
        p.add("stage", "Select whether the child was arrested, bailed or charged")
    check_period(p, start_date, None, "Flag", _today())
    check_not_before_birth(p, start_date, child.date_of_birth, "start_date", "Flag start date")
    if kind in FlagKind.values:
        _check_no_open_flag(p, child, kind)
    p.raise_if_any()
    try:
        # A savepoint: two requests can both pass the check above before either commits; the
        # database's one_open_flag_per_kind_per_child then refuses the second (PostgreSQL makes
        # it wait for the first to commit), and it is told which flag is open, not a 500.
        with transaction.atomic():
            flag = Flag.objects.create(
                child=child,
                kind=kind,
                stage=stage if kind == FlagKind.CRIMINALISED else "",
                start_date=start_date,
                evidence=evidence.strip(),
                source=source,
                recorded_by_id=viewer.user_id,
                recorded_by_name=viewer.username,
                recorded_at=timezone.now(),
            )
    except IntegrityError:
        _check_no_open_flag(p, child, kind)
        if not p.errors:
            raise
        p.raise_if_any()
    _bump(child)
    record_for(
        viewer,
        AuditAction.CREATE,
        flag,
        child.pk,
        f"Flagged {flag.get_kind_display()} from {start_date:%d/%m/%Y}",
        {
            "record": "flag",
            "flag": kind,
            "changes": {
                "kind": [None, kind],
                "start_date": [None, _plain(start_date)],
                "evidence": [None, flag.evidence],
                **({"stage": [None, stage]} if flag.stage else {}),
            },
        },
    )
    return flag


@transaction.atomic
def end_flag(viewer: Viewer, flag: Flag, end_date: dt.date, reason: str) -> Flag:
    child = flag.child
    policy.require_edit(viewer, child)
    p = Problems()
    if flag.end_date is not None:
        p.add("end_date", f"This flag already ended on {flag.end_date:%d/%m/%Y}", conflict=True)
    if not (reason or "").strip():
        p.add(
            "end_reason",
            "Enter why the flag is ending, for example a negative conclusive grounds decision",
        )
    check_period(p, flag.start_date, end_date, "Flag", _today())
    p.raise_if_any()
    flag.end_date = end_date
    flag.end_reason = reason.strip()
    flag.ended_by_name = viewer.username
    flag.ended_at = timezone.now()
    flag.save(update_fields=["end_date", "end_reason", "ended_by_name", "ended_at"])
    _bump(child)
    record_for(
        viewer,
        AuditAction.END,
        flag,
        child.pk,
        f"Ended {flag.get_kind_display()} on {end_date:%d/%m/%Y}",
        {
            "record": "flag",
            "flag": flag.kind,
            "changes": {
                "end_date": [None, _plain(end_date)],
                "end_reason": [None, flag.end_reason],
            },
        },
    )
    return flag


# --- placements ----------------------------------------------------------------------------


def _check_placement(
    p: Problems, child: Child, data: PlacementInput, exclude_pk: int | None
) -> None:
    start, end = data.start_date, data.end_date
    check_placement_code(p, data.place_code, start)
    check_period(p, start, end, "Placement", _today())
    if start and start < child.looked_after_from:
        p.add(
            "start_date",
            f"Placement start date must be on or after the date the child became looked after "
            f"({child.looked_after_from:%d/%m/%Y})",
        )
    others = child.placements.exclude(pk=exclude_pk).values_list("start_date", "end_date")
    if start:
        check_no_overlap(p, start, end, others, "placement")


@transaction.atomic
def record_placement(viewer: Viewer, child: Child, data: PlacementInput) -> Placement:
    """The placement alone. The pages and the API call sharing.actions.record_placement,
    which calls this and then tells the council of the area, in the same transaction."""
    policy.require_edit(viewer, child)
    Child.objects.select_for_update(no_key=True).filter(
        pk=child.pk
    ).first()  # serialise placement changes per child
    p = Problems()
    if not isinstance(data.authority, Authority):
        p.add("authority", "Select the authority whose area the placement is in")
    _check_placement(p, child, data, exclude_pk=None)
    p.raise_if_any()
    placement = Placement.objects.create(
        child=child,
        place_code=data.place_code,
        detail=data.detail or "",
        start_date=data.start_date,
        end_date=data.end_date,
        postcode=(data.postcode or "").upper().strip(),
        authority=data.authority,
        provider=data.provider or "",
    )
    _bump(child)
    record_for(
        viewer,
        AuditAction.CREATE,
        placement,
        child.pk,
        f"Placement {placement.place_code} from {placement.start_date:%d/%m/%Y}",
        {
            "record": "placement",
            "changes": {
                f: [None, v]
                for f, v in _snapshot(placement, PLACEMENT_FIELDS).items()
                if v not in ("", None)
            },
        },
    )
    return placement


@transaction.atomic
def end_placement(viewer: Viewer, placement: Placement, end_date: dt.date) -> Placement:
    child = placement.child
    policy.require_edit(viewer, child)
    p = Problems()
    if placement.end_date is not None:
        p.add("end_date", f"This placement already ended on {placement.end_date:%d/%m/%Y}")
    check_period(p, placement.start_date, end_date, "Placement", _today())
    p.raise_if_any()
    placement.end_date = end_date
    placement.save(update_fields=["end_date"])
    _bump(child)
    record_for(
        viewer,
        AuditAction.END,
        placement,
        child.pk,
        f"Placement {placement.place_code} ended {end_date:%d/%m/%Y}",
        {
            "record": "placement",
            "changes": {"end_date": [None, _plain(end_date)]},
        },
    )
    return placement


# --- NRM -----------------------------------------------------------------------------------

RECOVERY_PERIOD_FROM = dt.date(2023, 1, 30)  # Nationality and Borders Act 2022: 45 days became 30


def recovery_days(rg_decided_on: dt.date) -> int:
    """The minimum recovery period between a positive reasonable grounds decision and the
    conclusive grounds decision (rulebook §4): 30 days, or 45 for an RG decision made before
    30 January 2023."""
    return 30 if rg_decided_on >= RECOVERY_PERIOD_FROM else 45


def _check_nrm(p: Problems, child: Child, v: dict[str, Any]) -> None:
    today = _today()
    referred = v.get("referred_on")
    if referred:
        if referred > today:
            p.add("referred_on", "Referral date must be today or in the past")
        check_not_before_birth(p, referred, child.date_of_birth, "referred_on", "Referral date")
    if not (v.get("first_responder") or "").strip():
        p.add("first_responder", "Enter the first responder organisation that made the referral")
    for decision, on, label in (
        ("rg_decision", "rg_decided_on", "reasonable grounds"),
        ("cg_decision", "cg_decided_on", "conclusive grounds"),
    ):
        made = v.get(decision) in ("positive", "negative")
        day = v.get(on)
        if made and not day:
            p.add(on, f"Enter the date of the {label} decision")
        if day and not made:
            p.add(decision, f"Select the {label} decision, or remove its date")
        if day and referred and day < referred:
            p.add(
                on,
                f"The {label} decision date must be on or after the referral date ({referred:%d/%m/%Y})",
            )
        if day and day > today:
            p.add(on, f"The {label} decision date must be today or in the past")
    if v.get("cg_decision") in ("positive", "negative") and v.get("rg_decision") != "positive":
        p.add(
            "cg_decision",
            "A conclusive grounds decision follows a positive reasonable grounds decision: record that first",
        )
    rg_on, cg_on = v.get("rg_decided_on"), v.get("cg_decided_on")
    if rg_on and cg_on and cg_on < rg_on:
        p.add(
            "cg_decided_on",
            f"The conclusive grounds decision date must be on or after the reasonable grounds decision ({rg_on:%d/%m/%Y})",
        )
    elif rg_on and cg_on and cg_on < rg_on + dt.timedelta(days=recovery_days(rg_on)):
        days = recovery_days(rg_on)
        p.add(
            "cg_decided_on",
            f"A conclusive grounds decision comes after a recovery period of at least {days} days "
            f"from the reasonable grounds decision ({rg_on:%d/%m/%Y}), so not before "
            f"{rg_on + dt.timedelta(days=days):%d/%m/%Y}. Check both dates",
        )
    if v.get("stayed") and not v.get("stayed_on"):
        p.add("stayed_on", "Enter the date the decision was stayed")


@transaction.atomic
def record_nrm_referral(viewer: Viewer, child: Child, data: NrmReferralInput) -> NrmReferral:
    policy.require_edit(viewer, child)
    values = data.as_values()
    p = Problems()
    _check_nrm(p, child, values)
    p.raise_if_any()
    referral = NrmReferral.objects.create(child=child, **values)
    _bump(child)
    record_for(
        viewer,
        AuditAction.CREATE,
        referral,
        child.pk,
        f"NRM referral on {referral.referred_on:%d/%m/%Y}",
        {
            "record": "NRM referral",
            "changes": {
                f: [None, v]
                for f, v in _snapshot(referral, NRM_FIELDS).items()
                if v not in ("", None, False)
            },
        },
    )
    return referral


@transaction.atomic
def update_nrm_referral(
    viewer: Viewer, referral: NrmReferral, data: NrmReferralInput
) -> NrmReferral:
    """Replace the referral's fields with `data` (all of them: a caller changing a few lays
    them over ``NrmReferralInput.of(referral)``)."""
    child = referral.child
    policy.require_edit(viewer, child)
    before = _snapshot(referral, NRM_FIELDS)
    values = data.as_values()
    p = Problems()
    _check_nrm(p, child, values)
    p.raise_if_any()
    for field, value in values.items():
        setattr(referral, field, value)
    referral.save()
    changes = _changes(before, _snapshot(referral, NRM_FIELDS))
    if changes:
        _bump(child)
        record_for(
            viewer,
            AuditAction.CHANGE,
            referral,
            child.pk,
            f"NRM referral: changed {', '.join(changes)}",
            {"record": "NRM referral", "changes": changes},
        )
    return referral


# --- age assessment ------------------------------------------------------------------------


@transaction.atomic
def record_age_assessment(viewer: Viewer, child: Child, data: AgeAssessmentInput) -> AgeAssessment:
    policy.require_edit(viewer, child)
    values = data.as_values()
    p = Problems()
    today = _today()
    status_from, concluded = values.get("status_from"), values.get("concluded_on")
    if values.get("status") not in AgeAssessmentStatus.values:
        p.add(
            "status",
            "Select the age assessment status: "
            + ", ".join(label.lower() for label in AgeAssessmentStatus.labels),
        )
    if status_from and status_from > today:
        p.add("status_from", "The date must be today or in the past")
    if values.get("status") == "concluded" and not concluded:
        p.add("concluded_on", "Enter the date the assessment concluded")
    if concluded and status_from and concluded < status_from:
        p.add("concluded_on", f"The date concluded must be on or after {status_from:%d/%m/%Y}")
    if concluded and concluded > today:
        p.add("concluded_on", "The date concluded must be today or in the past")
    assessed = values.get("assessed_date_of_birth")
    if assessed and assessed > today:
        p.add("assessed_date_of_birth", "The assessed date of birth must be in the past")
    p.raise_if_any()
    assessment = AgeAssessment.objects.create(
        child=child,
        status=data.status,
        status_from=data.status_from,
        concluded_on=data.concluded_on,
        assessed_date_of_birth=data.assessed_date_of_birth,
        notes=data.notes or "",
    )
    _bump(child)
    record_for(
        viewer,
        AuditAction.CREATE,
        assessment,
        child.pk,
        f"Age assessment: {assessment.get_status_display()} from {assessment.status_from:%d/%m/%Y}",
        {
            "record": "age assessment",
            "changes": {
                f: [None, _plain(values.get(f))]
                for f in ("status", "status_from", "concluded_on", "assessed_date_of_birth")
                if values.get(f)
            },
        },
    )
    return assessment


# --- guardians -----------------------------------------------------------------------------


@transaction.atomic
def assign_guardian(viewer: Viewer, child: Child, data: GuardianInput) -> GuardianAssignment:
    policy.require_edit(viewer, child)
    p = Problems()
    if not (data.guardian_name or "").strip():
        p.add("guardian_name", "Enter the name of the guardian or advocate")
    if not (data.service or "").strip():
        p.add("service", "Enter the organisation or service they work for")
    check_period(p, data.start_date, data.end_date, "Assignment", _today())
    check_not_before_birth(p, data.start_date, child.date_of_birth, "start_date", "Start date")
    p.raise_if_any()
    organisation = data.organisation
    if organisation is not None and organisation.kind not in ("guardian_service", "ngo"):
        p.add("organisation", "Choose a guardian service or NGO")
        p.raise_if_any()
    assignment = GuardianAssignment.objects.create(
        child=child,
        kind=data.kind,
        guardian_name=data.guardian_name.strip(),
        service=data.service.strip(),
        start_date=data.start_date,
        end_date=data.end_date,
        organisation=organisation,
    )
    _bump(child)
    record_for(
        viewer,
        AuditAction.CREATE,
        assignment,
        child.pk,
        f"{assignment.get_kind_display()} assigned from {assignment.start_date:%d/%m/%Y}",
        {
            "record": "guardian",
            "changes": {
                "kind": [None, assignment.kind],
                "guardian_name": [None, assignment.guardian_name],
                "service": [None, assignment.service],
                "start_date": [None, _plain(assignment.start_date)],
                **({"organisation": [None, organisation.name]} if organisation else {}),
            },
        },
    )
    return assignment


@transaction.atomic
def end_guardian(
    viewer: Viewer, assignment: GuardianAssignment, end_date: dt.date
) -> GuardianAssignment:
    child = assignment.child
    policy.require_edit(viewer, child)
    p = Problems()
    if assignment.end_date:
        p.add("end_date", f"This assignment already ended on {assignment.end_date:%d/%m/%Y}")
    check_period(p, assignment.start_date, end_date, "Assignment", _today())
    p.raise_if_any()
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    _bump(child)
    record_for(
        viewer,
        AuditAction.END,
        assignment,
        child.pk,
        f"{assignment.get_kind_display()} assignment ended {end_date:%d/%m/%Y}",
        {"record": "guardian", "changes": {"end_date": [None, _plain(end_date)]}},
    )
    return assignment
