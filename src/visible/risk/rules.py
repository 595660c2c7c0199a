"""Every rule the engine applies, in one table: what the UI lists, the docs describe and each
reason or alert cites.

``citation`` is the short form shown after a reason ("High: UASC child missing (Heading back
to harm, Rec 5.ii)"); ``source`` is the full reference kept with every reason and alert.
``settings`` names the ``RiskSettings`` fields that tune the rule. The order of this table is
the order reasons are listed in.
"""

from __future__ import annotations

from dataclasses import dataclass

REPORT = "Heading back to harm (ECPAT UK and Missing People, 2016)"
DFE_2014 = "DfE statutory guidance on children who run away or go missing from home or care (2014)"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    citation: str
    source: str
    description: str
    settings: tuple[str, ...] = ()


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "R-HIGH",
            "A trafficked, unaccompanied, separated or UASC child who goes missing is high risk",
            "Heading back to harm, Rec 5.ii",
            f"{REPORT}, Rec 5.ii",
            "A child with a trafficked (identified or suspected), unaccompanied, separated or UASC "
            "flag in force during the episode is graded high, whatever any criminal investigation "
            "says. This is a floor: no override can go below it.",
            ("at_risk_in_high_scope", "treat_away_as_missing"),
        ),
        Rule(
            "R-MIN-CHILD",
            "No child is graded below medium",
            "ACPO 2005 / local force practice",
            "ACPO (2005) Guidance on the Management, Recording and Investigation of Missing "
            "Persons: under-18s are not graded low (quoted in Heading back to harm, ch. 4.2); "
            "kept by several forces as a local rule",
            "When switched on, any child (under 18 when the episode began, or presumed a child) "
            "is graded at least medium. This is a floor for overrides.",
            ("min_child_grade_medium",),
        ),
        Rule(
            "R-EARLY",
            "Missing soon after becoming looked after: potential victim of trafficking",
            "DfE statutory guidance 2014",
            f"{DFE_2014}, quoted in {REPORT}, ch. 1 and Rec 5.ii",
            "An unaccompanied or UASC child who goes missing within the set number of days of "
            "becoming looked after is treated as a potential victim of trafficking: graded high, "
            "the suspected-trafficking flag is proposed (pending confirmation) and an NRM "
            "referral is prompted.",
            ("early_missing_days",),
        ),
        Rule(
            "R-REPEAT",
            "Repeat missing",
            "police definition of repeat missing; DfE statutory guidance 2014",
            f"Common police definition: 3 or more episodes in 90 days ({REPORT}, Key terms "
            f"'Repeat missing'); {DFE_2014}: particular attention to repeat episodes",
            "The set number of episodes (this one included) starting within the set window marks "
            "the child as repeat missing and prompts a multi-agency strategy discussion and a new "
            "risk assessment.",
            ("repeat_episodes", "repeat_window_days"),
        ),
        Rule(
            "R-18",
            "Turning 18 while missing does not lower the risk",
            "Heading back to harm, Rec 5.iii",
            f"{REPORT}, Rec 5.iii",
            "Whether the person is a child is judged when the episode began, so the grade of an "
            "open episode never drops at the 18th birthday; the episode stays open and is marked "
            "'turned 18 while missing'.",
        ),
        Rule(
            "R-AGE",
            "Age in doubt: treated as a child",
            "Modern Slavery Act 2015 s.51",
            "Modern Slavery Act 2015 s.51 (presumption about age); Council of Europe Convention on "
            "Action against Trafficking in Human Beings art. 10(3)",
            "A person whose recorded date of birth makes them 18 or over, but whose age assessment "
            "is pending, disputed or challenged (or who has an 'age disputed' flag), is treated "
            "as a child until a lawful assessment says otherwise.",
        ),
        Rule(
            "R-SCORE",
            "Dynamic risk factors",
            "Heading back to harm, Rec 5.i and ch. 3.2",
            f"{REPORT}, Rec 5.i (dynamic risk assessment) and ch. 3.2 (factors related to risk "
            "of going missing); weights and thresholds are local settings",
            "Each factor present adds its weight; a total at or above a threshold raises the "
            "proposed grade to at least low, medium or high. The score never lowers a grade, and "
            "a professional may override it downward with a written reason (above any floor).",
            (
                "factor_weights",
                "score_low",
                "score_medium",
                "score_high",
                "unsuitable_placement_codes",
                "unsuitable_placement_details",
                "recent_placement_change_days",
            ),
        ),
        Rule(
            "R-NATIONALITY",
            "Nationality-linked exploitation pattern: professional judgement",
            "Heading back to harm, ch. 3.1; Children's Commissioner for England 2012",
            f"{REPORT}, ch. 3.1 'Children from Vietnam', citing the then Children's Commissioner "
            "for England (2012): unaccompanied Vietnamese children to be regarded, prima facie, "
            "as trafficked",
            "A nationality with a known exploitation pattern adds a prompt for professional "
            "judgement. It never sets or raises a grade on its own.",
            ("nationality_patterns",),
        ),
        Rule(
            "R-NRM-RG",
            "NRM reasonable grounds decision overdue",
            "Home Office NRM guidance",
            "Home Office NRM guidance: reasonable grounds decision within 5 working days of referral",
            "An NRM referral with no reasonable grounds decision by the end of the set number of "
            "working days after referral (weekends and the bank holidays of the child's nation "
            "skipped) raises an alert, also when the decision has been stayed while the child is "
            "missing.",
            ("rg_decision_working_days",),
        ),
        Rule(
            "R-DTN",
            "Duty to Notify: trafficking flag but no NRM referral",
            "Modern Slavery Act 2015 s.52 (Duty to Notify)",
            "Modern Slavery Act 2015 s.52 (Duty to Notify), in force from 1 November 2015; for a "
            "child the notification is an NRM referral, made without consent",
            "A child with a trafficked (identified or suspected) flag in force and no NRM referral "
            "raises an alert from the day the flag began.",
        ),
        Rule(
            "R-RETURN",
            "Independent return interview not done within 72 hours",
            "DfE statutory guidance 2014",
            f"{DFE_2014}: an independent return interview offered and done within 72 hours of "
            "return",
            "A return with no interview done (and not declined by the child) by the set number "
            "of hours after it raises an alert.",
            ("return_interview_hours",),
        ),
        Rule(
            "R-POLICE",
            "Missing child not yet reported to the police",
            "College of Policing APP: missing persons",
            f"College of Policing APP: missing persons; {DFE_2014}: a looked-after child who is "
            "missing is reported to the police",
            "An open 'missing' (M) episode with no police report the set number of hours after it "
            "began raises an alert.",
            ("police_report_within_hours",),
        ),
        Rule(
            "R-APPROACHING-18",
            "Still missing and approaching 18",
            "Heading back to harm, Rec 5.iii",
            f"{REPORT}, Rec 5.iii",
            "A young person still missing within the set number of days of their 18th birthday "
            "raises an alert, and another on the birthday itself, so they are not deprioritised "
            "or re-labelled.",
            ("approaching_18_days",),
        ),
        Rule(
            "R-LONG",
            "Missing for 7 days or more",
            "Heading back to harm, Key findings",
            f"{REPORT}, Key findings 'Duration of missing episodes': about a third of these "
            "children are missing for more than a week, against 2% of missing children nationally",
            "An episode still open the set number of days after it began raises an alert, adds "
            "the 'long missing' marker and prompts a review of the risk assessment.",
            ("long_missing_days",),
        ),
        Rule(
            "R-WORDS",
            "Never 'absconder' or 'wanted'",
            "Heading back to harm, Rec 5.iv",
            f"{REPORT}, Rec 5.iv",
            "'Absconder' (and 'abscond' in any form) and 'wanted' are rejected in categories and "
            "flagged in notes; a note using them as a label raises an alert.",
        ),
    )
}
