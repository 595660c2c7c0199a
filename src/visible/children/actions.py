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

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from visible.access import register as policy
from visible.agencies.models import (
    ROLES_THAT_EDIT_REGISTER,
    Membership,
    Organisation,
    Role,
    Team,
)
from visible.agencies.viewer import Viewer
from visible.audit.log import plain_value as _plain
from visible.audit.log import record, record_for
from visible.audit.models import AuditAction
from visible.reference.codes import REASONS_CARE_ENDED
from visible.reference.models import Authority
from visible.risk import arrival as arrival_rules
from visible.risk import nrm as nrm_rules

from . import duplicates, photographs
from .inputs import AgeAssessmentInput, ChildInput, GuardianInput, NrmReferralInput, PlacementInput
from .models import (
    AgeAssessment,
    AgeAssessmentStatus,
    Arrival,
    ArrivalItemDone,
    CarePeriod,
    CarePeriodSource,
    Child,
    ChildName,
    Flag,
    FlagKind,
    GuardianAssignment,
    NrmPilot,
    NrmReferral,
    Placement,
    PlacementDetail,
    PlacementRefusal,
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
    "unregulated",
    "ofsted_urn",
    "signed_off_by_name",
    "sign_off_reason",
)
NRM_FIELDS = NrmReferralInput.field_names()


class StaleRecord(ValidationError):
    """Someone else saved the record after this edit began."""


class PlacementRefused(ValidationError):
    """The suitability gate refused the placement; ``refusals`` says why, rule by rule."""

    def __init__(self, refusals: tuple[arrival_rules.Refusal, ...]):
        super().__init__({r.field: [r.text] for r in refusals})
        self.refusals = refusals


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
    viewer: Viewer,
    details: ChildInput,
    other_names: Sequence[tuple[str, str]] = (),
    *,
    new_child: duplicates.NewChild | None = None,
) -> Child:
    """Add a child to the viewer's organisation's register.

    A person adding a child (the page, the API) passes ``new_child``: their answer to the likely
    matches already on the register (duplicates.py), an empty one at first; while the register
    may hold the child and they have not said why this is someone else, PossibleDuplicate is
    raised with the matches and nothing is added. Importers, which match children by their
    identifiers, and the demo pass nothing."""
    policy.require_create(viewer)
    organisation = viewer.organisation
    values = _child_values(details)
    p = Problems()
    check_child_details(p, values, _today())
    check_identifiers_unique(p, organisation.pk, values, exclude_child_id=None)
    p.raise_if_any()
    matches: list[duplicates.LikelyMatch] = []
    if new_child is not None:
        matches = duplicates.check_new_child(
            Child.objects.filter(responsible_organisation=organisation),
            values,
            [name for name, _ in other_names],
            new_child,
        )
    child = Child(responsible_organisation=organisation, **values)
    _save_identifiers(child, organisation.pk, values)
    for name, kind in other_names:
        if name.strip():
            ChildName.objects.create(child=child, name=name.strip(), kind=kind)
    _refresh_search_text(child)
    child.save(update_fields=["search_text"])
    # the period of care the child is in, from the day they became looked after
    CarePeriod.objects.create(
        child=child,
        start_date=child.looked_after_from,
        source=CarePeriodSource.RECORDED,
        recorded_by_name=viewer.display_name,
        recorded_at=timezone.now(),
    )
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
        }
        | (
            {
                "likely_matches": [m.child.pk for m in matches],
                "new_child_reason": new_child.reason.strip(),
            }
            if matches and new_child is not None
            else {}
        ),
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
    was_looked_after_from = locked.looked_after_from
    for field, value in values.items():
        setattr(locked, field, value)
    _refresh_search_text(locked)
    if locked.looked_after_from != was_looked_after_from:
        # the first period of care began that day: it begins on the day corrected
        first = locked.care_periods.order_by("start_date").first()
        if first is not None and first.start_date == was_looked_after_from:
            first.start_date = locked.looked_after_from
            first.save(update_fields=["start_date"])
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
                recorded_by_name=viewer.display_name,
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
    if kind in arrival_rules.ARRIVAL_SCOPE:
        _open_arrival_when_in_scope(viewer, child, flag, timezone.now())
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
    flag.ended_by_name = viewer.display_name
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


# --- periods of care ----------------------------------------------------------------------


@transaction.atomic
def record_care_ended(
    viewer: Viewer, child: Child, *, end_date: dt.date | None, reason: str, today: dt.date
) -> CarePeriod:
    """The child stopped being looked after on `end_date`, for `reason` (an SSDA903 REC code):
    the open period of care ends, and so does any placement still open on that day. `today`
    is the clock's day (an end may not be in the future)."""
    policy.require_edit(viewer, child)
    locked = Child.objects.select_for_update(no_key=True).get(pk=child.pk)
    p = Problems()
    periods = list(locked.care_periods.order_by("start_date"))
    if not periods:  # a child from before periods of care were kept: in care since then
        periods = [
            CarePeriod(
                child=locked,
                start_date=locked.looked_after_from,
                source=CarePeriodSource.REGISTER,
            )
        ]
    period = periods[-1]
    if period.end_date is not None:
        p.add(
            "end_date",
            f"{locked.full_name}'s care already ended on {period.end_date:%d/%m/%Y}",
            conflict=True,
        )
    if reason not in REASONS_CARE_ENDED:
        p.add("reason", "Select why care ended")
    if end_date is None:
        p.add("end_date", "Enter the date care ended")
    elif end_date > today:
        p.add("end_date", "The date care ended must be today or in the past")
    elif end_date < period.start_date:
        p.add(
            "end_date",
            "The date care ended must be on or after the date this period of care began "
            f"({period.start_date:%d/%m/%Y})",
        )
    elif (
        later := locked.placements.filter(start_date__gt=end_date).order_by("start_date").first()
    ) is not None:
        p.add(
            "end_date",
            f"A placement begins after that day ({later.start_date:%d/%m/%Y}): end or correct "
            "it first, or check the date care ended",
        )
    p.raise_if_any()
    assert end_date is not None
    period.end_date, period.end_reason = end_date, reason
    period.recorded_by_name, period.recorded_at = viewer.display_name, timezone.now()
    if period.source == CarePeriodSource.REGISTER:
        period.source = CarePeriodSource.RECORDED
    period.save()
    ended_placements = []
    for placement in locked.placements.filter(start_date__lte=end_date).exclude(
        end_date__lte=end_date
    ):
        placement.end_date = end_date
        placement.save(update_fields=["end_date"])
        ended_placements.append(placement.start_date.isoformat())
    _bump(locked)
    record_for(
        viewer,
        AuditAction.END,
        period,
        locked.pk,
        f"Recorded that care ended on {end_date:%d/%m/%Y}: {REASONS_CARE_ENDED.label(reason)}",
        {
            "record": "care_period",
            "changes": {"end_date": [None, _plain(end_date)], "end_reason": [None, reason]},
            "placements_ended": ended_placements,
        },
    )
    return period


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


def placement_proposal(child: Child, data: PlacementInput) -> arrival_rules.PlacementProposal:
    return arrival_rules.PlacementProposal(
        date_of_birth=child.date_of_birth,
        start=data.start_date,
        place_code=data.place_code,
        detail=data.detail or "",
        unregulated=data.unregulated,
        ofsted_urn=data.ofsted_urn or "",
        signed_off_by=data.signed_off_by_name or "",
        sign_off_reason=data.sign_off_reason or "",
    )


def check_placement_suitable(child: Child, data: PlacementInput) -> None:
    """The suitability gate (rules R-PLACE-UNDER-16, R-PLACE-URN, R-PLACE-SIGN-OFF): raises
    PlacementRefused, naming the fields, if the placement may not be made."""
    if not data.start_date:
        return
    refusals = arrival_rules.check_placement(placement_proposal(child, data))
    if refusals:
        raise PlacementRefused(refusals)


@transaction.atomic
def record_placement_refusal(
    viewer: Viewer, child: Child, data: PlacementInput, refused: PlacementRefused
) -> PlacementRefusal:
    """Keep a refused placement attempt on the child's record and in its history. Called after
    the attempt's own transaction rolled back (sharing.actions.record_placement)."""
    policy.require_edit(viewer, child)
    refusal = PlacementRefusal.objects.create(
        child=child,
        place_code=data.place_code,
        detail=data.detail or "",
        unregulated=data.unregulated,
        start_date=data.start_date,
        provider=data.provider or "",
        reasons=[{"rule_id": r.rule_id, "text": r.text} for r in refused.refusals],
        refused_by_name=viewer.display_name,
        refused_at=timezone.now(),
    )
    record_for(
        viewer,
        AuditAction.CREATE,
        refusal,
        child.pk,
        f"Placement refused: {data.place_code}"
        + (f" ({PlacementDetail(data.detail).label.lower()})" if data.detail else "")
        + f" from {data.start_date:%d/%m/%Y}. "
        + " ".join(r.text for r in refused.refusals),
        {
            "record": "refused placement",
            "rules": [r.rule_id for r in refused.refusals],
            "changes": {
                f: [None, v]
                for f, v in _snapshot(
                    refusal, ("place_code", "detail", "unregulated", "start_date", "provider")
                ).items()
                if v not in ("", None, False)
            },
        },
    )
    return refusal


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
    check_placement_suitable(child, data)
    placement = Placement.objects.create(
        child=child,
        place_code=data.place_code,
        detail=data.detail or "",
        start_date=data.start_date,
        end_date=data.end_date,
        postcode=(data.postcode or "").upper().strip(),
        authority=data.authority,
        provider=data.provider or "",
        unregulated=arrival_rules.is_unregulated(placement_proposal(child, data)),
        ofsted_urn=(data.ofsted_urn or "").strip().upper(),
        signed_off_by_name=(data.signed_off_by_name or "").strip(),
        sign_off_reason=(data.sign_off_reason or "").strip(),
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


def _nrm_clock(child: Child, values: dict[str, Any]) -> dict[str, str]:
    """Who decides the referral (risk/nrm.py: the council's pilot dates, the child's age, a
    disputed age, a public-order case) and the reasonable grounds test of its day."""
    referred_on = values["referred_on"]
    in_pilot = nrm_pilot_on(child.responsible_organisation_id, referred_on) is not None
    disputed = child.flags.active_on(referred_on).filter(
        kind=FlagKind.AGE_DISPUTED
    ).exists() or getattr(
        child.age_assessments.filter(status_from__lte=referred_on)
        .order_by("-status_from", "-pk")
        .first(),
        "status",
        "none",
    ) in (AgeAssessmentStatus.PENDING, AgeAssessmentStatus.DISPUTED, AgeAssessmentStatus.CHALLENGED)
    who, _ = nrm_rules.decider(
        in_pilot=in_pilot,
        date_of_birth=child.date_of_birth,
        referred_on=referred_on,
        age_disputed=disputed,
        public_order=bool(values.get("public_order")),
    )
    return {"decided_by": who, "rg_threshold": nrm_rules.threshold_on(referred_on)}


# Who may say when their council is in the devolved decision-making pilot.
NRM_PILOT_ROLES = (Role.SENIOR_MANAGER, Role.ORGANISATION_ADMIN)


def can_set_nrm_pilot(viewer: Viewer) -> bool:
    """A senior manager or organisation administrator of a council (a responsible body)."""
    organisation = viewer.organisation
    return bool(
        organisation and organisation.is_responsible_body and viewer.has_role(*NRM_PILOT_ROLES)
    )


def nrm_pilot_on(organisation_id: int | None, day: dt.date) -> NrmPilot | None:
    """The council's pilot period that includes `day`, if any (periods never overlap)."""
    if organisation_id is None:
        return None
    return (
        NrmPilot.objects.filter(organisation_id=organisation_id, start_date__lte=day)
        .exclude(end_date__lt=day)
        .first()
    )


def _require_nrm_pilot_setter(viewer: Viewer) -> Organisation:
    if not can_set_nrm_pilot(viewer):
        raise PermissionDenied(
            "Only a senior manager or an organisation administrator of a council can say when "
            "it is in the NRM decision-making pilot"
        )
    organisation = viewer.organisation
    assert organisation is not None  # can_set_nrm_pilot
    # One change to a council's pilot dates at a time: two overlapping periods added at once
    # would each pass the overlap check.
    Organisation.objects.select_for_update(no_key=True).filter(pk=organisation.pk).first()
    return organisation


def _retime_nrm_referrals(
    viewer: Viewer, organisation_id: int, since: dt.date, until: dt.date | None
) -> int:
    """Work out again who decides each of the council's referrals made between `since` and
    `until` (R-NRM-RG's clock follows it), now its pilot dates have changed: each one changed
    is recorded on the child's history. How many changed."""
    referrals = NrmReferral.objects.filter(
        child__responsible_organisation_id=organisation_id, referred_on__gte=since
    ).select_related("child")
    if until is not None:
        referrals = referrals.filter(referred_on__lte=until)
    changed = 0
    for referral in referrals.order_by("pk"):
        clock = _nrm_clock(
            referral.child,
            {"referred_on": referral.referred_on, "public_order": referral.public_order},
        )
        if clock["decided_by"] == referral.decided_by:
            continue
        before = referral.decided_by
        referral.decided_by = clock["decided_by"]
        referral.save(update_fields=["decided_by"])
        _bump(referral.child)
        record_for(
            viewer,
            AuditAction.CHANGE,
            referral,
            referral.child_id,
            "NRM referral: who decides, worked out again from the council's pilot dates",
            {"record": "NRM referral", "changes": {"decided_by": [before, referral.decided_by]}},
        )
        changed += 1
    return changed


def _pilot_span(start: dt.date, end: dt.date | None) -> str:
    return f"from {start:%d/%m/%Y}" + (f" to {end:%d/%m/%Y}" if end else "")


@transaction.atomic
def set_nrm_pilot(
    viewer: Viewer, start_date: dt.date, end_date: dt.date | None, now: dt.datetime
) -> NrmPilot:
    """The viewer's council joins the devolved decision-making pilot from `start_date` (to
    `end_date`, if it has left): referrals made then are timed by the panel's 45 days, those
    already recorded too (worked out again). A period may not overlap another of the council's."""
    organisation = _require_nrm_pilot_setter(viewer)
    p = Problems()
    check_period(p, start_date, end_date, "Pilot", timezone.localdate(now))
    if not p.errors:
        check_no_overlap(
            p,
            start_date,
            end_date,
            NrmPilot.objects.filter(organisation=organisation).values_list(
                "start_date", "end_date"
            ),
            "pilot period",
        )
    p.raise_if_any()
    pilot = NrmPilot.objects.create(
        organisation=organisation,
        start_date=start_date,
        end_date=end_date,
        recorded_by_name=viewer.display_name,
        recorded_at=now,
    )
    retimed = _retime_nrm_referrals(viewer, organisation.pk, start_date, end_date)
    record(
        viewer,
        AuditAction.CREATE,
        object_type="nrmpilot",
        object_id=pilot.pk,
        summary=f"In the NRM devolved decision-making pilot {_pilot_span(start_date, end_date)}",
        detail={
            "start_date": _plain(start_date),
            "end_date": _plain(end_date),
            "referrals_retimed": retimed,
        },
    )
    return pilot


@transaction.atomic
def end_nrm_pilot(viewer: Viewer, end_date: dt.date, now: dt.datetime) -> NrmPilot:
    """The viewer's council left the devolved decision-making pilot on `end_date` (its last
    day in it): the open period ends, and referrals made after it go back to the Home Office's
    5 working days (those already recorded are worked out again)."""
    organisation = _require_nrm_pilot_setter(viewer)
    pilot = NrmPilot.objects.filter(organisation=organisation, end_date__isnull=True).first()
    p = Problems()
    if pilot is None:
        p.add("end_date", "Your council is not in the pilot now: there is no open period to end")
    else:
        check_period(p, pilot.start_date, end_date, "Pilot", timezone.localdate(now))
    p.raise_if_any()
    assert pilot is not None
    pilot.end_date = end_date
    pilot.save(update_fields=["end_date"])
    retimed = _retime_nrm_referrals(viewer, organisation.pk, end_date + dt.timedelta(days=1), None)
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="nrmpilot",
        object_id=pilot.pk,
        summary=f"Left the NRM devolved decision-making pilot on {end_date:%d/%m/%Y}",
        detail={
            "changes": {"end_date": [None, _plain(end_date)]},
            "referrals_retimed": retimed,
        },
    )
    return pilot


@transaction.atomic
def record_nrm_referral(viewer: Viewer, child: Child, data: NrmReferralInput) -> NrmReferral:
    policy.require_edit(viewer, child)
    values = data.as_values()
    p = Problems()
    _check_nrm(p, child, values)
    p.raise_if_any()
    referral = NrmReferral.objects.create(child=child, **values, **_nrm_clock(child, values))
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
    for field, value in _nrm_clock(child, values).items():
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


# --- allocation ----------------------------------------------------------------------------


def _person(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


@transaction.atomic
def allocate(
    viewer: Viewer,
    child: Child,
    worker_id: int | None,
    team: Team | None,
    expected_version: int | None = None,
) -> Child:
    """The child's allocated social worker and team ("My children", "My team's children").
    The worker must be an active member of the child's council in a role that works on the
    register; the team one of its open teams (a closed team the child already has may stay)."""
    policy.require_edit(viewer, child)
    locked = (
        Child.objects.select_for_update(no_key=True, of=("self",))
        .select_related("responsible_organisation", "allocated_worker", "allocated_team")
        .get(pk=child.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleRecord(
            {
                "__all__": [
                    "Someone else changed this record while you were allocating it. Nothing has "
                    "been saved: reload the page, then allocate again."
                ]
            }
        )
    council = locked.responsible_organisation
    p = Problems()
    worker = None
    if worker_id is not None:
        membership = (
            Membership.objects.select_related("user")
            .filter(user_id=worker_id, organisation=council, is_active=True, user__is_active=True)
            .first()
        )
        if membership is None:
            p.add("worker", f"Choose someone who is an active member of {council.name}")
        elif membership.role not in ROLES_THAT_EDIT_REGISTER:
            p.add(
                "worker",
                f"{_person(membership.user)} is {membership.get_role_display().lower()}: choose a "
                "social worker, missing-children coordinator or senior manager",
            )
        else:
            worker = membership.user
    if team is not None:
        if team.organisation_id != council.pk:
            p.add("team", f"Choose one of {council.name}'s teams")
        elif not team.is_active and team.pk != locked.allocated_team_id:
            p.add("team", f"The {team.name} team is closed: choose an open team")
    p.raise_if_any()
    before = {
        "allocated_worker": _person(locked.allocated_worker),
        "allocated_team": locked.allocated_team.name if locked.allocated_team else None,
    }
    after = {"allocated_worker": _person(worker), "allocated_team": team.name if team else None}
    if (locked.allocated_worker_id, locked.allocated_team_id) == (
        worker.pk if worker else None,
        team.pk if team else None,
    ):
        raise ValidationError({"worker": ["That is already the child's allocation"]})
    locked.allocated_worker = worker
    locked.allocated_team = team
    locked.version = locked.version + 1
    locked.save(update_fields=["allocated_worker", "allocated_team", "version", "updated_at"])
    changes = _changes(before, after)
    record_for(
        viewer,
        AuditAction.CHANGE,
        locked,
        locked.pk,
        "Allocated to "
        + (
            ", ".join(filter(None, [after["allocated_worker"], after["allocated_team"]]))
            or "nobody"
        ),
        {
            "record": "allocation",
            "changes": changes,
            "ids": {
                "allocated_worker": worker.pk if worker else None,
                "allocated_team": team.pk if team else None,
            },
        },
    )
    return locked


# --- the arrival checklist (the first 72 hours) ------------------------------------------------


# Who opened a checklist that opened itself (Arrival.opened_by_name).
AUTOMATIC = "Visible"


def can_open_arrival(child: Child, day: dt.date) -> bool:
    """An arrival checklist is for a child with an unaccompanied, separated, UASC or
    trafficking flag in force (risk/arrival.py ARRIVAL_SCOPE)."""
    return child.flags.active_on(day).filter(kind__in=sorted(arrival_rules.ARRIVAL_SCOPE)).exists()


def _check_arrival_time(
    p: Problems, child: Child, arrived_at: dt.datetime | None, now: dt.datetime
) -> None:
    if arrived_at is None:
        p.add("arrived_at", "Enter the date and time the child arrived")
    elif arrived_at > now:
        p.add("arrived_at", "The time the child arrived must be now or in the past")
    elif timezone.localdate(arrived_at) < child.looked_after_from - dt.timedelta(days=1):
        p.add(
            "arrived_at",
            "The time the child arrived must be no earlier than the day before they became "
            f"looked after ({child.looked_after_from:%d/%m/%Y})",
        )


def _open_arrival_when_in_scope(
    viewer: Viewer, child: Child, flag: Flag, now: dt.datetime
) -> Arrival | None:
    """A child recorded as in scope within a week of becoming looked after gets the arrival
    checklist at once, nobody having to remember to start it (risk/arrival.py
    opens_automatically). Its clock runs from the start of the day care began until someone
    records the time the child arrived (record_arrival_time)."""
    today = timezone.localdate(now)
    if flag.start_date > today:
        return None
    Child.objects.select_for_update(no_key=True).filter(pk=child.pk).first()
    if child.arrivals.exists():
        return None
    period = child.care_periods.filter(end_date__isnull=True).order_by("-start_date").first()
    if period is None or not arrival_rules.opens_automatically(period.start_date, today):
        return None
    arrived_at = arrival_rules.estimated_arrival(period.start_date, now)
    arrival = Arrival.objects.create(
        child=child,
        arrived_at=arrived_at,
        time_estimated=True,
        opened_by_name=AUTOMATIC,
        opened_at=now,
    )
    days = (today - period.start_date).days
    when = (
        "on the day they became looked after"
        if days == 0
        else f"{days} day{'s' if days != 1 else ''} after becoming looked after"
    )
    record_for(
        viewer,
        AuditAction.CREATE,
        arrival,
        child.pk,
        f"Arrival checklist opened: recorded as {flag.get_kind_display()} {when} "
        f"({period.start_date:%d/%m/%Y}); its clock runs from the start of that day until the "
        "time the child arrived is recorded",
        {
            "record": "arrival",
            "automatic": True,
            "flag": flag.kind,
            "changes": {"arrived_at": [None, _plain(arrived_at)], "time_estimated": [None, True]},
        },
    )
    return arrival


@transaction.atomic
def record_arrival_time(
    viewer: Viewer, arrival: Arrival, arrived_at: dt.datetime | None, now: dt.datetime
) -> Arrival:
    """Record (or correct) the moment the child arrived: each step's time runs from it."""
    child = arrival.child
    policy.require_edit(viewer, child)
    Child.objects.select_for_update(no_key=True).filter(pk=child.pk).first()
    arrival.refresh_from_db()
    p = Problems()
    _check_arrival_time(p, child, arrived_at, now)
    if arrived_at is not None:
        early = arrival.items_done.filter(done_at__lt=arrived_at).order_by("done_at").first()
        if early is not None:
            p.add(
                "arrived_at",
                f"'{arrival_rules.ITEMS[early.item].title}' was recorded as done at "
                f"{timezone.localtime(early.done_at):%H:%M on %d/%m/%Y}: the child must have "
                "arrived by then",
            )
    p.raise_if_any()
    assert arrived_at is not None
    before = {"arrived_at": _plain(arrival.arrived_at), "time_estimated": arrival.time_estimated}
    arrival.arrived_at = arrived_at
    arrival.time_estimated = False
    arrival.save(update_fields=["arrived_at", "time_estimated"])
    _bump(child)
    after = {"arrived_at": _plain(arrived_at), "time_estimated": False}
    record_for(
        viewer,
        AuditAction.CHANGE,
        arrival,
        child.pk,
        f"Arrival checklist: the child arrived at {timezone.localtime(arrived_at):%d/%m/%Y %H:%M}",
        {"record": "arrival", "changes": _changes(before, after)},
    )
    return arrival


@transaction.atomic
def open_arrival(
    viewer: Viewer, child: Child, arrived_at: dt.datetime | None, now: dt.datetime
) -> Arrival:
    """Start the arrival checklist's clock from the moment the child arrived. ``now`` is the
    clock's moment (an arrival may not be in the future)."""
    policy.require_edit(viewer, child)
    Child.objects.select_for_update(no_key=True).filter(pk=child.pk).first()
    p = Problems()
    _check_arrival_time(p, child, arrived_at, now)
    if not can_open_arrival(child, timezone.localdate(now)):
        p.add(
            "arrived_at",
            "An arrival checklist is for a child recorded as unaccompanied, separated, UASC or "
            "at risk of or suspected of trafficking: record the flag first",
        )
    if child.arrivals.exists():
        p.add("arrived_at", "This child already has an arrival checklist", conflict=True)
    p.raise_if_any()
    assert arrived_at is not None
    arrival = Arrival.objects.create(
        child=child, arrived_at=arrived_at, opened_by_name=viewer.display_name, opened_at=now
    )
    _bump(child)
    record_for(
        viewer,
        AuditAction.CREATE,
        arrival,
        child.pk,
        f"Started the arrival checklist: arrived {timezone.localtime(arrived_at):%d/%m/%Y %H:%M}",
        {"record": "arrival", "changes": {"arrived_at": [None, _plain(arrived_at)]}},
    )
    return arrival


@transaction.atomic
def record_arrival_item(
    viewer: Viewer,
    arrival: Arrival,
    item: str,
    done_at: dt.datetime | None,
    note: str,
    now: dt.datetime,
) -> ArrivalItemDone:
    """One checklist item done, with when and what was done; audited."""
    child = arrival.child
    policy.require_edit(viewer, child)
    Child.objects.select_for_update(no_key=True).filter(pk=child.pk).first()
    p = Problems()
    if item not in arrival_rules.ITEMS:
        p.add("item", "Choose an item from the arrival checklist")
    elif arrival.items_done.filter(item=item).exists():
        p.add("item", "This item is already recorded as done", conflict=True)
    if done_at is None:
        p.add("done_at", "Enter the date and time it was done")
    elif done_at > now:
        p.add("done_at", "The time it was done must be now or in the past")
    elif done_at < arrival.arrived_at:
        p.add(
            "done_at",
            "The time it was done must be after the child arrived "
            f"({timezone.localtime(arrival.arrived_at):%d/%m/%Y %H:%M})",
        )
    if not (note or "").strip():
        p.add("note", "Say what was done (for example, who was referred, or the reference)")
    p.raise_if_any()
    assert done_at is not None
    done = ArrivalItemDone.objects.create(
        arrival=arrival,
        item=item,
        done_at=done_at,
        done_by_name=viewer.display_name,
        note=note.strip(),
        recorded_at=now,
    )
    _bump(child)
    title = arrival_rules.ITEMS[item].title
    record_for(
        viewer,
        AuditAction.CHANGE,
        done,
        child.pk,
        f"Arrival checklist: {title[:1].lower() + title[1:]}: done "
        f"{timezone.localtime(done_at):%d/%m/%Y %H:%M}",
        {
            "record": "arrival item",
            "item": item,
            "changes": {"done_at": [None, _plain(done_at)], "note": [None, done.note]},
        },
    )
    return done
