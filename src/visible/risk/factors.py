"""The dynamic risk factors the engine scores, each with its default weight and source.

The report (ch. 3.2 "Factors related to risk of going missing", and Rec 5.i: "risk
assessments should be dynamic") names these factors; the rulebook (section 3) lists them for
a weighted assessment an authority can configure. Some are observed and ticked by a
professional (``ChildFacts.factors``), some the engine derives from the record (flags,
placements, episodes, NRM referrals); several can come either way and count once.

Weights are a starting point chosen for this engine, not a calibrated model: 3 for a direct
sign of exploitation (on its own it reaches the default medium threshold), 2 for a strong
situational risk, 1 for a contributing vulnerability. Authorities change them in
``RiskSettings.factor_weights``. Nationality is deliberately absent: it may only prompt
professional judgement (see ``RiskSettings.nationality_patterns``), never add to a score.
"""

from __future__ import annotations

from dataclasses import dataclass

REPORT = "Heading back to harm (ECPAT UK and Missing People, 2016)"
FACTORS_SOURCE = f"{REPORT}, ch. 3.2 (factors related to risk of going missing) and Rec 5.i"


@dataclass(frozen=True)
class Factor:
    code: str
    label: str
    default_weight: int
    # How the engine finds it without a professional ticking it; "" = only when ticked.
    derived_from: str
    source: str = FACTORS_SOURCE


FACTORS: dict[str, Factor] = {
    f.code: f
    for f in (
        Factor(
            "trafficker_contact",
            "Contact with or control by traffickers (phone, SIM card, messages, visits)",
            3,
            "",
        ),
        Factor("debt_bondage", "Debt bondage: owes money to the people who brought them", 3, ""),
        Factor(
            "trafficking_indicators_not_referred",
            "Trafficking indicators not yet referred to the NRM",
            3,
            "a trafficking flag (identified or suspected) and no NRM referral when the episode began",
        ),
        Factor(
            "at_risk_of_trafficking",
            "Recorded as at risk of trafficking",
            3,
            "an 'at risk of trafficking' flag during the episode",
            f"{REPORT}, ch. 1 'Which children?' and Rec 6.ii",
        ),
        Factor("cse", "Child sexual exploitation", 3, "a CSE flag during the episode"),
        Factor(
            "cce", "Child criminal exploitation or county lines", 3, "a CCE flag during the episode"
        ),
        Factor("gang", "Gang involvement", 2, "a gang flag during the episode"),
        Factor(
            "criminalised_or_on_bail",
            "Criminalised: arrested, on bail or prosecuted",
            2,
            "a criminalised flag during the episode",
            f"{REPORT}, ch. 3.4 (exploitation and criminalisation)",
        ),
        Factor(
            "recent_police_or_immigration_interview",
            "Recently interviewed by police or immigration officials",
            2,
            "",
        ),
        Factor(
            "unsuitable_placement",
            "Unsuitable placement (semi-independent, supported, B&B, hotel, emergency)",
            2,
            "the placement the child went missing from, by its SSDA903 code or detail",
            f"{REPORT}, ch. 3.2 and Rec 4",
        ),
        Factor(
            "placement_change_recent",
            "Placement changed recently",
            1,
            "a move to a new placement shortly before the episode began",
        ),
        Factor(
            "no_guardian",
            "No independent guardian or advocate",
            1,
            "no guardian or advocate recorded",
            f"{REPORT}, Rec 3",
        ),
        Factor(
            "age_in_dispute",
            "Age disputed or age assessment in progress",
            1,
            "age assessment pending, disputed or challenged, or an 'age disputed' flag",
            f"{REPORT}, ch. 3.3 (age disputes and assessment)",
        ),
        Factor(
            "immigration_decision_pending_or_negative",
            "Immigration or asylum decision pending or refused",
            1,
            "",
        ),
        Factor("isolated", "Isolated: no education, no peer support", 1, ""),
        Factor(
            "previous_missing",
            "Has been missing or away before",
            1,
            "an earlier episode for the same child",
            f"{REPORT}, ch. 4.2 (repeat episodes)",
        ),
    )
}

FACTOR_CODES = frozenset(FACTORS)
