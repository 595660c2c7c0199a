"""Sharing actions, each in one transaction with its audit event: a placement recorded with
the council of its area told, share a grab pack with a police force in advance (and end the
share), break-glass access with a reason (the responsible organisation alerted) and its
review, and the transfer of a child between authorities."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
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
from visible.missing.models import Alert

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


@transaction.atomic
def record_placement(viewer: Viewer, child: Child, data: PlacementInput) -> Placement:
    """Record the placement (children.actions.record_placement: its checks and audit event)
    and, in the same transaction, tell the council whose area it is in. The pages and the API
    record placements through this; the register itself knows nothing of other agencies."""
    placement = register.record_placement(viewer, child, data)
    _tell_host(child, placement)
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
        "Heading back to harm: receiving authorities are rarely told (docs/access.md)",
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
                child=child, force=force, shared_by_name=viewer.username
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
            share.ended_at, share.ended_by_name = timezone.now(), viewer.username
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
NO_NUMBER = "Enter the child's Visible number, as digits, for example 1042"
NOT_FOUND = "No child has that Visible number: check it"


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


def break_glass(viewer: Viewer, child: Child, reason: str) -> BreakGlass:
    """Break-glass access to a child already in hand (tests, the API of the future)."""
    return break_glass_by_number(viewer, str(child.pk), reason)


def break_glass_by_number(viewer: Viewer, number: str | int | None, reason: str) -> BreakGlass:
    """Open a record outside the viewer's scope for BREAK_GLASS_HOURS, for a stated reason, by
    the child's Visible number. The responsible organisation gets an alert; the access is
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
            + ("no reason given" if "reason" in problems else "no Visible number given"),
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
        f"Break-glass access by {viewer.username} ({org.name})",
        {"record": "break-glass", "reason": reason, "expires_at": glass.expires_at.isoformat()},
    )
    _alert(
        child.responsible_organisation,
        child,
        "break_glass",
        f"{child.pk}/break_glass/{glass.pk}",
        f"{viewer.username} of {org.name} used break-glass access to {child.full_name}'s record: \u201c{reason}\u201d. "
        "Review it.",
        "Visible access policy (docs/access.md): break-glass",
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
        f"{viewer.username} has used break-glass access {opened_today} times today ({today:%-d %B %Y}). "
        f"Each child's council has been told and reviews its own; check with {viewer.username} that each use "
        f"was needed. At most {break_glass_limits()[0]} a person a day."
    )
    alert = _alert(
        org,
        child,
        STAFF_BREAK_GLASS,
        f"{STAFF_BREAK_GLASS}/{viewer.user_id}/{today.isoformat()}",
        text,
        "Visible access policy (docs/access.md): break-glass limits",
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
            viewer.username,
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
            transferred_by_name=viewer.username,
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
            "Visible transfers (docs/access.md)",
        )
        Disclosure.objects.create(
            child=locked,
            organisation=to,
            by_user_id=viewer.user_id,
            by_name=viewer.username,
            what=f"Whole record and history, on transfer from {sender.name}",
            basis=Basis.TRANSFER,
            legal_basis=LEGAL_BASIS[Basis.TRANSFER],
            purpose=reason[:300],
        )
    return done
