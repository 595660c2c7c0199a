"""What each write to the register takes (children/actions.py): one frozen dataclass per
action, required fields required, optional ones defaulted as the record defaults them.

The pages build these from a form's cleaned data, the API from a serializer's validated data
(``from_mapping``), tests and the benchmarks by name. visible/inputs.py says why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from visible.inputs import ActionInput

if TYPE_CHECKING:
    from visible.agencies.models import Organisation
    from visible.reference.models import Authority

    from .models import Child, NrmReferral


@dataclass(frozen=True, kw_only=True)
class ChildInput(ActionInput):
    """A child's core details: create_child, and update_child (which takes the whole set: the
    API's PATCH lays the fields it was sent over ``of(child)``)."""

    given_names: str
    family_name: str = ""
    preferred_name: str = ""
    date_of_birth: dt.date
    dob_basis: str
    sex: str
    gender: str = "not_known"
    nationality: str
    first_language: str = ""
    other_languages: tuple[str, ...] = ()
    interpreter_needed: bool = False
    looked_after_from: dt.date
    legal_status: str = ""
    council_id: str = ""
    child_903_id: str = ""
    home_office_ref: str = ""
    police_ref: str = ""
    nrm_ref: str = ""

    def __post_init__(self) -> None:
        self._as_tuple("other_languages")

    @classmethod
    def of(cls, child: Child) -> Self:
        """The child's details as they are now."""
        return cls(**{name: getattr(child, name) for name in cls.field_names()})


@dataclass(frozen=True, kw_only=True)
class PlacementInput(ActionInput):
    place_code: str
    detail: str = ""
    start_date: dt.date
    end_date: dt.date | None = None
    postcode: str = ""
    authority: Authority
    provider: str = ""
    unregulated: bool = False
    ofsted_urn: str = ""
    signed_off_by_name: str = ""
    sign_off_reason: str = ""


@dataclass(frozen=True, kw_only=True)
class NrmReferralInput(ActionInput):
    """A referral to the National Referral Mechanism and its decisions: record_nrm_referral,
    and update_nrm_referral (the whole set again; ``of(referral)`` is the record as it is)."""

    referred_on: dt.date
    first_responder: str
    first_responder_kind: str
    reference: str = ""
    rg_decision: str = "pending"
    rg_decided_on: dt.date | None = None
    cg_decision: str = "pending"
    cg_decided_on: dt.date | None = None
    stayed: bool = False
    stayed_on: dt.date | None = None
    notes: str = ""
    public_order: bool = False

    @classmethod
    def of(cls, referral: NrmReferral) -> Self:
        return cls(**{name: getattr(referral, name) for name in cls.field_names()})


@dataclass(frozen=True, kw_only=True)
class AgeAssessmentInput(ActionInput):
    status: str
    status_from: dt.date
    concluded_on: dt.date | None = None
    assessed_date_of_birth: dt.date | None = None
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class GuardianInput(ActionInput):
    kind: str
    guardian_name: str
    service: str
    organisation: Organisation | None = None
    start_date: dt.date
    end_date: dt.date | None = None
