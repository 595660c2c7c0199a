"""Missing and away episodes for a generated child: when they went, for how long, who
reported it and to which police force, how they came back, and the return interview after.

The rates follow *Heading back to harm* (ECPAT UK and Missing People, 2016), Key findings and
chapter 2: 28% of trafficked children and 13% of unaccompanied children in care went missing
at least once in the year studied; those who went missing did so about 2.4 times each (331
incidents for 167 trafficked children, 994 for 593 unaccompanied); about a third of episodes
lasted more than a week (2% nationally); 207 of the 760 were still missing when the
authorities answered. The DfE statutory guidance of 2014, which the report quotes, adds that
trafficked children mostly go missing within a week of becoming looked after, many within
48 hours. Everything else here (shares of 'away' episodes, police reporting delays, return
interview outcomes) is this module's judgement, said so where it is set.

Episodes are drawn from their own random stream (seeded from the run's seed), so the children,
placements and referrals of a seed are the same whatever number of episodes is asked for (the
one exception: what rule R-EARLY leads to for a child who went missing in their first week,
a suspected-trafficking flag and usually an NRM referral).
No episode time is later than the start of today, so a seed gives the same episodes all day.

Each child's episodes keep to the episode rules missing/actions.py enforces (rulebook section
2; SSDA903 rules 567, 574, 581, 586): none starts before the child became looked after or in
the future, none ends before it starts, they never overlap, and only the last can be open.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import TYPE_CHECKING

from visible.children.models import FirstResponderKind, FlagKind, NrmDecision
from visible.dates import UK_TIME, age_on, uk_date
from visible.missing.actions import settings_for
from visible.missing.facts import facts_to_json
from visible.missing.models import Category, FoundBy, InterviewOutcome, ReporterRole
from visible.risk import (
    ChildFacts,
    EpisodeFact,
    FlagFact,
    NrmFact,
    PlacementFact,
    ReturnInterviewFact,
    RiskSettings,
    assess_episode,
)

from . import patterns
from .patterns import Weighted
from .story import NRM_REFERRED_SHARE, RG_POSITIVE_SHARE

if TYPE_CHECKING:
    from visible.agencies.models import Organisation
    from visible.reference.models import Authority

    from .generate import _Run
    from .story import ChildStory, Story

# Report, Key findings: share of children who went missing at least once, by group. The report
# gives no figure for children only at risk of trafficking or only separated: this module's
# judgement puts the first between the two report figures and the second just below the lower.
MISSING_SHARE_TRAFFICKED = 0.28
MISSING_SHARE_UNACCOMPANIED = 0.13
MISSING_SHARE_AT_RISK = 0.20
MISSING_SHARE_SEPARATED = 0.10
# Report, chapter 2: about 2.4 incidents for each child who went missing.
EPISODES_PER_MISSING_CHILD = 2.4
# The share of all generated children who go missing with the default rates (measured on a
# national register of this generator; used only to scale the rates when a caller asks for a
# number of episodes per child).
DEFAULT_MISSING_SHARE = 0.17
# Report: 207 of the 760 children who went missing were still missing (27%). Some of those
# would be found later, so a little lower here: the chance that a child who went missing is
# missing now and has been for however long their last episode began ago...
STILL_MISSING_SHARE = 0.2
# ... and, of last episodes whose drawn length runs past now, the share still open (the rest
# are taken as found between their start and now): these are the recent ones on the
# "missing now" board.
STILL_OPEN_IF_RUNNING = 0.5
# DfE 2014 (quoted in the report): trafficked and unaccompanied children mostly go missing
# within a week of becoming looked after, many within 48 hours. The share whose first episode
# is that early is this module's judgement.
EARLY_SHARE_ARRIVALS = 0.3
EARLY_SHARE_OTHERS = 0.05
EARLY_DAYS = 7
MOST_EPISODES = 60  # a cap, so a very high episodes_per_child cannot draw absurd counts

# Duration bands (rulebook section 2): under 24 hours, 1-7 days, more than 7 days (the report:
# about a third of these children's episodes).
DURATION_BANDS = Weighted([("hours", 40), ("days", 27), ("weeks", 33)])
# Away from placement (903 'A') is rarer than missing for these children: judgement.
CATEGORIES = Weighted([(Category.MISSING, 85), (Category.AWAY, 15)])
POLICE_REPORTED_SHARE = {Category.MISSING: 0.93, Category.AWAY: 0.4}
REPORTERS = Weighted(
    [
        (ReporterRole.CARER, 55),
        (ReporterRole.OUT_OF_HOURS, 20),
        (ReporterRole.SOCIAL_WORKER, 15),
        (ReporterRole.POLICE, 5),
        (ReporterRole.OTHER, 5),
    ]
)
FOUND_BY = Weighted(
    [
        (FoundBy.SELF, 45),
        (FoundBy.POLICE, 30),
        (FoundBy.CARER, 12),
        (FoundBy.OTHER_AUTHORITY, 8),
        (FoundBy.OTHER, 5),
    ]
)
# Hour of the day (UK time) a child was last seen: mostly afternoons and evenings.
LAST_SEEN_HOURS = Weighted(
    [
        (h, w)
        for h, w in enumerate(
            (2, 2, 1, 1, 1, 1, 1, 2, 4, 4, 3, 3, 4, 5, 6, 8, 9, 9, 9, 8, 7, 6, 4, 3)
        )
    ]
)

# Return interviews (DfE 2014: offered, and held within 72 hours by someone independent). The
# outcomes are this module's judgement: most held in time, some late, some declined, some
# offered and never held, some with nothing recorded at all (the gap the report describes).
INTERVIEW_OUTCOMES = Weighted(
    [("in_time", 62), ("late", 14), ("declined", 10), ("offered_only", 5), ("none", 9)]
)
INTERVIEW_HOURS = 72
# Gradings come from the real risk engine, which takes about 0.1 ms an episode and stores the
# facts it was given; so only open episodes and those reported in the last RECENT_GRADING_DAYS
# get one (older history reads as brought in from an earlier system, with no grading).
RECENT_GRADING_DAYS = 14

# The dynamic risk factors professionals record themselves (the rest the engine derives).
_FACTOR_CHANCES = (
    ("immigration_decision_pending_or_negative", "uasc", 0.4),
    ("trafficker_contact", "trafficked", 0.25),
    ("debt_bondage", "trafficked", 0.15),
    ("isolated", "any", 0.1),
    ("recent_police_or_immigration_interview", "any", 0.05),
)

_WITH_WHOM = (
    "",
    "",
    "Alone",
    "Alone",
    "With another young person from the placement",
    "With a friend from college",
    "Picked up in a car by an adult not known to the carers",
    "With two older young men not known to the carers",
    "Seen getting into a taxi with an older man",
)
_CLOTHING_COLOURS = ("Black", "Grey", "Navy", "White", "Red", "Green", "Dark blue")
_CLOTHING_ITEMS = (
    "puffer jacket and jeans",
    "hooded top and tracksuit bottoms",
    "coat and school uniform",
    "tracksuit and trainers",
    "jacket, jeans and a cap",
    "hooded top and a backpack",
)
_CIRCUMSTANCES_MISSING = (
    "Did not come back from college.",
    "Went out to the shop and did not come back.",
    "Left the placement after a phone call in a language the carer does not speak.",
    "Did not return after contact with a cousin.",
    "Left during the night; the bedroom window was found open.",
    "Was receiving messages on a new phone and then left.",
    "Said they were going to meet a friend in town and did not return.",
    "Did not come back from the mosque or church.",
    "Left after an argument with another young person at the placement.",
    "Did not return after an appointment at the Home Office reporting centre.",
)
_CIRCUMSTANCES_AWAY = (
    "Known to be at a friend's address; refused to come back to the placement.",
    "Staying with an older adult whose address is known to the police; the carer is concerned.",
    "With a relative in another town who says they will bring them back.",
    "Phoned the carer to say they are at a friend's house and will not return tonight.",
)
_CONDITION = (
    "Tired and hungry; no injuries seen.",
    "Unharmed; said they stayed with friends.",
    "Would not say where they had been.",
    "Had a new phone and new clothes and would not explain them.",
    "Seemed frightened; asked not to be moved.",
    "Had been sleeping rough; seen by the GP the next day.",
    "Calm; said they had been at a friend's flat.",
)
_INTERVIEW_SERVICES = (
    "Barnardo's return interview service",
    "Missing People",
    "The Children's Society",
    "Catch22 missing service",
    "independent return interview service",
)
_WHERE_BEEN = (
    "At a friend's flat in {town}",
    "Travelling between {town} and London by train",
    "At an address in {town} with older young people",
    "Sleeping at a relative's house in {town}",
    "Working at a car wash in {town}",
    "Would not say",
)
_WHO_WITH = (
    "Friends from college",
    "Older men not known to the carers",
    "A cousin",
    "People from their home country",
    "Would not say",
    "Other young people from the placement",
)
_INDICATORS = (
    "trafficker_contact",
    "debt_bondage",
    "new_phone",
    "working",
    "sexual_exploitation",
    "county_lines",
    "older_associates",
    "travel",
)

# Police forces by the authorities they cover (England and Wales). Scotland and Northern
# Ireland each have one force. Where an authority is missing from this table (a future
# reorganisation), a force whose name contains the authority's name is used, then any force.
FORCE_AREAS = {
    "Avon and Somerset Constabulary": "Bath and North East Somerset; City of Bristol; North Somerset; Somerset; South Gloucestershire",
    "Bedfordshire Police": "Bedford; Central Bedfordshire; Luton",
    "Cambridgeshire Constabulary": "Cambridgeshire; Peterborough",
    "Cheshire Constabulary": "Cheshire East; Cheshire West and Chester; Halton; Warrington",
    "City of London Police": "City of London",
    "Cleveland Police": "Hartlepool; Middlesbrough; Redcar and Cleveland; Stockton-on-Tees",
    "Cumbria Constabulary": "Cumberland; Westmorland and Furness",
    "Derbyshire Constabulary": "Derby; Derbyshire",
    "Devon and Cornwall Police": "Cornwall; Devon; Isles of Scilly; Plymouth; Torbay",
    "Dorset Police": "Bournemouth, Christchurch and Poole; Dorset Council",
    "Durham Constabulary": "County Durham; Darlington",
    "Essex Police": "Essex; Southend-on-Sea; Thurrock",
    "Gloucestershire Constabulary": "Gloucestershire",
    "Greater Manchester Police": "Bolton; Bury; Manchester; Oldham; Rochdale; Salford; Stockport; Tameside; Trafford; Wigan",
    "Hampshire and Isle of Wight Constabulary": "Hampshire; Isle of Wight; Portsmouth; Southampton",
    "Hertfordshire Constabulary": "Hertfordshire",
    "Humberside Police": "East Riding of Yorkshire; Kingston upon Hull; North East Lincolnshire; North Lincolnshire",
    "Kent Police": "Kent; Medway",
    "Lancashire Constabulary": "Blackburn with Darwen; Blackpool; Lancashire",
    "Leicestershire Police": "Leicester; Leicestershire; Rutland",
    "Lincolnshire Police": "Lincolnshire",
    "Merseyside Police": "Knowsley; Liverpool; Sefton; St. Helens; Wirral",
    "Norfolk Constabulary": "Norfolk",
    "North Yorkshire Police": "North Yorkshire; York",
    "Northamptonshire Police": "North Northamptonshire; West Northamptonshire",
    "Northumbria Police": "Gateshead; Newcastle upon Tyne; North Tyneside; Northumberland; South Tyneside; Sunderland",
    "Nottinghamshire Police": "Nottingham; Nottinghamshire",
    "South Yorkshire Police": "Barnsley; Doncaster; Rotherham; Sheffield",
    "Staffordshire Police": "Staffordshire; Stoke-on-Trent",
    "Suffolk Constabulary": "Suffolk",
    "Surrey Police": "Surrey",
    "Sussex Police": "Brighton and Hove; East Sussex; West Sussex",
    "Thames Valley Police": "Bracknell Forest; Buckinghamshire; Milton Keynes; Oxfordshire; Reading; Slough; "
    "West Berkshire; Windsor and Maidenhead; Wokingham",
    "Warwickshire Police": "Warwickshire",
    "West Mercia Police": "Herefordshire; Shropshire; Telford and Wrekin; Worcestershire",
    "West Midlands Police": "Birmingham; Coventry; Dudley; Sandwell; Solihull; Walsall; Wolverhampton",
    "West Yorkshire Police": "Bradford; Calderdale; Kirklees; Leeds; Wakefield",
    "Wiltshire Police": "Swindon; Wiltshire",
    "Dyfed-Powys Police": "Carmarthenshire; Ceredigion; Pembrokeshire; Powys",
    "Gwent Police": "Blaenau Gwent; Caerphilly; Monmouthshire; Newport; Torfaen",
    "North Wales Police": "Conwy; Denbighshire; Flintshire; Gwynedd; Isle of Anglesey; Wrexham",
    "South Wales Police": "Bridgend; Cardiff; Merthyr Tydfil; Neath Port Talbot; Rhondda Cynon Taff; Swansea; "
    "The Vale of Glamorgan",
}
_FORCE_BY_AUTHORITY_NAME = {
    name.strip(): force for force, names in FORCE_AREAS.items() for name in names.split(";")
}
_FORCE_WORDS = ("Constabulary", "Police Service", "Police", "and Isle of Wight")


def force_for(authority: Authority, forces: dict[str, Organisation]) -> Organisation | None:
    """The police force covering an authority's area, roughly: London is the Met's (the City
    its own force's), Scotland and Northern Ireland have one force each, England and Wales go
    by the table above, then by the force's name, then any force."""
    if not forces:
        return None
    if authority.nation == "Scotland":
        name = "Police Scotland"
    elif authority.nation == "Northern Ireland":
        name = "Police Service of Northern Ireland"
    elif authority.region == "London" and authority.name != "City of London":
        name = "Metropolitan Police Service"
    else:
        name = _FORCE_BY_AUTHORITY_NAME.get(authority.name, "")
    if name in forces:
        return forces[name]
    for force_name in sorted(forces):
        place = force_name
        for word in _FORCE_WORDS:
            place = place.replace(word, "")
        place = place.strip()
        if place and (place in authority.name or authority.name in place):
            return forces[force_name]
    return forces[sorted(forces)[0]]


class EpisodeDrawer:
    """Draws the missing history of each child of a run, from its own random stream."""

    def __init__(self, run: _Run, seed: int, episodes_per_child: float | None):
        if episodes_per_child is not None and (
            episodes_per_child < 0 or math.isnan(episodes_per_child)
        ):
            raise ValueError(f"episodes_per_child must be 0 or more (got {episodes_per_child})")
        self.run = run
        self.rng = random.Random(f"missing episodes {seed}")
        self.per_child = episodes_per_child
        self.now = drawn_until(run.today)
        self.recent_from = graded_from(run.today)
        self._force_cache: dict[int, Organisation | None] = {}
        self.forces: dict[str, Organisation] = {}

    def force(self, authority: Authority) -> Organisation | None:
        if authority.pk not in self._force_cache:
            self._force_cache[authority.pk] = force_for(authority, self.forces)
        return self._force_cache[authority.pk]

    # -- how many --------------------------------------------------------------------------

    def _chances(self, builder: ChildStory) -> tuple[float, float, float]:
        """(chance of going missing at all, mean episodes if they do, chance the last is
        still open) for this child."""
        kinds = {f["kind"] for f in builder.flags}
        if kinds & {FlagKind.TRAFFICKED_IDENTIFIED, FlagKind.TRAFFICKED_SUSPECTED}:
            share = MISSING_SHARE_TRAFFICKED
        elif kinds & {FlagKind.UNACCOMPANIED, FlagKind.UASC}:
            share = MISSING_SHARE_UNACCOMPANIED
        elif FlagKind.AT_RISK_OF_TRAFFICKING in kinds:
            share = MISSING_SHARE_AT_RISK
        else:
            share = MISSING_SHARE_SEPARATED
        open_share = share * STILL_MISSING_SHARE  # of all such children, missing now
        if self.per_child is None:
            return share, EPISODES_PER_MISSING_CHILD, STILL_MISSING_SHARE
        # Scaled: this child's expected number of episodes is its group's share of the
        # requested total; no more than 95% of children go missing, and the rest of the
        # scaling goes into how often. The number still missing stays the report's.
        expected = self.per_child * share / DEFAULT_MISSING_SHARE
        if expected <= 0:
            return 0.0, 1.0, 0.0
        any_chance = min(
            0.95, share * self.per_child / (DEFAULT_MISSING_SHARE * EPISODES_PER_MISSING_CHILD)
        )
        return any_chance, max(1.0, expected / any_chance), min(1.0, open_share / any_chance)

    def _count(self, mean: float) -> int:
        """A geometric count from 1 with the given mean: most go once or twice, a few many times."""
        if mean <= 1.0:
            return 1
        stay = 1.0 - 1.0 / mean
        return min(MOST_EPISODES, 1 + int(math.log(1.0 - self.rng.random()) / math.log(stay)))

    # -- one child -------------------------------------------------------------------------

    def draw(self, builder: ChildStory) -> tuple[list[dict], list[dict]]:
        """The child's episodes and return interviews, as rows for generate.py (the episode
        rows carry a few private keys, starting with an underscore, for the writer)."""
        rng = self.rng
        any_chance, mean, open_chance = self._chances(builder)
        if any_chance <= 0 or rng.random() >= any_chance:
            return [], []
        child = builder.child
        first = _uk_instant(child.looked_after_from, 0)
        # while looked after: to the 18th birthday, or the day care ended
        ended = getattr(builder, "care_ended_on", None) or builder.eighteenth
        last = min(self.now, _uk_instant(min(ended, builder.eighteenth), 0)) - dt.timedelta(hours=1)
        if last <= first:
            return [], []
        span = (last - first).total_seconds()
        count = min(self._count(mean), max(1, int(span // (2 * 86400))))
        starts = self._starts(builder, first, last, count)
        still_missing = rng.random() < open_chance
        # Scaled runs keep the number missing now near the report's, as still_missing does.
        open_if_running = STILL_OPEN_IF_RUNNING * open_chance / STILL_MISSING_SHARE

        episodes: list[dict] = []
        interviews: list[dict] = []
        for i, start in enumerate(starts):
            next_start = starts[i + 1] if i + 1 < len(starts) else None
            ended = self._end(start, next_start, still_missing, open_if_running)
            episode = self._episode(builder, start, ended)
            episodes.append(episode)
            if ended is not None:
                interview = self._interview(builder, episode)
                if interview:
                    interviews.append(interview)
        self._early_flag(builder, episodes)
        return episodes, interviews

    def _starts(
        self, builder: ChildStory, first: dt.datetime, last: dt.datetime, count: int
    ) -> list[dt.datetime]:
        rng = self.rng
        days = (last - first).days
        early_share = (
            EARLY_SHARE_ARRIVALS
            if (builder.is_uasc or builder.trafficking_from is not None)
            else EARLY_SHARE_OTHERS
        )
        offsets = []
        for i in range(count):
            if i == 0 and rng.random() < early_share:
                offsets.append(
                    int(min(EARLY_DAYS, days) * rng.random() ** 2)
                )  # many within 48 hours
            else:
                offsets.append(int((days + 1) * rng.random()))
        starts = []
        for offset in sorted(offsets):
            day = builder.child.looked_after_from + dt.timedelta(days=offset)
            moment = _uk_instant(day, LAST_SEEN_HOURS.pick(rng), int(60 * rng.random()))
            if moment > last:  # the last day, after the cut-off: earlier that evening instead
                moment = last - dt.timedelta(minutes=int(600 * rng.random()))
            moment = max(moment, first)
            # Two reports a few hours apart would be one episode: keep a gap.
            if starts and moment - starts[-1] < dt.timedelta(hours=4):
                moment = starts[-1] + dt.timedelta(hours=4 + 20 * rng.random())
                if moment > last:
                    continue
            starts.append(moment)
        return starts

    def _end(
        self,
        start: dt.datetime,
        next_start: dt.datetime | None,
        still_missing: bool,
        open_if_running: float,
    ) -> dt.datetime | None:
        """When the child came back: None if still missing. An episode ends at least an hour
        before the next begins; one that would run past now may still be open."""
        rng = self.rng
        if next_start is None and still_missing:
            return None
        band = DURATION_BANDS.pick(rng)
        if band == "hours":
            length = dt.timedelta(minutes=60 + int(23 * 60 * rng.random()))
        elif band == "days":
            length = dt.timedelta(hours=24 + int(6 * 24 * rng.random()))
        else:
            length = dt.timedelta(days=7, hours=int(24 * 120 * rng.random() ** 2))
        ended = start + length
        if next_start is not None:
            latest = next_start - dt.timedelta(hours=1)
            return max(min(ended, latest), start + dt.timedelta(minutes=30))
        if ended <= self.now:
            return ended
        if rng.random() < open_if_running:
            return None
        return _minute(start + (self.now - start) * (0.2 + 0.8 * rng.random()))

    def _episode(self, builder: ChildStory, start: dt.datetime, ended: dt.datetime | None) -> dict:
        rng, run, child = self.rng, self.run, builder.child
        category = CATEGORIES.pick(rng)
        area = _placement_area(builder, start) or builder.authority
        reported_at = min(start + dt.timedelta(minutes=15 + int(120 * rng.random())), self.now)
        force, police_at, reference = None, None, ""
        if rng.random() < POLICE_REPORTED_SHARE[category]:
            police_at = start + dt.timedelta(minutes=10 + int(170 * rng.random() ** 2))
            if police_at <= self.now:
                force = self.force(area)
                reference = f"{uk_date(police_at):%y}-{rng.randrange(100000, 1000000)}"
            else:
                police_at = None
        role = REPORTERS.pick(rng)
        reporter = (
            f"PC {run.staff.surname(rng)}"
            if role == ReporterRole.POLICE
            else run.staff.full_name(rng)
        )
        town = area.name
        circumstances = rng.choice(
            _CIRCUMSTANCES_MISSING if category == Category.MISSING else _CIRCUMSTANCES_AWAY
        )
        episode = {
            "child": child,
            "category": category,
            "last_seen_at": start,
            "last_seen_place": rng.choice(
                (
                    f"Leaving the placement in {town}",
                    f"Bus station, {town}",
                    f"Railway station, {town}",
                    f"College in {town}",
                    f"Shopping centre, {town}",
                    f"Outside the placement in {town}",
                )
            ),
            "with_whom": rng.choice(_WITH_WHOM),
            "clothing": f"{rng.choice(_CLOTHING_COLOURS)} {rng.choice(_CLOTHING_ITEMS)}",
            "circumstances": circumstances,
            "reported_by_name": reporter,
            "reported_by_role": role,
            "reported_at": reported_at,
            "police_force_id": force.pk if force else None,
            "police_reported_at": police_at,
            "police_reference": reference,
            "factors": self._factors(builder),
            "grade": "",
            "created_at": reported_at,
            "returned_at": ended,
            "_grade": ended is None or start >= self.recent_from,
        }
        if ended is not None:
            found_by = FOUND_BY.pick(rng)
            where = rng.choice(patterns.TOWNS)
            found_in = run.authority_named(where) if found_by == FoundBy.OTHER_AUTHORITY else None
            episode.update(
                found_by=found_by,
                return_condition=rng.choice(_CONDITION),
                found_place={
                    FoundBy.SELF: "Came back to the placement by themselves",
                    FoundBy.POLICE: f"Found by police in {where}",
                    FoundBy.CARER: f"Collected by the carer from {where}",
                    FoundBy.OTHER_AUTHORITY: f"Found in {where} by another council's team",
                    FoundBy.OTHER: f"Brought back by a friend's parent from {where}",
                }[found_by],
                found_in_authority_id=found_in.pk if found_in else None,
                version=2,
            )
        return episode

    def _factors(self, builder: ChildStory) -> list[str]:
        rng = self.rng
        groups = {"any"}
        if builder.is_uasc:
            groups.add("uasc")
        if builder.trafficking_from is not None:
            groups.add("trafficked")
        return sorted(
            code
            for code, group, chance in _FACTOR_CHANCES
            if group in groups and rng.random() < chance
        )

    def _interview(self, builder: ChildStory, episode: dict) -> dict | None:
        rng, run, child = self.rng, self.run, builder.child
        returned = episode["returned_at"]
        outcome = INTERVIEW_OUTCOMES.pick(rng)
        if outcome == "none":
            return None
        offered = returned + dt.timedelta(minutes=30 + int(24 * 60 * rng.random()))
        if offered > self.now:
            return None  # back only just now: nothing offered yet
        done = None
        if outcome == "in_time":
            latest = returned + dt.timedelta(hours=INTERVIEW_HOURS)
            done = _minute(offered + (latest - offered) * (0.1 + 0.9 * rng.random()))
        elif outcome == "late":
            done = returned + dt.timedelta(hours=INTERVIEW_HOURS + 1 + int(13 * 24 * rng.random()))
        state = {
            "in_time": InterviewOutcome.DONE,
            "late": InterviewOutcome.DONE,
            "declined": InterviewOutcome.DECLINED,
            "offered_only": rng.choice((InterviewOutcome.OFFERED, InterviewOutcome.ACCEPTED)),
        }[outcome]
        if done is not None and done > self.now:
            state, done = InterviewOutcome.ACCEPTED, None  # booked, not yet held
        row = {
            "episode": episode,
            "offered_at": offered,
            "outcome": state,
            "done_at": done,
            "updated_at": done or offered,
            "language": child.first_language,
            "interpreter_used": child.interpreter_needed and state == InterviewOutcome.DONE,
        }
        if state == InterviewOutcome.DONE:
            town = rng.choice(patterns.TOWNS)
            service = rng.choice(_INTERVIEW_SERVICES)
            if service == "independent return interview service":
                service = f"{builder.authority.name} independent return interview service"
            trafficked = builder.trafficking_from is not None
            indicators = (
                sorted({rng.choice(_INDICATORS) for _ in range(1 + int(3 * rng.random()))})
                if (trafficked and rng.random() < 0.6) or rng.random() < 0.15
                else []
            )
            row.update(
                interviewer_name=run.staff.full_name(rng),
                interviewer_organisation=service,
                independent=True,
                where_been=rng.choice(_WHERE_BEEN).format(town=town),
                who_with=rng.choice(_WHO_WITH),
                indicators=indicators,
                notes="Safety plan and missing route map reviewed with the young person."
                if rng.random() < 0.5
                else "",
            )
        return row

    def _early_flag(self, builder: ChildStory, episodes: list[dict]) -> None:
        """R-EARLY: an unaccompanied or UASC child who goes missing within a week of becoming
        looked after is a potential victim of trafficking, and the engine proposes the
        suspected-trafficking flag (missing/actions.py records it on report). The register
        should show that flag where the history shows such an episode."""
        if not episodes or any(
            f["kind"] in (FlagKind.TRAFFICKED_SUSPECTED, FlagKind.TRAFFICKED_IDENTIFIED)
            for f in builder.flags
        ):
            return
        first = episodes[0]
        day = uk_date(first["last_seen_at"])
        waited = (day - builder.child.looked_after_from).days
        arrival_flags = [
            f
            for f in builder.flags
            if f["kind"] in (FlagKind.UASC, FlagKind.UNACCOMPANIED)
            and f["start_date"] <= day
            and (f["end_date"] is None or f["end_date"] >= day)
        ]
        if (
            not arrival_flags
            or waited > EARLY_DAYS
            or age_on(builder.child.date_of_birth, day) >= 18
        ):
            return
        reported = uk_date(first["reported_at"])
        when = (
            "on the day they became looked after"
            if waited == 0
            else f"{waited} day{'s' if waited != 1 else ''} after becoming looked after"
        )
        flag = builder.flag(
            FlagKind.TRAFFICKED_SUSPECTED,
            reported,
            f"Went missing {when}: a potential victim of trafficking (DfE statutory guidance 2014). "
            "Raised by the risk engine, pending confirmation.",
            recorded_at=first["reported_at"],
        )
        if flag is not None:
            self._early_referral(builder, reported)

    def _early_referral(self, builder: ChildStory, flagged: dt.date) -> None:
        """The NRM referral R-EARLY prompts, made as often as for other trafficked children
        (story.NRM_REFERRED_SHARE); its reasonable grounds decision follows as story.py's do.
        No conclusive grounds decision: these are recent arrivals."""
        rng, today = self.rng, self.run.today
        if rng.random() >= NRM_REFERRED_SHARE:
            return  # the Duty to Notify gap
        referred = flagged + dt.timedelta(days=1 + int(20 * rng.random() ** 2))
        if referred > today:
            return
        reference = self.run.unique_reference(
            builder.organisation,
            "nrm_ref",
            lambda: f"NRM{referred:%y}{rng.randrange(100000, 1000000)}",
        )
        referral = {
            "child": builder.child,
            "referred_on": referred,
            "first_responder": builder.organisation.name,
            "first_responder_kind": FirstResponderKind.LOCAL_AUTHORITY,
            "reference": reference,
            "rg_decision": NrmDecision.PENDING,
            "cg_decision": NrmDecision.PENDING,
            "notes": "Referred after going missing soon after becoming looked after.",
        }
        if (today - referred).days >= 3 and rng.random() < 0.9:
            referral["rg_decided_on"] = min(
                referred + dt.timedelta(days=2 + int(40 * rng.random() ** 2)), today
            )
            referral["rg_decision"] = (
                NrmDecision.POSITIVE if rng.random() < RG_POSITIVE_SHARE else NrmDecision.NEGATIVE
            )
        builder.nrm.append(referral)
        if not builder.child.nrm_ref:
            builder.child.nrm_ref = reference


def drawn_until(today: dt.date) -> dt.datetime:
    """The latest moment an episode's times can take: the start of today (UK). Anything later
    would depend on the time of day the generator ran, and a seed should give the same
    register all day."""
    return _uk_instant(today, 0)


def graded_from(today: dt.date) -> dt.datetime:
    """Episodes last seen from this moment on get a grading (as do all open ones)."""
    return drawn_until(today) - dt.timedelta(days=RECENT_GRADING_DAYS)


def _uk_instant(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UK_TIME).astimezone(dt.UTC)


def _minute(instant: dt.datetime) -> dt.datetime:
    return instant.replace(second=0, microsecond=0)


def _placement_area(builder: ChildStory, instant: dt.datetime) -> Authority | None:
    """The authority the child was placed in when they went missing."""
    day = uk_date(instant)
    for placement in builder.placements:
        if placement["start_date"] <= day and (
            placement["end_date"] is None or placement["end_date"] >= day
        ):
            return builder.run.authority_by_id.get(placement["authority_id"])
    return None


# --- gradings ----------------------------------------------------------------------------------


def grade_recent_episodes(stories: list[Story]) -> None:
    """An initial grading, by the real risk engine, for every open episode and every episode
    reported in the last RECENT_GRADING_DAYS: what report_missing would have stored, made from
    the facts as they were recorded at the moment of the report (nothing dated or recorded
    later), so that replaying a grading gives back its stored assessment. Needs the children's
    and episodes' ids, so generate.py calls it once they are known."""
    settings_by_org: dict[int, RiskSettings] = {}
    for story in stories:
        chosen = [e for e in story.episodes if e["_grade"]]
        if not chosen:
            continue
        organisation = story.child.responsible_organisation
        if organisation.pk not in settings_by_org:
            settings_by_org[organisation.pk] = settings_for(organisation)
        settings = settings_by_org[organisation.pk]
        for episode in chosen:
            at = episode["reported_at"]
            facts = facts_as_of(story, at)
            assessment = assess_episode(facts, str(episode["id"]), at, settings)
            episode["grade"] = assessment.grade.value
            story.gradings.append(
                {
                    "episode": episode,
                    "kind": "initial",
                    "assessed_at": at,
                    "proposed_grade": assessment.grade.value,
                    "floor": assessment.floor.value,
                    "grade": assessment.grade.value,
                    "assessment": assessment.as_dict(),
                    "facts": facts_to_json(facts),
                    "settings": settings.as_dict(),
                    "graded_by_name": story.case_worker,
                    "graded_by_organisation": organisation.name,
                    "recorded_at": at,
                }
            )


def facts_as_of(story: Story, at: dt.datetime) -> ChildFacts:
    """The risk engine's facts about a generated child as the register held them at `at`:
    what missing.facts.facts_for would have read then. Rows not yet recorded are left out,
    and ends, decisions and returns that came later are not yet there."""
    day = uk_date(at)
    child = story.child
    flags = tuple(
        FlagFact(
            kind=f["kind"],
            start=f["start_date"],
            end=f["end_date"]
            if f["end_date"] is not None and f.get("ended_at") and f["ended_at"] <= at
            else None,
        )
        for f in story.flags
        if f["recorded_at"] < at and f["start_date"] <= day
    )
    placements = tuple(
        PlacementFact(
            place_code=p["place_code"],
            detail=p["detail"] or "",
            start=p["start_date"],
            end=p["end_date"] if p["end_date"] is not None and p["end_date"] < day else None,
        )
        for p in story.placements
        if p["start_date"] <= day
    )
    referrals = []
    for r in story.nrm_referrals:
        if r["referred_on"] > day:
            continue
        rg_known = r.get("rg_decided_on") is not None and r["rg_decided_on"] <= day
        cg_known = r.get("cg_decided_on") is not None and r["cg_decided_on"] <= day
        referrals.append(
            NrmFact(
                referred_on=r["referred_on"],
                rg_decision=r["rg_decision"] if rg_known else "pending",
                rg_decided_on=r["rg_decided_on"] if rg_known else None,
                cg_decision=r["cg_decision"] if cg_known else "pending",
                cg_decided_on=r["cg_decided_on"] if cg_known else None,
                stayed=bool(r.get("stayed"))
                and r.get("stayed_on") is not None
                and r["stayed_on"] <= day,
            )
        )
    interviews = {id(i["episode"]): i for i in story.interviews}
    episodes, factors = [], set()
    for e in story.episodes:
        if e["last_seen_at"] > at:
            continue
        factors.update(e["factors"])
        interview = interviews.get(id(e))
        interview_fact = None
        if interview is not None and interview["offered_at"] <= at:
            held = interview["done_at"] is not None and interview["done_at"] <= at
            outcome = interview["outcome"] if held or interview["outcome"] != "done" else "accepted"
            interview_fact = ReturnInterviewFact(
                offered_at=interview["offered_at"],
                outcome=outcome,
                done_at=interview["done_at"] if held else None,
            )
        returned = (
            e["returned_at"] if e["returned_at"] is not None and e["returned_at"] <= at else None
        )
        police = (
            e["police_reported_at"]
            if e["police_reported_at"] is not None and e["police_reported_at"] <= at
            else None
        )
        episodes.append(
            EpisodeFact(
                id=str(e["id"]),
                category=e["category"],
                started_at=e["last_seen_at"],
                ended_at=returned,
                police_reported_at=police,
                return_interview=interview_fact,
                notes=(e["circumstances"],) if e["circumstances"] else (),
            )
        )
    assessments = [a for a in story.age_assessments if a["status_from"] <= day]
    # facts_for takes the latest by status_from, then the last recorded.
    latest = (
        max(enumerate(assessments), key=lambda pair: (pair[1]["status_from"], pair[0]))[1]
        if assessments
        else None
    )
    guardian_day = at.date()  # facts_for reads guardians on the UTC date of `at`
    return ChildFacts(
        child_id=str(child.pk),
        date_of_birth=child.date_of_birth,
        looked_after_from=child.looked_after_from,
        nationality=child.nationality,
        nation=story.authority.nation if story.authority else "England",
        flags=flags,
        placements=placements,
        nrm_referrals=tuple(referrals),
        episodes=tuple(episodes),
        has_guardian=any(
            g["start_date"] <= guardian_day
            and (g["end_date"] is None or g["end_date"] >= guardian_day)
            for g in story.guardians
        ),
        age_assessment_status=latest["status"] if latest else "none",
        factors=frozenset(factors),
    )
