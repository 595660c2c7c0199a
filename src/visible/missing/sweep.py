"""The national sweep: raise the time-based alerts that have fallen due (overdue return
interviews, NRM decisions, long-missing, approaching 18, Duty to Notify, no police report,
forbidden labels) and close those whose condition has gone, for every child at once.

It leaves exactly what calling ``actions.sweep_child`` for every child on the register would
leave (the same alerts, opened, reopened and closed, and the same audit event for each child
whose alerts changed), but over 100,000 children in seconds rather than many minutes
(docs/decisions/0005-national-sweep.md):

1. SQL picks out the children whose stored alerts could change at ``at`` (``_candidates``).
   For every other child the engine would raise nothing new and close nothing.
2. Their facts are read in bulk, a few queries per batch of children (``_load_facts``), into
   the same ``ChildFacts`` that ``facts.facts_for`` builds one child at a time.
3. The pure engine's ``sweep`` runs for each of them, with their authority's settings.
4. The difference from the stored alerts is written in one transaction: new alerts with
   ``bulk_create``, reopened and closed ones with bulk updates, and the audit events.

The reads happen before the transaction opens, so on SQLite the write lock is held only while
the changes are written, not while the engine runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import CharField, Count, Exists, Func, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.audit.log import Entry, record_many, write_models
from visible.audit.models import AuditAction
from visible.children.models import (
    TRAFFICKING_FLAGS,
    AgeAssessment,
    Arrival,
    ArrivalItemDone,
    Child,
    Flag,
    GuardianAssignment,
    NrmReferral,
    Placement,
)
from visible.dates import add_working_days, uk_date, uk_midnight
from visible.db.rows import RowReader
from visible.risk import (
    DEFAULTS,
    ChildFacts,
    EpisodeFact,
    FlagFact,
    NrmFact,
    PlacementFact,
    ReturnInterviewFact,
    RiskSettings,
    sweep,
)
from visible.risk.arrival import ARRIVAL_ITEMS
from visible.risk.factors import FACTORS
from visible.risk.facts import NATIONS, ArrivalFact

from .actions import AUTO_RESOLVER, SWEEP_ALERT_CODES, settings_for
from .models import (
    AcknowledgementDeadlines,
    Alert,
    AuthorityRiskSettings,
    Episode,
    LogEntry,
    ReturnInterview,
)

BATCH = 2000  # children whose facts are read and assessed together
WRITE_BATCH = 1000  # rows per INSERT or UPDATE
ANALYZE_AFTER = (
    10_000  # alerts raised or closed by one sweep before the planner's statistics are refreshed
)
RETURN_INTERVIEW = "return_interview_overdue"
DUTY_TO_NOTIFY = "duty_to_notify"
NRM_OVERDUE = "nrm_rg_overdue"
ARRIVAL_ITEM_COUNT = len(ARRIVAL_ITEMS)
CLOSED_BECAUSE = "Closed automatically: the condition no longer holds"
# check_text's labels, for a first pass in SQL; the engine then decides. 'ſ' (long s) is the one
# character outside ASCII that Python's case-insensitive matching reads as an 's'.
_LABEL_FRAGMENTS = ("abscond", "abſcond", "wanted")


@dataclass
class SweepSummary:
    children_checked: int  # children the engine looked at (the rest could not change)
    alerts_raised: int  # created, or reopened because their condition came back
    alerts_closed: int  # closed because their condition went away
    seconds: float

    def describe(self) -> str:
        return (
            f"Swept: {self.children_checked:,} children checked, {self.alerts_raised:,} alerts raised, "
            f"{self.alerts_closed:,} closed in {self.seconds:.1f} s"
        )


@dataclass
class _Changes:
    """What the sweep changes for one child, and the audit event that says so."""

    child_id: int
    create: list[Alert] = field(default_factory=list)
    reopen: list[int] = field(default_factory=list)
    close: list[int] = field(default_factory=list)
    raised_keys: list[str] = field(
        default_factory=list
    )  # created or reopened, in the engine's order
    closed_keys: list[str] = field(default_factory=list)  # in the order sweep_child closes them


def sweep_all(at: dt.datetime | None = None, progress: bool = False) -> SweepSummary:
    """Raise and close time-based alerts for every child, as ``actions.sweep_child`` would one
    child at a time, as things stand at ``at`` (default now), with the same audit event for
    each child whose alerts changed."""
    started = time.perf_counter()
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError(f"at must be timezone-aware; got the naive value {at.isoformat()}")
    children = sorted(_candidates(at))
    # settings_for gives the defaults to an authority with no settings of its own, so it is
    # asked only about those with some, once each.
    configured = set(AuthorityRiskSettings.objects.values_list("organisation_id", flat=True))
    settings_cache: dict[int, RiskSettings] = {}
    # Each organisation's own acknowledgement deadlines, read once ({} for the national ones).
    deadlines = dict(AcknowledgementDeadlines.objects.values_list("organisation_id", "minutes"))
    changes: list[_Changes] = []
    # sweep_child finds an alert by its key wherever it is stored. The engine's keys begin
    # with the child's id, so only an alert whose key does not begin with its own child's id
    # (a manual one, or one stored by hand) could be found under another child.
    elsewhere = {
        a.key: a
        for a in _alerts(~Q(key__startswith=Concat(Cast("child_id", CharField()), Value("/"))))
    }

    from tqdm import tqdm

    with tqdm(
        total=len(children),
        unit=" children",
        desc="Sweeping",
        file=sys.stderr,
        disable=not progress,
        smoothing=0.1,
    ) as bar:
        for batch in _chunks(children, BATCH):
            facts, organisations = _load_facts(batch, at)
            stored = _stored_alerts(batch)
            due_by_child = {}
            for child_id in batch:
                organisation_id = organisations[child_id]
                settings = settings_cache.get(
                    organisation_id, DEFAULTS if organisation_id not in configured else None
                )
                if settings is None:  # settings_for only needs the organisation's id
                    settings = settings_cache[organisation_id] = settings_for(
                        Organisation(pk=organisation_id)
                    )
                due_by_child[child_id] = sweep(facts[child_id], at, settings)
            for child_id in batch:
                found = _changes_for(
                    child_id,
                    organisations[child_id],
                    due_by_child[child_id],
                    stored[child_id],
                    elsewhere,
                    at,
                    deadlines.get(organisations[child_id]) or {},
                )
                if found is not None:
                    changes.append(found)
            bar.update(len(batch))

    raised, closed = _write(changes, at)
    return SweepSummary(
        children_checked=len(children),
        alerts_raised=raised,
        alerts_closed=closed,
        seconds=time.perf_counter() - started,
    )


def _changes_for(
    child_id: int,
    organisation_id: int,
    due,
    mine: dict[str, _Stored],
    elsewhere: dict[str, _Stored],
    at: dt.datetime,
    deadlines: dict[str, int],
) -> _Changes | None:
    """sweep_child's decisions for one child: store each due alert once by its key (reopening
    one a sweep had closed), then close its open sweep alerts that are no longer due."""
    change = _Changes(child_id)
    for alert in due:
        found = mine.get(alert.key) or elsewhere.get(alert.key)
        if found is None:
            change.create.append(
                Alert(
                    organisation_id=organisation_id,
                    child_id=child_id,
                    episode_id=int(alert.episode_id) if alert.episode_id else None,
                    code=alert.code,
                    key=alert.key,
                    text=alert.text,
                    source=alert.citation,
                    due_at=alert.due_at,
                    raised_at=at,
                ).fill_terms(deadlines)  # bulk_create does not call save(), which would
            )
            change.raised_keys.append(alert.key)
        elif found.resolved_at is not None and found.resolved_by_name == AUTO_RESOLVER:
            change.reopen.append(found.pk)
            change.raised_keys.append(alert.key)
    still_due = {alert.key for alert in due}
    closing = [
        a
        for a in mine.values()
        if a.resolved_at is None and a.code in SWEEP_ALERT_CODES and a.key not in still_due
    ]
    if len(closing) > 1:  # in Alert's default ordering, as sweep_child reads them
        instant = RowReader().datetime
        closing.sort(key=lambda a: (instant(a.due_at), a.pk))
    change.close = [a.pk for a in closing]
    change.closed_keys = [a.key for a in closing]
    return change if change.raised_keys or change.closed_keys else None


# --- which children ----------------------------------------------------------------------------


def _candidates(at: dt.datetime) -> set[int]:
    """The children whose alerts the engine might change at ``at``: a superset, never missing
    one (tests/missing/test_sweep.py checks it against sweep_child on every child).

    The engine's sweep (risk/engine.py) raises alerts from: each episode open at ``at``
    (_open_episode_alerts); forbidden labels in any episode's notes; NRM referrals without a
    reasonable grounds decision (_nrm_overdue); a trafficking flag in force with no referral
    (_duty_to_notify); each closed episode without an interview held or declined
    (_return_interview_alerts). sweep_child then closes any open alert of those kinds
    (actions.SWEEP_ALERT_CODES) that the engine no longer raises.

    The last three last until someone acts (a decision, a referral, an interview), so on a
    mature register most of them are already stored as alerts, and re-running the engine for
    them every time would be most of the sweep's work. For those three, the key the engine
    would give the alert is worked out here: a condition whose alert is on record (open, or
    resolved by a person) changes nothing, and an open alert whose condition surely still
    holds needs no closing; neither makes the child a candidate. Anything else about the child
    still does, and then the engine sees everything about them."""
    day = uk_date(at)
    read = RowReader()
    found: set[int] = set()

    # Episodes open at `at` (no police report, long missing, approaching or turned 18).
    found.update(
        Episode.objects.filter(
            Q(last_seen_at__lte=at) & (Q(returned_at__isnull=True) | Q(returned_at__gt=at))
        )
        .order_by()
        .values_list("child_id", flat=True)
    )

    # Forbidden labels in an episode's notes (its circumstances and its log).
    labelled, logged = Q(), Q()
    for fragment in _LABEL_FRAGMENTS:
        labelled |= Q(circumstances__icontains=fragment)
        logged |= Q(text__icontains=fragment)
    found.update(
        Episode.objects.filter(last_seen_at__lte=at)
        .filter(labelled)
        .order_by()
        .values_list("child_id", flat=True)
    )
    found.update(
        LogEntry.objects.filter(episode__last_seen_at__lte=at)
        .filter(logged)
        .order_by()
        .values_list("episode__child_id", flat=True)
    )

    # The clocks in use: the rulebook's and any authority's own.
    clocks = [DEFAULTS] + [
        RiskSettings.from_dict(values)
        for values in AuthorityRiskSettings.objects.exclude(values={}).values_list(
            "values", flat=True
        )
        if values
    ]
    interview_hours = [c.return_interview_hours for c in clocks]
    decision_days = [c.rg_decision_working_days for c in clocks]

    # Alerts of the three lasting kinds on record (open, or resolved by a person): their keys.
    on_record = set(
        Alert.objects.filter(code__in=(NRM_OVERDUE, DUTY_TO_NOTIFY, RETURN_INTERVIEW))
        .exclude(resolved_at__isnull=False, resolved_by_name=AUTO_RESOLVER)
        .order_by()
        .values_list("key", flat=True)
    )
    holds: set[tuple[int, str]] = set()  # (child, key) of alerts whose condition surely still holds

    # NRM referrals made by the day with no reasonable grounds decision yet (the engine:
    # 'decided' is a decision other than pending, dated on or before the day, or undated).
    # One that cannot be overdue yet under any clock raises nothing; one overdue under every
    # clock, still pending and on record, changes nothing.
    for child_id, referred_on, decision, decided_by in read.rows(
        NrmReferral.objects.filter(referred_on__lte=day).filter(
            Q(rg_decision="pending") | Q(rg_decided_on__gt=day)
        ),
        "child_id",
        "referred_on:d",
        "rg_decision",
        "decided_by",
    ):
        referred_on = read.date(referred_on)
        if decided_by != "home_office":  # a panel's 45 days: the engine decides, every time
            found.add(child_id)
            continue
        if at < _overdue_from(referred_on, min(decision_days), earliest=True):
            continue
        key = f"{child_id}/{NRM_OVERDUE}/{referred_on.isoformat()}"
        if decision == "pending" and at >= _overdue_from(
            referred_on, max(decision_days), earliest=False
        ):
            holds.add((child_id, key))
            if key in on_record:
                continue
        found.add(child_id)

    # Duty to Notify: a trafficking flag in force on the day and no referral made by then; the
    # alert's key names the start of the earliest flag in force.
    referred = NrmReferral.objects.filter(child_id=OuterRef("child_id"), referred_on__lte=day)
    first_flags: dict[int, dt.date] = {}
    for child_id, start in read.rows(
        Flag.objects.filter(kind__in=TRAFFICKING_FLAGS, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .filter(~Exists(referred)),
        "child_id",
        "start_date:d",
    ):
        start = read.date(start)
        if child_id not in first_flags or start < first_flags[child_id]:
            first_flags[child_id] = start
    for child_id, start in first_flags.items():
        key = f"{child_id}/{DUTY_TO_NOTIFY}/{start.isoformat()}"
        holds.add((child_id, key))
        if key not in on_record:
            found.add(child_id)

    # Closed episodes with no interview held or declined. Past the shortest window, one whose
    # alert is not on record may raise it; past the longest, an open alert for it still holds.
    shortest = at - dt.timedelta(hours=min(interview_hours))
    longest = at - dt.timedelta(hours=max(interview_hours))
    for episode_id, child_id, returned in read.rows(
        Episode.objects.alias(returned=_WholeTable("returned_at"))
        .filter(returned__lte=shortest)
        .filter(~Exists(_settled(at, OuterRef("pk")))),
        "pk",
        "child_id",
        "returned_at:t",
    ):
        key = f"{child_id}/{RETURN_INTERVIEW}/{episode_id}"
        if read.datetime(returned) <= longest:
            holds.add((child_id, key))
        if key not in on_record:
            found.add(child_id)

    # Arrival checklists with an item past its time and not done (R-ARRIVAL): any arrival that
    # began long enough ago for its first item to fall due and has items not yet done.
    # An item once done is never undone, so a checklist with every item done raises nothing.
    first_due = min(item.hours for item in ARRIVAL_ITEMS)
    for child_id, done_count in read.rows(
        Arrival.objects.filter(arrived_at__lte=at - dt.timedelta(hours=first_due)).annotate(
            done_count=Count("items_done", filter=Q(items_done__done_at__lte=at))
        ),
        "child_id",
        "done_count",
    ):
        if done_count < ARRIVAL_ITEM_COUNT:
            found.add(child_id)

    # Open sweep alerts that may have to close: all but those whose condition surely holds.
    for child_id, key in (
        Alert.objects.filter(resolved_at__isnull=True, code__in=SWEEP_ALERT_CODES)
        .order_by()
        .values_list("child_id", "key")
    ):
        if (child_id, key) not in holds:
            found.add(child_id)
    return found


@functools.lru_cache(maxsize=4096)
def _overdue_from(referred_on: dt.date, working_days: int, earliest: bool) -> dt.datetime:
    """When an undecided referral's alert falls due (engine._nrm_overdue), at the earliest or
    the latest over the nations' bank holiday calendars."""
    moments = [
        uk_midnight(add_working_days(referred_on, working_days, nation) + dt.timedelta(days=1))
        for nation in sorted(NATIONS)
    ]
    return min(moments) if earliest else max(moments)


class _WholeTable(Func):
    """A column, as it is. On SQLite it is written ``+column``, which keeps the planner from
    reading a range that covers most of the table through the column's index (every row
    then costs an index and a table lookup: 1.4 s rather than 0.3 s for 500,000 episodes)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


def _settled(at: dt.datetime, episode):
    """Return interviews that end the engine's overdue alert at ``at``: held (by then, or
    recorded as held with no time), or declined once offered."""
    return ReturnInterview.objects.filter(episode_id=episode).filter(
        Q(done_at__isnull=False, done_at__lte=at)
        | Q(outcome="done", done_at__isnull=True)
        | (Q(outcome="declined") & (Q(offered_at__isnull=True) | Q(offered_at__lte=at)))
    )


# --- facts, in bulk --------------------------------------------------------------------------


def _load_facts(
    children: list[int], at: dt.datetime
) -> tuple[dict[int, ChildFacts], dict[int, int]]:
    """What facts.facts_for reads, for a batch of children in a few queries: their ChildFacts
    and their responsible organisation's id."""
    read = RowReader()
    day, instant, listed = read.date, read.datetime, read.json
    among = _among(children)

    flags: dict[int, list[FlagFact]] = defaultdict(list)
    for child_id, kind, start, end in read.rows(
        Flag.objects.filter(child_id__in=among), "child_id", "kind", "start_date:d", "end_date:d"
    ):
        flags[child_id].append(FlagFact(kind=kind, start=day(start), end=day(end)))

    placements: dict[int, list[PlacementFact]] = defaultdict(list)
    for child_id, code, detail, start, end, unregulated in read.rows(
        Placement.objects.filter(child_id__in=among),
        "child_id",
        "place_code",
        "detail",
        "start_date:d",
        "end_date:d",
        "unregulated",
    ):
        placements[child_id].append(
            PlacementFact(
                place_code=code,
                detail=detail or "",
                start=day(start),
                end=day(end),
                unregulated=bool(unregulated),
            )
        )

    referrals: dict[int, list[NrmFact]] = defaultdict(list)
    for child_id, referred_on, rg, rg_on, cg, cg_on, stayed, decided_by in read.rows(
        NrmReferral.objects.filter(child_id__in=among),
        "child_id",
        "referred_on:d",
        "rg_decision",
        "rg_decided_on:d",
        "cg_decision",
        "cg_decided_on:d",
        "stayed",
        "decided_by",
    ):
        referrals[child_id].append(
            NrmFact(
                referred_on=day(referred_on),
                rg_decision=rg,
                rg_decided_on=day(rg_on),
                cg_decision=cg,
                cg_decided_on=day(cg_on),
                stayed=bool(stayed),
                decided_by=decided_by,
            )
        )

    today = uk_date(at)  # as facts_for: the guardian in place on the UK calendar day of `at`
    guarded = {
        row[0]
        for row in read.rows(
            GuardianAssignment.objects.filter(child_id__in=among, start_date__lte=today).filter(
                Q(end_date__isnull=True) | Q(end_date__gte=today)
            ),
            "child_id",
        )
    }

    latest_assessment: dict[
        int, tuple
    ] = {}  # as facts_for: latest status_from, then latest recorded
    for child_id, status, status_from, pk in read.rows(
        AgeAssessment.objects.filter(child_id__in=among),
        "child_id",
        "status",
        "status_from:d",
        "pk",
    ):
        key = (day(status_from), pk)
        if child_id not in latest_assessment or key > latest_assessment[child_id][1]:
            latest_assessment[child_id] = (status, key)

    interviews = {
        episode_id: ReturnInterviewFact(
            offered_at=instant(offered), outcome=outcome, done_at=instant(done)
        )
        for episode_id, offered, outcome, done in read.rows(
            ReturnInterview.objects.filter(episode__child_id__in=among),
            "episode_id",
            "offered_at:t",
            "outcome",
            "done_at:t",
        )
    }
    notes: dict[int, list[str]] = defaultdict(list)
    for episode_id, text in read.rows(
        LogEntry.objects.filter(episode__child_id__in=among, recorded_at__lte=at),
        "episode_id",
        "text",
    ):
        notes[episode_id].append(text)
    episodes: dict[int, list[EpisodeFact]] = defaultdict(list)
    factors: dict[int, set[str]] = defaultdict(set)
    for pk, child_id, category, seen, returned, police, circumstances, codes in read.rows(
        Episode.objects.filter(child_id__in=among),
        "pk",
        "child_id",
        "category",
        "last_seen_at:t",
        "returned_at:t",
        "police_reported_at:t",
        "circumstances",
        "factors",
    ):
        codes = listed(codes)
        if codes:
            factors[child_id].update(code for code in codes if code in FACTORS)
        episodes[child_id].append(
            EpisodeFact(
                id=str(pk),
                category=category,
                started_at=instant(seen),
                ended_at=instant(returned),
                police_reported_at=instant(police),
                return_interview=interviews.get(pk),
                notes=tuple(notes.get(pk, ())) + ((circumstances,) if circumstances else ()),
            )
        )

    arrivals = _arrivals(among, read)

    facts: dict[int, ChildFacts] = {}
    organisations: dict[int, int] = {}
    for child_id, dob, looked_after, nationality, organisation_id, nation in read.rows(
        Child.objects.filter(pk__in=among),
        "pk",
        "date_of_birth:d",
        "looked_after_from:d",
        "nationality",
        "responsible_organisation_id",
        "responsible_organisation__authority__nation",
    ):
        organisations[child_id] = organisation_id
        assessment = latest_assessment.get(child_id)
        facts[child_id] = ChildFacts(
            child_id=str(child_id),
            date_of_birth=day(dob),
            looked_after_from=day(looked_after),
            nationality=nationality,
            nation=nation or "England",
            flags=tuple(flags.get(child_id, ())),
            placements=tuple(placements.get(child_id, ())),
            nrm_referrals=tuple(referrals.get(child_id, ())),
            episodes=tuple(episodes.get(child_id, ())),
            has_guardian=child_id in guarded,
            age_assessment_status=assessment[0] if assessment else "none",
            factors=frozenset(factors.get(child_id, ())),
            arrival=arrivals.get(child_id),
        )
    return facts, organisations


def _arrivals(among, read: RowReader) -> dict[int, ArrivalFact]:
    """As facts.arrival_fact: each child's latest arrival checklist, with the items done."""
    latest: dict[int, tuple] = {}
    for pk, child_id, arrived in read.rows(
        Arrival.objects.filter(child_id__in=among), "pk", "child_id", "arrived_at:t"
    ):
        arrived = read.datetime(arrived)
        if child_id not in latest or arrived > latest[child_id][1]:
            latest[child_id] = (pk, arrived)
    done: dict[int, list] = defaultdict(list)
    for arrival_id, item, done_at in read.rows(
        ArrivalItemDone.objects.filter(arrival_id__in=_among([pk for pk, _ in latest.values()])),
        "arrival_id",
        "item",
        "done_at:t",
    ):
        done[arrival_id].append((item, read.datetime(done_at)))
    return {
        child_id: ArrivalFact(arrived_at=arrived, done=tuple(done.get(pk, ())))
        for child_id, (pk, arrived) in latest.items()
    }


class _Stored(NamedTuple):
    """What the sweep needs to know of a stored alert. The times are as read (see visible.db.rows):
    only whether resolved_at is set matters, and due_at orders the alerts a sweep closes."""

    pk: int
    child_id: int
    key: str
    code: str
    due_at: object
    resolved_at: object
    resolved_by_name: str


def _stored_alerts(children: list[int]) -> dict[int, dict[str, _Stored]]:
    """Every stored alert of these children (open or not), by child and key."""
    found: dict[int, dict[str, _Stored]] = {child_id: {} for child_id in children}
    for alert in _alerts(Q(child_id__in=_among(children))):
        found[alert.child_id][alert.key] = alert
    return found


def _alerts(where: Q) -> list[_Stored]:
    read = RowReader()
    return [
        _Stored(*row)
        for row in read.rows(
            Alert.objects.filter(where),
            "pk",
            "child_id",
            "key",
            "code",
            "due_at:t",
            "resolved_at:t",
            "resolved_by_name",
        )
    ]


def _among(ids: list[int]) -> RawSQL:
    """A list of ids as a subquery with one parameter, for `field__in=`: Django's own `in`
    with thousands of values prepares each one, a noticeable part of the sweep."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(list(ids)),))


# --- writing -----------------------------------------------------------------------------------


def _write(changes: list[_Changes], at: dt.datetime) -> tuple[int, int]:
    """Apply the changes and their audit events in one transaction; returns (raised, closed)."""
    raised = closed = 0
    with transaction.atomic():
        # ignore_conflicts: an alert a person's action stored since it was read stays as it is.
        for chunk in _chunks([a for c in changes for a in c.create], WRITE_BATCH):
            Alert.objects.bulk_create(chunk, ignore_conflicts=True)
            raised += len(chunk)
        for chunk in _chunks([pk for c in changes for pk in c.reopen], WRITE_BATCH):
            raised += Alert.objects.filter(
                pk__in=chunk, resolved_at__isnull=False, resolved_by_name=AUTO_RESOLVER
            ).update(resolved_at=None, resolved_by_name="", resolution="")
        for chunk in _chunks([pk for c in changes for pk in c.close], WRITE_BATCH):
            closed += Alert.objects.filter(pk__in=chunk, resolved_at__isnull=True).update(
                resolved_at=at, resolved_by_name=AUTO_RESOLVER, resolution=CLOSED_BECAUSE
            )
        _audit(changes, at)
    if raised + closed >= ANALYZE_AFTER:
        _refresh_planner_statistics()
    return raised, closed


def _refresh_planner_statistics() -> None:
    """After a sweep that wrote many alerts (the first one on a register), tell the database:
    PostgreSQL otherwise plans the next sweep's alert queries for the empty table it last
    measured, until autovacuum catches up."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Alert._meta.db_table)}")


def _audit(changes: list[_Changes], at: dt.datetime) -> None:
    """The audit event sweep_child writes for a child whose alerts changed, one per child."""
    record_many(
        Viewer.system("sweep"),
        (
            Entry(
                AuditAction.CHANGE,
                object_type="alert",
                child_id=change.child_id,
                summary=f"Alerts: {len(change.raised_keys)} raised, {len(change.closed_keys)} closed automatically",
                detail={
                    "raised": change.raised_keys,
                    "closed": change.closed_keys,
                    "at": at.isoformat(),
                },
            )
            for change in changes
        ),
        writer=functools.partial(write_models, batch=WRITE_BATCH),
        sealed=True,  # perhaps thousands of events, in the worker: sealed as they are written
    )


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
