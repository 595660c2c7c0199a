"""Code lists Visible records against, versioned by SSDA903 collection year.

A collection year is named by the year it starts: 2024 means 2024/25 (1 April 2024 to
31 March 2025). Sources (see docs/sources.md): DfE SSDA903 guidance, the DfE's own
validator (PyPI csc-validator-be-903, rule 146 per year), CIN census guidance.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_COLLECTION_YEAR = 2017
LAST_COLLECTION_YEAR = 2026


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    first_year: int = FIRST_COLLECTION_YEAR
    last_year: int = LAST_COLLECTION_YEAR

    def valid_in(self, year: int) -> bool:
        # Codes in use at the edges of the years Visible covers are taken to carry on beyond
        # them: a placement from 2015 may use a code current in 2017/18.
        starts_ok = year >= self.first_year or self.first_year == FIRST_COLLECTION_YEAR
        ends_ok = year <= self.last_year or self.last_year == LAST_COLLECTION_YEAR
        return starts_ok and ends_ok


def year_label(year: int) -> str:
    return f"{year}/{str(year + 1)[-2:]}"


class CodeList:
    def __init__(self, name: str, codes: list[Code]):
        self.name = name
        self.codes = codes
        self._by_code = {c.code: c for c in codes}

    def __contains__(self, code: str) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Code | None:
        return self._by_code.get(code)

    def label(self, code: str) -> str:
        found = self._by_code.get(code)
        return found.label if found else code

    def valid_in(self, year: int) -> list[Code]:
        return [c for c in self.codes if c.valid_in(year)]

    def is_valid(self, code: str, year: int) -> bool:
        found = self._by_code.get(code)
        return bool(found and found.valid_in(year))

    def choices(self, year: int | None = None) -> list[tuple[str, str]]:
        codes = self.codes if year is None else self.valid_in(year)
        return [(c.code, f"{c.code}: {c.label}") for c in codes]


# SSDA903 PLACE: placement type. H5, P2 and Z1 were withdrawn after 2024/25, when K3 had
# arrived (2024/25) and Z1 was split into Z11-Z14 (2025/26).
PLACEMENT_TYPES = CodeList(
    "PLACE",
    [
        Code("A3", "Placed for adoption with consent, with current foster carer(s)"),
        Code("A4", "Placed for adoption with consent, not with current foster carer(s)"),
        Code("A5", "Placed for adoption with placement order, with current foster carer(s)"),
        Code("A6", "Placed for adoption with placement order, not with current foster carer(s)"),
        Code(
            "H5",
            "Semi-independent living accommodation not subject to children's homes regulations",
            last_year=2024,
        ),
        Code("K1", "Secure children's home"),
        Code("K2", "Children's home subject to Children's Homes Regulations"),
        Code("K3", "Supported accommodation", first_year=2024),
        Code("P1", "Placed with own parent(s) or other person(s) with parental responsibility"),
        Code(
            "P2",
            "Independent living (flat, lodgings, bedsit, bed and breakfast or with friends)",
            last_year=2024,
        ),
        Code("P3", "Residential employment"),
        Code("R1", "Residential care home"),
        Code("R2", "NHS or health trust establishment providing medical or nursing care"),
        Code("R3", "Family centre or mother and baby unit"),
        Code("R5", "Young offender institution"),
        Code("S1", "Residential school (not dual-registered as a children's home)"),
        Code("T0", "Temporary placement: any temporary move"),
        Code("T1", "Temporary period in hospital"),
        Code("T2", "Temporary absence on holiday"),
        Code("T3", "Temporary accommodation while the usual foster carer is on holiday"),
        Code("T4", "Temporary accommodation of seven days or less, other reasons"),
        Code("U1", "Foster placement with relative or friend: long term"),
        Code("U2", "Foster placement with relative or friend who is also an approved adopter"),
        Code("U3", "Foster placement with relative or friend: not long term"),
        Code("U4", "Foster placement with other foster carer: long term"),
        Code("U5", "Foster placement with other foster carer who is also an approved adopter"),
        Code("U6", "Foster placement with other foster carer: not long term"),
        Code("Z1", "Other placement", last_year=2024),
        Code("Z11", "Other placement (Z11)", first_year=2025),
        Code(
            "Z12",
            "Other placement (Z12), may be subject to a deprivation of liberty order",
            first_year=2025,
        ),
        Code(
            "Z13",
            "Other placement (Z13), may be subject to a deprivation of liberty order",
            first_year=2025,
        ),
        Code("Z14", "Other placement (Z14)", first_year=2025),
    ],
)

# Placement types the rulebook (section 3) calls unsuitable for a child at risk of being
# trafficked: semi-independent, supported, independent living / B&B, short temporary.
UNSUPERVISED_PLACEMENT_CODES = frozenset({"H5", "K3", "P2", "T4", "Z1", "Z11", "Z14"})
FOSTER_PLACEMENT_CODES = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
RESIDENTIAL_PLACEMENT_CODES = frozenset({"K1", "K2", "R1", "S1"})

# SSDA903 LS: legal status.
LEGAL_STATUSES = CodeList(
    "LS",
    [
        Code("C1", "Interim care order"),
        Code("C2", "Full care order"),
        Code("D1", "Freeing order granted"),
        Code("E1", "Placement order granted"),
        Code("J1", "Remanded to local authority or youth detention accommodation"),
        Code("J2", "Placed in local authority accommodation under PACE"),
        Code("J3", "Sentenced to a supervision order with residence requirement"),
        Code("L1", "Under police protection and in local authority accommodation"),
        Code("L2", "Emergency protection order"),
        Code("L3", "Under child assessment order and in local authority accommodation"),
        Code("V2", "Single period of accommodation under section 20 (Children Act 1989)"),
        Code("V3", "Agreed series of short-term breaks: individual episodes recorded"),
        Code("V4", "Agreed series of short-term breaks: agreements recorded"),
    ],
)

# SSDA903 SEX: 1/2 until 2023/24, M/F/U from 2024/25. Visible stores M/F/U and maps on export.
SEX_CODES = CodeList(
    "SEX",
    [
        Code("1", "Male", last_year=2023),
        Code("2", "Female", last_year=2023),
        Code("M", "Male", first_year=2024),
        Code("F", "Female", first_year=2024),
        Code("U", "Unknown or not recorded", first_year=2024),
    ],
)

# SSDA903 MISSING: the two kinds of episode for a child in scope. There is deliberately no
# police 'absent' category (rulebook section 2; report Rec 5).
MISSING_KINDS = CodeList(
    "MISSING",
    [
        Code("M", "Missing from care"),
        Code("A", "Away from placement without authorisation"),
    ],
)

# CIN census factors identified at the end of assessment that Visible reads as flags.
CIN_FACTORS = CodeList(
    "CIN_FACTOR",
    [
        Code("9A", "Unaccompanied asylum-seeking child"),
        Code("10A", "Going or being missing"),
        Code("11A", "Child sexual exploitation"),
        Code("12A", "Trafficking"),
        Code("13A", "Gangs"),
        Code("24A", "Child criminal exploitation", first_year=2022),
    ],
)

# SSDA903 REC: why an episode of care ceased. X1 continues the period of care in a new episode;
# every other code ends the period of being looked after (the DfE's guide, "REC").
REC_CONTINUES = "X1"
REASONS_CARE_ENDED = CodeList(
    "REC",
    [
        Code("E11", "Adopted: application for an adoption order unopposed"),
        Code("E12", "Adopted: consent dispensed with by the court"),
        Code(
            "E13",
            "Left care to live with parents, relatives or other person with no parental responsibility",
        ),
        Code("E14", "Accommodation on remand ended"),
        Code("E15", "Age assessment determined the child is aged 18 or over"),
        Code("E16", "Child moved abroad"),
        Code("E17", "Aged 18 or over and remained with current carers (staying put)"),
        Code("E2", "Died"),
        Code("E3", "Care taken over by another local authority in the UK"),
        Code("E41", "Residence order or child arrangements order granted"),
        Code(
            "E45", "Special guardianship order to former foster carers who are relatives or friends"
        ),
        Code("E46", "Special guardianship order to former foster carers, not relatives or friends"),
        Code("E47", "Special guardianship order to other carers who are relatives or friends"),
        Code("E48", "Special guardianship order to other carers, not relatives or friends"),
        Code(
            "E4A",
            "Returned home to parents or others with parental responsibility, as part of the care plan",
        ),
        Code(
            "E4B",
            "Returned home to parents or others with parental responsibility, not as part of the care plan",
        ),
        Code("E5", "Moved into independent living with supportive accommodation"),
        Code("E6", "Moved into independent living with no formal support"),
        Code("E7", "Transferred to residential care funded by adult social care"),
        Code("E8", "Period of being looked after ceased for any other reason"),
        Code("E9", "Sentenced to custody"),
    ],
)
