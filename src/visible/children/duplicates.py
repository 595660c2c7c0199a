"""Is the child being added already on the register?

A child who goes missing and is found again, or who arrives back at the front door under a
slightly different spelling, must not become two records: their missing history, flags and
NRM referral would split between them, and the counts would count them twice. So before a
child is added (on the page or through the API), the organisation's own register is searched
for likely matches: the same date of birth (or the day and month swapped, or within a year when
the date is the child's claim or an assessment, as it is for most unaccompanied children), and
a name that meets the new one under the register's tolerant name matching (folded spellings,
transliterations, misspellings: names.py). The worker sees the matches and either opens one,
or confirms that this is a new child and says why; the reason is audited with the new record.

Only the organisation's own children are searched: telling a worker that another council holds
a child of that name and birthday would disclose a record they may not see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from rapidfuzz.distance import JaroWinkler

from visible.dates import years_after, years_before

from .models import Child, DobBasis
from .names import fold, skeleton, tokens

NAME_MATCH = 0.86  # the register search's Jaro-Winkler threshold for one folded token
LIKELY_MATCHES_SHOWN = 10


@dataclass(frozen=True)
class NewChild:
    """The worker's answer to the likely matches: this is a new child, because ``reason``.
    ``seen`` are the matches they were shown: a match they were not shown asks again."""

    reason: str = ""
    seen: tuple[int, ...] = ()


class PossibleDuplicate(ValidationError):
    """The register may hold this child already: nothing was added."""

    def __init__(self, matches: list[LikelyMatch], reason_missing: bool):
        self.matches = matches
        message = (
            "Say why this is a new child and not one of the children listed, or open their record"
            if reason_missing
            else "The register may already hold this child: check the children listed"
        )
        super().__init__({"new_child_reason": [message]})


@dataclass(frozen=True)
class LikelyMatch:
    child: Child
    why: str  # "Same name and date of birth", ...
    rank: int  # 0: the closest


def _swapped(born: dt.date) -> dt.date | None:
    if born.day > 12 or born.day == born.month:
        return None
    try:
        return born.replace(month=born.day, day=born.month)
    except ValueError:
        return None


def _token_meets(token: str, others: Sequence[str]) -> bool:
    outline = skeleton(token)
    for other in others:
        if token == other or other.startswith(token) or token.startswith(other):
            return True
        if len(outline) >= 3 and skeleton(other) == outline:
            return True
        if JaroWinkler.normalized_similarity(token, other) >= NAME_MATCH:
            return True
    return False


def names_meet(new: Sequence[str], existing: Sequence[str]) -> bool:
    """Every token of the new child's given and family names meets a token of the existing
    child's names (any of them: aliases and other spellings too)."""
    return bool(new) and all(_token_meets(token, existing) for token in new)


def likely_matches(
    register: QuerySet[Child],
    *,
    given_names: str,
    family_name: str,
    date_of_birth: dt.date | None,
    dob_basis: str = "",
    other_names: Iterable[str] = (),
) -> list[LikelyMatch]:
    """The children in ``register`` the new child may be, closest first."""
    if date_of_birth is None:
        return []
    new = tokens(given_names, family_name)
    if not new:
        return []
    near = Q(date_of_birth=date_of_birth)
    swapped = _swapped(date_of_birth)
    if swapped:
        near |= Q(date_of_birth=swapped)
    # A claimed or assessed date is an estimate: the same child may be on the register a few
    # months either side of it. Within a year, unless both dates are documented.
    within_a_year = Q(
        date_of_birth__gt=years_before(date_of_birth, 1),
        date_of_birth__lt=years_after(date_of_birth, 1),
    )
    if dob_basis == DobBasis.DOCUMENTED:
        within_a_year &= ~Q(dob_basis=DobBasis.DOCUMENTED)
    near |= within_a_year
    candidates = register.filter(near).select_related("responsible_organisation")
    alias_tokens = tokens(*other_names)
    found: list[LikelyMatch] = []
    for child in candidates.order_by("pk"):
        theirs = child.search_text.split() or tokens(
            child.given_names, child.family_name, child.preferred_name
        )
        if not (names_meet(new, theirs) or (alias_tokens and names_meet(alias_tokens, theirs))):
            continue
        same_name = fold(f"{given_names} {family_name}") == fold(
            f"{child.given_names} {child.family_name}"
        )
        if child.date_of_birth == date_of_birth:
            when, rank = "date of birth", 0
        elif child.date_of_birth == swapped:
            when, rank = "date of birth with the day and month swapped", 2
        else:
            when, rank = "date of birth within a year", 3
        what = "Same name" if same_name else "A similar name"
        found.append(LikelyMatch(child, f"{what} and {when}", rank + (0 if same_name else 1)))
    found.sort(key=lambda m: (m.rank, m.child.family_name, m.child.given_names, m.child.pk))
    return found[:LIKELY_MATCHES_SHOWN]


def check_new_child(
    register: QuerySet[Child],
    values: dict,
    other_names: Iterable[str],
    answer: NewChild,
) -> list[LikelyMatch]:
    """The likely matches, once the worker has said why this is a new child despite each of
    them; PossibleDuplicate (nothing added) while they have not."""
    matches = likely_matches(
        register,
        given_names=values.get("given_names", ""),
        family_name=values.get("family_name", ""),
        date_of_birth=values.get("date_of_birth"),
        dob_basis=values.get("dob_basis", ""),
        other_names=other_names,
    )
    if not matches:
        return []
    unseen = {m.child.pk for m in matches} - set(answer.seen)
    if unseen or not answer.reason.strip():
        raise PossibleDuplicate(matches, reason_missing=not unseen)
    return matches
