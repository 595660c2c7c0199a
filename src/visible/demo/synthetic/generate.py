"""`visible generate`: a synthetic register of trafficked, unaccompanied and separated children.

Every person it makes is synthetic: names come from seeded Faker instances and from lists in
`people.py`; the shape of the register (where the children are, their nationalities, sex and
age, which flags they carry) follows *Heading back to harm* where the report gives a number,
with the numbers and their sources in `patterns.py`.

Determinism: a run is a function of the seed, the arguments, the database's starting state
(which authorities exist, which identifiers are already taken) and today's date. Dates are
drawn relative to today (`timezone.localdate()`), so that a register generated today looks
current: children are 16 now, not 16 in some fixed year. So the same seed on the same day
gives the same register (names, dates, flags, placements, identifiers); database ids and the
times records were written may differ.

The data passes the rules the actions enforce (children/validation.py and children/actions.py):
nothing is dated in the future, nothing ends before it starts, placements do not overlap and
start on or after the child became looked after, identifiers are unique per organisation, a
child has at most one open flag of each kind; missing episodes keep to the episode rules
(episodes.py). It is written with bulk inserts in one transaction, with one audit event for
the whole run rather than one per row.

Missing episodes come from a random stream of their own, so asking for more or fewer of them
(`episodes_per_child`) leaves the children, placements and referrals of a seed as they were;
only what rule R-EARLY leads to for a child who went missing within a week of arriving (the
suspected-trafficking flag, and usually an NRM referral) follows the episodes. Open and recent episodes carry an initial risk
grading made by the real engine (episodes.grade_recent_episodes); older history has none.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import re
import sys
import time
import zlib
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from visible.agencies.councils import council_for
from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import (
    AgeAssessment,
    CarePeriod,
    Child,
    ChildName,
    Flag,
    GuardianAssignment,
    NrmReferral,
    Placement,
)
from visible.db.bulk import INSERT_BATCH, BulkTable, reserve_ids
from visible.missing.models import Episode, Grading, ReturnInterview
from visible.reference.load import AUTHORITIES_CSV
from visible.reference.models import Authority

from . import patterns
from .episodes import EpisodeDrawer, grade_recent_episodes
from .patterns import Weighted
from .people import NameBook, StaffNames
from .story import ChildStory, Story

CHILDREN_PER_BATCH = 2000  # children held in memory before they and their records are written

# Approximate populations for the Northern Ireland HSC Trusts, which the mySociety file lacks.
NI_TRUST_POPULATIONS = {
    "NIHSCT-BEL": 360_000,
    "NIHSCT-NOR": 480_000,
    "NIHSCT-SET": 360_000,
    "NIHSCT-SOU": 390_000,
    "NIHSCT-WES": 310_000,
}


@dataclass
class GenerationSummary:
    children: int
    flags: int
    placements: int
    nrm_referrals: int
    other_names: int
    guardians: int
    age_assessments: int
    authorities: int
    seconds: float
    episodes: int = 0
    open_episodes: int = 0
    return_interviews: int = 0
    gradings: int = 0
    shared_birthdays: int = 0  # children given the date of birth of an earlier child

    def describe(self) -> str:
        where = f"{self.authorities:,} authorit{'y' if self.authorities == 1 else 'ies'}"
        return (
            f"Generated {self.children:,} children in {where} in {self.seconds:.1f} s\n"
            f"  {self.flags:,} flags, {self.placements:,} placements, {self.nrm_referrals:,} NRM referrals, "
            f"{self.age_assessments:,} age assessments, {self.guardians:,} guardians, {self.other_names:,} other names\n"
            f"  {self.episodes:,} missing or away episodes ({self.open_episodes:,} still open), "
            f"{self.return_interviews:,} return interviews, {self.gradings:,} risk gradings\n"
            f"  {self.shared_birthdays:,} children born on the same day as an earlier child"
        )


# The share of children born on the same day as an earlier child of the same age, by default:
# about 1 in 20, several pairs in any authority's register and many across the country, as in
# real registers (a few hundred children born within a few years of each other). Issue 15:
# the whole suite exercises children who share birthdays; --shared-birthdays 0 turns it off.
SHARED_BIRTHDAYS = 0.05


def generate(
    authorities: list[str] | None,
    national: bool,
    children: int,
    seed: int,
    progress: bool = False,
    episodes_per_child: float | None = None,
    as_at: dt.datetime | None = None,
    shared_birthdays: float = SHARED_BIRTHDAYS,
) -> GenerationSummary:
    """Add `children` synthetic children to the register, spread over the given authorities
    (GSS codes) or, with `national`, over every current children's services authority in the
    proportions the report found. Deterministic for a given seed on a given day (see the module
    docstring). Adds to whatever the database already holds, numbering identifiers on from the
    ones already there.

    Missing and away episodes follow the report's rates (episodes.py) unless
    `episodes_per_child` asks for a mean number per child instead (0 for none); the children
    themselves are the same either way.

    `as_at` (an aware moment, default now) is the day the register is drawn for: a register
    as it stood when a past year's return was made, whatever today is.

    `shared_birthdays` (0 to 1): that share of children is given the date of birth of an
    earlier child of the same age, of any authority of the run, so that many children share
    a birthday within an authority and across authorities (what pseudonymised linkage must
    not mistake for one child). By default ``SHARED_BIRTHDAYS``, so that every register the
    suite and the demo make has them. From a random stream of its own, so that 0 leaves a
    seed's register exactly as it was drawn."""
    if as_at is not None and timezone.is_naive(as_at):
        raise ValueError("as_at must be timezone-aware")
    started = time.perf_counter()
    if children < 1:
        raise ValueError(f"--children must be at least 1 (got {children})")
    if not 0.0 <= shared_birthdays <= 1.0:
        raise ValueError(f"--shared-birthdays must be between 0 and 1 (got {shared_birthdays})")
    chosen = _resolve_authorities(authorities, national)

    from tqdm import tqdm

    with transaction.atomic():
        run = _Run(
            seed=seed,
            chosen=chosen,
            national=national,
            episodes_per_child=episodes_per_child,
            as_at=as_at,
            shared_birthdays=shared_birthdays,
        )
        counts = patterns.allocate(children, [(s.code, s.weight) for s in run.shapes])
        writer = _Writer(run.now)
        with tqdm(
            total=children,
            unit=" children",
            desc="Generating",
            file=sys.stderr,
            disable=not progress,
            smoothing=0.1,
        ) as bar:
            for authority in chosen:  # sorted by code: the order of draws is part of the seed
                for _ in range(counts[authority.code]):
                    writer.add(run.child_for(authority))
                    if writer.pending >= CHILDREN_PER_BATCH:
                        bar.update(writer.flush())
            bar.update(writer.flush())
        summary = GenerationSummary(
            children=writer.totals["children"],
            flags=writer.totals["flags"],
            placements=writer.totals["placements"],
            nrm_referrals=writer.totals["nrm_referrals"],
            other_names=writer.totals["other_names"],
            guardians=writer.totals["guardians"],
            age_assessments=writer.totals["age_assessments"],
            authorities=len(chosen),
            seconds=0.0,
            episodes=writer.totals["episodes"],
            open_episodes=writer.totals["open_episodes"],
            return_interviews=writer.totals["interviews"],
            gradings=writer.totals["gradings"],
            shared_birthdays=run.birthdays_shared,
        )
        scope = (
            "every current children's services authority"
            if national
            else ", ".join(a.code for a in chosen[:10])
        )
        record(
            Viewer.system("generate"),
            AuditAction.GENERATE,
            object_type="register",
            summary=f"Generated a synthetic register of {summary.children:,} children in {len(chosen):,} "
            f"authorities (seed {seed}): {scope}{' ...' if not national and len(chosen) > 10 else ''}",
            detail={
                "seed": seed,
                "children": summary.children,
                "authorities": len(chosen),
                "national": national,
                "flags": summary.flags,
                "placements": summary.placements,
                "episodes": summary.episodes,
                "episodes_per_child": episodes_per_child,
            },
        )
    _refresh_planner_statistics()
    summary.seconds = time.perf_counter() - started
    return summary


def _refresh_planner_statistics() -> None:
    """Tell the database what it now holds. After a bulk load the planner's statistics still
    describe the empty tables; PostgreSQL then chose plans that made the counts page take
    750 ms instead of 25 ms (bench/results/register.md) until autovacuum caught up."""
    tables = [
        "children_child",
        "children_flag",
        "children_placement",
        "children_childname",
        "children_nrmreferral",
        "children_ageassessment",
        "children_guardianassignment",
        "missing_episode",
        "missing_returninterview",
        "missing_grading",
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(tables))
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")


# --- which authorities ---------------------------------------------------------------------


def _resolve_authorities(codes: list[str] | None, national: bool) -> list[Authority]:
    current = Authority.objects.childrens_services().filter(end_date__isnull=True)
    if national:
        if codes:
            raise ValueError("Give either authority codes or national, not both")
        found = list(current.order_by("code"))
        if not found:
            raise ValueError(
                "There are no authorities in the database yet: run `visible reference load` first"
            )
        return found
    if not codes:
        raise ValueError(
            "Name at least one authority by its GSS code (for example E09000008 for Croydon), "
            "or generate nationally"
        )
    wanted = list(dict.fromkeys(c.strip() for c in codes))
    by_code = {a.code: a for a in Authority.objects.filter(code__in=wanted)}
    for code in wanted:
        authority = by_code.get(code)
        if authority is None:
            raise ValueError(_unknown_code_message(code))
        if not authority.runs_childrens_services:
            raise ValueError(
                f"{code} is {authority.name}, which does not run children's services; "
                "use the county or unitary authority that does (its GSS code starts E06, E08, E09 or E10)"
            )
        if authority.end_date is not None:
            successor = (
                f" It was replaced by {authority.replaced_by}." if authority.replaced_by else ""
            )
            raise ValueError(
                f"{code} ({authority.name}) ended on {authority.end_date:%d/%m/%Y}.{successor} "
                "Use a current authority's GSS code"
            )
    return sorted(by_code.values(), key=lambda a: a.code)


def _unknown_code_message(code: str) -> str:
    hint = ""
    if len(code) >= 3:
        similar = list(
            Authority.objects.childrens_services()
            .filter(end_date__isnull=True, name__icontains=code)
            .order_by("name")[:3]
        )
        if similar:
            hint = " Did you mean " + " or ".join(f"{a.code} ({a.name})" for a in similar) + "?"
    return (
        f"Unknown authority code '{code}'.{hint} Give the GSS code of a current children's services "
        "authority: E06/E08/E09/E10 in England (E09000008 is Croydon), W06 in Wales, S12 in Scotland, "
        "NIHSCT-BEL/NOR/SET/SOU/WES for Northern Ireland's HSC Trusts. The full list is the gss-code "
        "column of src/visible/reference/data/uk_local_authorities_mysociety.csv."
    )


def _populations() -> dict[str, float]:
    """Mid-2020 populations from the reference file (the model does not keep them)."""
    found: dict[str, float] = dict(NI_TRUST_POPULATIONS)
    with AUTHORITIES_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["gss-code"] and row["pop-2020"]:
                found[row["gss-code"]] = float(row["pop-2020"])
    return found


def _distance_km(a: Authority, b: Authority) -> float:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return math.inf
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    x = (lon2 - lon1) * math.cos((lat1 + lat2) / 2)
    return 6371 * math.hypot(x, lat2 - lat1)


# --- one run ---------------------------------------------------------------------------------


class _Run:
    """The state of one generation run: the seeded random stream, today's date, the
    authorities, and the identifiers already taken."""

    def __init__(
        self,
        seed: int,
        chosen: list[Authority],
        national: bool,
        episodes_per_child: float | None = None,
        as_at: dt.datetime | None = None,
        shared_birthdays: float = SHARED_BIRTHDAYS,
    ):
        self.rng = random.Random(seed)
        self.shared_birthdays = shared_birthdays
        self._birthday_rng = random.Random(f"{seed} shared birthdays")
        self._birthdays: dict[int, list[dt.date]] = {}  # age -> dates of birth given so far
        self.birthdays_shared = 0
        self.now = as_at or timezone.now()
        self.today = timezone.localdate(self.now)
        self.names = NameBook(seed)
        self.staff = StaffNames()  # guardians, carers' and providers' names: all synthetic
        self.organisations: dict[str, Organisation] = {a.code: council_for(a) for a in chosen}

        populations = _populations()
        self.shapes = patterns.authority_shapes(
            [(a.code, a.region, populations.get(a.code, 100_000.0)) for a in chosen]
        )
        self.mixes = {s.code: patterns.profile_mix(s.trafficked_share) for s in self.shapes}

        everywhere = list(
            Authority.objects.childrens_services().filter(end_date__isnull=True).order_by("code")
        )
        self.hosts = {a.code: self._hosts_for(a, everywhere, chosen, national) for a in chosen}
        self.authority_by_id = {a.pk: a for a in everywhere}
        self._by_name = {a.name: a for a in everywhere}
        self.districts = {a.code: self._districts_for(a) for a in everywhere}
        self.episodes = EpisodeDrawer(self, seed, episodes_per_child)
        self.episodes.forces = {o.name: o for o in Organisation.objects.filter(kind="police")}

        self._numbers: dict[int, int] = {}
        self._taken: dict[tuple[int, str], set[str]] = {}
        self._load_taken_identifiers()

    # -- places ---------------------------------------------------------------------------

    @staticmethod
    def _hosts_for(
        authority: Authority, everywhere: list[Authority], chosen: list[Authority], national: bool
    ) -> Weighted[int]:
        """Where this authority's out-of-area placements go: its nearest neighbours in the same
        region, nearer ones more often; and, when a few authorities are generated together,
        each other if they are close (so the demo's Croydon and Kent place children with each
        other, as London boroughs and Kent do)."""
        neighbours = sorted(
            (a for a in everywhere if a.region == authority.region and a.code != authority.code),
            key=lambda a: (_distance_km(authority, a), a.code),
        )[:6]
        pairs: dict[int, float] = {a.pk: 1.0 / (rank + 1) for rank, a in enumerate(neighbours)}
        if not national:
            for mate in chosen:
                if (
                    mate.code != authority.code
                    and mate.nation == authority.nation
                    and _distance_km(authority, mate) < 80
                ):
                    pairs[mate.pk] = pairs.get(mate.pk, 0.0) + 1.5
        if not pairs:
            pairs[authority.pk] = 1.0
        return Weighted(sorted(pairs.items()))

    @staticmethod
    def _districts_for(authority: Authority) -> list[str]:
        if authority.code in patterns.POSTCODE_DISTRICTS:
            return patterns.POSTCODE_DISTRICTS[authority.code]
        areas = patterns.POSTCODE_AREAS.get(authority.region) or patterns.POSTCODE_AREAS["London"]
        # A stable choice per authority (not from the run's stream), so a postcode area always
        # belongs to the same authority whatever else a run generates.
        stable = zlib.crc32(authority.code.encode())
        area = areas[stable % len(areas)]
        return [f"{area}{(stable >> (4 * i)) % 20 + 1}" for i in range(4)]

    def postcode(self, authority: Authority) -> str:
        # Indexing by random() rather than choice()/randint(): one of the hottest lines of a
        # national run, and the same draws every time for a seed either way.
        draw = self.rng.random
        districts, letters = self.districts[authority.code], patterns.POSTCODE_UNIT_LETTERS
        return (
            f"{districts[int(draw() * len(districts))]} {1 + int(draw() * 9)}"
            f"{letters[int(draw() * len(letters))]}{letters[int(draw() * len(letters))]}"
        )

    def authority_named(self, name: str) -> Authority | None:
        return self._by_name.get(name)

    # -- identifiers ------------------------------------------------------------------------

    def _load_taken_identifiers(self) -> None:
        """Identifiers already in the database: new ones continue the numbering after them and
        never repeat them (validation.check_identifiers_unique)."""
        for organisation in self.organisations.values():
            self._numbers[organisation.pk] = 0
        rows = Child.objects.filter(
            responsible_organisation__in=list(self.organisations.values())
        ).values_list(
            "responsible_organisation_id",
            "council_id",
            "child_903_id",
            "home_office_ref",
            "nrm_ref",
        )
        patterns_by_org = {
            o.pk: (
                re.compile(rf"{self.prefix(o)}(\d{{6}})"),
                re.compile(rf"(\d{{7}}){self.prefix(o)}"),
            )
            for o in self.organisations.values()
        }
        for org_id, council_id, child_903_id, home_office_ref, nrm_ref in rows.iterator(
            chunk_size=5000
        ):
            for field, value in (
                ("council_id", council_id),
                ("child_903_id", child_903_id),
                ("home_office_ref", home_office_ref),
                ("nrm_ref", nrm_ref),
            ):
                if value:
                    self._taken.setdefault((org_id, field), set()).add(value)
            council_pattern, pattern_903 = patterns_by_org[org_id]
            for pattern, value in ((council_pattern, council_id), (pattern_903, child_903_id)):
                match = pattern.fullmatch(value or "")
                if match:
                    self._numbers[org_id] = max(self._numbers[org_id], int(match.group(1)))

    @staticmethod
    def prefix(organisation: Organisation) -> str:
        authority = organisation.authority
        if authority.short_code:
            return authority.short_code.upper()
        return authority.code.rsplit("-", 1)[-1].upper()[:3]  # NIHSCT-BEL -> BEL

    def case_numbers(self, organisation: Organisation) -> tuple[str, str]:
        """The next council case ID ("CRY000123") and SSDA903 CHILD ("0000123CRY", 10 characters)."""
        prefix = self.prefix(organisation)
        council_ids = self._taken.setdefault((organisation.pk, "council_id"), set())
        ids_903 = self._taken.setdefault((organisation.pk, "child_903_id"), set())
        while True:
            self._numbers[organisation.pk] += 1
            n = self._numbers[organisation.pk]
            council_id, child_903_id = f"{prefix}{n:06d}", f"{n:07d}{prefix}"
            if council_id not in council_ids and child_903_id not in ids_903:
                council_ids.add(council_id)
                ids_903.add(child_903_id)
                return council_id, child_903_id

    def unique_reference(self, organisation: Organisation, field: str, make) -> str:
        taken = self._taken.setdefault((organisation.pk, field), set())
        while True:
            value = make()
            if value not in taken:
                taken.add(value)
                return value

    # -- timestamps -----------------------------------------------------------------------

    def stamp(self, day: dt.date) -> dt.datetime:
        """When a record dated `day` was written: during that working day (in UTC, as stored),
        never in the future."""
        minutes = 8 * 60 + int(self.rng.random() * 600)
        moment = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=dt.UTC)
        return moment if moment < self.now else self.now

    def day_between(self, first: dt.date, last: dt.date, skew: float = 1.0) -> dt.date:
        """A day in [first, last]; skew > 1 leans towards `first`."""
        span = (last - first).days
        if span <= 0:
            return first
        return first + dt.timedelta(days=int((span + 1) * self.rng.random() ** skew))

    # -- a child ----------------------------------------------------------------------------

    def birthday(self, age: int, drawn: dt.date) -> dt.date:
        """The date of birth drawn, or (shared_birthdays of the time) that of an earlier child
        of the same age."""
        if not self.shared_birthdays:
            return drawn
        earlier = self._birthdays.setdefault(age, [])
        draw = self._birthday_rng.random
        if earlier and draw() < self.shared_birthdays:
            self.birthdays_shared += 1
            return earlier[int(draw() * len(earlier))]
        earlier.append(drawn)
        return drawn

    def child_for(self, authority: Authority) -> Story:
        return ChildStory(self, authority).build()


class _Writer:
    """Buffers stories and writes them in batches: children first, with bulk_create, which
    returns their new ids on both SQLite (3.35+) and PostgreSQL; then the rows that hang off
    them (visible.db.bulk: a story's rows point at their child and episode as the row itself).
    Episodes get their ids reserved first, so that their return interviews and the
    risk gradings (made by the real engine, which keys its alerts on episode ids) can follow
    them in the same batch."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.stories: list[Story] = []
        self.totals = dict.fromkeys(
            (
                "children",
                "flags",
                "placements",
                "care_periods",
                "nrm_referrals",
                "other_names",
                "guardians",
                "age_assessments",
                "episodes",
                "open_episodes",
                "interviews",
                "gradings",
            ),
            0,
        )
        self.tables = [
            (BulkTable(ChildName, now), "names", "other_names"),
            (BulkTable(Flag, now), "flags", "flags"),
            (BulkTable(Placement, now), "placements", "placements"),
            (BulkTable(CarePeriod, now), "care_periods", "care_periods"),
            (BulkTable(NrmReferral, now), "nrm_referrals", "nrm_referrals"),
            (BulkTable(AgeAssessment, now), "age_assessments", "age_assessments"),
            (BulkTable(GuardianAssignment, now), "guardians", "guardians"),
            (BulkTable(Episode, now, with_id=True), "episodes", "episodes"),
            (BulkTable(ReturnInterview, now), "interviews", "interviews"),
            (BulkTable(Grading, now), "gradings", "gradings"),
        ]

    @property
    def pending(self) -> int:
        return len(self.stories)

    def add(self, story: Story) -> None:
        self.stories.append(story)

    def flush(self) -> int:
        stories, self.stories = self.stories, []
        if not stories:
            return 0
        saved = Child.objects.bulk_create([s.child for s in stories], batch_size=INSERT_BATCH)
        if any(child.pk is None for child in saved):  # would mean a database that cannot RETURNING
            raise RuntimeError(
                "The database did not return the new children's ids; SQLite 3.35 or later is needed"
            )
        episodes = [e for s in stories for e in s.episodes]
        for episode, pk in zip(episodes, reserve_ids(Episode, len(episodes)), strict=True):
            episode["id"] = pk
        grade_recent_episodes(stories)
        self.totals["open_episodes"] += sum(1 for e in episodes if e["returned_at"] is None)
        for table, attribute, total in self.tables:
            rows = [row for s in stories for row in getattr(s, attribute)]
            if rows:
                table.insert(rows)
            self.totals[total] += len(rows)
        self.totals["children"] += len(stories)
        return len(stories)
