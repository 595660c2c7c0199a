"""Child-level records for the national body, with nothing that names a child.

From an authority's register, for a period, one record per child counted by the FOI return
(returns/foi.py ``count_return``: the same children, groups, incidents, bands and "still
missing", so a submission and the authority's return always agree) holding only:

- ``pseudo_id``: HMAC-SHA256, under the national key, of the child's best stable identifier,
  truncated to 128 bits (32 hex characters). The identifiers, in priority order:

  1. **Home Office reference** (normalised: upper case, letters and digits only). Issued once
     per person by the Home Office and kept for life, the same whichever authority cares for
     the child: the best link for UASC, the children most likely to move between authorities.
  2. **NRM reference** (the child's, else the earliest referral's). National, but issued per
     referral, so a child referred twice has two: second.
  3. **Folded name and date of birth**: the tokens of the given and family names folded to
     lower-case ASCII (children/names.py ``fold``), sorted (so "Nguyen Van Anh" and
     "Van Anh Nguyen" meet) and joined, with the date of birth. Only for a child with a real
     name: it links only when two authorities spell the name alike and hold the same date of
     birth.

  Without a name (a child imported from an SSDA903 return, which carries none; a name written
  as "Unknown") or a national reference, the child is **never linked on date of birth alone**
  (linkage rule 2, ``LINKAGE_RULE``): the id is made from the authority's GSS code and its own
  **SSDA903 CHILD id** (else its register record), so it cannot match another authority's and
  two of the authority's children are never one. The same when two of the authority's records
  that it numbers as two children (different CHILD ids) would share an id: neither is linked.
  Visible holds no UPN. Each identifier is prefixed with its kind before hashing, so a Home
  Office reference and an NRM reference with the same characters cannot collide.
- ``birth_month``: the first of the month of birth (month and year only);
- gender; nationality (ISO alpha-3); the **postcode district** (outward code, e.g. ``CR0``) of
  the placement in force at the end of the period (else the latest before it), and the GSS
  code of the authority it is in;
- the FOI groups the child was in for the period;
- episodes: category (M/A), the month the child was last seen, the length in whole hours
  (rounded down; to the end of the period if still missing), the duration band (worked out from
  the exact length), still missing, turned 18 while missing, started before the period.

Why, and where this stops protecting the child: docs/pseudonymisation.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from visible.children.models import Child, NrmReferral, Placement
from visible.children.names import fold
from visible.reference.models import Authority
from visible.returns import foi
from visible.ssda903.writing import NAME_NOT_IN_RETURN

from .models import LINKAGE_RULE, LOCAL_BASES, KeyBasis

KEY_ENV = "VISIBLE_PSEUDO_KEY"
# The local demo's explicit permission to use DEV_KEY (settings/dev.py); False everywhere else.
DEMO_SETTING = "VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY"
# DEVELOPMENT ONLY: anyone can read this line, so ids made with it protect nothing (a Home
# Office reference is a letter and seven digits: every one can be hashed with it in minutes).
# Only the demo may use it (DEMO_SETTING); anywhere else usable_key refuses it, so no
# pseudonymised record is made with it. The key fingerprint on a submission shows it was used.
DEV_KEY = b"visible-DEV-ONLY-pseudonymisation-key-not-secret-do-not-use-in-production"
PSEUDO_ID_HEX = 32  # 128 bits of the HMAC

_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


# --- the key -------------------------------------------------------------------------------------

HOW_TO_SET_THE_KEY = (
    f"Set {KEY_ENV} to the national body's key in the environment Visible runs in (at least 32 "
    "random characters, from the same secrets store as VISIBLE_SECRET_KEY; to make one: "
    "python -c 'import secrets; print(secrets.token_urlsafe(48))') and try again."
)


class NoNationalKey(ImproperlyConfigured):
    """No pseudonymised record is made without the national body's own key."""


def demo_may_use_development_key() -> bool:
    return bool(getattr(settings, DEMO_SETTING, False))


def national_key() -> bytes:
    """The national body's key: the VISIBLE_PSEUDO_KEY setting or environment variable (at
    least 32 characters). Without one, refused (NoNationalKey), except in the local demo, whose
    settings allow the development key explicitly (VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY)."""
    configured = getattr(settings, "VISIBLE_PSEUDO_KEY", "") or os.environ.get(KEY_ENV, "")
    if configured:
        if len(configured) < 32:
            raise NoNationalKey(
                f"{KEY_ENV} is too short: use at least 32 random characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return usable_key(configured.encode())
    if demo_may_use_development_key():
        return DEV_KEY
    raise NoNationalKey(
        f"No pseudonymised records are made without the national body's key, and {KEY_ENV} is not "
        f"set. {HOW_TO_SET_THE_KEY}"
    )


def usable_key(key: bytes | None) -> bytes:
    """The key to pseudonymise with: the one given, else national_key(); never the development
    key outside the demo, whichever way it arrives (the setting, the environment, an argument)."""
    key = national_key() if key is None else key
    if hmac.compare_digest(key, DEV_KEY) and not demo_may_use_development_key():
        raise NoNationalKey(
            f"{KEY_ENV} is the development key written in Visible's source code, which anyone can "
            "read: pseudo ids made with it can be reversed, so no records are made with it. "
            f"{HOW_TO_SET_THE_KEY}"
        )
    return key


def key_id(key: bytes) -> str:
    """A fingerprint that tells keys apart without revealing them: submissions made under
    different keys cannot be linked, and the tables refuse to mix them."""
    return hmac.new(key, b"visible pseudonymisation key fingerprint", hashlib.sha256).hexdigest()[
        :16
    ]


def is_dev_key(key_fingerprint: str) -> bool:
    return key_fingerprint == key_id(DEV_KEY)


# --- identifiers ---------------------------------------------------------------------------------


def normalise_reference(text: str) -> str:
    """Upper case, letters and digits only: 'b 123-4567' and 'B1234567' are one reference."""
    return _NOT_ALNUM.sub("", (text or "").upper())


def name_key(given_names: str, family_name: str) -> str:
    return " ".join(sorted(fold(f"{given_names} {family_name}").split()))


# Written where a name should be, meaning there is none (folded and sorted like name_key): the
# SSDA903 import's placeholder and what case systems write for a child whose name is not known.
NOT_A_NAME = frozenset(
    name_key(text, "")
    for text in (
        NAME_NOT_IN_RETURN,
        "unknown",
        "not known",
        "name not known",
        "name unknown",
        "not recorded",
        "not given",
        "nk",
        "n k",
        "unnamed",
        "no name",
    )
)


def real_name_key(given_names: str, family_name: str) -> str:
    """The name key, or "" when the record holds no real name (blank, or a placeholder)."""
    key = name_key(given_names, family_name)
    return "" if key in NOT_A_NAME else key


@dataclass(frozen=True)
class Person:
    """What linkage reads of one register record."""

    record: int  # the register record's id
    given_names: str
    family_name: str
    date_of_birth: dt.date
    home_office_ref: str = ""
    nrm_ref: str = ""  # the child's, else the earliest referral's
    child_903_id: str = ""


def link_material(person: Person, authority_code: str) -> tuple[str, str]:
    """(basis, the text to hash) from the best identifier the child has. Never the date of
    birth alone: without a real name or a national reference, the authority's own 903 id."""
    home_office = normalise_reference(person.home_office_ref)
    if home_office:
        return KeyBasis.HOME_OFFICE, f"home_office:{home_office}"
    nrm = normalise_reference(person.nrm_ref)
    if nrm:
        return KeyBasis.NRM, f"nrm:{nrm}"
    name = real_name_key(person.given_names, person.family_name)
    if name:
        return KeyBasis.NAME_DOB, f"name_dob:{name}|{person.date_of_birth.isoformat()}"
    return local_material(person, authority_code, KeyBasis.AUTHORITY_903)


def local_material(person: Person, authority_code: str, basis: str) -> tuple[str, str]:
    """The authority's own key: its GSS code with its SSDA903 CHILD id (unique in the
    authority), else with the register record. It never matches another authority's."""
    child_903 = normalise_reference(person.child_903_id)
    if child_903:
        return basis, f"authority_903:{authority_code}|{child_903}"
    if basis == KeyBasis.AUTHORITY_903:
        basis = KeyBasis.AUTHORITY_RECORD
    return basis, f"authority_record:{authority_code}|{person.record}"


def link(authority_code: str, people: list[Person], key: bytes) -> dict[int, tuple[str, str]]:
    """record -> (basis, pseudo id) for one authority's children. Records with the same id are
    one child (a duplicate in the register, merged by the caller), unless the authority numbers
    them as different children (two different SSDA903 CHILD ids): then none of them is linked
    by that id, each keeps its own (basis "ambiguous")."""
    material = {p.record: link_material(p, authority_code) for p in people}
    by_material: dict[str, list[Person]] = defaultdict(list)
    for p in people:
        by_material[material[p.record][1]].append(p)
    for same in by_material.values():
        if len({normalise_reference(p.child_903_id) for p in same} - {""}) > 1:
            for p in same:
                material[p.record] = local_material(p, authority_code, KeyBasis.AMBIGUOUS)
    return {
        record: (str(basis), pseudo_id(key, text)) for record, (basis, text) in material.items()
    }


def pseudo_id(key: bytes, material: str) -> str:
    return hmac.new(key, material.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDO_ID_HEX]


def outward_code(postcode: str) -> str:
    """The postcode district ('CR0 1AA' -> 'CR0'); blank if it is not a UK postcode's shape."""
    text = re.sub(r"\s+", " ", (postcode or "").strip().upper())
    if not text:
        return ""
    outward = text.split(" ")[0] if " " in text else text[:-3]
    return outward if _OUTWARD.match(outward) else ""


def groups_mask(groups) -> int:
    """The groups as bits: bit i for returns.foi GROUPS[i] (PseudoEpisode.groups)."""
    return sum(1 << i for i, group in enumerate(foi.GROUPS) if group.code in groups)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --- the records -----------------------------------------------------------------------------------


@dataclass
class EpisodeRecord:
    category: str
    start_month: dt.date
    hours: int
    band: str
    still_missing: bool
    turned_18: bool
    started_before: bool


@dataclass
class ChildRecord:
    pseudo_id: str
    key_basis: str
    birth_month: dt.date
    gender: str
    nationality: str
    district: str
    placed_in: str
    groups: frozenset[str]
    episodes: list[EpisodeRecord] = field(default_factory=list)

    @property
    def incidents_missing(self) -> int:
        return sum(1 for e in self.episodes if e.category == "M")

    @property
    def incidents_away(self) -> int:
        return sum(1 for e in self.episodes if e.category == "A")

    @property
    def still_missing(self) -> bool:
        return any(e.still_missing for e in self.episodes)

    @property
    def turned_18_missing(self) -> bool:
        return any(e.still_missing and e.turned_18 for e in self.episodes)


@dataclass
class Export:
    authority: Authority
    start: dt.date
    end: dt.date
    key_id: str
    children: list[ChildRecord]
    records_merged: int = 0
    linkage_rule: int = LINKAGE_RULE

    @property
    def episodes(self) -> int:
        return sum(len(c.episodes) for c in self.children)

    @property
    def not_linkable(self) -> Counter:
        """basis -> children whose id cannot link them to another authority's record."""
        return Counter(c.key_basis for c in self.children if c.key_basis in LOCAL_BASES)

    def digest(self) -> str:
        """SHA-256 of the records as canonical JSON: kept with the submission, so what was sent
        can be checked later without keeping superseded child-level rows."""
        rows = [{**asdict(c), "groups": sorted(c.groups)} for c in self.children]
        text = json.dumps(rows, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def pseudonymise(
    authority: Authority, start: dt.date, end: dt.date, key: bytes | None = None
) -> Export:
    """The authority's children in the FOI return's groups for the period, pseudonymised.
    No access check and no audit: actions.submit does both."""
    key = usable_key(key)
    counted = foi.count_return([authority], start, end)
    ids = list(counted.children)
    people = {
        row["pk"]: row
        for row in Child.objects.filter(pk__in=ids).values(
            "pk",
            "given_names",
            "family_name",
            "date_of_birth",
            "home_office_ref",
            "nrm_ref",
            "child_903_id",
        )
    }
    referral_refs: dict[int, str] = {}
    for child_id, reference in (
        NrmReferral.objects.filter(child_id__in=ids)
        .exclude(reference="")
        .order_by("referred_on", "pk")
        .values_list("child_id", "reference")
    ):
        referral_refs.setdefault(child_id, reference)
    placed: dict[int, tuple[str, str]] = {}
    for child_id, postcode, code in (
        Placement.objects.filter(child_id__in=ids, start_date__lte=end)
        .order_by("child_id", "-start_date", "-pk")
        .values_list("child_id", "postcode", "authority__code")
    ):
        placed.setdefault(child_id, (outward_code(postcode), code))

    tz = timezone.get_default_timezone()
    episodes: dict[int, list[EpisodeRecord]] = defaultdict(list)
    for incident in counted.incidents:
        episodes[incident.child_id].append(
            EpisodeRecord(
                category=incident.category,
                start_month=month_of(incident.last_seen_at.astimezone(tz).date()),
                hours=int(incident.length.total_seconds() // 3600),
                band=incident.band,
                still_missing=incident.still_missing,
                turned_18=incident.turned_18_while_missing,
                started_before=incident.started_before,
            )
        )

    linked = link(
        authority.code,
        [
            Person(
                record=child_id,
                given_names=people[child_id]["given_names"],
                family_name=people[child_id]["family_name"],
                date_of_birth=people[child_id]["date_of_birth"],
                home_office_ref=people[child_id]["home_office_ref"],
                nrm_ref=people[child_id]["nrm_ref"] or referral_refs.get(child_id, ""),
                child_903_id=people[child_id]["child_903_id"],
            )
            for child_id in counted.children
        ],
        key,
    )
    by_pseudo: dict[str, ChildRecord] = {}
    merged = 0
    for child_id, in_scope in counted.children.items():
        person = people[child_id]
        basis, pid = linked[child_id]
        district, placed_in = placed.get(child_id, ("", ""))
        record = ChildRecord(
            pid,
            str(basis),
            month_of(person["date_of_birth"]),
            in_scope.gender,
            in_scope.nationality,
            district,
            placed_in,
            in_scope.groups,
            sorted(episodes[child_id], key=lambda e: (e.start_month, e.category, e.hours)),
        )
        if pid in by_pseudo:
            # Two register records of one child (a duplicate the authority should merge): one
            # record here, in every group either was in, with the episodes of both.
            merged += 1
            kept = by_pseudo[pid]
            kept.groups = kept.groups | record.groups
            kept.episodes = sorted(
                kept.episodes + record.episodes, key=lambda e: (e.start_month, e.category, e.hours)
            )
            continue
        by_pseudo[pid] = record
    # Sorted by pseudo id: the order says nothing about the register (ids, names, dates).
    children = [by_pseudo[p] for p in sorted(by_pseudo)]
    return Export(authority, start, end, key_id(key), children, merged)
