"""The safeguarding partnership's annual report (Heading back to harm, Rec 6.i): for a
partnership area (one or more authorities) and a reporting year, the numbers of trafficked,
unaccompanied and separated children with their NRM referrals and outcomes, how many went
missing and what became of them, how long for, repeat missing, return interviews, and the
partnership's own account of its coordinated response; each compared with the year before.

The counting of children and incidents is the FOI return's (``foi.count_return`` over the
area's authorities): the groups, the "in care" rule, what counts as an incident and as still
missing are defined once, there. This module adds only what the FOI request does not ask:
NRM referrals of the same children, return interviews after the same incidents, and repeat
missing worked out from the same incidents. Numbers inside Visible are not suppressed (the
report is for the partnership); a published copy goes through the FOI return's downloads.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

import visible.pdf
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.charts import Bar, year_bars
from visible.children.models import (
    NrmDecision,
    NrmReferral,
    Placement,
    PlacementRefusal,
)
from visible.dates import reporting_period
from visible.missing.models import InterviewOutcome, ReturnInterview
from visible.reference.codes import FOSTER_PLACEMENT_CODES, RESIDENTIAL_PLACEMENT_CODES
from visible.reference.models import Authority
from visible.risk.arrival import HOTEL_DETAILS, SUPPORTED_CODES, UNREGULATED_CODES
from visible.risk.settings import RiskSettings

from . import first_days, foi, policy
from .models import PartnershipArea, PartnershipSection, SectionKey

TEMPLATE = "web/returns/partnership_report.html"
PAGE_BASE = "web/base.html"
PDF_BASE = visible.pdf.BASE_TEMPLATE
DEFAULTS = RiskSettings()  # R-REPEAT thresholds and the 72-hour interview clock: the rulebook's


# --- the year ----------------------------------------------------------------------------------


def reporting_year(area: PartnershipArea, year: int) -> tuple[dt.date, dt.date]:
    """First and last day of the reporting year that starts in ``year`` (April to March by
    default)."""
    return reporting_period(year, area.year_start_month)


def year_label(area: PartnershipArea, year: int) -> str:
    return str(year) if area.year_start_month == 1 else f"{year} to {year + 1}"


def check_year(area: PartnershipArea, year: int) -> None:
    today = timezone.localdate()
    if not 2000 <= year <= today.year:
        raise ValueError(
            f"--year: {year} is not a reporting year Visible can count; give a year from 2000 "
            f"to {today.year}"
        )
    start, _ = reporting_year(area, year)
    if start > today:
        raise ValueError(
            f"--year: the {year_label(area, year)} reporting year of {area.name} starts on "
            f"{start:%d/%m/%Y}, after today; choose {year - 1} for the year in progress"
        )


def partnership_by_name(name: str) -> PartnershipArea:
    area = PartnershipArea.objects.filter(name__iexact=(name or "").strip()).first()
    if area is None:
        known = (
            ", ".join(f"'{n}'" for n in PartnershipArea.objects.values_list("name", flat=True)[:10])
            or "none yet"
        )
        raise ValueError(
            f"--partnership: no partnership area is called '{name}' (known: {known}); "
            "create one with visible partnership-area --name NAME --authority GSS"
        )
    return area


# --- the figures -------------------------------------------------------------------------------


@dataclass
class YearFigures:
    label: str
    start: dt.date
    end: dt.date
    counts: foi.FoiReturn
    nrm: dict[str, int]
    interviews: dict[str, int]
    repeat: dict[str, int]
    placements: dict[str, int] = field(default_factory=dict)
    arrivals: dict[str, int] = field(default_factory=dict)
    arrival_median_hours: int | None = None

    @property
    def is_complete(self) -> bool:
        return self.counts.is_complete


def _nrm(result: foi.FoiReturn) -> dict[str, int]:
    """Referrals made in the year for the children in scope, with their decisions as
    recorded now (a decision made after the year still tells the referral's outcome)."""
    rows = list(
        NrmReferral.objects.filter(
            child_id__in=list(result.children), referred_on__range=(result.start, result.end)
        ).values_list("child_id", "rg_decision", "cg_decision", "stayed")
    )
    rg = Counter(r[1] for r in rows)
    cg = Counter(r[2] for r in rows if r[1] == NrmDecision.POSITIVE)
    return {
        "referrals": len(rows),
        "children_referred": len({r[0] for r in rows}),
        "rg_positive": rg[NrmDecision.POSITIVE],
        "rg_negative": rg[NrmDecision.NEGATIVE],
        "rg_pending": rg[NrmDecision.PENDING],
        "cg_positive": cg[NrmDecision.POSITIVE],
        "cg_negative": cg[NrmDecision.NEGATIVE],
        "cg_pending": cg[NrmDecision.PENDING],
        "stayed": sum(1 for r in rows if r[3]),
    }


def _interviews(result: foi.FoiReturn) -> dict[str, int]:
    """Return interviews after the incidents that ended in the year (rulebook section 5:
    offered, and held within 72 hours of the return)."""
    ended = {
        i.episode_id: i
        for i in result.incidents
        if i.returned_at is not None and i.returned_at >= result.period_start
    }
    found = ReturnInterview.objects.filter(episode_id__in=list(ended)).values_list(
        "episode_id", "outcome", "done_at"
    )
    clock = dt.timedelta(hours=DEFAULTS.return_interview_hours)
    held = within = declined = offered = 0
    for episode_id, outcome, done_at in found:
        offered += 1
        if outcome == InterviewOutcome.DECLINED:
            declined += 1
        if outcome == InterviewOutcome.DONE and done_at:
            held += 1
            if done_at - ended[episode_id].returned_at <= clock:
                within += 1
    return {
        "returns": len(ended),
        "offered": offered,
        "held": held,
        "held_within_72_hours": within,
        "declined": declined,
        "not_offered": len(ended) - offered,
    }


def _repeat(result: foi.FoiReturn) -> dict[str, int]:
    """Children who went missing more than once in the year (the report's measure), and
    those with R-REPEAT's 3 or more incidents within 90 days, counting the year's incidents."""
    starts: dict[int, list[dt.datetime]] = defaultdict(list)
    for incident in result.incidents:
        starts[incident.child_id].append(incident.last_seen_at)
    window = dt.timedelta(days=DEFAULTS.repeat_window_days)
    need = DEFAULTS.repeat_episodes
    r_repeat = 0
    for times in starts.values():
        times.sort()
        if any(times[i + need - 1] - times[i] <= window for i in range(len(times) - need + 1)):
            r_repeat += 1
    return {
        "went_missing": len(starts),
        "more_than_once": sum(1 for t in starts.values() if len(t) > 1),
        "r_repeat": r_repeat,
        "incidents": len(result.incidents),
    }


# Kinds of placement the report counts children in (issue 17), in the report's order.
PLACEMENT_KINDS = (
    ("foster", "Foster care"),
    ("residential", "Children's homes and residential care"),
    ("supported", "Supported or semi-independent accommodation"),
    ("unregulated", "Hotels, B&B and other unregulated settings"),
    ("other", "Other placements"),
)


def placement_kind(place_code: str, detail: str, unregulated: bool) -> str:
    """The kind of setting a placement is, for the report: unregulated first (a hotel may be
    coded Z11), then by its SSDA903 PLACE code."""
    if unregulated or detail in HOTEL_DETAILS or place_code in UNREGULATED_CODES:
        return "unregulated"
    if place_code in SUPPORTED_CODES:
        return "supported"
    if place_code in FOSTER_PLACEMENT_CODES:
        return "foster"
    if place_code in RESIDENTIAL_PLACEMENT_CODES:
        return "residential"
    return "other"


def _placements(result: foi.FoiReturn) -> dict[str, int]:
    """The children in scope placed in each kind of setting at any time in the year (a child
    moved from a hotel to foster care is in both rows), and the placements refused by the
    suitability gate in the year."""
    kinds: dict[int, set[str]] = defaultdict(set)
    for child_id, code, detail, unregulated in (
        Placement.objects.filter(child_id__in=list(result.children), start_date__lte=result.end)
        .exclude(end_date__lt=result.start)
        .values_list("child_id", "place_code", "detail", "unregulated")
    ):
        kinds[child_id].add(placement_kind(code, detail, unregulated))
    counted = Counter(kind for found in kinds.values() for kind in found)
    return {code: counted[code] for code, _ in PLACEMENT_KINDS} | {
        "refused": PlacementRefusal.objects.filter(
            child_id__in=list(result.children),
            refused_at__gte=result.period_start,
            refused_at__lt=result.period_end,
        ).count()
    }


def _arrivals(result: foi.FoiReturn) -> tuple[dict[str, int], int | None]:
    """The children in scope who arrived in the year (an arrival checklist started), how many
    then went missing or away, how soon (Heading back to harm: most within a week, many within
    48 hours), and the median hours from arriving to the first time: the FOI return's first
    days (returns/first_days.py) for all its groups together."""
    section = first_days.first_days(result)
    counts = section.counts["any"]
    return {
        "arrived": counts["arrived"],
        "went_missing": counts["went_missing_or_away"],
        "within_48_hours": counts["within_48_hours"],
        "within_7_days": counts["within_7_days"],
    }, section.median_hours["any"]


def figures(area: PartnershipArea, year: int, authorities: list[Authority]) -> YearFigures:
    start, end = reporting_year(area, year)
    result = foi.count_return(authorities, start, end)
    return YearFigures(
        year_label(area, year),
        start,
        end,
        result,
        _nrm(result),
        _interviews(result),
        _repeat(result),
        _placements(result),
        *_arrivals(result),
    )


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    this: int
    previous: int

    @property
    def change(self) -> str:
        diff = self.this - self.previous
        return f"+{diff:,}" if diff > 0 else f"{diff:,}" if diff < 0 else "no change"


@dataclass
class NumbersSection:
    key: str
    title: str
    intro: str
    unit: str
    rows: list[Row]
    chart: SafeString | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class WrittenSection:
    key: str
    title: str
    text: str
    version: int
    updated_by: str
    updated_at: dt.datetime | None


@dataclass
class AuthorityRow:
    name: str
    code: str
    children: int
    went_missing: int
    incidents: int
    still_missing: int


@dataclass
class PartnershipReport:
    area: PartnershipArea
    year: int
    authorities: list[Authority]
    this: YearFigures
    previous: YearFigures
    numbers: list[NumbersSection]
    written: list[WrittenSection]
    by_authority: list[AuthorityRow]
    generated_at: dt.datetime

    @property
    def title(self) -> str:
        return f"{self.area.name}: annual report {self.this.label}"

    def section(self, key: str) -> NumbersSection:
        return next(s for s in self.numbers if s.key == key)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "none"


def _sections(this: YearFigures, previous: YearFigures) -> list[NumbersSection]:
    a, b = this.counts, previous.counts

    def counted(group: str, measure: str, label: str) -> Row:
        return Row(label, a.count(group, measure), b.count(group, measure))

    sections = [
        NumbersSection(
            "children",
            "Trafficked, unaccompanied and separated children",
            "Children in the partnership's "
            "care during the year with each flag in force; a child with several flags is in several rows, "
            "and once in the last.",
            "children",
            [
                counted("trafficked_identified", "children", "Identified as trafficked"),
                counted("trafficked_suspected", "children", "Suspected of having been trafficked"),
                counted("uasc", "children", "Unaccompanied asylum-seeking children"),
                counted("unaccompanied", "children", "Unaccompanied children"),
                counted("separated", "children", "Separated children"),
                counted("any", "children", "All of these children"),
            ],
        ),
        NumbersSection(
            "nrm",
            "National Referral Mechanism",
            "Referrals made during the year for these children, with "
            "the decisions recorded on them so far.",
            "referrals",
            [
                Row("Referrals made", this.nrm["referrals"], previous.nrm["referrals"]),
                Row(
                    "Reasonable grounds: positive",
                    this.nrm["rg_positive"],
                    previous.nrm["rg_positive"],
                ),
                Row(
                    "Reasonable grounds: negative",
                    this.nrm["rg_negative"],
                    previous.nrm["rg_negative"],
                ),
                Row(
                    "Reasonable grounds: awaiting",
                    this.nrm["rg_pending"],
                    previous.nrm["rg_pending"],
                ),
                Row(
                    "Conclusive grounds: positive",
                    this.nrm["cg_positive"],
                    previous.nrm["cg_positive"],
                ),
                Row(
                    "Conclusive grounds: negative",
                    this.nrm["cg_negative"],
                    previous.nrm["cg_negative"],
                ),
                Row(
                    "Conclusive grounds: awaiting",
                    this.nrm["cg_pending"],
                    previous.nrm["cg_pending"],
                ),
                Row(
                    "Decisions stayed while the child was missing",
                    this.nrm["stayed"],
                    previous.nrm["stayed"],
                ),
            ],
            notes=[
                f"{this.nrm['children_referred']:,} children were referred in {this.label} "
                f"({previous.nrm['children_referred']:,} in {previous.label})."
            ],
        ),
        NumbersSection(
            "missing",
            "Children who went missing or away",
            "Children missing (whereabouts not known, M) or "
            "away from placement without authorisation (whereabouts known, A) at any time in the year, and "
            "the incidents.",
            "children and incidents",
            [
                counted("any", "children_missing_or_away", "Children missing or away"),
                counted("any", "children_missing", "Children missing (M)"),
                counted("any", "children_away", "Children away (A)"),
                counted("any", "incidents", "Incidents"),
                counted("any", "incidents_missing", "Incidents of missing (M)"),
                counted("any", "incidents_away", "Incidents of away (A)"),
            ],
            notes=[
                f"{_share(a.count('any', 'children_missing_or_away'), a.count('any', 'children'))} of "
                f"these children went missing or away in {this.label} "
                f"({_share(b.count('any', 'children_missing_or_away'), b.count('any', 'children'))} "
                f"in {previous.label})."
            ],
        ),
        NumbersSection(
            "outcomes",
            "What happened",
            "How each incident ended, as at the end of the year. A young person "
            "who turned 18 while missing is still missing: turning 18 closes nothing (Rec 5.iii).",
            "incidents and young people",
            [
                counted("any", "incidents_returned_themselves", "Came back by themselves"),
                counted("any", "incidents_found", "Found (police, carers, others)"),
                counted("any", "incidents_still_missing", "Still missing at the end of the year"),
                counted(
                    "any",
                    "children_still_missing_turned_18",
                    "Turned 18 while missing, still missing",
                ),
            ],
        ),
        NumbersSection(
            "durations",
            "How long",
            "The length of each incident, in the bands of the report (about a third "
            "of these children were missing more than 7 days, against 2% nationally).",
            "incidents",
            [counted("any", f"incidents_{code}", label) for code, label in foi.DURATION_BANDS],
        ),
        NumbersSection(
            "repeat",
            "Repeat missing",
            f"Children who went missing more than once in the year (the report's "
            f"measure), and those with {DEFAULTS.repeat_episodes} or more incidents within "
            f"{DEFAULTS.repeat_window_days} days (Visible's repeat missing alert).",
            "children",
            [
                Row(
                    "Went missing or away",
                    this.repeat["went_missing"],
                    previous.repeat["went_missing"],
                ),
                Row(
                    "More than once",
                    this.repeat["more_than_once"],
                    previous.repeat["more_than_once"],
                ),
                Row(
                    f"{DEFAULTS.repeat_episodes} or more within {DEFAULTS.repeat_window_days} days",
                    this.repeat["r_repeat"],
                    previous.repeat["r_repeat"],
                ),
            ],
            notes=[
                f"{this.repeat['incidents'] / this.repeat['went_missing']:.1f} incidents per child who "
                f"went missing in {this.label}."
                if this.repeat["went_missing"]
                else f"No child went missing in {this.label}."
            ],
        ),
        NumbersSection(
            "interviews",
            "Return interviews",
            "After each incident that ended in the year: was an independent "
            "return interview offered, and held within 72 hours of the return (DfE statutory guidance "
            "2014)?",
            "returns",
            [
                Row("Returns", this.interviews["returns"], previous.interviews["returns"]),
                Row(
                    "Interview offered", this.interviews["offered"], previous.interviews["offered"]
                ),
                Row("Interview held", this.interviews["held"], previous.interviews["held"]),
                Row(
                    "Held within 72 hours",
                    this.interviews["held_within_72_hours"],
                    previous.interviews["held_within_72_hours"],
                ),
                Row(
                    "Declined by the child",
                    this.interviews["declined"],
                    previous.interviews["declined"],
                ),
                Row(
                    "No interview recorded",
                    this.interviews["not_offered"],
                    previous.interviews["not_offered"],
                ),
            ],
            notes=[
                f"{_share(this.interviews['held_within_72_hours'], this.interviews['returns'])} of "
                f"returns in {this.label} were followed by an interview within 72 hours "
                f"({_share(previous.interviews['held_within_72_hours'], previous.interviews['returns'])}"
                f" in {previous.label})."
            ],
        ),
        NumbersSection(
            "placements",
            "Where the children were placed",
            "Children placed in each kind of setting at any time in the year; a child "
            "who moved is in each row that applies. No child under 16 may be placed outside a "
            "children's home or foster care, and supported accommodation must be registered with "
            "Ofsted.",
            "children",
            [
                Row(label, this.placements[code], previous.placements[code])
                for code, label in PLACEMENT_KINDS
            ],
            notes=[
                f"Placements refused as unsuitable in {this.label}: "
                f"{this.placements['refused']:,} ({previous.placements['refused']:,} in "
                f"{previous.label})."
            ],
        ),
        NumbersSection(
            "arrivals",
            "The first days in care",
            "Children who arrived in the year with an arrival checklist, and how soon any of "
            "them first went missing or away: the report found most of those who go missing do "
            "so within a week, many within 48 hours.",
            "children",
            [
                Row("Arrived", this.arrivals["arrived"], previous.arrivals["arrived"]),
                Row(
                    "Went missing or away after arriving",
                    this.arrivals["went_missing"],
                    previous.arrivals["went_missing"],
                ),
                Row(
                    "Within 48 hours of arriving",
                    this.arrivals["within_48_hours"],
                    previous.arrivals["within_48_hours"],
                ),
                Row(
                    "Within 7 days of arriving",
                    this.arrivals["within_7_days"],
                    previous.arrivals["within_7_days"],
                ),
            ],
            notes=[
                f"Half of those who went missing in {this.label} first did so within "
                f"{this.arrival_median_hours:,} hours of arriving."
                if this.arrival_median_hours is not None
                else f"No child who arrived in {this.label} has gone missing or away."
            ],
        ),
    ]
    for section in sections:
        section.chart = year_bars(
            f"chart-{section.key}",
            section.title,
            [Bar(r.label, r.this, r.previous) for r in section.rows],
            this.label,
            previous.label,
        )
    return sections


def _written(area: PartnershipArea, year: int) -> list[WrittenSection]:
    saved = {s.key: s for s in PartnershipSection.objects.filter(partnership=area, year=year)}
    out = []
    for key, title in SectionKey.choices:
        s = saved.get(key)
        out.append(
            WrittenSection(
                key,
                title,
                s.text if s else "",
                s.version if s else 0,
                s.updated_by_name if s else "",
                s.updated_at if s else None,
            )
        )
    return out


def _by_authority(authorities: list[Authority], result: foi.FoiReturn) -> list[AuthorityRow]:
    rows = []
    for authority in sorted(authorities, key=lambda a: a.name):
        kids = {c.child_id for c in result.children.values() if c.authority_id == authority.pk}
        incidents = [i for i in result.incidents if i.child_id in kids]
        rows.append(
            AuthorityRow(
                authority.name,
                authority.code,
                len(kids),
                len({i.child_id for i in incidents}),
                len(incidents),
                sum(1 for i in incidents if i.still_missing),
            )
        )
    return rows


def build_report(area: PartnershipArea, year: int) -> PartnershipReport:
    """The report's numbers and words; no access check or audit (``report_for`` does both)."""
    check_year(area, year)
    authorities = list(area.authorities.order_by("name"))
    this = figures(area, year, authorities)
    previous = figures(area, year - 1, authorities)
    return PartnershipReport(
        area,
        year,
        authorities,
        this,
        previous,
        _sections(this, previous),
        _written(area, year),
        _by_authority(authorities, this.counts),
        timezone.now(),
    )


def refuse(viewer: Viewer, area: PartnershipArea, purpose: str) -> None:
    record(
        viewer,
        AuditAction.DENIED,
        object_type="partnership_report",
        object_id=area.pk,
        purpose=purpose,
        summary=f"Tried to open the annual report of {area.name}, a partnership their council is not part of "
        "or with a role that does not see counts",
    )
    raise PermissionDenied("Only councils in this partnership area can see its annual report")


def report_for(
    viewer: Viewer, area: PartnershipArea, year: int, purpose: str = "partnership report"
) -> PartnershipReport:
    if not policy.can_view_partnership(viewer, area):
        refuse(viewer, area, purpose)
    report = build_report(area, year)
    record(
        viewer,
        AuditAction.COUNT,
        object_type="partnership_report",
        object_id=area.pk,
        purpose=purpose,
        summary=f"Counted the {report.this.label} annual report of {area.name}",
        detail={
            "partnership": area.pk,
            "year": year,
            "authorities": [a.code for a in report.authorities],
            "children": len(report.this.counts.children),
            "incidents": len(report.this.counts.incidents),
        },
    )
    return report


def audit_export(viewer: Viewer, report: PartnershipReport, fmt: str, size: int) -> None:
    record(
        viewer,
        AuditAction.EXPORT,
        object_type="partnership_report",
        object_id=report.area.pk,
        summary=f"Downloaded the {report.this.label} annual report of {report.area.name} as {fmt.upper()}",
        detail={"format": fmt, "year": report.year, "bytes": size},
    )


# --- rendering ---------------------------------------------------------------------------------


def page_context(report: PartnershipReport, *, pdf: bool, can_write: bool = False) -> dict:
    return {
        "report": report,
        "pdf": pdf,
        "base_template": PDF_BASE if pdf else PAGE_BASE,
        "can_write": can_write,
        "this_label": report.this.label,
        "previous_label": report.previous.label,
    }


def render_html(report: PartnershipReport, *, pdf: bool = True) -> str:
    return render_to_string(TEMPLATE, page_context(report, pdf=pdf))


def pdf_document(report: PartnershipReport):
    """WeasyPrint's laid-out document (for the PDF and for tests). Charts are inline SVG:
    nothing is fetched (visible/pdf.py)."""
    return visible.pdf.document(render_html(report, pdf=True))


def render_pdf(report: PartnershipReport) -> bytes:
    return pdf_document(report).write_pdf()


def pdf_filename(report: PartnershipReport) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in report.area.name.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug}-annual-report-{report.year}.pdf"
