"""What the writes about missing episodes take (missing/actions.py) when they take more than a
few named arguments: one frozen dataclass per action, required fields required, optional ones
defaulted as the record defaults them. (Grading, the search log and the police report take
their few values as typed arguments already.) visible/inputs.py says why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from visible.inputs import ActionInput

if TYPE_CHECKING:
    from visible.agencies.models import Organisation
    from visible.reference.models import Authority

    from .models import SafetyPlan


@dataclass(frozen=True, kw_only=True)
class ReportMissingInput(ActionInput):
    """A child reported missing or away from placement: report_missing."""

    category: str
    last_seen_at: dt.datetime
    last_seen_place: str
    with_whom: str = ""
    clothing: str = ""
    circumstances: str = ""
    reported_by_name: str
    reported_by_role: str
    police_force: Organisation | None = None
    police_reported_at: dt.datetime | None = None
    police_reference: str = ""
    factors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._as_tuple("factors")


@dataclass(frozen=True, kw_only=True)
class ReturnInput(ActionInput):
    """The child back or found, closing the episode: record_return."""

    returned_at: dt.datetime
    found_place: str = ""
    found_by: str
    return_condition: str = ""
    found_in_authority: Authority | None = None


@dataclass(frozen=True, kw_only=True)
class ReturnInterviewInput(ActionInput):
    """The independent return interview, offered, accepted, declined or held:
    record_return_interview (which takes the flags it raises separately)."""

    offered_at: dt.datetime
    outcome: str
    done_at: dt.datetime | None = None
    interviewer_name: str = ""
    interviewer_organisation: str = ""
    independent: bool = False
    language: str = ""
    interpreter_used: bool = False
    where_been: str = ""
    who_with: str = ""
    indicators: tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self) -> None:
        self._as_tuple("indicators")


@dataclass(frozen=True, kw_only=True)
class SafetyPlanInput(ActionInput):
    """The child's safety plan, every part optional: save_safety_plan replaces the whole plan
    with it (a caller changing a part lays it over ``of(plan)``)."""

    agreed_on: dt.date | None = None
    child_views: str = ""
    description: str = ""
    distinguishing_features: str = ""
    medical_needs: str = ""
    phone_numbers: str = ""
    social_media: str = ""
    places: str = ""
    associates: str = ""
    contingency: str = ""

    @classmethod
    def of(cls, plan: SafetyPlan | None) -> Self:
        """The plan as it is now (an empty one if there is none)."""
        if plan is None:
            return cls()
        return cls(**{name: getattr(plan, name) for name in cls.field_names()})
