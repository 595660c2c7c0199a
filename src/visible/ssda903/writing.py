"""Writing a checked SSDA903 return into the register, with a short write transaction.

A return's rows are compared with the register first, outside any transaction (`plan`): what
is new, what changed, what clashes with the register (an error: nothing is written). New rows
are given their ids and made ready to be written (`visible.db.bulk`: `take_ids`, `stage`), and
what the plan read of the register is kept (`Snapshot`). Then one transaction (`write`) checks
that those rows of the register are still as the plan read them and writes everything: the
children, details, placements, flags and episodes, the updates, the audit events and the
import's record. The transaction holds SQLite's one write lock only for that, a second or two
for 150,000 rows instead of the whole comparison (bench/results/import-concurrency.md), so the
pages other people use while a return goes in wait at most that long to write their own rows.

Someone may change a child of the return while the plan is made (a placement recorded, a
date of birth corrected): then the register no longer matches the snapshot, the plan is thrown
away (nothing was written) and made again; after `PLANS_OUTSIDE` tries it is made inside the
transaction, as before this module, which cannot miss a change. Where the authority of a new
placement's postcode is looked up, the placements of children outside the return are read
too: a placement recorded for one of those in the meantime can change only that guess (the
warning counts the guesses), so it is not part of the snapshot.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.audit.log import Entry, record_many, write_rows
from visible.audit.models import AuditAction
from visible.children.models import (
    CarePeriod,
    CarePeriodSource,
    Child,
    DobBasis,
    Flag,
    FlagKind,
    Gender,
    Placement,
    Sex,
)
from visible.dates import UK_TIME, uk_date
from visible.db.bulk import BulkTable, Staged, take_ids
from visible.db.rows import RowReader
from visible.missing.models import Episode, ReporterRole
from visible.reference.codes import REC_CONTINUES, year_label

from .export import place_code_in
from .formats import parse_date
from .models import EpisodeDetail, ImportKind, ImportRun, KeptFile, ReturnDetail
from .reader import ReturnFiles
from .report import ImportReport

IMPORTER = "SSDA903 import"
NAME_NOT_IN_RETURN = "(name not in the return)"
NOT_RECORDED = "Not recorded in the SSDA903 return"
PLANS_OUTSIDE = 3  # plans made outside the transaction before one is made inside it


@dataclass
class ChildRows:
    line: int
    child_id: str
    sex: str
    dob: dt.date
    header: dict[str, str]
    episodes: list[tuple[int, dict, dt.date, dt.date | None]] = field(default_factory=list)
    uasc: tuple[int, dt.date | None] | None = None
    missing: list[tuple[int, str, dt.date, dt.date | None]] = field(default_factory=list)


class NewRow(dict):
    """A row to be written in bulk: a dict of field values, read like a model instance (row.pk
    is its id, taken before it is written)."""

    def __getattr__(self, name: str):
        try:
            return self["id" if name == "pk" else name]
        except KeyError:
            raise AttributeError(name) from None


@functools.lru_cache(maxsize=8192)
def _noon(day: dt.date) -> dt.datetime:
    """The return gives days, not times: an imported period is taken to begin and end at noon."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=UK_TIME).astimezone(dt.UTC)


def _placements_from(child: ChildRows) -> list[dict]:
    """The child's placements, from their episodes: one per episode, except that an episode
    that changes only the legal status (RNE L) continues the placement before it. An episode
    that ceased with X1 ends the day before the next began."""
    placements: list[dict] = []
    for line, row, decom, dec in child.episodes:
        rec = row["REC"].upper()
        end = dec
        if dec is not None and rec == "X1":
            end = dec - dt.timedelta(days=1)
        if placements and row["RNE"].upper() == "L" and placements[-1]["continues"]:
            placements[-1].update(
                end_date=end, continues=rec == "X1", ls=row["LS"].upper(), line=line
            )
            continue
        if end is not None and end < decom:
            continue  # ceased the day it began (X1): the next episode is the placement
        placements.append(
            {
                "line": line,
                "place_code": row["PLACE"].upper(),
                "start_date": decom,
                "end_date": end,
                "postcode": row["PL_POST"].upper(),
                "continues": rec == "X1",
                "ls": row["LS"].upper(),
                "rne": row["RNE"].upper(),
                "cin": row["CIN"].upper(),
                "place_provider": row["PLACE_PROVIDER"].upper(),
                "reason_place_change": row["REASON_PLACE_CHANGE"].upper(),
                "urn": row["URN"].upper(),
                "home": row["HOME_POST"].upper(),
            }
        )
    return placements


def _note(change: dict, what: str, day: dt.date) -> None:
    """What a child's audit event says was added: for a child the import created, how many
    (the event says where they came from); for a child already on the register, which."""
    if change.get("created"):
        change[what] = change.get(what, 0) + 1
    else:
        change.setdefault(what, []).append(day.isoformat())


def sex_and_gender_from_return(sex: str, gender: str, return_sex: str) -> tuple[str, str]:
    """The child's sex and gender once the return's SEX is used where nothing better is known:
    its sex where the register's is not known (a worker's or the register import's is kept),
    and boy or girl where the gender is not known and SEX says male or female of the child as
    the register now has them (issue 15). An unknown SEX changes nothing."""
    if sex not in (Sex.MALE, Sex.FEMALE) and return_sex in (Sex.MALE, Sex.FEMALE):
        sex = return_sex
    if gender == Gender.NOT_KNOWN and sex == return_sex:
        if return_sex == Sex.MALE:
            gender = Gender.BOY
        elif return_sex == Sex.FEMALE:
            gender = Gender.GIRL
    return sex, gender


def _same_code(register: str, file_code: str, year: int) -> bool:
    return register == file_code or place_code_in(register, year) == file_code


def _overlaps(
    a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None
) -> bool:
    return a_start <= (b_end or dt.date.max) and b_start <= (a_end or dt.date.max)


# --- what the plan read of the register ------------------------------------------------------

# The columns of each table a plan depends on, as `Snapshot` holds them: taken from the model
# instances the plan compared (`_as_read`), and read again straight from the database inside
# the write transaction (`Snapshot.now`). Both sides hold the values as the database gives
# them, so the second needs no converting: on SQLite dates and times as their stored text
# (":d", ":t"), on PostgreSQL as the driver's dates and aware datetimes.
CHILD_COLUMNS = (
    "id",
    "child_903_id",
    "date_of_birth:d",
    "sex",
    "gender",
    "looked_after_from:d",
    "legal_status",
    "version",
)
DETAIL_COLUMNS = ("id", "child_id", "ethnic", "upn", "home_postcode", "mother", "mc_dob:d")
PLACEMENT_COLUMNS = (
    "id",
    "child_id",
    "place_code",
    "start_date:d",
    "end_date:d",
    "postcode",
    "authority_id",
)
EPISODE_DETAIL_FIELDS = ("rne", "cin", "place_provider", "reason_place_change", "urn", "ls")
EPISODE_DETAIL_COLUMNS = ("id", "placement_id", *EPISODE_DETAIL_FIELDS)
CARE_PERIOD_COLUMNS = ("id", "child_id", "start_date:d", "end_date:d", "end_reason", "source")
FLAG_COLUMNS = ("id", "child_id", "start_date:d", "end_date:d")
EPISODE_COLUMNS = ("id", "child_id", "category", "last_seen_at:t", "returned_at:t")


@functools.cache
def _stored(columns: tuple[str, ...], sqlite: bool) -> tuple:
    """For each column, its attribute and how its value is stored (None: as it is)."""
    ops = connection.ops
    return tuple(
        (
            name,
            None
            if not sqlite or not kind
            else ops.adapt_datefield_value
            if kind == "d"
            else ops.adapt_datetimefield_value,
        )
        for name, _, kind in (c.partition(":") for c in columns)
    )


def _as_read(instance: Model, columns: tuple[str, ...]) -> tuple:
    """The instance's values of ``columns`` as the database gives them (`Snapshot.now`)."""
    return tuple(
        getattr(instance, name) if store is None else store(getattr(instance, name))
        for name, store in _stored(columns, connection.vendor == "sqlite")
    )


@dataclass(frozen=True)
class Snapshot:
    """The rows of the register a plan was made from: the return's children already on it
    (matched by CHILD) and their details, placements, UASC flags and missing episodes."""

    children: frozenset
    details: frozenset
    placements: frozenset
    episode_details: frozenset
    flags: frozenset
    episodes: frozenset
    care_periods: frozenset

    @classmethod
    def now(cls, organisation: Organisation, return_ids: set[str], child_ids: set[int]) -> Snapshot:
        """The same rows as they are in the database now, read straight from the cursor."""
        reader = RowReader()
        org = organisation.pk

        def read(queryset, columns, keep) -> frozenset:
            if not reader.sqlite:  # PostgreSQL's driver gives dates and aware datetimes itself
                columns = tuple(c.removesuffix(":t") for c in columns)
            return frozenset(row for row in reader.rows(queryset, *columns) if keep(row))

        mine = child_ids.__contains__
        children = read(
            Child.objects.filter(responsible_organisation_id=org).exclude(child_903_id=""),
            CHILD_COLUMNS,
            lambda row: row[1] in return_ids,
        )
        placements = read(
            Placement.objects.filter(child__responsible_organisation_id=org),
            PLACEMENT_COLUMNS,
            lambda row: mine(row[1]),
        )
        placement_ids = {row[0] for row in placements}
        return cls(
            children=children,
            details=read(
                ReturnDetail.objects.filter(child__responsible_organisation_id=org),
                DETAIL_COLUMNS,
                lambda row: mine(row[1]),
            ),
            placements=placements,
            episode_details=read(
                EpisodeDetail.objects.filter(placement__child__responsible_organisation_id=org),
                EPISODE_DETAIL_COLUMNS,
                lambda row: row[1] in placement_ids,
            ),
            flags=read(
                Flag.objects.filter(child__responsible_organisation_id=org, kind=FlagKind.UASC),
                FLAG_COLUMNS,
                lambda row: mine(row[1]),
            ),
            episodes=read(
                Episode.objects.filter(child__responsible_organisation_id=org),
                EPISODE_COLUMNS,
                lambda row: mine(row[1]),
            ),
            care_periods=read(
                CarePeriod.objects.filter(child__responsible_organisation_id=org),
                CARE_PERIOD_COLUMNS,
                lambda row: mine(row[1]),
            ),
        )


# --- the plan --------------------------------------------------------------------------------


@dataclass
class Plan:
    """Everything an import will write, worked out from the return and the register."""

    report: ImportReport
    organisation: Organisation
    year: int
    now: dt.datetime
    return_ids: set[str]
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    changes: dict[str, dict] = field(default_factory=lambda: defaultdict(dict))
    existing: dict[str, Child] = field(default_factory=dict)
    by_cid: dict = field(default_factory=dict)
    # (model, rows, with their ids) to add; (model, instances, fields) to update
    inserts: list[tuple[Any, list, bool]] = field(default_factory=list)
    updates: list[tuple[Any, list, list[str]]] = field(default_factory=list)
    read: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    staged: list[Staged] = field(default_factory=list)
    expected: Snapshot | None = None
    audit_entries: list[Entry] = field(default_factory=list)

    @property
    def child_ids(self) -> set[int]:
        return {child.pk for child in self.existing.values()}

    def snapshot(self) -> Snapshot:
        return Snapshot(
            **{name: frozenset(self.read[name]) for name in Snapshot.__dataclass_fields__}
        )

    def unchanged(self) -> bool:
        """Whether the register is still as the plan read it (inside the write transaction)."""
        expected = self.expected or self.snapshot()
        return expected == Snapshot.now(self.organisation, self.return_ids, self.child_ids)

    def entries(self) -> list[Entry]:
        """The audit event of each child added or changed, in the order of their CHILD ids."""
        label = year_label(self.year)
        changes, by_cid = self.changes, self.by_cid
        return [
            Entry(
                AuditAction.CREATE if changes[cid].get("created") else AuditAction.CHANGE,
                object_type="child",
                object_id=by_cid[cid].pk,
                child_id=by_cid[cid].pk,
                summary=(
                    f"Added from the SSDA903 return {label}"
                    if changes[cid].get("created")
                    else f"Updated from the SSDA903 return {label}: "
                    + ", ".join(
                        sorted(changes[cid].get("changes", {}))
                        + sorted(k for k in changes[cid] if k not in ("changes", "created"))
                    )
                ),
                detail={"record": "child", "source": f"SSDA903 {label}", **changes[cid]},
            )
            for cid in sorted(cid for cid, change in changes.items() if change)
        ]

    def stage(self) -> None:
        """Make the new rows and the children's audit events ready, and what the plan read
        comparable, before the transaction opens."""
        self.expected = self.snapshot()
        self.audit_entries = self.entries()
        for model, rows, with_id in self.inserts:
            self.staged.append(
                BulkTable(model, self.now, with_id=with_id, repeats=True).stage(rows)
            )

    def discard(self) -> None:
        for staged in self.staged:
            staged.discard()
        self.staged = []


def plan(
    parsed: dict[str, ChildRows],
    found: ReturnFiles,
    organisation: Organisation,
    year: int,
    report: ImportReport,
    step=lambda part: None,
) -> Plan:
    """Compare the checked return with the register: what to add, change and end, and any
    clash with the register (an error in ``report``). Writes nothing but the ids it takes."""
    today = timezone.localdate()
    now = timezone.now()
    work = Plan(report, organisation, year, now, set(parsed))
    counts, changes = work.counts, work.changes

    # The authority's whole register, filtered here: an IN list of 50,000 identifiers would
    # pass SQLite's limit on parameters.
    step(1)
    existing = work.existing
    for c in Child.objects.filter(responsible_organisation=organisation).exclude(child_903_id=""):
        if c.child_903_id in parsed:
            existing[c.child_903_id] = c
            work.read["children"].add(_as_read(c, CHILD_COLUMNS))
    plans = {cid: _placements_from(rows) for cid, rows in parsed.items()}

    # Children
    new_children: list[NewRow] = []
    changed_children: list[Child] = []
    for cid, rows in parsed.items():
        placements = plans[cid]
        first = min((p["start_date"] for p in placements), default=None)
        latest_ls = placements[-1]["ls"] if placements else ""
        child = existing.get(cid)
        if child is None:
            if first is None:
                report.warning(
                    found.file("Header"),
                    rows.line,
                    "CHILD",
                    cid,
                    "The child has no episodes in the return: not added",
                    "Nothing to do if the child was not looked after this year",
                )
                continue
            sex, gender = sex_and_gender_from_return(Sex.UNKNOWN, Gender.NOT_KNOWN, rows.sex)
            new_child = NewRow(
                responsible_organisation_id=organisation.pk,
                given_names=NAME_NOT_IN_RETURN,
                date_of_birth=rows.dob,
                dob_basis=DobBasis.CLAIMED,
                sex=sex,
                gender=gender,
                nationality="XXX",
                looked_after_from=first,
                legal_status=latest_ls,
                child_903_id=cid,
                photo="",
                search_text="",
            )
            new_children.append(new_child)
            counts["children_created"] += 1
            changes[cid] = {"created": True}
            continue
        changed = {}
        if child.date_of_birth != rows.dob:
            changed["date_of_birth"] = [child.date_of_birth.isoformat(), rows.dob.isoformat()]
            child.date_of_birth = rows.dob
        sex, gender = sex_and_gender_from_return(child.sex, child.gender, rows.sex)
        if child.sex != sex:
            changed["sex"] = [child.sex, sex]
            child.sex = sex
        if child.gender != gender:
            changed["gender"] = [child.gender, gender]
            child.gender = gender
        if first and first < child.looked_after_from:
            changed["looked_after_from"] = [child.looked_after_from.isoformat(), first.isoformat()]
            child.looked_after_from = first
        if latest_ls and child.legal_status != latest_ls:
            changed["legal_status"] = [child.legal_status, latest_ls]
            child.legal_status = latest_ls
        if changed:
            child.version += 1
            changes[cid] = {"changes": changed}
            counts["children_changed"] += 1
            changed_children.append(child)
        else:
            counts["children_unchanged"] += 1
    for new_child, pk in zip(new_children, take_ids(Child, len(new_children)), strict=True):
        new_child["id"] = pk
    work.inserts.append((Child, new_children, True))
    work.updates.append(
        (
            Child,
            changed_children,
            ["date_of_birth", "sex", "gender", "looked_after_from", "legal_status", "version"],
        )
    )
    by_cid = work.by_cid
    by_cid.update(existing)
    by_cid.update({c.child_903_id: c for c in new_children})

    step(2)
    _plan_details(work, parsed, plans)
    step(3)
    _plan_placements(work, plans, today, found)
    step(4)
    _plan_uasc(work, parsed, today)
    step(5)
    _plan_missing(work, parsed, today, found)
    _plan_care_periods(work, parsed, today)
    return work


def _plan_details(work: Plan, parsed: dict[str, ChildRows], plans: dict[str, list[dict]]) -> None:
    """The Header's columns the register has no field for, kept for the next export."""
    mine = work.child_ids
    existing = {}
    for d in ReturnDetail.objects.filter(child__responsible_organisation_id=work.organisation.pk):
        if d.child_id in mine:
            existing[d.child_id] = d
            work.read["details"].add(_as_read(d, DETAIL_COLUMNS))
    new, changed = [], []
    for cid, rows in parsed.items():
        child = work.by_cid.get(cid)
        if child is None:
            continue
        home = next((p["home"] for p in reversed(plans[cid]) if p["home"]), "")
        values = {
            "ethnic": rows.header["ETHNIC"].upper(),
            "upn": rows.header["UPN"].upper(),
            "home_postcode": home,
            "mother": rows.header["MOTHER"],
            "mc_dob": parse_date(rows.header["MC_DOB"]),
        }
        detail = existing.get(child.pk)
        if detail is None:
            new.append({"child_id": child.pk, **values})
        elif any(getattr(detail, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(detail, k, v)
            changed.append(detail)
    work.inserts.append((ReturnDetail, new, False))
    work.updates.append(
        (ReturnDetail, changed, ["ethnic", "upn", "home_postcode", "mother", "mc_dob"])
    )


def _plan_placements(work: Plan, plans: dict[str, list[dict]], today: dt.date, found) -> None:
    organisation, year, report = work.organisation, work.year, work.report
    counts, changes, mine = work.counts, work.changes, work.child_ids
    register: dict[int, list[Placement]] = defaultdict(list)
    # Where a postcode district is, from placements already on the register; else the
    # authority's own area (a warning says how many).
    area = {}
    for p in Placement.objects.filter(child__responsible_organisation=organisation).select_related(
        "return_detail"
    ):
        if p.postcode:
            area[p.postcode] = p.authority_id
        if p.child_id not in mine:
            continue
        register[p.child_id].append(p)
        work.read["placements"].add(_as_read(p, PLACEMENT_COLUMNS))
        detail = getattr(p, "return_detail", None) if hasattr(p, "return_detail") else None
        if detail is not None:
            work.read["episode_details"].add(_as_read(detail, EPISODE_DETAIL_COLUMNS))
    district = {pc.split(" ")[0]: a for pc, a in area.items() if " " in pc}
    new: list[NewRow] = []
    changed: list[Placement] = []
    details_new: list[tuple[Any, dict]] = []
    details_changed: list[EpisodeDetail] = []
    guessed = 0
    file = found.file("Episodes")
    for cid, plan_rows in plans.items():
        child = work.by_cid.get(cid)
        if child is None:
            continue
        placed = register.get(child.pk, [])
        by_start = {p.start_date: p for p in placed}
        for item in plan_rows:
            end = item["end_date"]
            if end is not None and end > today:
                end = None
            found_placement = by_start.get(item["start_date"])
            extra = {k: item[k] for k in EPISODE_DETAIL_FIELDS}
            if found_placement is None:
                clash = next(
                    (
                        p
                        for p in placed
                        if _overlaps(p.start_date, p.end_date, item["start_date"], end)
                    ),
                    None,
                )
                if clash:
                    report.error(
                        file,
                        item["line"],
                        "DECOM",
                        f"{item['start_date']:%d/%m/%Y}",
                        f"The episode overlaps a placement already on the register ({clash.place_code} from "
                        f"{clash.start_date:%d/%m/%Y}"
                        + (
                            f" to {clash.end_date:%d/%m/%Y})" if clash.end_date else ", still open)"
                        ),
                        "Check the dates against the child's record in Visible; end or correct that placement first",
                    )
                    continue
                authority_id = area.get(item["postcode"]) or district.get(
                    item["postcode"].split(" ")[0]
                )
                if authority_id is None:
                    authority_id = organisation.authority_id
                    guessed += 1
                new_placement = NewRow(
                    child_id=child.pk,
                    place_code=item["place_code"],
                    start_date=item["start_date"],
                    end_date=end,
                    postcode=item["postcode"][:8],
                    authority_id=authority_id,
                )
                new.append(new_placement)
                details_new.append((new_placement, extra))
                counts["placements_created"] += 1
                _note(changes[cid], "placements added", item["start_date"])
                continue
            placement = found_placement
            differences = {}
            if not _same_code(placement.place_code, item["place_code"], year):
                differences["place_code"] = [placement.place_code, item["place_code"]]
                placement.place_code = item["place_code"]
            if end is not None and placement.end_date != end:
                differences["end_date"] = [
                    placement.end_date.isoformat() if placement.end_date else None,
                    end.isoformat(),
                ]
                placement.end_date = end
            if item["postcode"] and placement.postcode != item["postcode"][:8]:
                differences["postcode"] = [placement.postcode, item["postcode"][:8]]
                placement.postcode = item["postcode"][:8]
            if differences:
                changed.append(placement)
                counts["placements_changed"] += 1
                changes[cid].setdefault("placements changed", []).append(
                    {"start_date": placement.start_date.isoformat(), **differences}
                )
            detail = (
                getattr(placement, "return_detail", None)
                if hasattr(placement, "return_detail")
                else None
            )
            if detail is None:
                details_new.append((placement, extra))
            elif any(getattr(detail, k) != v for k, v in extra.items()):
                for k, v in extra.items():
                    setattr(detail, k, v)
                details_changed.append(detail)
    if report.has_errors:
        return
    for placement, pk in zip(new, take_ids(Placement, len(new)), strict=True):
        placement["id"] = pk
    work.inserts.append((Placement, new, True))
    work.updates.append((Placement, changed, ["place_code", "end_date", "postcode"]))
    work.inserts.append(
        (
            EpisodeDetail,
            [{"placement_id": p.pk, **extra} for p, extra in details_new if any(extra.values())],
            False,
        )
    )
    work.updates.append(
        (
            EpisodeDetail,
            details_changed,
            list(EPISODE_DETAIL_FIELDS),
        )
    )
    if guessed:
        report.warning(
            file,
            None,
            "PL_POST",
            "",
            f"{guessed:,} new placements recorded as in the authority's own area",
            "The return gives a postcode, not an authority: check out-of-area placements on the children's records",
        )


def _plan_uasc(work: Plan, parsed: dict[str, ChildRows], today: dt.date) -> None:
    label = year_label(work.year)
    now, counts, changes, mine = work.now, work.counts, work.changes, work.child_ids
    open_flags = {}
    for f in Flag.objects.filter(
        child__responsible_organisation_id=work.organisation.pk, kind=FlagKind.UASC
    ).order_by("start_date"):
        if f.child_id in mine:
            open_flags[f.child_id] = f
            work.read["flags"].add(_as_read(f, FLAG_COLUMNS))
    new, ended = [], []
    for cid, rows in parsed.items():
        child = work.by_cid.get(cid)
        if child is None or rows.uasc is None:
            continue
        line, duc = rows.uasc
        flag = open_flags.get(child.pk)
        ends = duc if duc is not None and duc <= today else None
        if flag is None:
            start = min(child.looked_after_from, today)
            if ends is not None and ends < start:
                start = ends
            new.append(
                dict(
                    child_id=child.pk,
                    kind=FlagKind.UASC,
                    start_date=start,
                    end_date=ends,
                    evidence=f"SSDA903 return {label}: UASC table"
                    + (f", UASC status ceased {duc:%d/%m/%Y}" if duc else ""),
                    source="SSDA903 UASC",
                    recorded_by_name=IMPORTER,
                    recorded_at=now,
                    end_reason="UASC status ceased (SSDA903 DUC)" if ends else "",
                    ended_by_name=IMPORTER if ends else "",
                    ended_at=now if ends else None,
                )
            )
            counts["uasc_flags_created"] += 1
            if changes[cid].get("created"):
                changes[cid]["UASC flag"] = 1
            else:
                changes[cid]["UASC flag"] = [
                    None,
                    f"from {start.isoformat()}" + (f" to {ends.isoformat()}" if ends else ""),
                ]
        elif flag.end_date is None and ends is not None:
            flag.end_date, flag.end_reason, flag.ended_by_name, flag.ended_at = (
                ends,
                "UASC status ceased (SSDA903 DUC)",
                IMPORTER,
                now,
            )
            ended.append(flag)
            counts["uasc_flags_ended"] += 1
            changes[cid]["UASC flag ended"] = [None, ends.isoformat()]
    work.inserts.append((Flag, new, False))
    work.updates.append((Flag, ended, ["end_date", "end_reason", "ended_by_name", "ended_at"]))


def care_periods_from(
    child: ChildRows, today: dt.date
) -> list[tuple[dt.date, dt.date | None, str]]:
    """The child's periods of care in the return, (start, end, REC): a period begins with an
    episode (DECOM) and goes on while episodes cease with X1; an episode that ceases with any
    other REC ends it on its DEC. An end after today is left open, as for placements."""
    periods: list[tuple[dt.date, dt.date | None, str]] = []
    start: dt.date | None = None
    for _, row, decom, dec in sorted(child.episodes, key=lambda e: e[2]):
        if start is None:
            start = decom
        rec = row["REC"].upper()
        if dec is not None and rec != REC_CONTINUES and dec <= today:
            periods.append((start, dec, rec))
            start = None
    if start is not None:
        periods.append((start, None, ""))
    return periods


def _plan_care_periods(work: Plan, parsed: dict[str, ChildRows], today: dt.date) -> None:
    """Each period of care in the return, onto the register: a period on the register that
    overlaps it takes its dates and reason (the earlier start of the two is kept: the return
    holds only the episodes of its year); a period the return leaves open does not reopen one a
    worker ended in Visible; any other is added."""
    mine = work.child_ids
    on_register: dict[int, list[CarePeriod]] = defaultdict(list)
    for period in CarePeriod.objects.filter(
        child__responsible_organisation_id=work.organisation.pk
    ).order_by("start_date"):
        if period.child_id in mine:
            on_register[period.child_id].append(period)
            work.read["care_periods"].add(_as_read(period, CARE_PERIOD_COLUMNS))
    new: list[dict] = []
    changed: list[CarePeriod] = []
    for cid, rows in parsed.items():
        child = work.by_cid.get(cid)
        if child is None:
            continue
        periods = on_register[child.pk]
        for start, end, rec in care_periods_from(rows, today):
            match = next(
                (
                    p
                    for p in periods
                    if p.start_date <= (end or dt.date.max)
                    and (p.end_date is None or p.end_date >= start)
                ),
                None,
            )
            if match is None:
                new.append(
                    dict(
                        child_id=child.pk,
                        start_date=start,
                        end_date=end,
                        end_reason=rec,
                        source=CarePeriodSource.SSDA903,
                        recorded_by_name=IMPORTER,
                        recorded_at=work.now,
                    )
                )
                work.counts["care_periods_created"] += 1
                continue
            if end is None and match.end_date is not None:
                continue  # ended in Visible since: the register knows better than the return
            wanted = (min(match.start_date, start), end, rec)
            if (match.start_date, match.end_date, match.end_reason) != wanted:
                if end is not None and match.end_date != end:
                    work.counts["care_periods_ended"] += 1
                    _note(work.changes[cid], "periods of care ended", end)
                match.start_date, match.end_date, match.end_reason = wanted
                match.source = CarePeriodSource.SSDA903
                match.recorded_by_name, match.recorded_at = IMPORTER, work.now
                changed.append(match)
    work.inserts.append((CarePeriod, new, False))
    work.updates.append(
        (
            CarePeriod,
            changed,
            ["start_date", "end_date", "end_reason", "source", "recorded_by_name", "recorded_at"],
        )
    )


def _plan_missing(work: Plan, parsed: dict[str, ChildRows], today: dt.date, found) -> None:
    now, counts, changes, report, mine = (
        work.now,
        work.counts,
        work.changes,
        work.report,
        work.child_ids,
    )
    register: dict[int, list[Episode]] = defaultdict(list)
    for e in Episode.objects.filter(child__responsible_organisation_id=work.organisation.pk):
        if e.child_id in mine:
            register[e.child_id].append(e)
            work.read["episodes"].add(_as_read(e, EPISODE_COLUMNS))
    file = found.file("Missing")
    new, closed = [], []
    for cid, rows in parsed.items():
        child = work.by_cid.get(cid)
        if child is None or not rows.missing:
            continue
        child_pk = child.pk
        held = register.get(child_pk, [])
        # A row matches the episode that began the same day, of the same kind (missing or
        # away) first: a child can be away and then missing on one day, and the two must not
        # be taken for each other. Each episode answers one row.
        unmatched = sorted(held, key=lambda e: (e.last_seen_at, e.pk))
        # The days an episode of the return ceased, with when it began: the return ends a
        # missing period when care ends or the placement the child went missing from ends.
        ceased = [(decom, dec) for _, _, decom, dec in rows.episodes if dec is not None]
        for line, kind, began, ended in rows.missing:
            if ended is not None and ended > today:
                ended = None
            episode = _same_day_episode(unmatched, began, kind)
            if episode is not None:
                unmatched.remove(episode)
            if episode is None:
                clash = next(
                    (
                        e
                        for e in held
                        if _overlaps(
                            uk_date(e.last_seen_at),
                            uk_date(e.returned_at) if e.returned_at else None,
                            began,
                            ended,
                        )
                    ),
                    None,
                )
                if clash:
                    report.error(
                        file,
                        line,
                        "MIS_START",
                        f"{began:%d/%m/%Y}",
                        "The period overlaps a missing or away episode already on the register (from "
                        f"{clash.last_seen_at.astimezone(UK_TIME):%d/%m/%Y})",
                        "Check the dates against the child's record in Visible (SSDA903 rule 574)",
                    )
                    continue
                new.append(
                    dict(
                        child_id=child_pk,
                        category=kind,
                        last_seen_at=_noon(began),
                        last_seen_place=NOT_RECORDED,
                        reported_by_name=IMPORTER,
                        reported_by_role=ReporterRole.OTHER,
                        reported_at=now,
                        returned_at=_noon(ended) if ended else None,
                        day_only=True,  # the return gives days: measured in days
                    )
                )
                counts["episodes_created"] += 1
                _note(changes[cid], "missing or away episodes added", began)
                continue
            if episode.returned_at is None and ended is not None:
                if any(dec == ended and decom <= began for decom, dec in ceased):
                    # The return closes a period when care or the placement ends; Visible keeps
                    # a young person who turned 18 while missing as missing (rulebook section 2).
                    report.warning(
                        file,
                        line,
                        "MIS_END",
                        f"{ended:%d/%m/%Y}",
                        "Kept open: the period ends the day the episode of care ended",
                        "Record the return on the episode in Visible when the child is found",
                    )
                    continue
                episode.returned_at = max(_noon(ended), episode.last_seen_at)
                episode.day_only = True  # its end is a day: its length is counted in days
                closed.append(episode)
                counts["episodes_closed"] += 1
                changes[cid].setdefault("missing or away episodes closed", []).append(
                    began.isoformat()
                )
    work.inserts.append((Episode, new, False))
    work.updates.append((Episode, closed, ["returned_at", "day_only"]))


def _same_day_episode(episodes: list[Episode], began: dt.date, kind: str) -> Episode | None:
    """The episode on the register that a return's row beginning on `began` describes: one
    that began that day (London time) of the same kind, else one that began that day."""
    same_day = [e for e in episodes if uk_date(e.last_seen_at) == began]
    return next((e for e in same_day if e.category == kind), same_day[0] if same_day else None)


# --- the write -------------------------------------------------------------------------------


def write(work: Plan, found: ReturnFiles, viewer: Viewer) -> ImportRun:
    """Write the plan, in the caller's transaction: the staged rows, the updates, one audit
    event per child changed and the import's record with its own event."""
    organisation, year, counts, changes = work.organisation, work.year, work.counts, work.changes
    now = timezone.now()
    if not work.staged:
        work.stage()
    for staged in work.staged:
        staged.insert()
    for model, changed, fields in work.updates:
        model.objects.bulk_update(changed, fields, batch_size=2000)

    by_cid, existing = work.by_cid, work.existing
    touched = [cid for cid, c in changes.items() if c]
    if touched:
        changed_ids = [by_cid[cid].pk for cid in touched if cid in existing]
        for start in range(0, len(changed_ids), 5000):
            Child.objects.filter(pk__in=changed_ids[start : start + 5000]).update(updated_at=now)
    # One event per child, through the audit log's one append path; written with its bulk
    # writer, as bulk_create spent more on 50,000 events than the rest of the import together.
    record_many(
        viewer,
        work.audit_entries or work.entries(),
        writer=write_rows,
        sealed=True,  # tens of thousands of events: sealed as they are written
    )
    label = year_label(year)
    run = ImportRun.objects.create(
        organisation=organisation,
        kind=ImportKind.SSDA903,
        collection_year=year,
        imported_by_name=viewer.display_name,
        files=[
            {"name": t.file, "table": t.name, "rows": len(t.rows), "encoding": t.encoding}
            for t in [*found.tables.values(), *found.kept]
        ],
        counts=dict(counts),
        warnings=[p.rule for p in work.report.warnings][:1000],
    )
    KeptFile.objects.bulk_create(
        [KeptFile(run=run, name=t.file, table=t.name, content=t.raw) for t in found.kept]
    )
    record_many(
        viewer,
        [
            Entry(
                AuditAction.CREATE,
                object_type="importrun",
                object_id=run.pk,
                summary=f"Imported the SSDA903 return {label} for {organisation.name}: "
                f"{counts['children_created']:,} children added, {counts['children_changed']:,} changed",
                detail={
                    "year": year,
                    "counts": dict(counts),
                    "files": run.files,
                    "children": len(by_cid),
                },
            )
        ],
    )
    return run
