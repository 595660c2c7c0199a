"""The shape of a realistic register: where children are, where they come from, who they are.

Numbers marked "report" are from *Heading back to harm* (ECPAT UK and Missing People, 2016),
chapter 2 and Appendix 3: its Freedom of Information request covered September 2014 to
September 2015. Where the report is silent or dated the weights are this module's own
judgement, said so in a comment. They shape synthetic data only; nothing counts them.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted choice, drawn with one call to rng.random() (faster than
    random.choices for the hundreds of thousands of draws a national register needs)."""

    def __init__(self, pairs: Sequence[tuple[T, float]]):
        self.items = [item for item, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


# --- where the children are -----------------------------------------------------------------

# Report: children identified/suspected as trafficked, unaccompanied children: 590 and 4,744
# across the UK in the year to September 2015 (Key findings, Appendix 3 "Overall figures").
REPORT_TRAFFICKED = 590
REPORT_UNACCOMPANIED = 4744

# Report, Appendix 3 "Regional breakdown" (trafficked, unaccompanied), under today's ONS region
# names. The report's "East Anglia" is the East of England and its "North" is read here as
# Yorkshire and The Humber. Wales: the text says 57 unaccompanied children (the table's 150
# repeats Scotland's figure), so 57.
REPORT_REGIONS: dict[str, tuple[int, int]] = {
    "London": (177, 1973),
    "South East": (69, 1361),
    "East of England": (88, 436),
    "West Midlands": (41, 262),
    "East Midlands": (70, 235),
    "North West": (12, 85),
    "Yorkshire and The Humber": (9, 82),
    "South West": (12, 64),
    "North East": (23, 19),
    "Scotland": (48, 150),
    "Wales": (14, 57),
    "Northern Ireland": (13, 20),
}

# Report, Appendix 3: authorities it names, with (trafficked, unaccompanied) where given (the
# top ten by trafficked children, and the tables of authorities whose children went missing).
# Ports of entry and the routes from them (Kent, Croydon for Lunar House, Hillingdon for
# Heathrow, Thurrock for Tilbury) dominate, which is the concentration the report describes.
# Northamptonshire (42, 85) has since split in two; Belfast is now its HSC Trust.
REPORT_AUTHORITIES: dict[str, tuple[int, int]] = {
    "E10000016": (31, 985),  # Kent
    "E09000008": (31, 605),  # Croydon
    "E09000017": (37, 216),  # Hillingdon
    "E06000034": (58, 71),  # Thurrock
    "E10000030": (0, 129),  # Surrey
    "E09000026": (41, 34),  # Redbridge
    "E06000061": (21, 43),  # North Northamptonshire
    "E06000062": (21, 42),  # West Northamptonshire
    "S12000049": (39, 0),  # Glasgow City
    "E10000019": (16, 40),  # Lincolnshire
    "E10000014": (14, 41),  # Hampshire
    "E09000004": (13, 37),  # Bexley
    "E08000003": (13, 34),  # Manchester
    "E10000031": (12, 72),  # Warwickshire
    "E10000029": (10, 72),  # Suffolk
    "NIHSCT-BEL": (9, 15),  # Belfast
    "E08000026": (9, 23),  # Coventry
    "E08000029": (9, 63),  # Solihull
    "E10000007": (8, 11),  # Derbyshire
    "E09000025": (8, 97),  # Newham
    "E09000010": (4, 70),  # Enfield
    "E09000009": (3, 32),  # Ealing
    "E06000007": (3, 0),  # Warrington
    "S12000040": (3, 0),  # West Lothian
    "E08000033": (2, 0),  # Calderdale
    "E06000006": (2, 0),  # Halton
    "E10000034": (2, 23),  # Worcestershire
    "E08000037": (1, 1),  # Gateshead
    "E10000015": (0, 91),  # Hertfordshire
    "E06000042": (0, 87),  # Milton Keynes
    "E09000015": (0, 85),  # Harrow
    "E09000014": (0, 75),  # Haringey
    "E09000019": (0, 60),  # Islington
    "E08000025": (0, 53),  # Birmingham
    "E09000002": (0, 49),  # Barking and Dagenham
    "E10000003": (0, 49),  # Cambridgeshire
    "E09000003": (0, 44),  # Barnet
    "E10000024": (0, 44),  # Nottinghamshire
    "E09000031": (0, 44),  # Waltham Forest
    "E09000005": (0, 43),  # Brent
    "E09000006": (0, 40),  # Bromley
    "E09000022": (0, 33),  # Lambeth
    "E09000012": (0, 30),  # Hackney
    "E06000060": (0, 32),  # Buckinghamshire
    "E09000024": (0, 32),  # Merton
    "E09000030": (0, 31),  # Tower Hamlets
    "E09000016": (0, 28),  # Havering
    "E09000013": (0, 27),  # Hammersmith and Fulham
    "E09000018": (0, 27),  # Hounslow
    "E08000035": (0, 25),  # Leeds
    "E06000032": (0, 25),  # Luton
    "E10000018": (0, 24),  # Leicestershire
    "E09000028": (0, 24),  # Southwark
    "E10000011": (0, 23),  # East Sussex
    "E06000056": (0, 20),  # Central Bedfordshire
    "E06000039": (0, 20),  # Slough
    "E09000021": (0, 17),  # Kingston upon Thames
    "E08000012": (0, 17),  # Liverpool
    "E08000036": (0, 16),  # Wakefield
    "E09000007": (0, 14),  # Camden
    "E06000044": (0, 14),  # Portsmouth
    "E09000001": (0, 11),  # City of London
    "E09000029": (0, 10),  # Sutton
    "E08000021": (0, 9),  # Newcastle upon Tyne
    "E10000020": (0, 9),  # Norfolk
    "E08000006": (0, 9),  # Salford
    "E06000024": (0, 8),  # North Somerset
    "E10000025": (0, 7),  # Oxfordshire
    "E06000013": (0, 6),  # North Lincolnshire
    "E06000022": (0, 4),  # Bath and North East Somerset
    "S12000036": (0, 4),  # City of Edinburgh
    "E06000012": (0, 4),  # North East Lincolnshire
    "E08000018": (0, 4),  # Rotherham
    "E06000050": (0, 3),  # Cheshire West and Chester
    "E10000028": (0, 3),  # Staffordshire
    "W06000011": (0, 2),  # Swansea
    "W06000016": (0, 1),  # Rhondda Cynon Taf
    "E06000066": (0, 1),  # Somerset
}

# Since the report, the National Transfer Scheme (2016, mandatory from 2021) spreads
# unaccompanied children to every authority, and British children at risk of exploitation are
# in care everywhere: so a share of each authority's weight follows its population, not the
# report. The share is this module's judgement.
POPULATION_SHARE = 0.2
# Pulls an authority's own trafficked/unaccompanied mix towards its region's when the report
# gives few children for it (a simple shrinkage, in children).
MIX_SMOOTHING = 20


@dataclass(frozen=True)
class AuthorityShape:
    code: str
    weight: float  # relative number of children
    trafficked_share: float  # of trafficked among trafficked + unaccompanied, as the report found


def authority_shapes(authorities: Sequence[tuple[str, str, float]]) -> list[AuthorityShape]:
    """Weights for (code, region, population) triples: each region gets its report share,
    split between the authorities the report names (by their own numbers) and the rest (by
    population); then a population-based share is blended in everywhere."""
    by_region: dict[str, list[tuple[str, float]]] = {}
    for code, region, population in authorities:
        by_region.setdefault(region, []).append((code, population))
    total_population = sum(p for _, _, p in authorities) or 1.0
    report_total = sum(t + u for t, u in REPORT_REGIONS.values())

    shapes = []
    for region, members in by_region.items():
        region_t, region_u = REPORT_REGIONS.get(region, (0, 0))
        region_total = region_t + region_u
        region_mix = (
            region_t / region_total
            if region_total
            else REPORT_TRAFFICKED / (REPORT_TRAFFICKED + REPORT_UNACCOMPANIED)
        )
        named = {
            code: REPORT_AUTHORITIES[code] for code, _ in members if code in REPORT_AUTHORITIES
        }
        named_total = sum(t + u for t, u in named.values())
        unnamed_population = sum(p for code, p in members if code not in named) or 1.0
        remainder = max(region_total - named_total, 0)
        for code, population in members:
            if code in named:
                t, u = named[code]
                report_count = t + u
            else:
                t = u = 0
                report_count = remainder * population / unnamed_population
            report_weight = report_count / report_total
            weight = (
                1 - POPULATION_SHARE
            ) * report_weight + POPULATION_SHARE * population / total_population
            mix = (t + MIX_SMOOTHING * region_mix) / (t + u + MIX_SMOOTHING)
            shapes.append(AuthorityShape(code, weight, mix))
    return shapes


def allocate(total: int, weights: Sequence[tuple[str, float]]) -> dict[str, int]:
    """Split `total` children in proportion to the weights, by largest remainder: the same
    numbers every time, and an authority's count never strays a whole child from its share."""
    weight_sum = sum(w for _, w in weights)
    if weight_sum <= 0:
        weights = [(code, 1.0) for code, _ in weights]
        weight_sum = float(len(weights))
    exact = [(code, total * w / weight_sum) for code, w in weights]
    counts = {code: int(share) for code, share in exact}
    left = total - sum(counts.values())
    by_remainder = sorted(exact, key=lambda pair: (-(pair[1] - int(pair[1])), pair[0]))
    for code, _ in by_remainder[:left]:
        counts[code] += 1
    return counts


# --- who the children are ---------------------------------------------------------------------


class Profile:
    """How a child came to be in scope. Not stored: it only decides which flags they get."""

    UASC = "uasc"  # unaccompanied asylum-seeking child
    TRAFFICKED_ABROAD = "trafficked_abroad"  # foreign national, trafficked into the UK
    TRAFFICKED_UK = "trafficked_uk"  # British, trafficked within the UK (CSE, county lines)
    AT_RISK = "at_risk"  # at risk of trafficking and exploitation
    SEPARATED = "separated"  # separated, not seeking asylum (EU, relatives' care broke down)


# Base mix of the register. The report counts 590 trafficked to 4,744 unaccompanied children
# and says trafficking is under-identified; Visible exists to surface it, so trafficked
# children are a little more common here than in the report, but unaccompanied children still
# outnumber them several times over. The at-risk and separated shares are this module's own.
BASE_PROFILE_SHARES = {
    Profile.UASC: 0.66,
    Profile.TRAFFICKED_ABROAD: 0.06,
    Profile.TRAFFICKED_UK: 0.06,
    Profile.AT_RISK: 0.12,
    Profile.SEPARATED: 0.10,
}
NATIONAL_TRAFFICKED_SHARE = REPORT_TRAFFICKED / (REPORT_TRAFFICKED + REPORT_UNACCOMPANIED)


def profile_mix(trafficked_share: float) -> Weighted[str]:
    """Tilt the base mix towards trafficked children where the report found relatively more
    of them (Thurrock, Redbridge, Glasgow) and towards UASC where it found fewer (Kent)."""
    tilt = min(max(trafficked_share / NATIONAL_TRAFFICKED_SHARE, 0.5), 3.0)
    uasc_tilt = (1 - min(trafficked_share, 0.6)) / (1 - NATIONAL_TRAFFICKED_SHARE)
    shares = dict(BASE_PROFILE_SHARES)
    shares[Profile.UASC] *= uasc_tilt
    shares[Profile.TRAFFICKED_ABROAD] *= tilt
    shares[Profile.TRAFFICKED_UK] *= tilt
    return Weighted(list(shares.items()))


@dataclass(frozen=True)
class Origin:
    nationality: str  # ISO 3166-1 alpha-3 (XXA stateless)
    languages: tuple[tuple[str, float], ...]  # ISO 639-3 first languages, weighted
    male_share: float


def _o(nationality: str, languages: str, male_share: float) -> Origin:
    """'prs:55 pus:45' -> ((prs, 55), (pus, 45))."""
    pairs = tuple(
        (part.split(":")[0], float(part.split(":")[1]) if ":" in part else 1.0)
        for part in languages.split()
    )
    return Origin(nationality, pairs, male_share)


# Unaccompanied children: report Appendix 3 top ten (Albanian 466, Afghan 268, Eritrean 126,
# Vietnamese 60, Iranian 50, Syrian 40, Sudanese 31, Somali 25) and the missing table (Egyptian,
# Iraqi, Turkish, Ethiopian, Algerian, Kuwaiti, Moroccan, Pakistani, Chinese). Sudan, Eritrea,
# Iraq and Ethiopia are raised towards today's arrivals; Kuwaiti children are mostly stateless
# Bidoon (XXA). Male shares from the same tables (Albanian 383 of 407 with a recorded gender,
# Afghan 226 of 230, Eritrean 84 of 114, Vietnamese 34 of 51, Iranian 39 of 49, Syrian 36 of
# 40, Sudanese 29 of 30, Somali 12 of 25, Egyptian 25 of 25): about nine boys in ten overall.
UASC_ORIGINS = Weighted(
    [
        (_o("ALB", "sqi", 0.94), 400),
        (_o("AFG", "prs:55 pus:45", 0.98), 330),
        (_o("ERI", "tir:95 ara:5", 0.74), 200),
        (_o("VNM", "vie", 0.67), 120),
        (_o("SDN", "ara", 0.97), 110),
        (_o("IRN", "fas:65 ckb:30 bcc:5", 0.80), 90),
        (_o("IRQ", "ckb:60 ara:40", 0.95), 80),
        (_o("SYR", "ara:65 kmr:35", 0.90), 70),
        (_o("ETH", "amh:55 orm:40 tir:5", 0.75), 50),
        (_o("EGY", "ara", 0.99), 45),
        (_o("SOM", "som", 0.50), 30),
        (_o("TUR", "tur:60 kmr:40", 0.86), 15),
        (_o("XXA", "ara", 0.75), 10),
        (_o("SSD", "eng:50 ara:50", 0.85), 8),
        (_o("YEM", "ara", 0.90), 8),
        (_o("PAK", "urd:50 pan:30 pus:20", 0.67), 8),
        (_o("DZA", "ara", 0.99), 6),
        (_o("MAR", "ara", 0.99), 6),
        (_o("LBY", "ara", 0.95), 6),
        (_o("CHN", "zho", 0.60), 6),
        (_o("GIN", "fra", 0.85), 5),
        (_o("TCD", "ara:70 fra:30", 0.95), 5),
    ]
)

# Trafficked into the UK: report Appendix 3, identified (Vietnamese 23, Romanian 17, Albanian 4,
# Eritrean 4, Polish 4, Egyptian 2, Somali 2) and suspected (Vietnamese 9, Afghan 7, Albanian 4,
# Chinese 3, Nigerian 3, Bangladeshi 1, Bulgarian 1); Hungarian, Slovak and Zimbabwean children
# from the missing tables and the brief. Gender where given: Romanian 5 boys to 12 girls,
# Nigerian 0 to 3; Vietnamese children who went missing were all boys (12 of 12).
TRAFFICKED_ORIGINS = Weighted(
    [
        (_o("VNM", "vie", 0.70), 32),
        (_o("ROU", "ron", 0.30), 17),
        (_o("ALB", "sqi", 0.60), 10),
        (_o("AFG", "prs:50 pus:50", 0.90), 7),
        (_o("NGA", "eng:40 yor:25 ibo:15 pcm:15 hau:5", 0.20), 6),
        (_o("CHN", "zho", 0.60), 5),
        (_o("SVK", "slk", 0.45), 5),
        (_o("POL", "pol", 0.50), 4),
        (_o("ERI", "tir", 0.60), 4),
        (_o("HUN", "hun", 0.30), 3),
        (_o("BGR", "bul", 0.40), 3),
        (_o("SDN", "ara", 0.90), 3),
        (_o("EGY", "ara", 0.95), 2),
        (_o("SOM", "som", 0.40), 2),
        (_o("BGD", "ben:60 syl:40", 0.50), 2),
        (_o("IRN", "fas", 0.70), 2),
        (_o("ZWE", "eng:50 sna:50", 0.20), 1),
        (_o("TUR", "tur", 0.80), 1),
    ]
)
# Nationalities of trafficked children who may also claim asylum (not EU citizens).
ASYLUM_NATIONALITIES = frozenset(
    {"VNM", "ALB", "AFG", "NGA", "CHN", "ERI", "SDN", "EGY", "SOM", "BGD", "IRN", "ZWE", "TUR"}
)

# British children: report Appendix 3, British were the second largest group of trafficked
# children and most of them girls (identified: 3 boys, 10 girls; suspected: 6 boys, 10 girls).
BRITISH = _o("GBR", "eng", 0.35)
BRITISH_AT_RISK = _o("GBR", "eng", 0.50)
# At risk, not British: this module's judgement (EU citizens and children of settled families).
AT_RISK_OTHER_ORIGINS = Weighted(
    [
        (_o("ROU", "ron:70 eng:30", 0.45), 20),
        (_o("POL", "pol:50 eng:50", 0.5), 10),
        (_o("SVK", "slk:60 eng:40", 0.5), 8),
        (_o("NGA", "eng:80 yor:20", 0.5), 8),
        (_o("JAM", "eng", 0.55), 6),
        (_o("ALB", "sqi", 0.7), 6),
    ]
)
AT_RISK_BRITISH_SHARE = 0.85
# Separated, not seeking asylum: this module's judgement, including Ukrainian children
# separated from their parents since 2022.
SEPARATED_ORIGINS = Weighted(
    [
        (_o("ROU", "ron", 0.5), 20),
        (_o("UKR", "ukr", 0.5), 12),
        (_o("POL", "pol", 0.5), 10),
        (_o("NGA", "eng:70 yor:20 ibo:10", 0.45), 10),
        (_o("SVK", "slk", 0.5), 8),
        (_o("SOM", "som", 0.5), 8),
        (_o("ERI", "tir", 0.6), 6),
        (_o("AFG", "prs:50 pus:50", 0.8), 6),
        (_o("BGD", "ben:60 syl:40", 0.5), 6),
        (_o("PAK", "urd:60 pan:40", 0.5), 6),
        (_o("IND", "pan:40 hin:30 guj:30", 0.5), 5),
        (_o("IRQ", "ckb:50 ara:50", 0.7), 5),
        (_o("JAM", "eng", 0.5), 5),
        (_o("GHA", "eng:70 twi:30", 0.5), 4),
        (_o("BGR", "bul", 0.5), 4),
        (_o("HUN", "hun", 0.5), 3),
    ]
)

# Ages now. Unaccompanied asylum-seeking children are mostly 16 and 17 (DfE looked-after
# statistics; the report's workshops were with 15 to 18 year olds); other children in scope
# are younger on average, mostly teenagers. A few are 18 to 20: care leavers whose records
# stay on the register (rulebook R-18: turning 18 does not end the risk).
UASC_AGES = Weighted([(13, 2), (14, 5), (15, 14), (16, 32), (17, 40), (18, 4), (19, 2), (20, 1)])
OTHER_AGES = Weighted(
    [
        (8, 2),
        (9, 2),
        (10, 4),
        (11, 5),
        (12, 7),
        (13, 11),
        (14, 16),
        (15, 19),
        (16, 17),
        (17, 13),
        (18, 2),
        (19, 1),
        (20, 1),
    ]
)

# Where separated children arrive and are found: places only, for the evidence text.
PORTS = [
    "Dover",
    "Folkestone",
    "Heathrow",
    "Gatwick",
    "Harwich",
    "Portsmouth",
    "Hull",
    "Tilbury",
    "Stansted",
    "Holyhead",
    "Cairnryan",
    "Coquelles juxtaposed controls",
]
TOWNS = [
    "Birmingham",
    "Manchester",
    "Leeds",
    "Bristol",
    "Nottingham",
    "Leicester",
    "Coventry",
    "Southampton",
    "Norwich",
    "Peterborough",
    "Swansea",
    "Glasgow",
    "Luton",
    "Reading",
    "Bournemouth",
    "Stoke-on-Trent",
    "Sheffield",
    "Derby",
    "Margate",
    "Hastings",
    "Ipswich",
    "Bradford",
    "Liverpool",
    "Newcastle",
    "Plymouth",
    "Exeter",
    "Swindon",
    "Slough",
]

# Independent Child Trafficking Guardian areas, approximately (Home Office: the early adopter
# sites of Greater Manchester, Hampshire and the Isle of Wight, and Wales; then the West
# Midlands and Croydon). Check the current list before relying on it for anything real.
ICTG_AUTHORITIES = frozenset(
    {
        "E08000001",
        "E08000002",
        "E08000003",
        "E08000004",
        "E08000005",
        "E08000006",
        "E08000007",
        "E08000008",
        "E08000009",
        "E08000010",  # Greater Manchester
        "E10000014",
        "E06000046",
        "E06000044",
        "E06000045",  # Hampshire, IoW, Portsmouth, Southampton
        "E08000025",
        "E08000026",
        "E08000027",
        "E08000028",
        "E08000029",
        "E08000030",
        "E08000031",  # West Midlands
        "E09000008",  # Croydon
    }
)
ICTG_PREFIXES = ("W06",)  # all of Wales

# Postcode areas by region, for synthetic placement postcodes that look like the right place.
POSTCODE_AREAS = {
    "London": [
        "E",
        "N",
        "SE",
        "SW",
        "W",
        "NW",
        "EN",
        "HA",
        "UB",
        "IG",
        "RM",
        "BR",
        "CR",
        "KT",
        "TW",
        "SM",
        "DA",
    ],
    "South East": ["ME", "CT", "TN", "BN", "GU", "RH", "PO", "SO", "RG", "OX", "MK", "HP", "SL"],
    "East of England": ["CB", "CM", "CO", "IP", "NR", "PE", "SS", "LU", "AL", "SG"],
    "East Midlands": ["NG", "DE", "LE", "LN", "NN"],
    "West Midlands": ["B", "CV", "WS", "WV", "DY", "ST", "WR", "HR", "TF"],
    "North West": [
        "M",
        "L",
        "WA",
        "WN",
        "BL",
        "OL",
        "SK",
        "PR",
        "BB",
        "FY",
        "LA",
        "CA",
        "CH",
        "CW",
    ],
    "North East": ["NE", "SR", "DH", "TS", "DL"],
    "Yorkshire and The Humber": ["LS", "BD", "HD", "HX", "WF", "S", "DN", "HU", "YO", "HG"],
    "South West": ["BS", "BA", "EX", "PL", "TQ", "TR", "TA", "GL", "SN", "SP", "DT", "BH"],
    "Wales": ["CF", "SA", "NP", "LL", "SY", "LD"],
    "Scotland": ["G", "EH", "AB", "DD", "KY", "FK", "PA", "KA", "ML", "IV", "PH", "DG", "TD"],
    "Northern Ireland": ["BT"],
}
# The two demo councils get their own districts, so addresses on screen look local.
POSTCODE_DISTRICTS = {
    "E09000008": ["CR0", "CR2", "CR7", "CR8", "SE25", "SE19"],  # Croydon
    "E10000016": [
        "ME4",
        "ME10",
        "ME14",
        "ME15",
        "CT1",
        "CT9",
        "CT11",
        "CT16",
        "CT19",
        "CT20",
        "TN23",
        "TN24",
        "TN1",
        "DA1",
        "DA11",
        "DA12",
    ],  # Kent
    "E09000017": ["UB3", "UB4", "UB7", "UB8", "UB10", "HA4"],  # Hillingdon
    "E06000034": ["RM16", "RM17", "RM18", "RM20", "SS17"],  # Thurrock
}
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in the inward code
