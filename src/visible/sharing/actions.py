"""Sharing actions, each in one transaction with its audit event: a placement recorded with
the council of its area told, share a grab pack with a police force in advance (and end the
share), break-glass access with a reason (the responsible organisation alerted) and its
review, and the transfer of a child between authorities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from visible.access import register as policy
from visible.access.disclosures import disclose
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record, record_for
from visible.audit.models import AuditAction
from visible.children import actions as register
from visible.children.inputs import PlacementInput
from visible.children.models import Child, Placement
from visible.children.queries import name_matches
from visible.missing.models import Alert, Episode

from .models import (
    LEGAL_BASIS,
    Basis,
    BreakGlass,
    BreakGlassAttempt,
    BreakGlassOutcome,
    Disclosure,
    GrabPackShare,
    Transfer,
)

BREAK_GLASS_HOURS = 4
READ_ONLY_DAYS = 90  # the sending authority's read-only view after a transfer
# Who may break the glass: staff of councils and police forces acting on a child in front of them.
BREAK_GLASS_ROLES = {
    Role.SOCIAL_WORKER,
    Role.MISSING_COORDINATOR,
    Role.SENIOR_MANAGER,
    Role.POLICE_OFFICER,
    Role.TRAFFICKING_SPOC,
}
SHARE_ROLES = {Role.SOCIAL_WORKER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
TRANSFER_ROLES = {Role.SENIOR_MANAGER}
# The alert to a person's own senior managers at their second break-glass use in a day.
STAFF_BREAK_GLASS = "break_glass_by_staff"


def _alert(organisation: Organisation, child: Child, code: str, key: str, text: str, source: str):
    now = timezone.now()
    alert, _ = Alert.objects.get_or_create(
        key=key,
        defaults={
            "organisation": organisation,
            "child": child,
            "code": code,
            "text": text,
            "source": source,
            "due_at": now,
            "raised_at": now,
        },
    )
    return alert


# --- placements: the council of the area is told -------------------------------------------


def record_placement(viewer: Viewer, child: Child, data: PlacementInput) -> Placement:
    """Record the placement (children.actions.record_placement: its checks and audit event)
    and, in the same transaction, tell the council whose area it is in. The pages and the API
    record placements through this; the register itself knows nothing of other agencies.

    A placement the suitability gate refuses (a hotel for a child under 16...) leaves nothing
    of the attempt's transaction; the refusal itself is then kept, in its own."""
    try:
        with transaction.atomic():
            placement = register.record_placement(viewer, child, data)
            _tell_host(child, placement)
    except register.PlacementRefused as refused:
        register.record_placement_refusal(viewer, child, data, refused)
        raise
    return placement


def _tell_host(child: Child, placement: Placement) -> None:
    """The report: receiving authorities are rarely told. A council whose area a child is
    placed in (or moves within) gets a notice in its alerts inbox, if it is on Visible."""
    host = Organisation.objects.filter(authority_id=placement.authority_id).first()
    if host is None or host.pk == child.responsible_organisation_id or not host.is_responsible_body:
        return
    _alert(
        host,
        child,
        "placed_in_your_area",
        f"{child.pk}/placed_in_your_area/{placement.pk}",
        f"{child.full_name} is placed in your area by {child.responsible_organisation.name} from "
        f"{placement.start_date:%-d %B %Y} ({placement.place_code}"
        f"{', ' + placement.postcode if placement.postcode else ''}).",
        "Heading back to harm: receiving authorities are rarely told",
    )


# --- grab pack shared in advance -------------------------------------------------------------------


def share_grab_pack(viewer: Viewer, child: Child, force: Organisation) -> GrabPackShare:
    if not (policy.access_to(viewer, child) == policy.Access.FULL and viewer.role in SHARE_ROLES):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="grabpackshare",
            child_id=child.pk,
            summary="Tried to share a grab pack without permission",
        )
        raise PermissionDenied("Only the child's own council can share their grab pack")
    if force.kind != OrganisationKind.POLICE:
        raise ValidationError({"force": ["Choose a police force"]})
    with transaction.atomic():
        share = GrabPackShare.objects.filter(
            child=child, force=force, ended_at__isnull=True
        ).first()
        if share is None:
            share = GrabPackShare.objects.create(
                child=child, force=force, shared_by_name=viewer.display_name
            )
            record_for(
                viewer,
                AuditAction.CREATE,
                share,
                child.pk,
                f"Grab pack shared in advance with {force.name}",
                {
                    "record": "grab pack share",
                    "changes": {"force": [None, force.name]},
                    "note": "Opens to the force only while the child is reported missing to it",
                },
            )
    return share


def end_share(viewer: Viewer, share: GrabPackShare) -> GrabPackShare:
    if not (
        policy.access_to(viewer, share.child) == policy.Access.FULL and viewer.role in SHARE_ROLES
    ):
        raise PermissionDenied("Only the child's own council can end the share")
    with transaction.atomic():
        if share.ended_at is None:
            share.ended_at, share.ended_by_name = timezone.now(), viewer.display_name
            share.save(update_fields=["ended_at", "ended_by_name"])
            record_for(
                viewer,
                AuditAction.END,
                share,
                share.child_id,
                f"Stopped sharing the grab pack with {share.force.name}",
                {
                    "record": "grab pack share",
                    "changes": {"ended_at": [None, share.ended_at.isoformat()]},
                },
            )
    return share


# --- break-glass ---------------------------------------------------------------------------------

NO_REASON = (
    "Say why you need this record now, in at least 20 characters: the child's council will read it"
)
NO_NUMBER = "Find the child first, by name and date of birth or by a reference, then choose them"
NOT_FOUND = "That child is no longer on the register: search again"


def _start_of_today() -> dt.datetime:
    """Midnight at the start of today's UK calendar day (the limits are per day)."""
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))


def break_glass_limits() -> tuple[int, int]:
    """Uses of the break-glass form allowed in a day: per person, per organisation."""
    return (
        settings.VISIBLE_BREAK_GLASS_PER_USER_PER_DAY,
        settings.VISIBLE_BREAK_GLASS_PER_ORGANISATION_PER_DAY,
    )


def _managers(org: Organisation, besides_user_id: int | None = None) -> list:
    """The organisation's senior managers (the people to ask, and to tell), others first."""
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(
            memberships__organisation=org,
            memberships__role=Role.SENIOR_MANAGER,
            memberships__is_active=True,
            is_active=True,
        )
        .order_by("username")
    )
    return sorted(users, key=lambda u: u.pk == besides_user_id)


def _names(users) -> str:
    return ", ".join(u.get_full_name() or u.username for u in users)


def _over_limit(viewer: Viewer, org: Organisation) -> str:
    """Why one more use today would be refused, or '' (UK calendar day, timezone.localdate)."""
    per_user, per_org = break_glass_limits()
    today = BreakGlassAttempt.objects.filter(at__gte=_start_of_today())
    by_user = today.filter(user_id=viewer.user_id).count()
    by_org = today.filter(organisation=org).count()
    managers = [u for u in _managers(org) if u.pk != viewer.user_id]
    ask = (
        f"a senior manager of {org.name} ({_names(managers)})"
        if managers
        else f"a senior manager of {org.name}"
    )
    if by_user >= per_user:
        return (
            f"You have used break-glass access {by_user} times today, the most one person may in a day. "
            f"If a child is at risk now, call the child's council's emergency duty team, or ask {ask} "
            "to open the record."
        )
    if by_org >= per_org:
        return (
            f"{org.name} has used break-glass access {by_org} times today, the most one organisation may in a "
            f"day. If a child is at risk now, call the child's council's emergency duty team, and tell {ask}; "
            "the limit starts again at midnight."
        )
    return ""


def _probe(viewer: Viewer, number: str, child: Child | None, outcome: str, summary: str) -> None:
    """Every use of the form is audited, whatever the answer: the number tried and the outcome."""
    record(
        viewer,
        AuditAction.DENIED,
        object_type="breakglass",
        object_id=number[:64],
        child_id=child.pk if child else None,
        summary=summary,
        detail={"record": "break-glass", "number": number[:64], "outcome": outcome},
    )


# --- finding the child: by what the person in front of them holds ------------------------------

FIND_LIMIT = 10  # more than this many children is no way to pick one: ask for more
REFERENCE_MIN_LENGTH = 4
NEED_SOMETHING = (
    "Enter the child's name and date of birth, or a reference (police, Home Office, NRM, or one "
    "printed on the child's grab pack)"
)
NEED_DATE_OF_BIRTH = (
    "Enter the child's date of birth as well as their name: a name alone finds too many children"
)
NEED_NAME = "Enter the child's name as well as their date of birth"
SHORT_REFERENCE = (
    f"Enter the whole reference, at least {REFERENCE_MIN_LENGTH} characters, as it is written"
)
TOO_MANY = f"More than {FIND_LIMIT} children match: give more of the name, or search by a reference"


@dataclass(frozen=True)
class Candidate:
    """What the break-glass search shows of a child before a reason is given: enough to pick
    the right one (the name, the year of birth, the child's council), nothing more."""

    child_id: int
    name: str
    year_of_birth: int
    council: str

    @property
    def label(self) -> str:
        return f"{self.name}, born {self.year_of_birth}, {self.council}"


def _may_break_glass(viewer: Viewer) -> bool:
    org = viewer.organisation
    return bool(
        org is not None
        and viewer.role in BREAK_GLASS_ROLES
        and org.kind
        in (OrganisationKind.COUNCIL, OrganisationKind.HSC_TRUST, OrganisationKind.POLICE)
    )


def _by_reference(reference: str) -> list[int]:
    """Children any of whose references (policy.IDENTIFIER_FIELDS: the council case ID, SSDA903
    CHILD, Home Office, police and NRM references, all printed on the grab pack) or any of whose
    missing episodes' police references is exactly this one, letter case aside."""
    match = Q()
    for name in policy.IDENTIFIER_FIELDS:
        match |= Q(**{f"{name}__iexact": reference})
    ids = set(Child.objects.filter(match).values_list("pk", flat=True))
    ids |= set(
        Episode.objects.filter(police_reference__iexact=reference).values_list(
            "child_id", flat=True
        )
    )
    return sorted(ids)


def _by_name(name: str, date_of_birth: dt.date) -> list[int]:
    """Children born on that day whose names (any name or spelling on the record) match the
    register's tolerant name search, best match first."""
    rows = list(Child.objects.filter(date_of_birth=date_of_birth).values_list("pk", "search_text"))
    return [m.pk for m in name_matches(rows, name)]


def find_for_break_glass(
    viewer: Viewer,
    *,
    name: str = "",
    date_of_birth: dt.date | None = None,
    reference: str = "",
) -> list[Candidate]:
    """The children a person who may break the glass is looking for, by the name and the date
    of birth together or by a reference, at most FIND_LIMIT of them, each shown only as a
    Candidate. Every search is audited (its terms, and the children it showed), refused ones
    too; a name without the date of birth (or the other way round) is refused before anything is
    looked up, and so is a search by someone over their break-glass limit for the day."""
    name = (name or "").strip()
    reference = (reference or "").strip()
    terms: dict = {"record": "break-glass"}
    if reference:
        terms["reference"] = reference[:64]
    if name:
        terms["name"] = name[:100]
    if date_of_birth:
        terms["date_of_birth"] = date_of_birth.isoformat()

    def audit(summary: str, outcome: str, found: list[int] = ()) -> None:  # type: ignore[assignment]
        record(
            viewer,
            AuditAction.SEARCH,
            object_type="breakglass",
            summary=summary,
            detail=terms | {"outcome": outcome, "found": list(found)},
        )

    if not _may_break_glass(viewer):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="breakglass",
            summary="Tried to search for a child for break-glass access without a role that may",
        )
        raise PermissionDenied("Your role cannot use break-glass access")
    problems: dict[str, list[str]] = {}
    if reference:
        if len(reference) < REFERENCE_MIN_LENGTH:
            problems["reference"] = [SHORT_REFERENCE]
    elif name and date_of_birth is None:
        problems["date_of_birth"] = [NEED_DATE_OF_BIRTH]
    elif date_of_birth and not name:
        problems["name"] = [NEED_NAME]
    elif not name:
        problems["name"] = [NEED_SOMETHING]
    if not problems and viewer.organisation is not None:
        limit = _over_limit(viewer, viewer.organisation)
        if limit:
            audit("Break-glass search refused: the daily limit is reached", "refused_limit")
            raise ValidationError(limit)
    if problems:
        audit("Break-glass search refused: not enough to search by", "refused")
        raise ValidationError(problems)
    ids = _by_reference(reference) if reference else _by_name(name, date_of_birth)  # type: ignore[arg-type]
    if len(ids) > FIND_LIMIT:
        audit(f"Break-glass search refused: {len(ids)} children match", "too_many")
        raise ValidationError({"reference" if reference else "name": [TOO_MANY]})
    children = {
        c.pk: c for c in Child.objects.select_related("responsible_organisation").filter(pk__in=ids)
    }
    found = [
        Candidate(
            child_id=pk,
            name=children[pk].full_name,
            year_of_birth=children[pk].date_of_birth.year,
            council=children[pk].responsible_organisation.name,
        )
        for pk in ids
        if pk in children
    ]
    audit(
        f"Searched for a child for break-glass access: {len(found)} found",
        "found" if found else "none",
        [c.child_id for c in found],
    )
    return found


def break_glass(viewer: Viewer, child: Child, reason: str) -> BreakGlass:
    """Break-glass access to a child already in hand (tests, the API of the future)."""
    return break_glass_by_number(viewer, str(child.pk), reason)


def break_glass_by_number(viewer: Viewer, number: str | int | None, reason: str) -> BreakGlass:
    """Open a record outside the viewer's scope for BREAK_GLASS_HOURS, for a stated reason, by
    the child's internal number (the page finds the child first: find_for_break_glass). The responsible organisation gets an alert; the access is
    audited and reviewable; the viewer's own senior managers are alerted at their second use in a
    day. Limited per person and per organisation per UK day (settings
    VISIBLE_BREAK_GLASS_PER_USER_PER_DAY, ..._PER_ORGANISATION_PER_DAY).

    The number and the reason are checked before the record is looked up, so the form never
    says whether a number exists until a reason is given; every use, whatever its answer, is
    audited, and a number that matches no child counts against the limits like one that does."""
    reason = (reason or "").strip()
    number = str(number if number is not None else "").strip()
    org = viewer.organisation
    if (
        org is None
        or viewer.role not in BREAK_GLASS_ROLES
        or org.kind
        not in (OrganisationKind.COUNCIL, OrganisationKind.HSC_TRUST, OrganisationKind.POLICE)
    ):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="breakglass",
            object_id=number[:64],
            summary="Tried to use break-glass access without a role that may",
        )
        raise PermissionDenied("Your role cannot use break-glass access")
    problems = {}
    if not (number.isdigit() and 0 < len(number) <= 18 and int(number) > 0):
        problems["child"] = [NO_NUMBER]
    if len(reason) < 20:
        problems["reason"] = [NO_REASON]
    if problems:
        # Said alike whether or not the number is a child's: nothing is looked up yet.
        _probe(
            viewer,
            number,
            None,
            "no_reason" if "reason" in problems else "no_number",
            "Break-glass refused: "
            + ("no reason given" if "reason" in problems else "no child chosen"),
        )
        raise ValidationError(problems)
    refusal: ValidationError | None = None
    with transaction.atomic():
        # One organisation's uses queue here, so two at once cannot both slip under the limit
        # (SQLite's writers queue already: transaction_mode IMMEDIATE).
        Organisation.objects.select_for_update().filter(pk=org.pk).first()
        child = (
            Child.objects.select_related("responsible_organisation").filter(pk=int(number)).first()
        )
        limit = _over_limit(viewer, org)
        if limit:
            _probe(
                viewer,
                number,
                child,
                "refused_limit",
                "Break-glass refused: the daily limit is reached",
            )
            refusal = ValidationError(limit)
        elif child is None:
            BreakGlassAttempt.objects.create(
                user_id=viewer.user_id,
                organisation=org,
                at=timezone.now(),
                outcome=BreakGlassOutcome.NOT_FOUND,
            )
            _probe(
                viewer, number, None, "not_found", "Break-glass refused: no child has that number"
            )
            refusal = ValidationError({"child": [NOT_FOUND]})
        elif policy.access_to(viewer, child) >= policy.Access.READ:
            _probe(
                viewer,
                number,
                child,
                "not_needed",
                "Break-glass not needed: the record is already readable",
            )
            refusal = ValidationError(
                {"reason": ["You can already read this record: no break-glass access is needed"]}
            )
        else:
            return _open(viewer, org, child, reason)
    raise refusal


def _open(viewer: Viewer, org: Organisation, child: Child, reason: str) -> BreakGlass:
    now = timezone.now()
    glass = BreakGlass.objects.create(
        child=child,
        user_id=viewer.user_id,
        username=viewer.username,
        organisation=org,
        reason=reason,
        expires_at=now + dt.timedelta(hours=BREAK_GLASS_HOURS),
    )
    BreakGlassAttempt.objects.create(
        user_id=viewer.user_id, organisation=org, at=now, outcome=BreakGlassOutcome.GRANTED
    )
    record_for(
        viewer,
        AuditAction.CREATE,
        glass,
        child.pk,
        f"Break-glass access by {viewer.display_name} ({org.name})",
        {"record": "break-glass", "reason": reason, "expires_at": glass.expires_at.isoformat()},
    )
    _alert(
        child.responsible_organisation,
        child,
        "break_glass",
        f"{child.pk}/break_glass/{glass.pk}",
        f"{viewer.display_name} of {org.name} used break-glass access to {child.full_name}'s record: \u201c{reason}\u201d. "
        "Review it.",
        "Visible's access policy: break-glass",
    )
    disclose(
        viewer, child, "Whole record (break-glass, read-only)", reason, basis=Basis.BREAK_GLASS
    )
    opened_today = BreakGlass.objects.filter(
        user_id=viewer.user_id, started_at__gte=_start_of_today()
    ).count()
    if opened_today >= 2:
        _alert_own_managers(viewer, org, child, opened_today)
    return glass


def _alert_own_managers(viewer: Viewer, org: Organisation, child: Child, opened_today: int) -> None:
    """From a person's second break-glass use in a day, their own organisation's senior managers
    are told (each child's council is told of its own child). One alert a person a day, kept up
    to date; it names the person and the number of uses, never the children."""
    today = timezone.localdate()
    text = (
        f"{viewer.display_name} has used break-glass access {opened_today} times today ({today:%-d %B %Y}). "
        f"Each child's council has been told and reviews its own; check with {viewer.display_name} that each use "
        f"was needed. At most {break_glass_limits()[0]} a person a day."
    )
    alert = _alert(
        org,
        child,
        STAFF_BREAK_GLASS,
        f"{STAFF_BREAK_GLASS}/{viewer.user_id}/{today.isoformat()}",
        text,
        "Visible's access policy: break-glass limits",
    )
    managers = _managers(org, besides_user_id=viewer.user_id)
    alert.text = text
    if alert.assigned_to_id is None and managers and managers[0].pk != viewer.user_id:
        alert.assigned_to = managers[0]
    alert.save(update_fields=["text", "assigned_to"])


def review_break_glass(viewer: Viewer, glass: BreakGlass, note: str) -> BreakGlass:
    if not (
        policy.access_to(viewer, glass.child) == policy.Access.FULL
        and viewer.role in {Role.SENIOR_MANAGER, Role.MISSING_COORDINATOR}
    ):
        raise PermissionDenied(
            "Only the child's council's senior manager or coordinator reviews break-glass access"
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Say whether the access was justified"]})
    with transaction.atomic():
        glass.reviewed_at, glass.reviewed_by_name, glass.review_note = (
            timezone.now(),
            viewer.display_name,
            note,
        )
        glass.save(update_fields=["reviewed_at", "reviewed_by_name", "review_note"])
        record_for(
            viewer,
            AuditAction.CHANGE,
            glass,
            glass.child_id,
            "Reviewed break-glass access",
            {"record": "break-glass", "review": note},
        )
    return glass


# --- transfers -----------------------------------------------------------------------------------


def transfer(
    viewer: Viewer,
    child: Child,
    to: Organisation,
    reason: str,
    read_only_days: int = READ_ONLY_DAYS,
) -> Transfer:
    """Move responsibility for the child to another authority in one transaction: the record
    and its history stay one record, its open alerts move to the receiving authority, both
    sides are told, and the sending authority can read it for ``read_only_days``. Interrupted
    at any point, nothing has moved."""
    if not (
        policy.access_to(viewer, child) == policy.Access.FULL and viewer.role in TRANSFER_ROLES
    ):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="transfer",
            child_id=child.pk,
            summary="Tried to transfer a child without permission",
        )
        raise PermissionDenied("Only a senior manager of the child's council can transfer them")
    reason = (reason or "").strip()
    problems = {}
    if not to.is_responsible_body:
        problems["to"] = ["Choose a council or HSC Trust to transfer to"]
    elif to.pk == child.responsible_organisation_id:
        problems["to"] = ["The child is already with this authority"]
    if not reason:
        problems["reason"] = [
            "Say why, for example 'National Transfer Protocol: accepted by Leeds on 3 March'"
        ]
    if problems:
        raise ValidationError(problems)
    return move_responsibility(viewer, child, to, reason, read_only_days=read_only_days)


def move_responsibility(
    viewer: Viewer,
    child: Child,
    to: Organisation,
    reason: str,
    *,
    read_only_days: int = READ_ONLY_DAYS,
) -> Transfer:
    """The transfer itself, for a caller that has decided who may make it: ``transfer`` (a
    senior manager of the child's council) and a local government reorganisation
    (organisations.actions.reorganise, a national administrator moving a predecessor's
    children to its successor). The record and its history stay one record, its open alerts
    move to the receiving authority, both sides are told, the sending authority can read it
    for ``read_only_days``, and the audit event and the disclosure are written, all in one
    transaction (the caller's, if it has one)."""
    sender = child.responsible_organisation
    with transaction.atomic():
        locked = Child.objects.select_for_update().get(pk=child.pk)
        if locked.responsible_organisation_id != sender.pk:
            raise ValidationError(
                {"to": ["The child has already been transferred: reload the page"]}
            )
        moved_alerts = Alert.objects.filter(
            child=locked, organisation=sender, resolved_at__isnull=True
        )
        moved = {
            "open_alerts": moved_alerts.count(),
            "open_episodes": locked.episodes.filter(returned_at__isnull=True).count(),
            "episodes": locked.episodes.count(),
            "flags": locked.flags.count(),
            "placements": locked.placements.count(),
        }
        moved_alerts.update(organisation=to, assigned_to=None)
        locked.responsible_organisation = to
        locked.version = locked.version + 1
        locked.save(update_fields=["responsible_organisation", "version"])
        done = Transfer.objects.create(
            child=locked,
            from_organisation=sender,
            to_organisation=to,
            reason=reason,
            transferred_by_name=viewer.display_name,
            moved=moved,
            read_only_until=timezone.localdate() + dt.timedelta(days=read_only_days),
        )
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="child",
            object_id=locked.pk,
            child_id=locked.pk,
            summary=f"Transferred from {sender.name} to {to.name}",
            detail={
                "changes": {"responsible_organisation": [sender.name, to.name]},
                "reason": reason,
                "moved": moved,
                "read_only_until": done.read_only_until.isoformat(),
            },
        )
        _alert(
            to,
            locked,
            "transferred_in",
            f"{locked.pk}/transferred_in/{done.pk}",
            f"{locked.full_name} has been transferred to you by {sender.name}: \u201c{reason}\u201d. "
            f"{moved['open_alerts']} open alert(s) and {moved['open_episodes']} open episode(s) came with them.",
            "Visible's access policy: transfers",
        )
        Disclosure.objects.create(
            child=locked,
            organisation=to,
            by_user_id=viewer.user_id,
            by_name=viewer.display_name,
            what=f"Whole record and history, on transfer from {sender.name}",
            basis=Basis.TRANSFER,
            legal_basis=LEGAL_BASIS[Basis.TRANSFER],
            purpose=reason[:300],
        )
    return done
