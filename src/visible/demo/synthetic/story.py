"""One child's story on the register, drawn from the run's random stream.

Who the child is (nationality, language, sex, age, names), how they came to be looked after,
where they have lived, and every dated flag, NRM referral, age assessment and guardian that
follows; then their missing and away episodes (episodes.py). The rows are plain dicts of
field values; generate.py writes them in bulk.

Each step keeps to the rules children/actions.py enforces, so the generated register could
have been typed in through the forms: see tests/synthetic/test_rules.py, which checks it.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from visible.children.models import (
    AgeAssessmentStatus,
    CarePeriodSource,
    Child,
    CriminalisedStage,
    DobBasis,
    FirstResponderKind,
    FlagKind,
    Gender,
    GuardianKind,
    NameKind,
    NrmDecision,
    PlacementDetail,
)
from visible.children.names import search_text_for
from visible.dates import (
    age_on,
    collection_year,
    eighteenth_birthday,
    eighteenth_birthday_dfe,
    years_after,
    years_before,
)
from visible.reference.codes import PLACEMENT_TYPES
from visible.reference.models import Authority

from . import patterns
from .patterns import Origin, Profile, Weighted
from .people import NICKNAMES, DrawnName, spelling_variant

if TYPE_CHECKING:
    from .generate import _Run

SOURCE = "generated"  # Flag.source: these rows came from no real case file

OUT_OF_AREA_SHARE = 0.2  # brief: about a fifth of placements are outside the child's authority
OTHER_NAMES_SHARE = 0.15  # children recorded with aliases or other spellings
OWN_SCRIPT_SHARE = 0.3  # of children whose name has its own script, how many have it recorded
AGE_ASSESSED_SHARE = 0.25  # of UASC, how many have an age assessment on record
GUARDIAN_SHARE = 0.4  # of trafficked children, how many have a guardian or advocate
NRM_REFERRED_SHARE = (
    0.7  # of trafficked children, how many were referred. Report: "12 identified, 6 referred"
)
RG_POSITIVE_SHARE = 0.9
CG_POSITIVE_SHARE = 0.85
CG_RECOVERY_DAYS = 30  # rulebook section 4: CG no sooner than 30 days after RG (since 30 Jan 2023)
STAYED_SHARE = 0.08  # referrals whose decision is stayed while the child is missing


# --- dates -----------------------------------------------------------------------------------


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@dataclass
class Story:
    """Everything about one child, built in memory before any of it is written. The related
    rows are dicts of field values keyed by attribute name, with the unsaved Child under
    "child" until it has an id."""

    child: Child
    names: list[dict]
    flags: list[dict]
    placements: list[dict]
    nrm_referrals: list[dict]
    age_assessments: list[dict]
    guardians: list[dict]
    episodes: list[dict] = field(default_factory=list)  # missing and away (synthetic/episodes.py)
    interviews: list[dict] = field(
        default_factory=list
    )  # return interviews, keyed to their episode dicts
    gradings: list[dict] = field(default_factory=list)  # filled in by the writer once ids are known
    authority: Authority | None = None  # the responsible authority
    care_periods: list[dict] = field(default_factory=list)  # periods of being looked after
    case_worker: str = ""  # the synthetic member of staff who recorded the child's records


# --- placement types -------------------------------------------------------------------------
# "SUPPORTED" stands for semi-independent or supported accommodation, whichever code the
# collection year uses: H5 until 2024/25, K3 from 2024/25 (both valid in 2024/25).
_SUPPORTED = "SUPPORTED"
_OTHER = "OTHER"  # Z1 until 2024/25, Z11-Z14 from 2025/26
# Unaccompanied children have no relatives to be fostered with (U1-U3), and under-16s may not
# be placed in supported accommodation (England, since 2021).
PLACEMENTS_UASC_16_PLUS = Weighted(
    [(_SUPPORTED, 45), ("U6", 20), ("U4", 15), ("K2", 12), (_OTHER, 2)]
)
PLACEMENTS_UASC_YOUNGER = Weighted([("U6", 45), ("U4", 33), ("K2", 20), (_OTHER, 2)])
PLACEMENTS_YOUNGER = Weighted(
    [("U6", 33), ("U4", 28), ("K2", 24), ("U3", 5), ("U1", 4), ("K1", 2), ("S1", 2), ("P1", 2)]
)
PLACEMENTS_16_PLUS = Weighted(
    [
        ("K2", 28),
        (_SUPPORTED, 26),
        ("U6", 17),
        ("U4", 14),
        ("U3", 4),
        ("K1", 3),
        ("P1", 3),
        ("R5", 2),
        (_OTHER, 3),
    ]
)
PLACEMENT_COUNTS = Weighted([(1, 35), (2, 33), (3, 21), (4, 11)])
# Children under 18 whose care ended before today (returned home, went to relatives, or care
# taken over by another authority): so that counts for a period leave them out once it has.
LEFT_CARE_SHARE = 0.1

# Children not seeking asylum are mostly on care orders; UASC are accommodated under s.20 (V2).
LEGAL_STATUS_OTHERS = Weighted(
    [("C2", 45), ("C1", 15), ("V2", 28), ("L1", 4), ("L2", 3), ("J1", 3), ("J2", 1.5), ("E1", 0.5)]
)
CRIMINALISED_STAGES = Weighted(
    [
        (CriminalisedStage.ARRESTED, 50),
        (CriminalisedStage.BAILED, 30),
        (CriminalisedStage.CHARGED, 20),
    ]
)
# Of UASC with an age assessment on record: what became of it (this module's judgement).
AGE_ASSESSMENT_SCENARIOS = Weighted(
    [
        ("none", 5),
        ("pending", 20),
        ("accepted", 30),
        ("older", 15),
        ("disputed", 20),
        ("challenged", 10),
    ]
)
OTHER_NAME_COUNTS = Weighted([(1, 60), (2, 30), (3, 10)])
# A second language many speakers of the first also have.
_SECOND_LANGUAGES = {
    "prs": "pus",
    "pus": "prs",
    "tir": "amh",
    "amh": "orm",
    "orm": "amh",
    "ckb": "ara",
    "kmr": "ara",
}


@functools.cache
def _languages(origin: Origin) -> Weighted[str]:
    return Weighted(origin.languages)


def _place_code(kind: str, start: dt.date, rng: random.Random) -> str:
    """The placement type, in the code valid for the collection year the placement starts in."""
    year = collection_year(start)
    if kind == _SUPPORTED:
        code = "K3" if year >= 2025 or (year == 2024 and rng.random() < 0.5) else "H5"
    elif kind == _OTHER:
        code = "Z1" if year <= 2024 else rng.choice(("Z11", "Z14"))
    else:
        code = kind
    # Should the code lists not yet cover the year (codes.LAST_COLLECTION_YEAR), fall back to
    # long-term foster care, which every year so far has had.
    return code if PLACEMENT_TYPES.is_valid(code, year) else "U4"


# --- evidence wording ------------------------------------------------------------------------
# Each flag says what it rests on, as a case worker would write it. Places are generic.


def _arrival_evidence(rng: random.Random, day: dt.date) -> str:
    port = rng.choice(patterns.PORTS)
    return rng.choice(
        (
            f"Arrived at {port} without a parent or carer; referred by Border Force. Asylum claim lodged {day:%d/%m/%Y}.",
            f"Transferred under the National Transfer Scheme; asylum claim lodged {day:%d/%m/%Y}. CIN factor 9A.",
            f"Found in the back of a lorry near {port}; asked for asylum the same day ({day:%d/%m/%Y}).",
            f"Walked into a police station asking for help; claimed asylum on {day:%d/%m/%Y}. CIN factor 9A.",
            f"Presented at the council's front door with a note from an unknown adult; asylum claim lodged {day:%d/%m/%Y}.",
        )
    )


def _suspicion_evidence(rng: random.Random, origin: Origin, sex: str) -> str:
    town = rng.choice(patterns.TOWNS)
    nationality = origin.nationality
    if nationality == "VNM" and sex == "M":
        return rng.choice(
            (
                f"Found by police at a cannabis grow in {town}; says he owes money to the people who brought him.",
                "Arrived in a lorry with adults he did not know; a phone with one saved number was found on him.",
            )
        )
    if nationality == "GBR":
        if sex == "F":
            return rng.choice(
                (
                    f"Found in {town} with older men; unexplained phone and gifts; missing overnight repeatedly. CSE strategy meeting.",
                    "Disclosed to a teacher that she is taken to parties and 'passed around'; CIN factors 11A and 12A.",
                )
            )
        return rng.choice(
            (
                f"Found in {town}, far from placement, with drugs and cash on him: county lines exploitation.",
                "Found in a 'trap house' when police executed a warrant; holding a phone with an unknown line. CIN factors 24A and 12A.",
            )
        )
    if sex == "F" and nationality in ("NGA", "ROU", "ALB", "HUN", "SVK", "BGR"):
        return rng.choice(
            (
                "Brought to the UK by an adult who is not family; disclosed domestic servitude and sexual exploitation.",
                f"Found at an address in {town} with adult women; indicators of sexual exploitation.",
            )
        )
    if nationality in ("ROU", "SVK", "BGR", "HUN", "POL"):
        return f"Found begging and shoplifting in {town} under the control of unrelated adults."
    return rng.choice(
        (
            "Disclosed a debt for the journey and work arranged for him by adults in the UK."
            if sex == "M"
            else "Disclosed a debt for the journey and work arranged for her by adults in the UK.",
            "Travelled with an unrelated adult who claimed to be an uncle; phone contact with an agent continues.",
            f"Found working unpaid at a car wash in {town}; trafficking indicators noted by police.",
        )
    )


# --- the child builder -----------------------------------------------------------------------


class ChildStory:
    """Draws one child's life on the register: who they are, how they came into care, where
    they have lived, and every dated flag, referral and assessment that follows from it."""

    def __init__(self, run: _Run, authority: Authority):
        self.run = run
        self.rng = run.rng
        self.today = run.today
        self.authority = authority
        self.organisation = run.organisations[authority.code]
        self.flags: list[dict] = []
        self.open_kinds: set[str] = set()
        self.nrm: list[dict] = []
        self.ages: list[dict] = []
        self.guardians: list[dict] = []
        self.names: list[dict] = []
        self.placements: list[dict] = []

    @property
    def case_worker(self) -> str:
        """Who recorded this child's flags and care: a synthetic member of the authority's
        staff, the same for every record of the child."""
        child = self.child
        return self.run.staff.case_worker(
            self.authority.code, f"{child.given_names} {child.family_name} {child.date_of_birth}"
        )

    # -- flags ------------------------------------------------------------------------------

    def flag(
        self,
        kind: str,
        start: dt.date,
        evidence: str,
        stage: str = "",
        recorded_at: dt.datetime | None = None,
    ) -> dict | None:
        """Record a flag from `start`; only one open flag of a kind (actions.record_flag)."""
        if kind in self.open_kinds:
            return None
        start = min(max(start, self.child.date_of_birth), self.today)
        flag = {
            "child": self.child,
            "kind": kind,
            "stage": stage,
            "start_date": start,
            "end_date": None,
            "evidence": evidence,
            "source": SOURCE,
            "recorded_by_name": self.case_worker,
            "recorded_at": recorded_at or self.run.stamp(start),
        }
        self.flags.append(flag)
        self.open_kinds.add(kind)
        return flag

    def end_flag(self, flag: dict | None, day: dt.date, reason: str) -> None:
        if flag is None or flag["end_date"] is not None:
            return
        day = min(max(day, flag["start_date"]), self.today)
        flag.update(
            end_date=day,
            end_reason=reason,
            ended_by_name=self.case_worker,
            ended_at=max(self.run.stamp(day), flag["recorded_at"]),
        )
        self.open_kinds.discard(flag["kind"])

    def has(self, kind: str) -> bool:
        return kind in self.open_kinds

    # -- the whole child ------------------------------------------------------------------

    def build(self) -> Story:
        rng = self.rng
        self.profile = self.run.mixes[self.authority.code].pick(rng)
        self.origin = self._origin()
        self.sex = self._sex()
        self.language = _languages(self.origin).pick(rng)
        self._identity()
        self._flags()
        placements = self.placements = self._placements()
        self._other_names()
        self._identifiers()
        # Last, and from the episodes' own random stream: the rest of the child is the same
        # whatever the number of episodes asked for.
        episodes, interviews = self.run.episodes.draw(self)
        child = self.child
        child.search_text = search_text_for(
            [child.given_names, child.family_name, child.preferred_name]
            + [n["name"] for n in self.names]
        )
        assert any(f["kind"] in _SCOPE and f["end_date"] is None for f in self.flags), (
            "a child in scope needs an open scope flag"
        )
        return Story(
            child,
            self.names,
            self.flags,
            placements,
            self.nrm,
            self.ages,
            self.guardians,
            episodes,
            interviews,
            care_periods=[
                {
                    "child": child,
                    "start_date": child.looked_after_from,
                    "end_date": self.care_ended_on,
                    "end_reason": self.care_ended_because,
                    "source": CarePeriodSource.RECORDED,
                    "recorded_by_name": self.case_worker,
                    "recorded_at": self.run.stamp(self.care_ended_on or child.looked_after_from),
                }
            ],
            authority=self.authority,
            case_worker=self.case_worker,
        )

    def _origin(self) -> Origin:
        rng = self.rng
        if self.profile == Profile.UASC:
            return patterns.UASC_ORIGINS.pick(rng)
        if self.profile == Profile.TRAFFICKED_ABROAD:
            return patterns.TRAFFICKED_ORIGINS.pick(rng)
        if self.profile == Profile.TRAFFICKED_UK:
            return patterns.BRITISH
        if self.profile == Profile.AT_RISK:
            return (
                patterns.BRITISH_AT_RISK
                if rng.random() < patterns.AT_RISK_BRITISH_SHARE
                else patterns.AT_RISK_OTHER_ORIGINS.pick(rng)
            )
        return patterns.SEPARATED_ORIGINS.pick(rng)

    def _sex(self) -> str:
        draw = self.rng.random()
        if draw < 0.004:  # not yet known or not recorded
            return "U"
        return "M" if self.rng.random() < self.origin.male_share else "F"

    @property
    def is_uasc(self) -> bool:
        return self.profile == Profile.UASC

    def _identity(self) -> None:
        rng, today, origin = self.rng, self.today, self.origin
        age = (patterns.UASC_AGES if self.is_uasc else patterns.OTHER_AGES).pick(rng)
        latest = years_before(today, age)
        earliest = years_before(today, age + 1) + _days(1)
        dob = earliest + _days(int(((latest - earliest).days + 1) * rng.random()))
        if self.is_uasc or self.profile == Profile.TRAFFICKED_ABROAD:
            # Few arrive with papers (more Albanian children do); the rest give a date of birth.
            documented = 0.45 if origin.nationality == "ALB" else 0.15
        else:
            documented = 0.95
        dob_basis = DobBasis.DOCUMENTED if rng.random() < documented else DobBasis.CLAIMED
        if dob_basis == DobBasis.CLAIMED and self.is_uasc and rng.random() < 0.25:
            # A child who does not know their birthday is often recorded as born on 1 January.
            dob = dt.date(today.year - age, 1, 1)
        dob = self.run.birthday(age, dob)
        self.age = age
        self.eighteenth = eighteenth_birthday(dob)

        # Became looked after: UASC on arrival, mostly in the last two years; others within
        # the last four. Care leavers (18+) came into care before 18.
        if age >= 18:
            first = max(years_after(dob, 13), years_before(today, 5))
            last = self.eighteenth - _days(60)
        else:
            first = max(years_after(dob, 12 if self.is_uasc else 6), years_before(today, 4))
            last = today - _days(2)
        if first > last:
            first = last
        looked_after_from = max(
            last - _days(int(((last - first).days + 1) * rng.random() ** 1.6)), dob
        )

        drawn = self.run.names.pool_for(origin.nationality, self.language).draw(self.sex, rng)
        self.drawn = drawn
        if self.sex == "M":
            gender = Gender.BOY if rng.random() > 0.004 else Gender.NON_BINARY
        elif self.sex == "F":
            gender = Gender.GIRL if rng.random() > 0.004 else Gender.NON_BINARY
        else:
            gender = Gender.NOT_KNOWN
        preferred = ""
        if origin.nationality == "VNM" and " " in drawn.given and rng.random() < 0.4:
            preferred = drawn.given.split()[-1]  # "Van Anh" goes by Anh
        elif drawn.given in NICKNAMES and rng.random() < 0.4:
            preferred = NICKNAMES[drawn.given]

        english = self.language == "eng"
        in_care_years = (today - looked_after_from).days / 365
        interpreter = not english and rng.random() < (0.92 if in_care_years < 1.5 else 0.6)
        other_languages = []
        if not english and in_care_years > 1 and rng.random() < 0.5:
            other_languages.append("eng")
        second = _SECOND_LANGUAGES.get(self.language)
        if second and rng.random() < 0.2:
            other_languages.append(second)

        if self.is_uasc or self.profile == Profile.TRAFFICKED_ABROAD:
            legal_status = "V2" if rng.random() < 0.9 else rng.choice(("C2", "C1", "L1"))
        else:
            legal_status = LEGAL_STATUS_OTHERS.pick(rng)

        self.child = Child(
            responsible_organisation=self.organisation,
            given_names=drawn.given,
            family_name=drawn.family,
            preferred_name=preferred,
            date_of_birth=dob,
            dob_basis=dob_basis,
            sex=self.sex,
            gender=gender,
            nationality=origin.nationality,
            first_language=self.language,
            other_languages=other_languages,
            interpreter_needed=interpreter,
            looked_after_from=looked_after_from,
            legal_status=legal_status,
        )

    # -- flags by profile -------------------------------------------------------------------

    def _flags(self) -> None:
        rng, child, today = self.rng, self.child, self.today
        arrived = child.looked_after_from
        origin, sex = self.origin, self.sex
        nationality = origin.nationality
        self.trafficking_from: dt.date | None = None

        if self.is_uasc or (
            self.profile == Profile.TRAFFICKED_ABROAD
            and nationality in patterns.ASYLUM_NATIONALITIES
            and rng.random() < 0.55
        ):
            uasc = self.flag(FlagKind.UASC, arrived, _arrival_evidence(rng, arrived))
            if self.age >= 18:
                # SSDA903 DUC: UASC status ceases at 18.
                self.end_flag(
                    uasc,
                    # The DfE's 18th birthday (28 February for a 29 February child), as the
                    # validator's rule 304 checks DUC against it (visible.dates).
                    eighteenth_birthday_dfe(self.child.date_of_birth),
                    "Turned 18: no longer an unaccompanied asylum-seeking child (903 DUC)",
                )

        if self.is_uasc:
            if rng.random() < 0.88:
                alone = self.flag(
                    FlagKind.UNACCOMPANIED,
                    arrived,
                    "No parent or relative in the UK and no adult responsible by law or custom (assessment on arrival).",
                )
                if rng.random() < 0.04 and (today - arrived).days > 30:
                    traced = self.run.day_between(arrived + _days(14), today)
                    self.end_flag(
                        alone,
                        traced - _days(1),
                        "An older cousin was traced in the UK: now recorded as separated",
                    )
                    self.flag(
                        FlagKind.SEPARATED,
                        traced,
                        "Cousin traced through the Red Cross family tracing service; cannot care for them.",
                    )
            else:
                self.flag(
                    FlagKind.SEPARATED,
                    arrived,
                    "Arrived with an older cousin who cannot care for them; no parent in the UK.",
                )
            suspect = {"VNM": 0.45, "ALB": 0.25, "ERI": 0.12, "AFG": 0.08}.get(nationality, 0.06)
            if rng.random() < suspect:
                self._trafficking(
                    self.run.day_between(arrived, min(arrived + _days(120), today), skew=2.0)
                )
            elif rng.random() < (
                0.6 if nationality == "VNM" else 0.3 if nationality == "ALB" else 0.15
            ):
                why = (
                    "Vietnamese child arriving alone: treated as a potential victim of trafficking (Children's Commissioner 2012)."
                    if nationality == "VNM"
                    else "Owes money for the journey; contact with the agent continues by phone."
                )
                self.flag(
                    FlagKind.AT_RISK_OF_TRAFFICKING,
                    self.run.day_between(arrived, today, skew=2.0),
                    why,
                )
            if sex == "M" and nationality in ("ALB", "VNM") and rng.random() < 0.10:
                self._criminal_exploitation(arrived)
            elif rng.random() < 0.02:
                self._criminal_exploitation(arrived)
            if sex == "F" and rng.random() < 0.08:
                self._cse(arrived)
            if rng.random() < AGE_ASSESSED_SHARE:
                self._age_assessment()

        elif self.profile == Profile.TRAFFICKED_ABROAD:
            if rng.random() < 0.6:
                self.flag(
                    FlagKind.UNACCOMPANIED,
                    arrived,
                    "Found without any parent or relative in the UK.",
                )
            else:
                self.flag(
                    FlagKind.SEPARATED,
                    arrived,
                    "Brought to the UK by a relative who is not their parent; that care has ended.",
                )
            found = (
                arrived if rng.random() < 0.6 else self.run.day_between(arrived, today, skew=2.0)
            )
            self._trafficking(found)
            if sex == "M" and nationality == "VNM" and rng.random() < 0.5:
                self._criminal_exploitation(found, cannabis=True)
            elif sex == "F" and rng.random() < 0.5:
                self._cse(found)

        elif self.profile == Profile.TRAFFICKED_UK:
            if rng.random() < 0.2:
                earlier = self.flag(
                    FlagKind.AT_RISK_OF_TRAFFICKING,
                    self.run.day_between(arrived, today, skew=1.5),
                    "Missing overnight, seen with older young people from outside the area.",
                )
                found = self.run.day_between(earlier["start_date"], today)
                self.end_flag(earlier, found, "Now suspected of having been trafficked")
            else:
                found = self.run.day_between(arrived, today, skew=1.3)
            self._trafficking(found)
            if sex == "F":
                if rng.random() < 0.75:
                    self._cse(found)
                if rng.random() < 0.15:
                    self._criminal_exploitation(found)
            else:
                if rng.random() < 0.75:
                    self._criminal_exploitation(found)
                if rng.random() < 0.10:
                    self._cse(found)

        elif self.profile == Profile.AT_RISK:
            if nationality != "GBR" and rng.random() < 0.3:
                self.flag(
                    FlagKind.SEPARATED,
                    arrived,
                    "Separated from their parents, who are abroad; the relative they came with cannot care for them.",
                )
            start = self.run.day_between(arrived, today, skew=1.5)
            self.flag(
                FlagKind.AT_RISK_OF_TRAFFICKING,
                start,
                rng.choice(
                    (
                        "Repeatedly missing; seen with adults known to police for exploitation.",
                        "Older associates, new phone and money with no explanation; risk assessment at strategy meeting.",
                        "Sibling was trafficked; the same adults are trying to contact this child.",
                    )
                ),
            )
            if sex == "F" and rng.random() < 0.45:
                self._cse(start)
            elif sex == "M" and rng.random() < 0.4:
                self._criminal_exploitation(start)

        else:  # separated
            self.flag(
                FlagKind.SEPARATED,
                arrived,
                rng.choice(
                    (
                        "Separated from both parents; was living with an aunt whose care broke down (private fostering ended).",
                        "Parents abroad; came to the UK with a family friend who has left.",
                        "Separated from parents during the journey; an older brother is in the UK but cannot care for them.",
                    )
                ),
            )
            if rng.random() < 0.2:
                self.flag(
                    FlagKind.AT_RISK_OF_TRAFFICKING,
                    self.run.day_between(arrived, today, skew=1.5),
                    "Adults not known to the family have been asking where the child lives.",
                )
            if sex == "F" and rng.random() < 0.08:
                self._cse(arrived)
            elif sex == "M" and rng.random() < 0.08:
                self._criminal_exploitation(arrived)

        trafficked = self.trafficking_from is not None
        if trafficked and rng.random() < GUARDIAN_SHARE:
            self._guardian(self.trafficking_from)
        elif self.authority.nation == "Scotland" and self.is_uasc and rng.random() < 0.5:
            # The Scottish Guardianship Service works with separated children too (report, good practice 2).
            self._guardian(arrived)

    def _cse(self, after: dt.date) -> None:
        rng = self.rng
        flag = self.flag(
            FlagKind.CSE,
            self.run.day_between(after, self.today, skew=1.5),
            rng.choice(
                (
                    "CSE risk assessment: significant risk (strategy meeting).",
                    "Indicators of sexual exploitation: older 'boyfriend', gifts, missing overnight. CIN factor 11A.",
                )
            ),
        )
        if flag and rng.random() < 0.2 and (self.today - flag["start_date"]).days > 60:
            self.end_flag(
                flag,
                self.run.day_between(flag["start_date"] + _days(30), self.today),
                "Risk reduced: reviewed at the CSE panel and closed",
            )

    def _criminal_exploitation(self, after: dt.date, cannabis: bool = False) -> None:
        rng, today = self.rng, self.today
        start = self.run.day_between(after, today, skew=1.5)
        town = rng.choice(patterns.TOWNS)
        evidence = (
            f"Found at a cannabis grow in {town}: criminal exploitation."
            if cannabis
            else rng.choice(
                (
                    f"Found in {town} with drugs and cash: county lines.",
                    "Holding a 'line' phone; arrested with others in a trap house. CIN factor 24A.",
                )
            )
        )
        self.flag(FlagKind.CCE, start, evidence)
        if self.origin.nationality == "GBR" and rng.random() < 0.4:
            self.flag(
                FlagKind.GANG,
                self.run.day_between(start, today),
                "Known to police as associated with a local gang. CIN factor 13A.",
            )
        if rng.random() < (0.45 if cannabis else 0.35):
            stage = CRIMINALISED_STAGES.pick(rng)
            arrested = self.run.day_between(start, today)
            flag = self.flag(
                FlagKind.CRIMINALISED,
                arrested,
                f"{CriminalisedStage(stage).label} after being found {'at the cannabis grow' if cannabis else 'with drugs'}; "
                "section 45 Modern Slavery Act defence to be considered.",
                stage=stage,
            )
            if flag and rng.random() < 0.25 and (today - arrested).days > 30:
                self.end_flag(
                    flag,
                    self.run.day_between(arrested + _days(21), today),
                    rng.choice(
                        ("No further action", "Charges dropped: section 45 defence accepted")
                    ),
                )
        if rng.random() < 0.4:
            self.child.police_ref = self._police_reference(start)

    # -- trafficking and the NRM -----------------------------------------------------------

    def _trafficking(self, found: dt.date) -> None:
        """Suspected from `found`; then usually an NRM referral whose decisions move the flag
        to identified, or end it."""
        rng, today = self.rng, self.today
        found = min(max(found, self.child.looked_after_from), today)
        self.trafficking_from = found
        evidence = _suspicion_evidence(rng, self.origin, self.sex)
        if rng.random() >= NRM_REFERRED_SHARE:
            # The Duty to Notify gap the report found: flagged, never referred.
            kind = (
                FlagKind.TRAFFICKED_IDENTIFIED
                if rng.random() < 0.25
                else FlagKind.TRAFFICKED_SUSPECTED
            )
            self.flag(
                kind,
                found,
                evidence
                + (
                    " Identified by the police investigation."
                    if kind == FlagKind.TRAFFICKED_IDENTIFIED
                    else ""
                ),
            )
            return
        suspected = self.flag(FlagKind.TRAFFICKED_SUSPECTED, found, evidence)
        referred = self.run.day_between(found, min(found + _days(21), today), skew=2.0)
        responder_kind, responder = self._first_responder()
        reference = self.run.unique_reference(
            self.organisation,
            "nrm_ref",
            lambda: f"NRM{referred:%y}{self.rng.randrange(100000, 1000000)}",
        )
        referral = {
            "child": self.child,
            "referred_on": referred,
            "first_responder": responder,
            "first_responder_kind": responder_kind,
            "reference": reference,
            "rg_decision": NrmDecision.PENDING,
            "cg_decision": NrmDecision.PENDING,
        }
        self.child.nrm_ref = reference
        self.nrm.append(referral)
        waited = (today - referred).days
        if waited >= 3 and rng.random() < 0.9:
            # RG decisions should come in 5 working days; most take a few weeks.
            rg_on = min(referred + _days(2 + int(40 * rng.random() ** 2)), today)
            positive = rng.random() < RG_POSITIVE_SHARE
            referral["rg_decision"] = NrmDecision.POSITIVE if positive else NrmDecision.NEGATIVE
            referral["rg_decided_on"] = rg_on
            if not positive:
                referral["notes"] = (
                    "Negative reasonable grounds decision; reconsideration requested."
                )
                if rng.random() < 0.5:
                    self.end_flag(suspected, rg_on, "Negative reasonable grounds decision")
                    self.flag(
                        FlagKind.AT_RISK_OF_TRAFFICKING,
                        rg_on,
                        "Concerns remain after a negative reasonable grounds decision.",
                    )
                return
            recovered = rg_on + _days(CG_RECOVERY_DAYS)
            if recovered <= today and rng.random() < min(0.8, (today - recovered).days / 500):
                cg_on = self.run.day_between(recovered, today, skew=1.5)
                referral["cg_decided_on"] = cg_on
                if rng.random() < CG_POSITIVE_SHARE:
                    referral["cg_decision"] = NrmDecision.POSITIVE
                    self.end_flag(
                        suspected,
                        cg_on,
                        f"Positive conclusive grounds decision on {cg_on:%d/%m/%Y}: now identified",
                    )
                    self.flag(
                        FlagKind.TRAFFICKED_IDENTIFIED,
                        cg_on,
                        f"Positive conclusive grounds decision (NRM {reference}).",
                    )
                else:
                    referral["cg_decision"] = NrmDecision.NEGATIVE
                    self.end_flag(suspected, cg_on, "Negative conclusive grounds decision")
                    self.flag(
                        FlagKind.AT_RISK_OF_TRAFFICKING,
                        cg_on,
                        "Concerns remain after a negative conclusive grounds decision.",
                    )
            elif rng.random() < STAYED_SHARE:
                referral.update(
                    stayed=True,
                    stayed_on=self.run.day_between(rg_on, today),
                    notes="Decision stayed while the young person is missing.",
                )

    def _first_responder(self) -> tuple[str, str]:
        draw = self.rng.random()
        if draw < 0.55:
            return FirstResponderKind.LOCAL_AUTHORITY, self.organisation.name
        if draw < 0.85:
            return FirstResponderKind.POLICE, _police_force(self.authority)
        if draw < 0.93:
            return FirstResponderKind.HOME_OFFICE, self.rng.choice(
                ("Home Office (UK Visas and Immigration)", "Border Force")
            )
        return FirstResponderKind.NGO, self.rng.choice(
            ("Barnardo's", "ECPAT UK", "Refugee Council", "Migrant Help")
        )

    # -- age assessment -------------------------------------------------------------------

    def _age_assessment(self) -> None:
        """A UASC whose age is in doubt: the status history, newest last. Disputed and
        challenged assessments raise the age-disputed flag."""
        rng, today, child = self.rng, self.today, self.child
        start = min(child.looked_after_from + _days(7 + int(60 * rng.random())), today)
        scenario = AGE_ASSESSMENT_SCENARIOS.pick(rng)
        if scenario == "none":
            self.ages.append(
                _row(
                    child,
                    status=AgeAssessmentStatus.NONE,
                    status_from=child.looked_after_from,
                    notes="Age accepted on the documents provided; no assessment needed.",
                )
            )
            return
        self.ages.append(
            _row(
                child,
                status=AgeAssessmentStatus.PENDING,
                status_from=start,
                notes="Merton-compliant age assessment started; interpreter booked.",
            )
        )
        decided = start + _days(14 + int(100 * rng.random()))
        if scenario == "pending" or decided > today:
            return
        if scenario == "disputed":
            self.ages.append(
                _row(
                    child,
                    status=AgeAssessmentStatus.DISPUTED,
                    status_from=decided,
                    notes="The young person disputes the assessed age; further evidence requested.",
                )
            )
            self.flag(
                FlagKind.AGE_DISPUTED,
                decided,
                "Age disputed after the age assessment: treat as a child until it is resolved (MSA 2015 s.51).",
            )
            return
        claimed = child.date_of_birth
        if scenario in ("older", "challenged"):
            # Assessed older than claimed: the recorded date of birth is the assessed one, so
            # the claim was a year or two younger.
            claimed = years_after(child.date_of_birth, 1 + int(rng.random() < 0.4))
            child.dob_basis = DobBasis.ASSESSED
        elif rng.random() < 0.5:
            child.dob_basis = DobBasis.ASSESSED
        note = (
            "Assessed age accepted the claimed date of birth."
            if claimed == child.date_of_birth
            else f"Claimed date of birth {claimed:%d/%m/%Y}; assessed as older."
        )
        self.ages.append(
            _row(
                child,
                status=AgeAssessmentStatus.CONCLUDED,
                status_from=decided,
                concluded_on=decided,
                assessed_date_of_birth=child.date_of_birth,
                notes=note,
            )
        )
        if scenario == "challenged":
            challenged = decided + _days(10 + int(80 * rng.random()))
            if challenged <= today:
                self.ages.append(
                    _row(
                        child,
                        status=AgeAssessmentStatus.CHALLENGED,
                        status_from=challenged,
                        notes="Judicial review of the age assessment lodged.",
                    )
                )
                self.flag(
                    FlagKind.AGE_DISPUTED,
                    challenged,
                    "Age assessment challenged by judicial review.",
                )

    # -- guardians ------------------------------------------------------------------------

    def _guardian(self, after: dt.date) -> None:
        rng, today, authority = self.rng, self.today, self.authority
        if authority.nation == "Scotland":
            kind, service = GuardianKind.SCOTTISH_GUARDIANSHIP, "Scottish Guardianship Service"
        elif authority.code in patterns.ICTG_AUTHORITIES or authority.code.startswith(
            patterns.ICTG_PREFIXES
        ):
            kind, service = GuardianKind.ICTG, "Independent Child Trafficking Guardianship Service"
        elif authority.nation == "Northern Ireland":
            kind, service = GuardianKind.ADVOCATE, "Independent Guardian Service (Northern Ireland)"
        else:
            kind = GuardianKind.ADVOCATE
            service = rng.choice(
                (
                    "Refugee Council children's advocacy",
                    "National Youth Advocacy Service",
                    "Coram Voice advocacy",
                    f"{authority.name} independent advocacy service",
                )
            )
        start = self.run.day_between(after, min(after + _days(60), today), skew=1.5)
        end = None
        if rng.random() < 0.15 and (today - start).days > 60:
            end = self.run.day_between(start + _days(30), today)
        self.guardians.append(
            {
                "child": self.child,
                "kind": kind,
                "guardian_name": self.run.staff.full_name(rng),
                "service": service,
                "start_date": start,
                "end_date": end,
            }
        )

    # -- placements -----------------------------------------------------------------------

    def _placements(self) -> list[dict]:
        """1 to 4 back-to-back placements from the day the child became looked after. The
        last is open, unless the young person has turned 18 and left care."""
        rng, child = self.rng, self.child
        start = child.looked_after_from
        left_care = self.eighteenth if self.age >= 18 else None
        self.care_ended_because = "E8" if left_care else ""  # as the export always said
        # Some children under 18 left care: went home or to relatives, or (an unaccompanied
        # child) care was taken over by another authority. Drawn from a stream of the child's
        # own, so that every other child of a seed is as it was.
        own = random.Random(f"care:{child.given_names}:{child.family_name}:{child.date_of_birth}")
        if left_care is None and (self.today - start).days > 90 and own.random() < LEFT_CARE_SHARE:
            left_care = start + _days(30 + int(((self.today - start).days - 60) * own.random()))
            self.care_ended_because = own.choice(("E3",) if self.is_uasc else ("E4A", "E4B", "E13"))
        self.care_ended_on = left_care
        last_day = left_care or self.today
        span = (last_day - start).days
        count = min(PLACEMENT_COUNTS.pick(rng), span + 1)
        if span < 30:
            count = min(count, 2)
        moves = sorted(rng.sample(range(1, span + 1), count - 1)) if count > 1 else []
        starts = [start + _days(m) for m in [0, *moves]]
        trafficked = self.trafficking_from is not None
        placements = []
        for i, begins in enumerate(starts):
            ends = starts[i + 1] - _days(1) if i + 1 < len(starts) else left_care
            age_then = age_on(child.date_of_birth, begins)
            if self.is_uasc:
                table = PLACEMENTS_UASC_16_PLUS if age_then >= 16 else PLACEMENTS_UASC_YOUNGER
            else:
                table = PLACEMENTS_16_PLUS if age_then >= 16 else PLACEMENTS_YOUNGER
            kind = table.pick(rng)
            if kind == "R5" and not self.has(FlagKind.CRIMINALISED):
                kind = "K2"
            code = _place_code(kind, begins, rng)
            detail = ""
            if code == "K1":
                detail = PlacementDetail.SECURE
            elif i == 0 and (
                rng.random() < 0.25 or (ends is not None and (ends - begins).days < 14)
            ):
                detail = PlacementDetail.EMERGENCY
            elif code.startswith("U") and trafficked and rng.random() < 0.25:
                detail = PlacementDetail.SPECIALIST_FOSTER
            if i == 0 and rng.random() < 0.015 and collection_year(begins) <= 2024:
                # Before the 2021-2024 reforms children were still put in B&Bs and hotels.
                code, detail = (
                    ("P2", PlacementDetail.BED_AND_BREAKFAST)
                    if rng.random() < 0.6
                    else ("Z1", PlacementDetail.HOTEL)
                )
                code = code if PLACEMENT_TYPES.is_valid(code, collection_year(begins)) else "U4"
            host = self.authority
            if rng.random() < OUT_OF_AREA_SHARE:
                host = self.run.authority_by_id[self.run.hosts[self.authority.code].pick(rng)]
            placements.append(
                {
                    "child": child,
                    "place_code": code,
                    "detail": detail,
                    "start_date": begins,
                    "end_date": ends,
                    "postcode": self.run.postcode(host),
                    "authority_id": host.pk,
                    "provider": self._provider(code),
                }
            )
        return placements

    def _provider(self, code: str) -> str:
        surname = self.run.staff.surname(self.rng)
        if code.startswith("U"):
            if self.rng.random() < 0.6:  # the council's own carers, wherever they live
                return f"{self.authority.name} fostering service ({surname} family)"
            return f"{surname} Foster Care Ltd ({self.run.staff.surname(self.rng)} family)"
        if code in ("K2", "R1", "S1"):
            return f"{surname} House children's home"
        if code in ("K3", "H5", "P2"):
            return f"{surname} Supported Living Ltd"
        if code == "K1":
            return f"{surname} Secure Children's Home"
        return ""

    # -- other names and identifiers ------------------------------------------------------

    def _other_names(self) -> None:
        rng, child, drawn = self.rng, self.child, self.drawn
        names: list[tuple[str, str]] = []
        if drawn.own_script and rng.random() < OWN_SCRIPT_SHARE:
            names.append((drawn.own_script, NameKind.OWN_SCRIPT))
        if rng.random() < OTHER_NAMES_SHARE:
            for _ in range(OTHER_NAME_COUNTS.pick(rng)):
                found = self._another_name(drawn)
                if (
                    found
                    and found[0] not in {n for n, _ in names}
                    and found[0] != f"{child.given_names} {child.family_name}".strip()
                ):
                    names.append(found)
        self.names = [{"child": child, "name": name, "kind": kind} for name, kind in names]

    def _another_name(self, drawn: DrawnName) -> tuple[str, str] | None:
        rng, child = self.rng, self.child
        draw = rng.random()
        if draw < 0.45:
            if drawn.other_spelling and rng.random() < 0.6:
                return drawn.other_spelling, NameKind.OTHER_SPELLING
            given = spelling_variant(child.given_names.split()[0], rng)
            family = (
                spelling_variant(child.family_name, rng)
                if child.family_name and rng.random() < 0.5
                else None
            )
            if given or family:
                first = [given or child.given_names.split()[0], *child.given_names.split()[1:]]
                return " ".join(
                    [*first, family or child.family_name]
                ).strip(), NameKind.OTHER_SPELLING
            return None
        if draw < 0.7 and child.family_name:
            # Family name written first, as at home: a common way one child becomes two records.
            return f"{child.family_name} {child.given_names}", NameKind.ALIAS
        if draw < 0.85 and child.nationality == "GBR":
            return f"{child.given_names} {self.run.staff.surname(rng)}", NameKind.PREVIOUS
        other = self.run.names.pool_for(child.nationality, child.first_language).given_only(
            self.sex, rng
        )
        return f"{other} {child.family_name}".strip(), NameKind.ALIAS

    def _identifiers(self) -> None:
        rng, child, run, organisation = self.rng, self.child, self.run, self.organisation
        child.council_id, child.child_903_id = run.case_numbers(organisation)
        has_uasc = any(f["kind"] == FlagKind.UASC for f in self.flags)
        if (has_uasc and rng.random() < 0.95) or (
            child.nationality != "GBR" and rng.random() < 0.4
        ):
            child.home_office_ref = run.unique_reference(
                organisation,
                "home_office_ref",
                lambda: f"{rng.choice('ABDFHKMNRSTUVW')}{rng.randrange(1_000_000, 10_000_000)}",
            )
        if not child.police_ref and self.trafficking_from is not None and rng.random() < 0.5:
            child.police_ref = self._police_reference(self.trafficking_from)

    def _police_reference(self, day: dt.date) -> str:
        return f"{day:%y}/{self.rng.randrange(10000, 100000)}/{self.rng.choice('ABCDEFGHJK')}"


def _row(child: Child, **values) -> dict:
    return {"child": child, **values}


_SCOPE = {
    FlagKind.TRAFFICKED_IDENTIFIED,
    FlagKind.TRAFFICKED_SUSPECTED,
    FlagKind.AT_RISK_OF_TRAFFICKING,
    FlagKind.UASC,
    FlagKind.SEPARATED,
    FlagKind.UNACCOMPANIED,
}

# Police forces for the authorities where one force is plain from the authority; others get a
# descriptive name. First responder names only.
_FORCES_BY_CODE = {
    "E09000001": "City of London Police",
    "E10000016": "Kent Police",
    "E06000035": "Kent Police",
    "E10000030": "Surrey Police",
    "E06000034": "Essex Police",
    "E10000012": "Essex Police",
    "E06000033": "Essex Police",
    "E10000014": "Hampshire and Isle of Wight Constabulary",
    "E06000044": "Hampshire and Isle of Wight Constabulary",
    "E06000045": "Hampshire and Isle of Wight Constabulary",
    "E06000046": "Hampshire and Isle of Wight Constabulary",
    "E10000011": "Sussex Police",
    "E10000029": "Suffolk Constabulary",
    "E10000020": "Norfolk Constabulary",
    "E10000015": "Hertfordshire Constabulary",
}

_GREATER_MANCHESTER = {f"E080000{n:02d}" for n in range(1, 11)}
_WEST_MIDLANDS = {f"E080000{n:02d}" for n in range(25, 32)}


def _police_force(authority: Authority) -> str:
    if authority.code in _FORCES_BY_CODE:
        return _FORCES_BY_CODE[authority.code]
    if authority.region == "London":
        return "Metropolitan Police Service"
    if authority.nation == "Scotland":
        return "Police Scotland"
    if authority.nation == "Northern Ireland":
        return "Police Service of Northern Ireland"
    if authority.code in _GREATER_MANCHESTER:
        return "Greater Manchester Police"
    if authority.code in _WEST_MIDLANDS:
        return "West Midlands Police"
    return f"Police force covering {authority.name}"
