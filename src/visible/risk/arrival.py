"""The first 72 hours: the arrival checklist's items, when each falls due, and the placement
suitability gate. Pure, like the rest of the engine: facts and a moment in, answers out.

A child who is unaccompanied, separated, seeking asylum alone or possibly trafficked is most
likely to go missing in the first days of care (Heading back to harm: most within a week, many
within 48 hours). The checklist puts the protective steps on a clock from the moment the child
arrived; ``arrival_overdue`` (called by the engine's ``sweep``) raises an alert for each step
past its time and not done, so no step is ever dropped without someone seeing it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from visible.dates import age_on, uk_midnight
from visible.risk.facts import (
    ARRIVAL_ITEM_CODES,
    AT_RISK_OF_TRAFFICKING,
    SEPARATED,
    TRAFFICKED_IDENTIFIED,
    TRAFFICKED_SUSPECTED,
    UASC,
    UNACCOMPANIED,
    ArrivalFact,
)

# Who gets an arrival checklist: a child with one of these flags in force when they arrive.
ARRIVAL_SCOPE = frozenset(
    {
        UASC,
        UNACCOMPANIED,
        SEPARATED,
        TRAFFICKED_IDENTIFIED,
        TRAFFICKED_SUSPECTED,
        AT_RISK_OF_TRAFFICKING,
    }
)


@dataclass(frozen=True)
class ArrivalItem:
    code: str
    title: str
    hint: str
    hours: int  # due this many hours after the child arrived
    source: str


INNERSTE = "Home Office, Operation Innerste guidance (October 2023)"
STATUTORY_2017 = (
    "DfE, Care of unaccompanied migrant children and child victims of modern slavery: "
    "statutory guidance for local authorities (November 2017)"
)

ARRIVAL_ITEMS: tuple[ArrivalItem, ...] = (
    ArrivalItem(
        "grab_pack",
        "Make the grab pack ready",
        "A recent photograph and a description, ready for the police if the child goes missing",
        24,
        "Heading back to harm (2016), Rec 5; Philomena Protocol",
    ),
    ArrivalItem(
        "placement_check",
        "Check the placement is suitable",
        "Regulated, safe from those who may look for the child, and right for their age",
        24,
        "Care Planning, Placement and Case Review (England) (Amendment) Regulations 2021; "
        "Supported Accommodation (England) Regulations 2023",
    ),
    ArrivalItem(
        "safety_plan",
        "Agree a safety plan",
        "Including what the child and carers do if someone approaches or contacts the child",
        24,
        STATUTORY_2017,
    ),
    ArrivalItem(
        "phones",
        "Talk about phones, SIM cards and contacts, with an interpreter",
        "Who has the child's number, who they were told to call, and any phone they were given",
        48,
        STATUTORY_2017,
    ),
    ArrivalItem(
        "guardian_referral",
        "Refer to an independent guardian or advocate",
        "An Independent Child Trafficking Guardian where the area has the service",
        72,
        "Modern Slavery Act 2015 s.48 (independent child trafficking guardians)",
    ),
    ArrivalItem(
        "nrm_decision",
        "Decide on a referral to the National Referral Mechanism",
        "Record the referral, or why none is made (for a child, no consent is needed)",
        72,
        "Modern Slavery Act 2015 s.52; Home Office, Modern Slavery statutory guidance",
    ),
    ArrivalItem(
        "references",
        "Record the Home Office and Operation Innerste references",
        "The Home Office reference and any Operation Innerste reference from the police",
        72,
        INNERSTE,
    ),
)
ITEMS = {item.code: item for item in ARRIVAL_ITEMS}
assert set(ITEMS) == ARRIVAL_ITEM_CODES, "facts.ARRIVAL_ITEM_CODES must name every item"
DUE_WITHIN_HOURS = max(item.hours for item in ARRIVAL_ITEMS)

# The checklist opens by itself when a child in scope is recorded within this many days of
# becoming looked after: the window in which the statutory guidance says most such children go
# missing (rulebook R-EARLY: most within a week, many within 48 hours). A child recorded later,
# or brought in by an import of past years, has the checklist only if someone starts it.
OPENS_WITHIN_DAYS = 7


def opens_automatically(looked_after_from: dt.date, today: dt.date) -> bool:
    """Whether a child who became looked after on ``looked_after_from`` and is recorded as in
    scope on ``today`` gets the arrival checklist opened for them."""
    return today - dt.timedelta(days=OPENS_WITHIN_DAYS) <= looked_after_from <= today


def estimated_arrival(looked_after_from: dt.date, now: dt.datetime) -> dt.datetime:
    """Until someone records when the child arrived, the clock runs from the start of the day
    they became looked after (in London): the earliest they can have arrived that day, so no
    step falls due later than it should. Never after ``now``."""
    return min(uk_midnight(looked_after_from), now)


@dataclass(frozen=True)
class ItemStatus:
    item: ArrivalItem
    due_at: dt.datetime
    done_at: dt.datetime | None
    overdue: bool

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "done"
        return "overdue" if self.overdue else "due"


def checklist(arrival: ArrivalFact, at: dt.datetime) -> tuple[ItemStatus, ...]:
    """Every item, always all of them, in the checklist's order, as things stood at ``at``."""
    statuses = []
    for item in ARRIVAL_ITEMS:
        # In UTC: hours added to a London wall-clock time would be wrong across a clock change.
        due = arrival.arrived_at.astimezone(dt.UTC) + dt.timedelta(hours=item.hours)
        done = arrival.done_at(item.code, at)
        statuses.append(ItemStatus(item, due, done, done is None and at >= due))
    return tuple(statuses)


# --- the placement suitability gate ------------------------------------------------------------

# SSDA903 PLACE codes for settings that are not children's homes or foster care: H5
# semi-independent living (to 2024/25), K3 supported accommodation (from 2024/25), P2 independent
# living including B&B (to 2024/25).
SUPPORTED_CODES = frozenset({"H5", "K3"})
UNREGULATED_CODES = frozenset({"P2"})
HOTEL_DETAILS = frozenset({"hotel", "bed_and_breakfast"})
# Supported accommodation for 16 and 17 year olds must be registered with Ofsted from this day.
SUPPORTED_REGISTRATION_FROM = dt.date(2023, 10, 28)


@dataclass(frozen=True)
class PlacementProposal:
    date_of_birth: dt.date
    start: dt.date
    place_code: str
    detail: str = ""
    unregulated: bool = False
    ofsted_urn: str = ""
    signed_off_by: str = ""
    sign_off_reason: str = ""


@dataclass(frozen=True)
class Refusal:
    rule_id: str
    field: str
    text: str


def is_unregulated(proposal: PlacementProposal) -> bool:
    """A setting no regulator inspects: a hotel or B&B, P2, or one recorded as unregulated."""
    return (
        proposal.unregulated
        or proposal.detail in HOTEL_DETAILS
        or proposal.place_code in UNREGULATED_CODES
    )


def check_placement(proposal: PlacementProposal) -> tuple[Refusal, ...]:
    """Why the placement may not be made, in plain words; empty if it may."""
    age = age_on(proposal.date_of_birth, proposal.start)
    unregulated = is_unregulated(proposal)
    supported = proposal.place_code in SUPPORTED_CODES
    refusals: list[Refusal] = []
    if age < 16 and (unregulated or supported):
        what = (
            "a hotel or bed and breakfast"
            if proposal.detail in HOTEL_DETAILS
            else "supported accommodation"
            if supported and not unregulated
            else "unregulated accommodation"
        )
        refusals.append(
            Refusal(
                "R-PLACE-UNDER-16",
                "place_code" if supported and not unregulated else "detail",
                f"A child under 16 cannot be placed in {what}: the child is {age} on the start "
                "date. Choose foster care or a registered children's home",
            )
        )
        return tuple(refusals)
    if supported and proposal.start >= SUPPORTED_REGISTRATION_FROM and not _urn(proposal):
        refusals.append(
            Refusal(
                "R-PLACE-URN",
                "ofsted_urn",
                "Enter the provider's Ofsted unique reference number (URN): supported "
                "accommodation must be registered with Ofsted",
            )
        )
    if proposal.ofsted_urn.strip() and not _urn(proposal):
        refusals.append(
            Refusal(
                "R-PLACE-URN",
                "ofsted_urn",
                "Enter the Ofsted URN as it is on the Ofsted report, like SC123456 or 2654321",
            )
        )
    if unregulated and not (proposal.signed_off_by.strip() and proposal.sign_off_reason.strip()):
        refusals.append(
            Refusal(
                "R-PLACE-SIGN-OFF",
                "signed_off_by_name",
                "An unregulated placement needs a senior manager's written sign-off: enter "
                "their name and why no regulated placement can be used",
            )
        )
    return tuple(refusals)


def _urn(proposal: PlacementProposal) -> bool:
    urn = proposal.ofsted_urn.strip().upper()
    digits = urn[2:] if urn.startswith("SC") else urn
    return digits.isascii() and digits.isdigit() and 6 <= len(digits) <= 8
