"""`visible export 903`: an authority's SSDA903 return for one collection year, from the register.

A collection year is named by the year it starts (codes.py): 2025 is 2025/26, 1 April 2025 to
31 March 2026. The return is as at 31 March: an episode, missing period or UASC status that
ended after the year is written as still open. Which columns come from which field, and the
columns Visible does not hold (and so writes as the DfE's "not known" codes or derives), are
in docs/ssda903.md. Every value written is a function of the register alone, so export ->
import into an empty register -> export gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import CarePeriod, Child, Flag, FlagKind, Placement
from visible.dates import collection_period, eighteenth_birthday_dfe, uk_date
from visible.missing.models import Episode
from visible.reference.codes import FIRST_COLLECTION_YEAR, LAST_COLLECTION_YEAR

from .formats import FILE_NAMES, TABLES, csv_text, format_date
from .models import EpisodeDetail, ReturnDetail

# Columns Visible does not hold: what it writes instead (docs/ssda903.md, "Derived columns").
ETHNIC_NOT_OBTAINED = (
    "NOBT"  # information not yet obtained: Visible records nationality, not ethnicity
)
UPN_NOT_KNOWN = "UN5"  # the DfE's code for a UPN that is not known to the authority
CIN_ABSENT_PARENTING = "N8"  # category of need for an unaccompanied or separated child
CIN_ABUSE_OR_NEGLECT = "N1"
REC_NEW_EPISODE = "X1"  # episode ceased, a new one began the same day
REC_CEASED_OTHER = "E8"  # period of being looked after ceased for any other reason
RNE_STARTED = "S"  # started to be looked after
RNE_PLACEMENT_CHANGED = "P"  # change of placement only
REASON_CARE_PLAN = "CARPL"  # change of placement to implement the care plan
NO_PROVIDER_CODES = frozenset({"T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"})
TEMPORARY_CODES = frozenset({"T0", "T1", "T2", "T3", "T4"})
OWN_PROVISION_CODES = frozenset({"U1", "U2", "U3", "U4", "U5", "U6", "A3", "A4", "A5", "A6"})
PARENT_CODES = frozenset({"P1"})
SEPARATED_KINDS = (FlagKind.UASC, FlagKind.UNACCOMPANIED, FlagKind.SEPARATED)
# A placement whose code was withdrawn: the code it is written with from the year its
# successor arrived, so that an episode open across the change keeps one code from one year's
# return to the next (the DfE's rule 503D allows H5 -> K3 in 2024/25 and Z1 -> Z11-Z14 in
# 2025/26, nothing else). H5 semi-independent living became K3 supported accommodation in
# 2024/25; P2 independent living and Z1 were folded into "other placement" (Z1, then Z11).
SUCCESSOR_CODES = {
    "H5": ((2024, "K3"),),
    "P2": ((2024, "Z1"), (2025, "Z11")),
    "Z1": ((2025, "Z11"),),
}

# Tables Visible writes: the four it holds, and Reviews, OC3 and AD1 empty with their headers,
# so that the DfE's checks across tables run. PlacedAdoption, OC2 (outcomes), PrevPerm
# (previous permanence) and SWEpisodes (social workers) are left out rather than written
# empty: the DfE expects rows in them for some children (its rules 553, 191, 630, SW12STG2),
# so an empty file would be wrong in a way Visible, which does not hold that data, cannot put
# right (docs/ssda903.md).
WRITTEN_TABLES = ("Header", "Episodes", "Reviews", "UASC", "OC3", "AD1", "Missing")


def check_year(year: int) -> None:
    if not FIRST_COLLECTION_YEAR <= year <= LAST_COLLECTION_YEAR:
        raise ValueError(
            f"--year {year} is outside the collection years Visible has code lists for "
            f"({FIRST_COLLECTION_YEAR}/{str(FIRST_COLLECTION_YEAR + 1)[-2:]} to "
            f"{LAST_COLLECTION_YEAR}/{str(LAST_COLLECTION_YEAR + 1)[-2:]}); name the year by the year it starts: 2025 for 2025/26"
        )


def council_for_code(code: str) -> Organisation:
    organisation = (
        Organisation.objects.select_related("authority").filter(authority__code=code).first()
    )
    if organisation is None:
        raise ValueError(
            f"No council with children's services for authority {code} is on Visible: check the GSS code "
            "(E09000008 is Croydon) or set the council up first"
        )
    return organisation


def sex_code(sex: str, year: int) -> str:
    """Visible stores M/F/U; the return used 1/2 until 2023/24, with no code for a sex not
    known: such a child is written U, which the DfE's checks for those years reject, so that
    the authority sees it rather than a guess."""
    if year >= 2024:
        return sex
    return {"M": "1", "F": "2"}.get(sex, sex)


@dataclass
class Return:
    """The tables of one return, each a list of rows (tuples in the table's column order)."""

    year: int
    authority_code: str
    tables: dict[str, list[tuple[str, ...]]] = field(
        default_factory=lambda: {name: [] for name in TABLES}
    )

    def write(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name in WRITTEN_TABLES:
            path = directory / FILE_NAMES[name]
            path.write_bytes(csv_text(name, self.tables[name]).encode("utf-8"))
            written.append(path)
        return written

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items() if rows}


def child_identifier(child_903_id: str, pk: int) -> str:
    return child_903_id or f"V{pk:09d}"


def place_code_in(code: str, year: int) -> str:
    """The code a placement is written with in a year's return: its own, or, once a successor
    had arrived, the successor's (an H5 placement open in 2024/25 or later is K3)."""
    for first_year, successor in reversed(SUCCESSOR_CODES.get(code, ())):
        if year >= first_year:
            return successor
    return code


def build_return(organisation: Organisation, year: int) -> Return:
    check_year(year)
    start, end = collection_period(year)
    result = Return(year=year, authority_code=organisation.authority.code)
    mine = {"child__responsible_organisation": organisation}

    children = {
        c["pk"]: c
        for c in Child.objects.filter(responsible_organisation=organisation).values(
            "pk", "child_903_id", "date_of_birth", "sex", "legal_status"
        )
    }
    details = {
        d["child_id"]: d
        for d in ReturnDetail.objects.filter(**mine).values(
            "child_id", "ethnic", "upn", "home_postcode", "mother", "mc_dob"
        )
    }
    episode_details: dict[int, dict] = {
        d["placement_id"]: dict(d)
        for d in EpisodeDetail.objects.filter(
            placement__child__responsible_organisation=organisation, placement__start_date__lte=end
        ).values("placement_id", "rne", "cin", "place_provider", "reason_place_change", "urn", "ls")
    }
    # Why each period of care ended (REC), by the day it ended: as the return that brought it
    # gave it, or as recorded in Visible; E8 only where nothing says why
    care_ended: dict[int, dict[dt.date, str]] = {}
    for child_id, ended, reason in CarePeriod.objects.filter(
        **mine, end_date__isnull=False, end_date__gte=start - dt.timedelta(days=1)
    ).values_list("child_id", "end_date", "end_reason"):
        if ended is not None:  # (the filter asks for ended periods)
            care_ended.setdefault(child_id, {})[ended] = reason
    placements: dict[int, list[dict]] = {}
    for p in (
        Placement.objects.filter(**mine, start_date__lte=end)
        .order_by("child_id", "start_date")
        .values("pk", "child_id", "place_code", "start_date", "end_date", "postcode")
    ):
        placements.setdefault(p["child_id"], []).append(p)
    separated: dict[int, set[str]] = {}
    uasc_end: dict[int, dt.date | None] = {}
    for f in (
        Flag.objects.filter(**mine, kind__in=SEPARATED_KINDS, start_date__lte=end)
        .values("child_id", "kind", "start_date", "end_date")
        .order_by("child_id", "start_date")
    ):
        separated.setdefault(f["child_id"], set()).add(f["kind"])
        if f["kind"] == FlagKind.UASC and (f["end_date"] is None or f["end_date"] >= start):
            uasc_end[f["child_id"]] = f["end_date"]
    missing: dict[int, list[tuple]] = {}
    for e in (
        Episode.objects.filter(**mine)
        .values_list("child_id", "category", "last_seen_at", "returned_at")
        .order_by("child_id", "last_seen_at")
    ):
        missing.setdefault(e[0], []).append(e[1:])

    rows_by_child = []
    for pk, child in children.items():
        detail = details.get(pk, {})
        episodes, spans, written = _episode_rows(
            child,
            detail,
            placements.get(pk, []),
            episode_details,
            separated.get(pk, set()),
            year,
            care_ended.get(pk, {}),
        )
        if not episodes:
            continue  # not looked after during the year: not in this return
        rows_by_child.append(
            (
                child_identifier(child["child_903_id"], pk),
                pk,
                child,
                detail,
                episodes,
                spans,
                written,
            )
        )
    rows_by_child.sort(key=lambda item: item[0])

    for identifier, pk, child, detail, episodes, spans, written in rows_by_child:
        dob = format_date(child["date_of_birth"])
        sex = sex_code(child["sex"], year)
        mother = detail.get("mother") or ("0" if child["sex"] == "F" else "")
        result.tables["Header"].append(
            (
                identifier,
                sex,
                dob,
                detail.get("ethnic") or ETHNIC_NOT_OBTAINED,
                detail.get("upn") or UPN_NOT_KNOWN,
                mother,
                format_date(detail.get("mc_dob")),
            )
        )
        for row in episodes:
            result.tables["Episodes"].append((identifier, *row))
        if pk in uasc_end:
            # DUC: the day UASC status ceased or, while it lasts, will cease: the 18th birthday
            # as the DfE counts it (28 February for a child born on 29 February), because its
            # rules 304, 205B and 205C compare DUC with that day, year on year.
            eighteenth = eighteenth_birthday_dfe(child["date_of_birth"])
            ceased = min(uasc_end[pk] or eighteenth, eighteenth)
            result.tables["UASC"].append((identifier, sex, dob, format_date(ceased)))
        for category, began, ended in _missing_periods(
            missing.get(pk, []), spans, written, start, end
        ):
            result.tables["Missing"].append(
                (identifier, dob, category, format_date(began), format_date(ended))
            )
    return result


def _missing_periods(
    episodes: list[tuple],
    spans: list[tuple[dt.date, dt.date | None]],
    written: list[tuple[dt.date, dt.date | None]],
    start: dt.date,
    end: dt.date,
) -> list[tuple[str, dt.date, dt.date | None]]:
    """The missing and away periods of a year's return: those that began while the child was
    looked after and overlap the year. A child still missing when they ceased to be looked
    after (turning 18, say) is, for the return, missing until that day: the 903 closes the
    period with the episode (rules 575-577). The register keeps the episode open (rulebook
    section 2): the return and the register answer different questions."""
    periods = []
    for category, seen, returned in episodes:
        began = uk_date(seen)
        ended = uk_date(returned) if returned else None
        span = next(((a, b) for a, b in spans if a <= began and (b is None or began <= b)), None)
        if span is None:
            continue  # not looked after when it began: not part of a looked-after child's return
        care_ended = span[1]
        if care_ended is not None and (ended is None or ended > care_ended):
            ended = care_ended
        if began > end or (ended is not None and ended < start):
            continue
        ended = ended if ended is not None and ended <= end else None
        if ended is None:
            # Still missing when the placement they went missing from ended (a move while
            # missing): the return ends the period with that placement (rule 575).
            ended = next(
                (dec for decom, dec in written if dec is not None and decom <= began <= dec), None
            )
        periods.append((category, began, ended))
    return periods


def _episode_rows(
    child: dict,
    detail: dict,
    placements: list[dict],
    details: dict[int, dict],
    separated: set[str],
    year: int,
    care_ended: dict[dt.date, str] | None = None,
) -> tuple[list[tuple], list[tuple[dt.date, dt.date | None]], list[tuple[dt.date, dt.date | None]]]:
    """One 903 episode per placement that overlaps the year (Visible records a legal status per
    child, so an episode changes only with the placement), and the spans the child was looked
    after. A placement followed the next day by another is an episode that ceased with X1: its
    DEC is the day the next begins (DEC of one equals DECOM of the next). A placement that ends
    a period of care (`care_ended`: the day each period ended, with its REC) ceases with the
    period's reason; any other ending not followed the next day, with E8."""
    care_ended = care_ended or {}
    start, end = collection_period(year)
    rows = []
    spans: list[list] = []
    written: list[tuple[dt.date, dt.date | None]] = []  # (DECOM, DEC) of each episode written
    cin_default = CIN_ABSENT_PARENTING if separated else CIN_ABUSE_OR_NEGLECT
    legal_status = child["legal_status"] or "V2"
    # A UASC (or formerly UASC) child has no home postcode in the return: the DfE works out no
    # distance from home for them (validator rule 406).
    home = "" if FlagKind.UASC in separated else detail.get("home_postcode", "")
    previous_end: dt.date | None = None
    for i, p in enumerate(placements):
        following = placements[i + 1] if i + 1 < len(placements) else None
        continues = (
            previous_end is not None
            and previous_end not in care_ended  # a new period of care begins
            and p["start_date"] == previous_end + dt.timedelta(days=1)
        )
        ended = p["end_date"]
        previous_end = ended
        if ended is not None and ended in care_ended:
            dec, rec = ended, care_ended[ended] or REC_CEASED_OTHER
        elif (
            ended is not None
            and following is not None
            and following["start_date"] == ended + dt.timedelta(days=1)
        ):
            dec, rec = following["start_date"], REC_NEW_EPISODE
        elif ended is not None:
            dec, rec = ended, REC_CEASED_OTHER
        else:
            dec, rec = None, ""
        if p["start_date"] > end or (dec is not None and dec < start):
            continue
        # The spans of care as the return shows them, from the first episode it includes: a
        # missing period that began before it (during an episode that ended before the year)
        # cannot be placed by the DfE's checks (rules 577, 578, 581) and is left out.
        if continues and spans:
            spans[-1][1] = dec
        else:
            spans.append([p["start_date"], dec])
        if dec is not None and dec > end:
            spans[-1][1] = None
            dec, rec = None, ""  # as at 31 March: still open
        written.append((p["start_date"], dec))
        code = place_code_in(p["place_code"], year)
        extra = details.get(p["pk"], {})
        provider = (
            ""
            if code in NO_PROVIDER_CODES
            else (extra.get("place_provider") or _provider_for(code))
        )
        reason = ""
        if rec == REC_NEW_EPISODE and code not in TEMPORARY_CODES:
            reason = extra.get("reason_place_change") or REASON_CARE_PLAN
        rows.append(
            (
                format_date(p["start_date"]),
                extra.get("rne") or (RNE_PLACEMENT_CHANGED if continues else RNE_STARTED),
                extra.get("ls") or legal_status,
                extra.get("cin") or cin_default,
                code,
                provider,
                format_date(dec),
                rec,
                reason,
                home,
                p["postcode"],
                extra.get("urn", ""),
            )
        )
    return rows, [tuple(s) for s in spans], written


def _provider_for(code: str) -> str:
    if code in PARENT_CODES:
        return "PR0"
    if code in OWN_PROVISION_CODES:
        return "PR1"
    return "PR4"


def export_return(
    organisation: Organisation, year: int, directory: Path, viewer: Viewer | None = None
) -> Return:
    """Write the return's files into `directory` and record the export in the audit log."""
    result = build_return(organisation, year)
    write_return(organisation, result, directory, viewer)
    return result


def write_return(
    organisation: Organisation, result: Return, directory: Path, viewer: Viewer | None = None
) -> None:
    """Write a return built by build_return into `directory`, recording the export."""
    year = result.year
    result.write(directory)
    counts = result.counts()
    record(
        viewer or Viewer.system("export 903"),
        AuditAction.EXPORT,
        object_type="ssda903",
        summary=f"Exported the SSDA903 return {year}/{str(year + 1)[-2:]} for {organisation.name}: "
        f"{counts.get('Header', 0):,} children, {counts.get('Episodes', 0):,} episodes, "
        f"{counts.get('Missing', 0):,} missing periods",
        detail={"year": year, "authority": organisation.authority.code, "rows": counts},
    )
