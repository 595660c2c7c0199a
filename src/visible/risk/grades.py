"""The four police risk grades for a missing person, in order.

College of Policing APP (missing persons) grades a report as no apparent risk, low, medium
or high. The stored value is a lower-case code so it survives renames of the label; the
order is explicit (``rank``) rather than alphabetical or definition order, because every
rule in the engine is written as "at least this grade".
"""

from __future__ import annotations

from enum import Enum


class Grade(Enum):
    NO_APPARENT_RISK = "no_apparent_risk"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, value: Grade | str) -> Grade:
        """A Grade from itself, its code ('high') or its label ('High'); ValueError otherwise."""
        if isinstance(value, Grade):
            return value
        text = str(value).strip().lower()
        for grade in cls:
            if text in (grade.value, grade.label.lower()):
                return grade
        known = ", ".join(g.value for g in cls)
        raise ValueError(f"Unknown risk grade {value!r}: use one of {known}")

    # Explicit comparisons: Enum members are not ordered by default and an IntEnum would
    # compare equal to bare numbers, which would let a stray integer pass as a grade.
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank >= other.rank

    def __str__(self) -> str:
        return self.label


_RANKS = {Grade.NO_APPARENT_RISK: 0, Grade.LOW: 1, Grade.MEDIUM: 2, Grade.HIGH: 3}
_LABELS = {
    Grade.NO_APPARENT_RISK: "No apparent risk",
    Grade.LOW: "Low",
    Grade.MEDIUM: "Medium",
    Grade.HIGH: "High",
}
