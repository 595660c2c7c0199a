"""The transfers sweep, run after the missing-episode sweep (worker/tasks.py, `visible sweep`):
the R-NTS alerts of every transfer in progress (closed once it has arrived, been declined or
been withdrawn), and the long-term missing cases of every
episode open 28 days or more with their review alerts (risk/nts.py). As at ``at``, an explicit
clock; storing by key, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.missing.actions import AUTO_RESOLVER
from visible.missing.models import Alert, Episode
from visible.risk import nts

from . import actions
from .models import IN_PROGRESS, LongTermCase, NtsTransfer, Outcome

NTS_CODES = (nts.NTS_AT_RISK, nts.NTS_OVERDUE)
# Why the clock's alert closed, when the transfer is no longer in progress.
STOPPED_BECAUSE = {
    "arrived": "The child arrived",
    Outcome.DECLINED: actions.ENDED_RESOLUTION[Outcome.DECLINED],
    Outcome.WITHDRAWN: actions.ENDED_RESOLUTION[Outcome.WITHDRAWN],
}


@dataclass(frozen=True)
class TransfersSwept:
    transfers_checked: int
    cases_opened: int
    alerts_raised: int
    alerts_closed: int

    def describe(self) -> str:
        return (
            f"Transfers: {self.transfers_checked} in progress, {self.alerts_raised} alerts raised, "
            f"{self.alerts_closed} closed; {self.cases_opened} long-term missing cases opened"
        )


def _store(organisation_id: int, child_id: int, episode_id, due, at: dt.datetime) -> bool:
    """Store one engine alert by its key; True if it is new."""
    if Alert.objects.filter(key=due.key).exists():
        return False
    Alert.objects.create(
        organisation_id=organisation_id,
        child_id=child_id,
        episode_id=episode_id,
        code=due.code,
        key=due.key,
        text=due.text,
        source=due.citation,
        due_at=due.due_at,
        raised_at=at,
    )
    return True


def _close_stopped(at: dt.datetime) -> int:
    """Close the clock's alerts still open on transfers no longer in progress (arrived,
    declined or withdrawn): the actions close them at once; this catches any left behind."""
    open_alerts = Alert.objects.filter(code__in=NTS_CODES, resolved_at__isnull=True)
    by_transfer: dict[int, list[int]] = {}
    for pk, key in open_alerts.values_list("pk", "key"):
        _nts, transfer_id, *_rest = key.split("/")
        if transfer_id.isdigit():
            by_transfer.setdefault(int(transfer_id), []).append(pk)
    closed = 0
    stopped = NtsTransfer.objects.filter(pk__in=by_transfer).exclude(IN_PROGRESS)
    for pk, outcome in stopped.values_list("pk", "outcome"):
        closed += Alert.objects.filter(pk__in=by_transfer[pk], resolved_at__isnull=True).update(
            resolved_at=at,
            resolved_by_name=AUTO_RESOLVER,
            resolution=STOPPED_BECAUSE[outcome or "arrived"],
        )
    return closed


def sweep_transfers(at: dt.datetime | None = None) -> TransfersSwept:
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError(f"at must be timezone-aware; got the naive value {at.isoformat()}")
    system = Viewer.system("sweep")
    raised = closed = opened = 0
    with transaction.atomic():
        # Locked, so a transfer declined, withdrawn or arrived meanwhile waits for this sweep
        # and then closes what it raised (the actions close the clock's alerts at once).
        in_progress = list(
            NtsTransfer.objects.filter(IN_PROGRESS)
            .select_related("to_organisation")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        for done in in_progress:
            due = nts.transfer_alerts(
                str(done.child_id),
                str(done.pk),
                done.referred_on,
                done.nation,
                at,
                done.arrived_on,
                done.to_organisation.name,
            )
            keys = {a.key for a in due}
            for alert in due:
                if _store(done.from_organisation_id, done.child_id, None, alert, at):
                    raised += 1
                    record(
                        system,
                        AuditAction.CHANGE,
                        object_type="alert",
                        child_id=done.child_id,
                        summary=f"Alert raised: {alert.code.replace('_', ' ')}",
                        detail={"key": alert.key, "at": at.isoformat()},
                    )
            # At risk gives way to overdue.
            stale = Alert.objects.filter(
                key__startswith=f"nts/{done.pk}/", code__in=NTS_CODES, resolved_at__isnull=True
            ).exclude(key__in=keys)
            closed += stale.update(
                resolved_at=at,
                resolved_by_name=AUTO_RESOLVER,
                resolution="Superseded: the transfer is now overdue",
            )
        closed += _close_stopped(at)

        threshold = at - dt.timedelta(days=nts.LONG_TERM_DAYS - 1)
        for episode in Episode.objects.filter(
            returned_at__isnull=True, last_seen_at__lte=threshold
        ).select_related("child"):
            view = nts.long_term_case(episode.last_seen_at, at, episode.returned_at)
            if view is None:
                continue
            had = LongTermCase.objects.filter(episode=episode).exists()
            case = actions.open_case(episode, at)
            if case is None:
                continue
            if not had:
                opened += 1
                record(
                    system,
                    AuditAction.CREATE,
                    object_type="episode",
                    object_id=episode.pk,
                    child_id=episode.child_id,
                    summary="Became a long-term missing case (open 28 days)",
                    detail={"became_long_term_on": case.became_long_term_on.isoformat()},
                )
            last_review = (
                case.reviews.order_by("-held_on").values_list("held_on", flat=True).first()
            )
            for alert in nts.long_term_alerts(
                str(episode.child_id),
                str(episode.pk),
                episode.last_seen_at,
                at,
                episode.returned_at,
                last_review,
            ):
                if _store(
                    episode.child.responsible_organisation_id,
                    episode.child_id,
                    episode.pk,
                    alert,
                    at,
                ):
                    raised += 1
        # The return ends the case (never a birthday): its review alert goes with it.
        closed += Alert.objects.filter(
            code=nts.LONG_TERM_REVIEW, resolved_at__isnull=True, episode__returned_at__lte=at
        ).update(resolved_at=at, resolved_by_name=AUTO_RESOLVER, resolution="The child is back")
    return TransfersSwept(len(in_progress), opened, raised, closed)
