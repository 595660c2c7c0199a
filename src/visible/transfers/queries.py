"""Reading, not writing: the still-missing list (per authority, and nationally as counts with
disclosure control) and a child's journey as a timeline. Every "as at" is an explicit day or
instant; nothing here reads the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass

from django.db.models import Q

from visible.agencies.models import Organisation
from visible.children.models import Child
from visible.dates import age_on, eighteenth_birthday, uk_date, uk_midnight
from visible.missing.models import Category, Episode
from visible.returns import disclosure
from visible.returns.disclosure import TOTAL
from visible.risk import nts

from .models import LongTermCase, NtsTransfer, Outcome

# How long each child has been missing, as the national table bands it.
BANDS = (
    ("under_28", "Under 28 days", 0, 27),
    ("28_to_90", "28 days to 3 months", 28, 90),
    ("91_to_365", "3 months to a year", 91, 365),
    ("over_365", "More than a year", 366, None),
)


def last_31_march(day: dt.date) -> dt.date:
    """The most recent 31 March on or before ``day``: the annual list's default date."""
    year = day.year if (day.month, day.day) >= (3, 31) else day.year - 1
    return dt.date(year, 3, 31)


def band_of(days: int) -> str:
    for key, _label, low, high in BANDS:
        if days >= low and (high is None or days <= high):
            return key
    return BANDS[-1][0]


@dataclass(frozen=True)
class StillMissing:
    child_id: int
    episode_id: int
    name: str
    organisation: str
    authority_code: str
    last_seen_at: dt.datetime
    last_seen_place: str
    days_missing: int
    turned_18: bool
    long_term: bool
    ukmpu_referred: bool

    @property
    def band(self) -> str:
        return band_of(self.days_missing)

    @property
    def how_long(self) -> str:
        days = self.days_missing
        if days < 1:
            return "Less than a day"
        years, rest = divmod(days, 365)
        if years:
            return f"{years} year{'s' if years != 1 else ''}, {rest} day{'s' if rest != 1 else ''}"
        return f"{days} day{'s' if days != 1 else ''}"


def _open_on(day: dt.date) -> Q:
    """Episodes of children whose whereabouts were not known at the end of ``day``."""
    end = uk_midnight(day + dt.timedelta(days=1))
    return Q(category=Category.MISSING, last_seen_at__lt=end) & (
        Q(returned_at__isnull=True) | Q(returned_at__gte=end)
    )


def still_missing(as_at: dt.date, organisation: Organisation | None = None) -> list[StillMissing]:
    """Every child still missing at the end of ``as_at`` (longest missing first), with how long;
    one row per child (their longest open episode). ``organisation``: only its children (the
    council responsible for them now)."""
    episodes = Episode.objects.filter(_open_on(as_at)).select_related(
        "child__responsible_organisation__authority"
    )
    if organisation is not None:
        episodes = episodes.filter(child__responsible_organisation=organisation)
    cases = dict(
        LongTermCase.objects.filter(episode__in=episodes).values_list(
            "episode_id", "ukmpu_referred_on"
        )
    )
    rows: dict[int, StillMissing] = {}
    for e in episodes.order_by("last_seen_at", "pk"):
        if e.child_id in rows:
            continue
        child = e.child
        start = uk_date(e.last_seen_at)
        days = nts.days_missing(e.last_seen_at, as_at)
        org = child.responsible_organisation
        rows[e.child_id] = StillMissing(
            child_id=child.pk,
            episode_id=e.pk,
            name=child.full_name,
            organisation=org.name,
            authority_code=org.authority.code if org.authority is not None else "",
            last_seen_at=e.last_seen_at,
            last_seen_place=e.last_seen_place,
            days_missing=days,
            turned_18=age_on(child.date_of_birth, start) < 18
            and eighteenth_birthday(child.date_of_birth) <= as_at,
            long_term=days >= nts.LONG_TERM_DAYS,
            ukmpu_referred=cases.get(e.pk) is not None,
        )
    return sorted(rows.values(), key=lambda r: (-r.days_missing, r.name, r.child_id))


@dataclass(frozen=True)
class NationalStillMissing:
    as_at: dt.date
    rows: list[tuple[str, str]]  # (authority code, organisation name), then (TOTAL, "Total")
    columns: list[tuple[str, str]]  # (band key, label), then (TOTAL, "All")
    published: dict
    suppressed: int


def national_still_missing(as_at: dt.date) -> NationalStillMissing:
    """Counts of children still missing at ``as_at`` by authority and how long, with the
    national tables' disclosure control (counts 1 to 5 as c, secondary suppression, totals
    rounded to 10)."""
    found = still_missing(as_at)
    names = {}
    counts: dict[tuple[Hashable, Hashable], int] = {}
    for r in found:
        key = r.authority_code or r.organisation
        names[key] = r.organisation
        counts[key, r.band] = counts.get((key, r.band), 0) + 1
    row_keys = sorted(names, key=lambda k: names[k])
    col_keys = [b[0] for b in BANDS]
    table = disclosure.protect_crosstab(counts, row_keys, col_keys, round_totals=True)
    return NationalStillMissing(
        as_at,
        [(k, names[k]) for k in row_keys] + [(TOTAL, "Total")],
        [(b[0], b[1]) for b in BANDS] + [(TOTAL, "All")],
        table.published,
        len(table.suppressed),
    )


# --- the child's journey ---------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    day: dt.date
    at: dt.datetime | None  # for ordering events on one day
    kind: str  # care, placement, transfer, episode
    title: str
    detail: str
    by: str = ""
    link: str = ""  # a URL name's argument kind: "episode" or "nts"
    link_pk: int | None = None


def timeline(child: Child, as_at: dt.date) -> list[Event]:
    """Care periods, placements, transfers (National Transfer Scheme and others) and episodes,
    newest first, up to ``as_at``."""
    events: list[Event] = []
    for c in child.care_periods.all():
        events.append(
            Event(c.start_date, None, "care", "Became looked after", "", c.recorded_by_name)
        )
        if c.end_date:
            events.append(
                Event(c.end_date, None, "care", "Stopped being looked after", c.end_reason or "")
            )
    for p in child.placements.select_related("authority"):
        events.append(
            Event(
                p.start_date,
                None,
                "placement",
                f"Placed in {p.authority.name}",
                " ".join(x for x in (p.provider, p.postcode) if x),
            )
        )
        if p.end_date:
            events.append(
                Event(p.end_date, None, "placement", f"Placement in {p.authority.name} ended", "")
            )
    nts_moves = set()
    for t in NtsTransfer.objects.filter(child=child).select_related(
        "from_organisation", "to_organisation"
    ):
        events.append(
            Event(
                t.referred_on,
                t.packet_prepared_at,
                "transfer",
                f"Referred under the National Transfer Scheme to {t.to_organisation.name}",
                f"From {t.from_organisation.name}; the transfer packet was sent",
                t.referred_by_name,
                "nts",
                t.pk,
            )
        )
        if t.arrived_on:
            clock = nts.transfer_clock(t.referred_on, t.nation, t.arrived_on, t.arrived_on)
            events.append(
                Event(
                    t.arrived_on,
                    t.arrival_recorded_at,
                    "transfer",
                    f"Arrived in {t.to_organisation.name}",
                    f"{clock.words}: {clock.working_days} working days after the referral",
                    t.arrival_recorded_by_name,
                    "nts",
                    t.pk,
                )
            )
        if t.ended_on:
            declined = t.outcome == Outcome.DECLINED
            events.append(
                Event(
                    t.ended_on,
                    t.ended_at,
                    "transfer",
                    f"Transfer declined by {t.to_organisation.name}"
                    if declined
                    else f"Referral to {t.to_organisation.name} withdrawn by "
                    f"{t.from_organisation.name}",
                    f"Reason: {t.ended_reason}",
                    t.ended_by_name,
                    "nts",
                    t.pk,
                )
            )
        if t.transfer_id:
            nts_moves.add(t.transfer_id)
    for m in child.transfers.exclude(pk__in=nts_moves).select_related(
        "from_organisation", "to_organisation"
    ):
        events.append(
            Event(
                uk_date(m.transferred_at),
                m.transferred_at,
                "transfer",
                f"Transferred from {m.from_organisation.name} to {m.to_organisation.name}",
                m.reason,
                m.transferred_by_name,
            )
        )
    for e in child.episodes.all():
        word = "Missing" if e.category == Category.MISSING else "Away from placement"
        events.append(
            Event(
                uk_date(e.last_seen_at),
                e.last_seen_at,
                "episode",
                f"{word}: last seen at {e.last_seen_place}",
                "",
                e.reported_by_name,
                "episode",
                e.pk,
            )
        )
        if e.returned_at:
            events.append(
                Event(
                    uk_date(e.returned_at),
                    e.returned_at,
                    "episode",
                    "Came back or was found",
                    e.found_place,
                    "",
                    "episode",
                    e.pk,
                )
            )
    shown = [e for e in events if e.day <= as_at]
    return sorted(
        shown,
        key=lambda e: (e.day, e.at or uk_midnight(e.day), e.kind, e.title),
        reverse=True,
    )
