"""Who makes a child's NRM reasonable grounds decision, and so when it is due.

The Home Office's Single Competent Authority aims to decide within 5 working days of the
referral (rule R-NRM-RG, ``rg_decision_working_days``). In the areas of the devolved child
decision-making pilot, a multi-agency panel decides instead, within 45 days; the Home Office
still decides for a child within 100 days of turning 18, a young person whose age is disputed,
and a public-order case. Pure: the caller says whether the authority was in the pilot on the
day of the referral (its own per-authority dates).
"""

from __future__ import annotations

import datetime as dt

from visible.dates import eighteenth_birthday

HOME_OFFICE = "home_office"
PILOT_PANEL = "pilot_panel"
DECIDERS = frozenset({HOME_OFFICE, PILOT_PANEL})
PANEL_DECISION_DAYS = 45
HOME_OFFICE_WITHIN_DAYS_OF_18 = 100

# The reasonable grounds test in force on the day of referral: from 30 January 2023 (Nationality
# and Borders Act 2022 s.60 and the statutory guidance then) "reasonable grounds to believe",
# based on objective factors but short of conclusive proof; before it, "suspect but cannot
# prove". Recorded on the referral so its decision is read against the right test.
THRESHOLD_2023_FROM = dt.date(2023, 1, 30)
THRESHOLD_BEFORE_2023 = "suspect_not_prove"
THRESHOLD_2023 = "reasonable_grounds_to_believe_2023"


def threshold_on(referred_on: dt.date) -> str:
    return THRESHOLD_2023 if referred_on >= THRESHOLD_2023_FROM else THRESHOLD_BEFORE_2023


def decider(
    *,
    in_pilot: bool,
    date_of_birth: dt.date,
    referred_on: dt.date,
    age_disputed: bool,
    public_order: bool,
) -> tuple[str, str]:
    """(who decides, why), in plain words."""
    if not in_pilot:
        return HOME_OFFICE, "The council is not in the devolved decision-making pilot"
    days_to_18 = (eighteenth_birthday(date_of_birth) - referred_on).days
    if days_to_18 <= HOME_OFFICE_WITHIN_DAYS_OF_18:
        return HOME_OFFICE, f"Within {HOME_OFFICE_WITHIN_DAYS_OF_18} days of turning 18"
    if age_disputed:
        return HOME_OFFICE, "Age disputed"
    if public_order:
        return HOME_OFFICE, "A public-order case"
    return PILOT_PANEL, "The council's devolved decision-making panel"
