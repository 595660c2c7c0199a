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
NTS_PROTOCOL = (
    "Home Office and DfE, National Transfer Scheme protocol for unaccompanied asylum-seeking "
    "children, version 7.0 (June 2025)"
)
UKMPU = (
    "National Crime Agency, UK Missing Persons Unit: referral of missing persons and "
    "long-term missing cases (College of Policing APP: missing persons, 'Long-term missing')"
)
INNERSTE = "Home Office, Operation Innerste guidance (October 2023)"
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
            "Home Office NRM guidance: reasonable grounds decision within 5 working days of "
            "referral; Home Office, devolved decision-making for child victims of modern "
            "slavery (pilot): panel decisions within 45 days, the Home Office deciding for a "
            "child within 100 days of 18, an age-disputed young person and public-order cases",
            "An NRM referral with no reasonable grounds decision by the end of the set number of "
            "working days after referral (weekends and the bank holidays of the child's nation "
            "skipped), or 45 days after it where the council's devolved decision-making panel "
            "decides, raises an alert, also when the decision has been stayed while the child "
            "is missing.",
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
            "R-POLICE-GRADE",
            "A police grade below high for a child in scope is challenged",
            "Heading back to harm, Rec 5.ii; College of Policing APP: missing persons",
            f"{REPORT}, Rec 5.ii (trafficked, unaccompanied and separated children who go missing "
            "are high risk, whatever any criminal investigation says); College of Policing APP "
            "on missing persons: the continuum of risk from no apparent risk (absent) to high",
            "The police grade is recorded exactly as the force gave it. When the force grades a "
            "child in scope (a trafficked, unaccompanied, separated or UASC child, or one the "
            "engine holds at high as a potential victim of trafficking) below high, Visible "
            "opens a challenge to the force's trafficking single point of contact, carrying the "
            "engine's reasons for high.",
        ),
        Rule(
            "R-WORDS",
            "Never 'absconder' or 'wanted'",
            "Heading back to harm, Rec 5.iv",
            f"{REPORT}, Rec 5.iv",
            "'Absconder' (and 'abscond' in any form) and 'wanted' are rejected in categories and "
            "flagged in notes; a note using them as a label raises an alert.",
        ),
        Rule(
            "R-NTS",
            "National Transfer Scheme transfer not arrived within 10 working days",
            "NTS protocol v7.0, June 2025",
            f"{NTS_PROTOCOL}: the transfer of a child accepted under the scheme to be completed "
            "within 10 working days of the referral",
            "A child referred under the National Transfer Scheme and not yet arrived in the "
            "receiving council raises an alert to the sending council from the 8th working day "
            "after the referral (at risk), and another after the 10th (overdue). Weekends and "
            "the bank holidays of the receiving council's nation are skipped.",
        ),
        Rule(
            "R-LONG-TERM",
            "Missing 28 days: a long-term missing case",
            "UK Missing Persons Unit; Heading back to harm, Rec 5.iii",
            f"{UKMPU}; {REPORT}, Rec 5.iii (continuing past 18)",
            "An episode still open 28 days after the child was last seen becomes a long-term "
            "missing case: a multi-agency review every 28 days (an alert when one is due), a "
            "prompt to refer to the UK Missing Persons Unit, the NRM status and the guardian's "
            "engagement held with it. Turning 18 never closes it; only the return does.",
        ),
        Rule(
            "R-ARRIVAL",
            "Arrival checklist item not done in time",
            "Heading back to harm, Key findings; Operation Innerste",
            f"{REPORT}, Key findings: most trafficked children who go missing do so within a "
            f"week of entering care, many within 48 hours; {INNERSTE}: the first 72 hours for an "
            "unaccompanied child found inland",
            "When an unaccompanied, separated, UASC or possibly trafficked child arrives, each "
            "item of the arrival checklist falls due a fixed number of hours after the moment "
            "they arrived (grab pack, placement check and safety plan 24; phones conversation "
            "48; guardian referral, NRM decision and references 72). An item not done by then "
            "raises an alert, which closes when the item is done.",
        ),
        Rule(
            "R-PLACE-UNDER-16",
            "No child under 16 in a hotel, supported or unregulated accommodation",
            "Care Planning (Amendment) Regulations 2021; R (ECPAT UK) v Kent CC [2023]",
            "Care Planning, Placement and Case Review (England) (Amendment) Regulations 2021 "
            "(from 9 September 2021 a child under 16 may not be placed in accommodation that is "
            "not a children's home or foster care); R (ECPAT UK) v Kent County Council and "
            "SSHD [2023] EWHC 1953 (Admin): routine use of hotels for unaccompanied children "
            "unlawful",
            "A placement for a child under 16 on its start date in a hotel or B&B, in supported "
            "or semi-independent accommodation (H5, K3), in P2 or recorded as unregulated is "
            "refused, and the refused attempt is kept in the child's history.",
        ),
        Rule(
            "R-PLACE-URN",
            "Supported accommodation needs its Ofsted registration",
            "Supported Accommodation (England) Regulations 2023",
            "Supported Accommodation (England) Regulations 2023: supported accommodation for "
            "looked-after 16 and 17 year olds must be registered with Ofsted from 28 October 2023",
            "A supported or semi-independent placement (K3, H5) starting on or after 28 October "
            "2023 is refused without the provider's Ofsted unique reference number.",
        ),
        Rule(
            "R-PLACE-SIGN-OFF",
            "An unregulated placement needs a senior manager's written sign-off",
            "Heading back to harm, Rec 4",
            f"{REPORT}, Rec 4 and ch. 3.2 (unsuitable placements); local practice: the senior "
            "manager's approval is a setting of the council's own procedure",
            "A hotel, B&B, P2 or other unregulated placement for a young person of 16 or over is "
            "refused without a senior manager's name and written reason; once made, it counts "
            "as an unsuitable placement in the risk score.",
        ),
    )
}
