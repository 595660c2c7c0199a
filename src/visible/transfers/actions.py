"""National Transfer Scheme transfers and long-term missing cases: every write, each in one
transaction with its audit event (docs/transfers.md).

A transfer is a recorded process: the sending council refers the child (the date, the
receiving council) and the packet is prepared then, a snapshot of what travels (the record,
the grab pack, the risk history, the safety plan, the open alerts and open episodes); the
receiving council and the receiving area's police force are told and acknowledge the packet;
on arrival the record itself, its open alerts and open episodes move to the receiving council
with their history (sharing.actions.move_responsibility), never lost. A transfer may instead
end without the child arriving: the receiving council declines the referral, or the sending
council withdraws it, with a reason, and the other party is told by an alert; the packet
stays as the record of what was sent. The 10-working-day clock is the risk engine's (risk/nts.py, R-NTS).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.http import Http404
from django.utils import timezone

from visible.access import missing as missing_policy
from visible.access import register as policy
from visible.agencies.models import Organisation, OrganisationKind
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.children.validation import Conflict, Problems
from visible.dates import uk_date
from visible.missing.grabpack import child_grab_pack_for
from visible.missing.models import Alert, Episode, SafetyPlan
from visible.missing.severity import NTS_TRANSFER_DECLINED, NTS_TRANSFER_WITHDRAWN
from visible.risk import nts
from visible.sharing import actions as sharing
from visible.sharing.models import LEGAL_BASIS, Basis, Disclosure

from .models import IN_PROGRESS, LongTermCase, LongTermReview, NtsTransfer, Outcome

PACKET_SENT = "nts_packet_sent"
# The other party told that a transfer ended without the child arriving (decline, withdraw).
DECLINED = NTS_TRANSFER_DECLINED
WITHDRAWN = NTS_TRANSFER_WITHDRAWN
SOURCE = "National Transfer Scheme protocol v7.0 (June 2025)"
ROLES_THAT_REFER = missing_policy.ROLES_THAT_ACT
ROLES_THAT_ACKNOWLEDGE_FOR_COUNCILS = missing_policy.ROLES_THAT_ACT
ROLES_THAT_ACKNOWLEDGE_FOR_FORCES = policy.POLICE_ROLES

# Who is looking at a transfer: the three parties the packet is for.
SENDING = "sending"
RECEIVING_COUNCIL = "receiving_council"
RECEIVING_FORCE = "receiving_force"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def receiving_force_for(organisation: Organisation) -> Organisation | None:
    """The police force whose area the council's authority is in (agencies/police.py)."""
    if not organisation.authority_id:
        return None
    return (
        Organisation.objects.filter(kind=OrganisationKind.POLICE, areas=organisation.authority_id)
        .order_by("name")
        .first()
    )


def _nation_of(organisation: Organisation) -> str:
    authority = organisation.authority
    return authority.nation if authority is not None else "England"


# --- the packet ------------------------------------------------------------------------------


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def build_packet(viewer: Viewer, child: Child, at: dt.datetime) -> dict:
    """The snapshot that travels: a summary of the record, the grab pack (part 1), the risk
    history, the safety plan, the open alerts and the open episodes, as they stood at ``at``."""
    pack = child_grab_pack_for(viewer, child)
    grab = dataclasses.asdict(pack)
    grab.pop("photo_name", None)  # a storage path, not something a reader needs
    plan = SafetyPlan.objects.filter(child=child).first()
    episodes = list(child.episodes.order_by("-last_seen_at", "-pk"))
    nrm = child.nrm_referrals.order_by("-referred_on", "-pk").first()
    return _jsonable(
        {
            "prepared_at": at.isoformat(),
            "record": {
                "full_name": child.full_name,
                "preferred_name": child.preferred_name,
                "date_of_birth": child.date_of_birth,
                "dob_basis": child.dob_basis_phrase,
                "nationality": child.nationality,
                "first_language": child.first_language,
                "interpreter_needed": child.interpreter_needed,
                "looked_after_from": child.looked_after_from,
                "legal_status": child.legal_status,
                "council_id": child.council_id,
                "home_office_ref": child.home_office_ref,
                "nrm_ref": child.nrm_ref,
                "flags": [
                    {"kind": f.get_kind_display(), "from": f.start_date}
                    for f in child.flags.active_on(uk_date(at)).order_by("start_date", "pk")
                ],
                "nrm_status": (
                    f"Referred {nrm.referred_on:%-d %B %Y}; reasonable grounds: "
                    f"{nrm.get_rg_decision_display().lower()}; conclusive grounds: "
                    f"{nrm.get_cg_decision_display().lower()}"
                    if nrm
                    else "No NRM referral"
                ),
            },
            "grab_pack": grab,
            "risk_history": [
                {
                    "episode_id": e.pk,
                    "category": e.get_category_display(),
                    "last_seen_at": e.last_seen_at,
                    "returned_at": e.returned_at,
                    "grade": e.grade,
                    "last_seen_place": e.last_seen_place,
                }
                for e in episodes
            ],
            "safety_plan": (
                {
                    "agreed_on": plan.agreed_on,
                    "child_views": plan.child_views,
                    "places": plan.places,
                    "associates": plan.associates,
                    "contingency": plan.contingency,
                    "medical_needs": plan.medical_needs,
                }
                if plan
                else None
            ),
            "open_alerts": [
                {"id": a.pk, "kind": a.code, "text": a.text, "raised_at": a.raised_at}
                for a in Alert.objects.filter(child=child, resolved_at__isnull=True).order_by(
                    "raised_at", "pk"
                )
            ],
            "open_episodes": [
                {
                    "id": e.pk,
                    "category": e.get_category_display(),
                    "last_seen_at": e.last_seen_at,
                    "grade": e.grade,
                }
                for e in episodes
                if e.returned_at is None
            ],
        }
    )


# --- referral --------------------------------------------------------------------------------


def can_refer(viewer: Viewer, child: Child) -> bool:
    return policy.access_to(viewer, child) == policy.Access.FULL and viewer.role in ROLES_THAT_REFER


def refer(
    viewer: Viewer,
    child: Child,
    to: Organisation | None,
    referred_on: dt.date | None,
    reference: str = "",
    *,
    now: dt.datetime | None = None,
) -> NtsTransfer:
    """Record a National Transfer Scheme referral and prepare the packet, telling the
    receiving council and the receiving area's police force. Bad input changes nothing."""
    at = _now(now)
    if not can_refer(viewer, child):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="nts_transfer",
            child_id=child.pk,
            summary="Tried to refer a child under the National Transfer Scheme without permission",
        )
        raise PermissionDenied(
            "Only a social worker, missing coordinator or senior manager of the child's council "
            "can refer them for transfer"
        )
    problems: dict[str, list[str]] = {}
    if to is None or not to.is_responsible_body:
        problems["to"] = ["Choose the council the child is being transferred to"]
    elif to.pk == child.responsible_organisation_id:
        problems["to"] = ["The child is already with this council: choose the receiving council"]
    if referred_on is None:
        problems["referred_on"] = ["Enter the date of the referral, for example 3 3 2026"]
    elif referred_on > uk_date(at):
        problems["referred_on"] = ["The date of the referral must be today or in the past"]
    elif referred_on < child.looked_after_from:
        problems["referred_on"] = [
            "The date of the referral must be on or after the day the child became looked after"
        ]
    if problems:
        raise ValidationError(problems)
    assert to is not None and referred_on is not None
    with transaction.atomic():
        locked = Child.objects.select_for_update().get(pk=child.pk)
        if NtsTransfer.objects.filter(IN_PROGRESS, child=locked).exists():
            raise Conflict(
                {
                    "to": [
                        "A transfer of this child is already in progress: record its arrival, "
                        "or withdraw it, first"
                    ]
                }
            )
        force = receiving_force_for(to)
        done = NtsTransfer.objects.create(
            child=locked,
            from_organisation=locked.responsible_organisation,
            to_organisation=to,
            receiving_force=force,
            referred_on=referred_on,
            reference=(reference or "").strip()[:60],
            nation=_nation_of(to),
            referred_by_name=viewer.display_name,
            packet=build_packet(viewer, locked, at),
            packet_prepared_at=at,
        )
        record(
            viewer,
            AuditAction.CREATE,
            object_type="nts_transfer",
            object_id=done.pk,
            child_id=locked.pk,
            summary=f"Referred under the National Transfer Scheme to {to.name}",
            detail={
                "to": to.name,
                "receiving_force": force.name if force else "",
                "referred_on": referred_on.isoformat(),
                "open_alerts": len(done.packet["open_alerts"]),
                "open_episodes": len(done.packet["open_episodes"]),
            },
        )
        # A decline asked the sending council to refer the child again or plan the placement:
        # this referral is the answer.
        Alert.objects.filter(child=locked, code=DECLINED, resolved_at__isnull=True).update(
            resolved_at=at,
            resolved_by_name=viewer.display_name,
            resolution=f"Referred again, to {to.name}, on {referred_on:%-d %B %Y}",
        )
        sender = locked.responsible_organisation.name
        for party in (to, force):
            if party is None:
                continue
            Alert.objects.create(
                organisation=party,
                child=locked,
                code=PACKET_SENT,
                key=f"nts/{done.pk}/{PACKET_SENT}/{party.pk}",
                text=(
                    f"{sender} has referred a child to {to.name} under the National Transfer "
                    "Scheme: acknowledge the transfer packet"
                ),
                source=SOURCE,
                due_at=at,
                raised_at=at,
            )
            _disclose_packet(viewer, locked, party, done)
    return done


def _disclose_packet(viewer: Viewer, child: Child, party: Organisation, done: NtsTransfer) -> None:
    """The packet crosses to the receiving council and force when it is sent: recorded as a
    disclosure on the child's record."""
    Disclosure.objects.create(
        child=child,
        organisation=party,
        by_user_id=viewer.user_id,
        by_name=viewer.display_name,
        what="National Transfer Scheme transfer packet",
        basis=Basis.TRANSFER,
        legal_basis=LEGAL_BASIS[Basis.TRANSFER],
        purpose=f"National Transfer Scheme referral {done.referred_on:%-d %B %Y}",
    )


# --- who sees a transfer ---------------------------------------------------------------------


def party_of(viewer: Viewer, done: NtsTransfer) -> str | None:
    """Which of the three parties the viewer is: the sending council (while the child is
    theirs, or they can still read the record), the receiving council, the receiving force."""
    org = viewer.organisation
    if org is None:
        return None
    if org.pk == done.from_organisation_id and viewer.role in ROLES_THAT_REFER:
        return SENDING
    if org.pk == done.to_organisation_id and viewer.role in ROLES_THAT_ACKNOWLEDGE_FOR_COUNCILS:
        return RECEIVING_COUNCIL
    if (
        done.receiving_force_id
        and org.pk == done.receiving_force_id
        and viewer.role in ROLES_THAT_ACKNOWLEDGE_FOR_FORCES
    ):
        return RECEIVING_FORCE
    return None


def open_transfer(viewer: Viewer, pk: int) -> tuple[NtsTransfer, str]:
    """The transfer and the viewer's part in it; 404 for anyone else (the refusal audited)."""
    done = (
        NtsTransfer.objects.select_related(
            "child", "from_organisation", "to_organisation__authority", "receiving_force"
        )
        .filter(pk=pk)
        .first()
    )
    party = party_of(viewer, done) if done else None
    if done is None or party is None:
        record(
            viewer,
            AuditAction.DENIED,
            object_type="nts_transfer",
            object_id=pk,
            child_id=done.child_id if done else None,
            summary="Tried to open a National Transfer Scheme transfer outside their access",
        )
        raise Http404("No transfer with that number is available to you")
    record(
        viewer,
        AuditAction.VIEW,
        object_type="nts_transfer",
        object_id=done.pk,
        child_id=done.child_id,
        summary="Viewed a National Transfer Scheme transfer packet",
    )
    return done, party


def transfers_for(viewer: Viewer):
    """Transfers the viewer's organisation sends, receives or polices, newest first."""
    org = viewer.organisation
    if org is None:
        return NtsTransfer.objects.none()
    return (
        NtsTransfer.objects.filter(
            Q(from_organisation=org) | Q(to_organisation=org) | Q(receiving_force=org)
        )
        .select_related("child", "from_organisation", "to_organisation", "receiving_force")
        # In progress first (on every database: NULLs sort differently), then the newest.
        .annotate(finished=Case(When(IN_PROGRESS, then=Value(0)), default=Value(1)))
        .order_by("finished", "-referred_on", "-pk")
    )


# --- arrival and acknowledgement -------------------------------------------------------------


def _party_allowed(
    viewer: Viewer, done: NtsTransfer, allowed: tuple[str, ...], attempt: str, refusal: str
) -> str:
    """The viewer's part in the transfer when it is one of ``allowed``; otherwise the attempt
    ("Tried to <attempt> without permission") is audited and refused with ``refusal``."""
    party = party_of(viewer, done)
    if party not in allowed:
        record(
            viewer,
            AuditAction.DENIED,
            object_type="nts_transfer",
            object_id=done.pk,
            child_id=done.child_id,
            summary=f"Tried to {attempt} without permission",
        )
        raise PermissionDenied(refusal)
    return party


def record_arrival(
    viewer: Viewer, done: NtsTransfer, arrived_on: dt.date | None, *, now: dt.datetime | None = None
) -> NtsTransfer:
    """The child has arrived: the record, its open alerts and open episodes move to the
    receiving council with their history, and the clock stops."""
    at = _now(now)
    _party_allowed(
        viewer,
        done,
        (SENDING, RECEIVING_COUNCIL),
        "record a transfer's arrival",
        "Only the sending or the receiving council can record the arrival",
    )
    if arrived_on is None:
        raise ValidationError(
            {"arrived_on": ["Enter the date the child arrived, for example 3 3 2026"]}
        )
    if arrived_on < done.referred_on:
        raise ValidationError(
            {"arrived_on": ["The date of arrival must be on or after the date of the referral"]}
        )
    if arrived_on > uk_date(at):
        raise ValidationError({"arrived_on": ["The date of arrival must be today or in the past"]})
    with transaction.atomic():
        locked = NtsTransfer.objects.select_for_update().get(pk=done.pk)
        if locked.arrived_on is not None:
            raise Conflict({"arrived_on": ["The arrival has already been recorded"]})
        if locked.has_ended:
            raise Conflict(
                {
                    "arrived_on": [
                        f"{_ending_words(locked)}: the arrival cannot be recorded. "
                        "If the child is moving after all, refer them again"
                    ]
                }
            )
        child = Child.objects.select_related("responsible_organisation").get(pk=locked.child_id)
        moved = None
        if child.responsible_organisation_id != locked.to_organisation_id:
            moved = sharing.move_responsibility(
                viewer,
                child,
                locked.to_organisation,
                f"National Transfer Scheme: arrived {arrived_on:%-d %B %Y}"
                + (f" (reference {locked.reference})" if locked.reference else ""),
            )
        # The episodes stay on the record (Episode.child), so they are the receiving
        # council's now; their alerts moved with move_responsibility.
        locked.arrived_on = arrived_on
        locked.arrival_recorded_by_name = viewer.display_name
        locked.arrival_recorded_at = at
        locked.transfer = moved
        locked.version += 1
        locked.save()
        clock = nts.transfer_clock(locked.referred_on, locked.nation, arrived_on, arrived_on)
        Alert.objects.filter(
            key__startswith=f"nts/{locked.pk}/nts_transfer_", resolved_at__isnull=True
        ).update(
            resolved_at=at, resolved_by_name=viewer.display_name, resolution="The child arrived"
        )
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="nts_transfer",
            object_id=locked.pk,
            child_id=locked.child_id,
            summary=f"Arrived in {locked.to_organisation.name} ({clock.words.lower()}, "
            f"{clock.working_days} working days after the referral)",
            detail={"arrived_on": arrived_on.isoformat(), "state": clock.state},
        )
    return locked


def acknowledge(
    viewer: Viewer, done: NtsTransfer, *, now: dt.datetime | None = None
) -> NtsTransfer:
    """The receiving council, or the receiving area's police force, acknowledges the packet."""
    at = _now(now)
    party = _party_allowed(
        viewer,
        done,
        (RECEIVING_COUNCIL, RECEIVING_FORCE),
        "acknowledge a transfer packet",
        "Only the receiving council or the receiving area's police force acknowledges the packet",
    )
    with transaction.atomic():
        locked = NtsTransfer.objects.select_for_update().get(pk=done.pk)
        field = "council" if party == RECEIVING_COUNCIL else "force"
        acknowledger = viewer.organisation.name if viewer.organisation else field
        if getattr(locked, f"{field}_acknowledged_at") is not None:
            raise Conflict({"__all__": ["Your organisation has already acknowledged this packet"]})
        if locked.has_ended:
            raise Conflict(
                {"__all__": [f"{_ending_words(locked)}: there is no packet to acknowledge now"]}
            )
        setattr(locked, f"{field}_acknowledged_at", at)
        setattr(locked, f"{field}_acknowledged_by_name", viewer.display_name)
        locked.version += 1
        locked.save()
        Alert.objects.filter(
            key=f"nts/{locked.pk}/{PACKET_SENT}/{viewer.organisation_id}", resolved_at__isnull=True
        ).update(
            acknowledged_at=at,
            acknowledged_by_name=viewer.display_name,
            resolved_at=at,
            resolved_by_name=viewer.display_name,
            resolution="Transfer packet acknowledged",
        )
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="nts_transfer",
            object_id=locked.pk,
            child_id=locked.child_id,
            summary=f"Transfer packet acknowledged by {acknowledger}",
            detail={"party": party},
        )
    return locked


def clock_of(done: NtsTransfer, day: dt.date) -> nts.TransferClock:
    return nts.transfer_clock(
        done.referred_on,
        done.nation,
        day,
        done.arrived_on,
        ended_on=done.ended_on,
        outcome=done.outcome,
    )


# --- declined or withdrawn -------------------------------------------------------------------

REASON_MAX_CHARS = 2000


@dataclasses.dataclass(frozen=True)
class Ending:
    """One way a transfer ends without the child arriving, and who may record it."""

    outcome: str
    party: str  # the one party that may record it
    verb: str  # "declined"
    attempt: str  # "Tried to <attempt> without permission"
    refusal: str
    why: str  # the reason's "required" message


ENDINGS = {
    Outcome.DECLINED: Ending(
        Outcome.DECLINED,
        RECEIVING_COUNCIL,
        "declined",
        "decline a National Transfer Scheme transfer",
        "Only a social worker, missing coordinator or senior manager of the receiving council "
        "can decline the transfer",
        "Say why the transfer is being declined",
    ),
    Outcome.WITHDRAWN: Ending(
        Outcome.WITHDRAWN,
        SENDING,
        "withdrawn",
        "withdraw a National Transfer Scheme referral",
        "Only a social worker, missing coordinator or senior manager of the sending council "
        "can withdraw the referral",
        "Say why the referral is being withdrawn",
    ),
}


def _ending_words(done: NtsTransfer) -> str:
    """'Kent children's services declined this transfer on 3 March 2026'."""
    if done.outcome == Outcome.DECLINED:
        by, verb = done.to_organisation, "declined this transfer"
    else:
        by, verb = done.from_organisation, "withdrew the referral"
    day = f" on {done.ended_on:%-d %B %Y}" if done.ended_on else ""
    return f"{by.name} {verb}{day}"


def can_end(viewer: Viewer, done: NtsTransfer, outcome: str) -> bool:
    """Whether the viewer may record ``outcome`` (declined, withdrawn) on the transfer now."""
    return done.in_progress and party_of(viewer, done) == ENDINGS[Outcome(outcome)].party


def decline(
    viewer: Viewer,
    done: NtsTransfer,
    declined_on: dt.date | None,
    reason: str,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> NtsTransfer:
    """The receiving council declines the referral: the child will not come to them. The clock
    stops and its alerts close; the child may be referred again (to another council)."""
    return _end(viewer, done, Outcome.DECLINED, declined_on, reason, expected_version, now)


def withdraw(
    viewer: Viewer,
    done: NtsTransfer,
    withdrawn_on: dt.date | None,
    reason: str,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> NtsTransfer:
    """The sending council withdraws the referral (the child went missing, was found to be an
    adult, the placement fell through). The clock stops and its alerts close."""
    return _end(viewer, done, Outcome.WITHDRAWN, withdrawn_on, reason, expected_version, now)


def _end(
    viewer: Viewer,
    done: NtsTransfer,
    outcome: Outcome,
    ended_on: dt.date | None,
    reason: str,
    expected_version: int | None,
    now: dt.datetime | None,
) -> NtsTransfer:
    at = _now(now)
    ending = ENDINGS[outcome]
    _party_allowed(viewer, done, (ending.party,), ending.attempt, ending.refusal)
    what = "transfer" if outcome == Outcome.DECLINED else "referral"
    p = Problems()
    if ended_on is None:
        p.add("ended_on", f"Enter the date the {what} was {ending.verb}, for example 3 3 2026")
    elif ended_on > uk_date(at):
        p.add("ended_on", f"The date the {what} was {ending.verb} must be today or in the past")
    elif ended_on < done.referred_on:
        p.add(
            "ended_on",
            f"The date the {what} was {ending.verb} must be on or after the date of the "
            f"referral, {done.referred_on:%-d %B %Y}",
        )
    reason = (reason or "").strip()
    if not reason:
        p.add("reason", ending.why)
    elif len(reason) > REASON_MAX_CHARS:
        p.add("reason", f"The reason must be {REASON_MAX_CHARS:,} characters or fewer")
    p.raise_if_any()
    assert ended_on is not None
    with transaction.atomic():
        locked = (
            NtsTransfer.objects.select_for_update(of=("self",))
            .select_related("child", "from_organisation", "to_organisation")
            .get(pk=done.pk)
        )
        if locked.arrived_on is not None:
            p.add(
                "__all__",
                f"{locked.child.given_names} arrived in {locked.to_organisation.name} on "
                f"{locked.arrived_on:%-d %B %Y}: a transfer that has arrived cannot be "
                f"{ending.verb}",
                conflict=True,
            )
        elif locked.has_ended:
            p.add(
                "__all__",
                f"{_ending_words(locked)}: nothing more can be recorded on it",
                conflict=True,
            )
        elif expected_version is not None and locked.version != expected_version:
            p.add(
                "__all__",
                "Someone else changed this transfer while you were on this page. Nothing has "
                "been saved: check the transfer, then try again",
                conflict=True,
            )
        p.raise_if_any()
        locked.outcome = outcome
        locked.ended_on = ended_on
        locked.ended_reason = reason
        locked.ended_by_name = viewer.display_name
        locked.ended_at = at
        locked.version += 1
        locked.save(
            update_fields=[
                "outcome",
                "ended_on",
                "ended_reason",
                "ended_by_name",
                "ended_at",
                "version",
            ]
        )
        # The clock's alerts to the sender and the packet's to the receivers: nothing is
        # left to chase or acknowledge. The packet itself stays, the record of what was sent.
        closed = Alert.objects.filter(
            key__startswith=f"nts/{locked.pk}/", resolved_at__isnull=True
        ).update(
            resolved_at=at,
            resolved_by_name=viewer.display_name,
            resolution=ENDED_RESOLUTION[outcome],
        )
        told = _tell_the_other_party(locked, at)
        clock = clock_of(locked, ended_on)
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="nts_transfer",
            object_id=locked.pk,
            child_id=locked.child_id,
            summary=f"{_ending_words(locked)} ({clock.working_days} working days after the "
            "referral)",
            detail={
                "outcome": outcome.value,
                "ended_on": ended_on.isoformat(),
                "reason": reason,
                "alerts_closed": closed,
                "told": [a.organisation.name for a in told],
            },
        )
    return locked


def _tell_the_other_party(done: NtsTransfer, at: dt.datetime) -> list[Alert]:
    """The transfer has just ended (the caller holds the transaction): tell the other party.
    Declined: the sending council, whose child still needs a transfer or a placement.
    Withdrawn: the receiving council, and the receiving area's police force if the packet went
    to one, so they stand down. One alert each, by its key (the child, the kind, the transfer,
    the organisation told), so it is raised once; a person resolves it in the inbox (or, for a
    decline, referring the child again does)."""
    reason = done.ended_reason
    day = f"{done.ended_on:%-d %B %Y}"
    referred = f"{done.referred_on:%-d %B %Y}"
    if done.outcome == Outcome.DECLINED:
        code, parties = DECLINED, [done.from_organisation]
        text = (
            f"{done.to_organisation.name} declined the National Transfer Scheme transfer of a "
            f"child you referred to them on {referred}. They declined it on {day} "
            f"(recorded by {done.ended_by_name}), giving this reason: “{reason}”. The child is "
            "still yours and still needs a transfer or a placement: refer them to another "
            "council, or plan their placement with you"
        )
    else:
        code = WITHDRAWN
        force = (
            Organisation.objects.filter(pk=done.receiving_force_id).first()
            if done.receiving_force_id
            else None
        )
        parties = [done.to_organisation] + ([force] if force is not None else [])
        text = (
            f"{done.from_organisation.name} withdrew its National Transfer Scheme referral of a "
            f"child to {done.to_organisation.name} (referred on {referred}). It was withdrawn on "
            f"{day} (recorded by {done.ended_by_name}), giving this reason: “{reason}”. The "
            "child is not coming: stand down anything prepared for their arrival"
        )
    raised = []
    for party in parties:
        key = f"{done.child_id}/{code}/{done.pk}/{party.pk}"
        if Alert.objects.filter(key=key).exists():
            continue
        raised.append(
            Alert.objects.create(
                organisation=party,
                child_id=done.child_id,
                code=code,
                key=key,
                text=text,
                source=SOURCE,
                due_at=at,
                raised_at=at,
            )
        )
    return raised


ENDED_RESOLUTION = {
    Outcome.DECLINED: "The receiving council declined the transfer",
    Outcome.WITHDRAWN: "The sending council withdrew the referral",
}


# --- long-term missing cases -----------------------------------------------------------------


def long_term_view(episode: Episode, at: dt.datetime) -> nts.LongTermCase | None:
    """The engine's reading of the episode at ``at``: None unless open 28 days or more."""
    case = getattr(episode, "long_term_case", None) if episode.pk else None
    last_review = None
    if case is not None:
        held = case.reviews.order_by("-held_on").values_list("held_on", flat=True).first()
        last_review = held
    return nts.long_term_case(episode.last_seen_at, at, episode.returned_at, last_review)


def open_case(episode: Episode, at: dt.datetime) -> LongTermCase | None:
    """The episode's long-term case, opened if it has become one by ``at`` (idempotent). The
    caller holds the transaction and writes the audit event."""
    view = nts.long_term_case(episode.last_seen_at, at, episode.returned_at)
    if view is None:
        return LongTermCase.objects.filter(episode=episode).first()
    case, _ = LongTermCase.objects.get_or_create(
        episode=episode,
        defaults={"became_long_term_on": uk_date(view.became_long_term_at), "opened_at": at},
    )
    return case


def _case_to_act_on(viewer: Viewer, episode: Episode, at: dt.datetime, what: str) -> LongTermCase:
    missing_policy.require_act_on_episode(viewer, episode)
    case = open_case(episode, at)
    if case is None:
        raise ValidationError(
            {"__all__": [f"This episode is not a long-term missing case, so you cannot {what}"]}
        )
    return case


def record_ukmpu_referral(
    viewer: Viewer,
    episode: Episode,
    referred_on: dt.date | None,
    reference: str = "",
    *,
    now: dt.datetime | None = None,
) -> LongTermCase:
    at = _now(now)
    if referred_on is None:
        raise ValidationError(
            {"referred_on": ["Enter the date of the referral to the UK Missing Persons Unit"]}
        )
    if referred_on > uk_date(at) or referred_on < uk_date(episode.last_seen_at):
        raise ValidationError(
            {"referred_on": ["The date must be between the day the child was last seen and today"]}
        )
    with transaction.atomic():
        case = _case_to_act_on(viewer, episode, at, "record a UK Missing Persons Unit referral")
        case.ukmpu_referred_on = referred_on
        case.ukmpu_reference = (reference or "").strip()[:60]
        case.ukmpu_recorded_by_name = viewer.display_name
        case.save()
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="episode",
            object_id=episode.pk,
            child_id=episode.child_id,
            summary="Referral to the UK Missing Persons Unit recorded",
            detail={"referred_on": referred_on.isoformat(), "reference": case.ukmpu_reference},
        )
    return case


def record_review(
    viewer: Viewer,
    episode: Episode,
    held_on: dt.date | None,
    agencies: str,
    outcome: str,
    *,
    now: dt.datetime | None = None,
) -> LongTermReview:
    at = _now(now)
    problems: dict[str, list[str]] = {}
    if held_on is None:
        problems["held_on"] = ["Enter the date the review was held, for example 3 3 2026"]
    elif held_on > uk_date(at) or held_on < uk_date(episode.last_seen_at):
        problems["held_on"] = ["The date must be between the day the child was last seen and today"]
    if not (agencies or "").strip():
        problems["agencies"] = ["Say who took part, for example 'Police, social care, guardian'"]
    if not (outcome or "").strip():
        problems["outcome"] = ["Say what the review agreed"]
    if problems:
        raise ValidationError(problems)
    assert held_on is not None
    with transaction.atomic():
        case = _case_to_act_on(viewer, episode, at, "record a review")
        review = LongTermReview.objects.create(
            case=case,
            held_on=held_on,
            agencies=agencies.strip(),
            outcome=outcome.strip(),
            recorded_by_name=viewer.display_name,
            recorded_at=at,
        )
        Alert.objects.filter(
            child_id=episode.child_id,
            code=nts.LONG_TERM_REVIEW,
            episode=episode,
            resolved_at__isnull=True,
        ).update(
            resolved_at=at,
            resolved_by_name=viewer.display_name,
            resolution=f"Review held on {held_on:%-d %B %Y}",
        )
        record(
            viewer,
            AuditAction.CREATE,
            object_type="episode",
            object_id=episode.pk,
            child_id=episode.child_id,
            summary=f"Long-term missing review held on {held_on:%-d %B %Y}",
            detail={"held_on": held_on.isoformat()},
        )
    return review


def record_guardian_engagement(
    viewer: Viewer,
    episode: Episode,
    guardian_name: str,
    engaged_until: dt.date | None,
    note: str = "",
    *,
    now: dt.datetime | None = None,
) -> LongTermCase:
    at = _now(now)
    problems: dict[str, list[str]] = {}
    if not (guardian_name or "").strip():
        problems["guardian_name"] = ["Enter the guardian's name"]
    if engaged_until is None:
        problems["engaged_until"] = ["Enter the date the guardian stays engaged until"]
    elif engaged_until < uk_date(at):
        problems["engaged_until"] = ["The date must be today or in the future"]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        case = _case_to_act_on(viewer, episode, at, "record the guardian's engagement")
        case.guardian_name = guardian_name.strip()[:200]
        case.guardian_engaged_until = engaged_until
        case.guardian_note = (note or "").strip()
        case.save()
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="episode",
            object_id=episode.pk,
            child_id=episode.child_id,
            summary="Guardian's engagement with a long-term missing case recorded",
            detail={"engaged_until": engaged_until.isoformat() if engaged_until else None},
        )
    return case
