"""Police grades as the police give them, and when Visible challenges one (rule R-POLICE-GRADE).

Police forces grade a missing-person report under the College of Policing's Authorised
Professional Practice (APP) on missing persons, on a continuum "from no apparent risk (absent)
through to high risk"; some forces now write "very low". Visible keeps no 'absent' category of
its own for a child in scope (rulebook section 2) but receives these grades, so it records the
words the force used and puts them in one of the APP's categories here.

Pure: no Django, no clock. The caller passes the engine's assessment of the same episode at
the same moment, so a challenge can be replayed like a grading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from visible.risk.engine import Assessment, Reason
from visible.risk.grades import Grade


class PoliceGrade(Enum):
    """The APP's categories, lowest first, and 'not given' for a report the force has not graded
    (or whose grade nobody has passed on). Stored as the lower-case code."""

    NO_APPARENT_RISK = "no_apparent_risk"
    VERY_LOW = "very_low"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    NOT_GIVEN = "not_given"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def rank(self) -> int | None:
        """Lowest 0; None for 'not given', which is no grade at all."""
        return _RANKS.get(self)

    @property
    def below_high(self) -> bool:
        return self.rank is not None and self.rank < _RANKS[PoliceGrade.HIGH]

    @classmethod
    def parse(cls, value: PoliceGrade | str) -> PoliceGrade:
        """A PoliceGrade from itself or its code; ValueError naming the codes otherwise."""
        if isinstance(value, PoliceGrade):
            return value
        text = str(value).strip().lower()
        for grade in cls:
            if text in (grade.value, grade.label.lower()):
                return grade
        known = ", ".join(g.value for g in cls)
        raise ValueError(f"Unknown police grade {value!r}: use one of {known}")


_LABELS = {
    PoliceGrade.NO_APPARENT_RISK: "No apparent risk (absent)",
    PoliceGrade.VERY_LOW: "Very low",
    PoliceGrade.LOW: "Low",
    PoliceGrade.MEDIUM: "Medium",
    PoliceGrade.HIGH: "High",
    PoliceGrade.NOT_GIVEN: "Not given",
}
_RANKS = {
    PoliceGrade.NO_APPARENT_RISK: 0,
    PoliceGrade.VERY_LOW: 1,
    PoliceGrade.LOW: 2,
    PoliceGrade.MEDIUM: 3,
    PoliceGrade.HIGH: 4,
}

# What forces write, folded to lower-case words, to the category. Order matters: "very low"
# before "low", "no apparent risk" before anything with "risk" in it.
_WORDS: tuple[tuple[str, PoliceGrade], ...] = (
    (r"\b(no apparent risk|absent|nar)\b", PoliceGrade.NO_APPARENT_RISK),
    (r"\bvery low\b", PoliceGrade.VERY_LOW),
    (r"\b(low|l)\b", PoliceGrade.LOW),
    (r"\b(medium|med|moderate|m)\b", PoliceGrade.MEDIUM),
    (r"\b(high|h)\b", PoliceGrade.HIGH),
    (r"\b(not (yet )?(given|graded|known|assessed)|ungraded|none)\b", PoliceGrade.NOT_GIVEN),
)


def category_of(as_written: str) -> PoliceGrade | None:
    """The APP category that the force's own words name ("Medium risk", "ABSENT", "Very low
    risk", "NAR"), or None where the words name none, or more than one ("low to medium"):
    then a person chooses the category. Blank words are 'not given'."""
    text = re.sub(r"[^a-z ]+", " ", as_written.lower())
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return PoliceGrade.NOT_GIVEN
    found = []
    rest = text
    for pattern, grade in _WORDS:
        if re.search(pattern, rest):
            found.append(grade)
            rest = re.sub(pattern, " ", rest)
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Challenge:
    """Visible's case for high, put to the force's trafficking SPOC."""

    police_grade: PoliceGrade
    proposed_grade: Grade
    reasons: tuple[Reason, ...]

    @property
    def text(self) -> str:
        why = "; ".join(r.text for r in self.reasons)
        return (
            f"The force graded this child {self.police_grade.label.lower()}; Visible's rules "
            f"hold a child in scope at high: {why}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": "R-POLICE-GRADE",
            "police_grade": self.police_grade.value,
            "proposed_grade": self.proposed_grade.value,
            "reasons": [r.as_dict() for r in self.reasons],
            "text": self.text,
        }


# The engine's rules that hold a child in scope at high whatever anyone else decides.
_IN_SCOPE_RULES = ("R-HIGH", "R-EARLY")


def in_scope_reasons(assessment: Assessment) -> tuple[Reason, ...]:
    """The assessment's binding reasons for high that come from the child being in scope."""
    return tuple(
        r
        for r in assessment.reasons
        if r.rule_id in _IN_SCOPE_RULES and r.binding and r.floor == Grade.HIGH
    )


def challenge_for(assessment: Assessment, police_grade: PoliceGrade | str) -> Challenge | None:
    """R-POLICE-GRADE: a challenge when the child is in scope and the force's grade is below
    high; None when the force graded high, gave no grade, or the child is not in scope."""
    grade = PoliceGrade.parse(police_grade)
    if not grade.below_high:
        return None
    reasons = in_scope_reasons(assessment)
    if not reasons:
        return None
    return Challenge(grade, assessment.grade, reasons)
