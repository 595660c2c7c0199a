"""The FOI return as JSON (the versioned format the national monitoring work ingests; schema in
docs/foi-return.schema.json), CSV (one tidy row per published figure) and XLSX.

``published(result, suppress=..., round_totals=...)`` builds the one document all three write,
so the formats can never disagree. With suppression, every count goes through
returns/disclosure.py as one table, and the list of incidents keeps each length but drops
what could link an incident to a child (the child number).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from django.utils import timezone

from visible.reference.nationalities import nationality_name
from visible.spreadsheets import csv_writer, xlsx_row

from . import disclosure, first_days
from .foi import (
    BREAKDOWN_MEASURES,
    DURATION_BANDS,
    GENDERS,
    GROUPS,
    MEASURES,
    NATIONALITY_GROUPS,
    FoiReturn,
    collector_paused,
)

# 1.1.0 added the optional first_days section (returns/first_days.py).
SCHEMA_VERSION = "1.1.0"
RETURN_TYPE = "visible-foi-return"
SCHEMA_PATH = Path(__file__).resolve().parents[3] / "docs" / "foi-return.schema.json"
FORMATS = ("json", "csv", "xlsx")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _version() -> str:
    try:
        return metadata.version("visible")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


@collector_paused
def published(
    result: FoiReturn, *, suppress: bool = False, round_totals: bool = False
) -> dict[str, Any]:
    """The return as a plain document (what the JSON file holds)."""
    round_totals = round_totals and suppress
    if suppress:
        table = result.protected(round_totals=round_totals)
        value = table.published.__getitem__
    else:
        values, _ = result.cell_values()
        value = values.__getitem__
    authority = result.authority
    T = disclosure.TOTAL
    breakdowns = []
    for group in GROUPS:
        g = group.code
        for m in BREAKDOWN_MEASURES:
            for by in ("nationality", "nationality_group"):
                names = dict(NATIONALITY_GROUPS)
                rows = []
                for r in result.breakdown_rows(g, m, by):
                    rows.append(
                        {
                            "code": r,
                            "label": nationality_name(r) if by == "nationality" else names[r],
                            "values": {c: value((g, m, by, r, c)) for c, _ in GENDERS},
                            "total": value((g, m, by, r, T)),
                        }
                    )
                breakdowns.append(
                    {
                        "group": g,
                        "measure": m,
                        "by": by,
                        "rows": rows,
                        "column_totals": {c: value((g, m, "gender", c)) for c, _ in GENDERS},
                        "total": value((g, m)),
                    }
                )
    numbers = result.child_numbers()
    group_lists = {
        groups: sorted(groups) for groups in {c.groups for c in result.children.values()}
    }
    incidents = []
    for number, incident in enumerate(result.incidents, start=1):  # in the order they began
        row = {
            "incident": number,
            "groups": group_lists[incident.groups],
            "category": incident.category,
            "hours": incident.hours,
            "band": incident.band,
            "started_before_period": incident.started_before,
            "still_missing_at_end": incident.still_missing,
            "turned_18_while_missing": incident.turned_18_while_missing,
            "outcome": (
                "still_missing"
                if incident.still_missing
                else "returned_themselves"
                if incident.found_by == "self"
                else "found"
            ),
        }
        if not suppress:
            row["child"] = numbers[incident.child_id]
        incidents.append(row)
    return {
        "schema_version": SCHEMA_VERSION,
        "return_type": RETURN_TYPE,
        "authority": {
            "code": authority.code,
            "name": authority.name,
            "nation": authority.nation,
            "region": authority.region,
        },
        "period": {
            "from": result.start.isoformat(),
            "to": result.end.isoformat(),
            "as_at": _iso(result.period_end),
            "complete": result.is_complete,
        },
        "generated_at": _iso(result.generated_at),
        "generated_by": f"Visible {_version()}",
        "disclosure_control": {
            "applied": suppress,
            "totals_rounded_to": disclosure.ROUNDING_BASE if round_totals else None,
            "markers": disclosure.MARKERS,
        },
        "groups": [
            {
                "code": g.code,
                "label": g.label,
                "questions": list(g.questions),
                "definition": g.definition,
            }
            for g in GROUPS
        ],
        "measures": [
            {"code": m.code, "label": m.label, "question": m.question, "unit": m.unit}
            for m in MEASURES
        ],
        "genders": [{"code": c, "label": label} for c, label in GENDERS],
        "duration_bands": [{"code": c, "label": label} for c, label in DURATION_BANDS],
        "counts": {g.code: {m.code: value((g.code, m.code)) for m in MEASURES} for g in GROUPS},
        "breakdowns": breakdowns,
        "incidents": incidents,
        "first_days": _first_days(result, suppress),
    }


def _first_days(result: FoiReturn, suppress: bool) -> dict[str, Any]:
    section = first_days.first_days(result)
    counts: dict[str, dict[str, Any]]
    if suppress:
        published = first_days.protected(section).published
        counts = {
            g.code: {m: published[g.code, m] for m in first_days.MEASURE_CODES} for g in GROUPS
        }
    else:
        counts = section.counts
    return {
        "measures": [{"code": c, "label": label} for c, label in first_days.MEASURES],
        "counts": counts,
        # A median over a handful of children could point to one: only inside the council.
        **({} if suppress else {"median_hours": section.median_hours}),
    }


def filename(result: FoiReturn, fmt: str, suppress: bool) -> str:
    kind = "published" if suppress else "unsuppressed"
    return (
        f"foi-return-{result.authority.code}-{result.start:%Y%m%d}-{result.end:%Y%m%d}-{kind}.{fmt}"
    )


# --- writers -----------------------------------------------------------------------------------


@collector_paused
def to_json(document: dict[str, Any]) -> bytes:
    """Indented for reading, except that each breakdown and each incident is one line: the
    standard library's fast encoder only runs without indentation, and ten years of
    incidents indented took seconds."""
    parts = []
    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per line
    for key, value in document.items():
        if key in ("breakdowns", "incidents") and value:
            text = "[\n" + ",\n".join(["    " + encode(item) for item in value]) + "\n  ]"
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {text}")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")


CSV_COLUMNS = (
    "authority_code",
    "period_from",
    "period_to",
    "table",
    "group",
    "measure",
    "breakdown",
    "row",
    "row_label",
    "column",
    "value",
)


def tidy_rows(document: dict[str, Any]) -> list[tuple]:
    """One row per published figure (and one per incident length)."""
    head = (document["authority"]["code"], document["period"]["from"], document["period"]["to"])
    rows = []
    for group, measures in document["counts"].items():
        for measure, value in measures.items():
            rows.append((*head, "counts", group, measure, "", "", "", "", value))
    for table in document["breakdowns"]:
        for row in table["rows"]:
            for column, value in row["values"].items():
                rows.append(
                    (
                        *head,
                        "breakdown",
                        table["group"],
                        table["measure"],
                        table["by"],
                        row["code"],
                        row["label"],
                        column,
                        value,
                    )
                )
            rows.append(
                (
                    *head,
                    "breakdown",
                    table["group"],
                    table["measure"],
                    table["by"],
                    row["code"],
                    row["label"],
                    "total",
                    row["total"],
                )
            )
        for column, value in table["column_totals"].items():
            rows.append(
                (
                    *head,
                    "breakdown",
                    table["group"],
                    table["measure"],
                    table["by"],
                    "total",
                    "Total",
                    column,
                    value,
                )
            )
    for group, measures in document.get("first_days", {}).get("counts", {}).items():
        for measure, value in measures.items():
            rows.append((*head, "first_days", group, measure, "", "", "", "", value))
    for incident in document["incidents"]:
        rows.append(
            (
                *head,
                "incident",
                ";".join(incident["groups"]),
                incident["band"],
                incident["category"],
                incident["incident"],
                incident["outcome"],
                "hours",
                incident["hours"],
            )
        )
    return rows


def to_csv(document: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(tidy_rows(document))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM tells Excel it is UTF-8


def to_xlsx(document: dict[str, Any]) -> bytes:
    """Written in openpyxl's write-only mode: ten years of incidents are tens of thousands of
    rows, and the ordinary mode took seconds over them."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook(write_only=True)

    def sheet(title: str, widths: dict[str, float]):
        ws = book.create_sheet(title)
        for column, width in widths.items():
            ws.column_dimensions[column].width = width
        return ws

    def strong(ws, *values):
        return xlsx_row(ws, values, bold)

    def plain(ws, *values):
        return xlsx_row(ws, values)

    about = sheet("About", {"A": 28, "B": 100})
    authority, period = document["authority"], document["period"]
    control = document["disclosure_control"]
    for label, value in (
        ("Return", "Heading back to harm, Appendix 1: the data request, answered"),
        ("Authority", f"{authority['name']} ({authority['code']})"),
        ("Period", f"{period['from']} to {period['to']} (whole days, inclusive)"),
        ("As at", period["as_at"]),
        ("Generated", f"{document['generated_at']} by {document['generated_by']}"),
        ("Schema version", document["schema_version"]),
        (
            "Disclosure control",
            "applied" if control["applied"] else "not applied: for internal use only",
        ),
        ("Totals rounded to", control["totals_rounded_to"] or "not rounded"),
    ):
        about.append([*strong(about, label), *plain(about, value)])
    about.append([])
    about.append(strong(about, "Marker", "Meaning"))
    for marker, meaning in control["markers"].items():
        about.append(plain(about, marker, meaning))
    about.append([])
    about.append(strong(about, "Group", "Definition"))
    for group in document["groups"]:
        about.append(plain(about, group["label"], group["definition"]))

    counts = sheet("Counts", {"A": 52})
    labels = {g["code"]: g["label"] for g in document["groups"]}
    counts.append(strong(counts, "Measure", "Question", *labels.values()))
    for measure in document["measures"]:
        counts.append(
            plain(
                counts,
                measure["label"],
                measure["question"],
                *(document["counts"][g][measure["code"]] for g in labels),
            )
        )

    genders = [g["label"] for g in document["genders"]]
    measure_labels = {m["code"]: m["label"] for m in document["measures"]}
    breakdown = sheet("By nationality and gender", {"A": 40})
    for table in document["breakdowns"]:
        breakdown.append(
            strong(
                breakdown,
                f"{labels[table['group']]}: {measure_labels[table['measure']]}, by "
                f"{table['by'].replace('_', ' ')} and gender",
            )
        )
        breakdown.append(plain(breakdown, "Nationality", *genders, "Total"))
        for row in table["rows"]:
            breakdown.append(plain(breakdown, row["label"], *row["values"].values(), row["total"]))
        breakdown.append(
            plain(breakdown, "Total", *table["column_totals"].values(), table["total"])
        )
        breakdown.append([])

    incidents = sheet("Incidents", {})
    with_child = any("child" in i for i in document["incidents"])
    incidents.append(
        strong(
            incidents,
            "Incident",
            *(("Child",) if with_child else ()),
            "Groups",
            "Category",
            "Hours",
            "Band",
            "Started before the period",
            "Still missing at the end",
            "Turned 18 while missing",
            "Outcome",
        )
    )
    yes_no = {True: "yes", False: "no"}
    for i in document["incidents"]:
        incidents.append(
            plain(
                incidents,
                i["incident"],
                *((i["child"],) if with_child else ()),
                ", ".join(i["groups"]),
                i["category"],
                i["hours"],
                i["band"],
                yes_no[i["started_before_period"]],
                yes_no[i["still_missing_at_end"]],
                yes_no[i["turned_18_while_missing"]],
                i["outcome"],
            )
        )
    first = document.get("first_days")
    if first:
        days = sheet("First days in care", {"A": 60})
        days.append(strong(days, "Children", *labels.values()))
        for measure in first["measures"]:
            days.append(
                plain(
                    days,
                    measure["label"],
                    *(first["counts"][g][measure["code"]] for g in labels),
                )
            )
        if "median_hours" in first:
            days.append(
                plain(
                    days,
                    "Median hours from arriving to first going missing or away",
                    *(
                        "" if first["median_hours"][g] is None else first["median_hours"][g]
                        for g in labels
                    ),
                )
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(
    result: FoiReturn, fmt: str, *, suppress: bool = False, round_totals: bool = False
) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(
            f"--format: '{fmt}' is not a format of the return; choose json, csv or xlsx"
        )
    document = published(result, suppress=suppress, round_totals=round_totals)
    return {"json": to_json, "csv": to_csv, "xlsx": to_xlsx}[fmt](document)


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
