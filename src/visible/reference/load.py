"""Loading the authorities reference data (idempotent: run it again and nothing changes)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
AUTHORITIES_CSV = DATA_DIR / "uk_local_authorities_mysociety.csv"
ATTRIBUTION = (
    "Contains local authority data from mySociety (CC BY 4.0), derived from ONS and OS data, "
    "Crown copyright and database right."
)

# Northern Ireland's children's services are run by five Health and Social Care Trusts (since
# 1 April 2007), which the mySociety file does not list. GSS has no code for them, so Visible
# gives each its own code, prefixed NIHSCT- so it can never clash with a GSS code.
NI_HSC_TRUSTS = [
    ("NIHSCT-BEL", "Belfast Health and Social Care Trust", "Belfast HSC Trust", 54.5973, -5.9301),
    ("NIHSCT-NOR", "Northern Health and Social Care Trust", "Northern HSC Trust", 54.8630, -6.2800),
    (
        "NIHSCT-SET",
        "South Eastern Health and Social Care Trust",
        "South Eastern HSC Trust",
        54.5000,
        -5.7000,
    ),
    ("NIHSCT-SOU", "Southern Health and Social Care Trust", "Southern HSC Trust", 54.3500, -6.6500),
    ("NIHSCT-WES", "Western Health and Social Care Trust", "Western HSC Trust", 54.6000, -7.3000),
]
NI_TRUSTS_START = dt.date(2007, 4, 1)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _float(text: str) -> float | None:
    return float(text) if text else None


def _county_corrections(source: list[dict]) -> dict[str, dict]:
    """Region and centre of each shire county, derived from its current districts.

    In the source file some counties carry a wrong region (Derbyshire and Lincolnshire are
    East Midlands, not West Midlands / Yorkshire) and a centre far from the county (Kent's
    falls in east London). Their districts' own regions and centres are right, so a county's
    region is its districts' (when they agree) and its centre is the mean of theirs.
    """
    districts: dict[str, list[dict]] = {}
    for row in source:
        if row["county-la"] and row["lat"] and not row["end-date"]:
            districts.setdefault(row["county-la"], []).append(row)
    corrections = {}
    for row in source:
        members = districts.get(row["local-authority-code"])
        if row["local-authority-type-name"] != "County" or not members:
            continue
        regions = {m["region"] for m in members}
        corrections[row["gss-code"]] = {
            "region": regions.pop() if len(regions) == 1 else row["region"],
            "latitude": round(sum(float(m["lat"]) for m in members) / len(members), 4),
            "longitude": round(sum(float(m["long"]) for m in members) / len(members), 4),
        }
    return corrections


def authority_rows() -> list[dict]:
    rows = []
    with AUTHORITIES_CSV.open(newline="", encoding="utf-8") as handle:
        source = list(csv.DictReader(handle))
    corrections = _county_corrections(source)
    for row in source:
        if not row["gss-code"]:
            continue
        entry = {
            "code": row["gss-code"],
            "short_code": row["local-authority-code"],
            "name": row["nice-name"],
            "official_name": row["official-name"],
            "nation": row["nation"],
            "region": row["region"],
            "kind": row["local-authority-type-name"],
            "runs_childrens_services": row["powers"] in ("unitary", "upper tier"),
            "start_date": _date(row["start-date"]),
            "end_date": _date(row["end-date"]),
            "replaced_by": row["replaced-by"],
            "latitude": _float(row["lat"]),
            "longitude": _float(row["long"]),
        }
        entry.update(corrections.get(row["gss-code"], {}))
        rows.append(entry)
    for code, official, name, lat, long in NI_HSC_TRUSTS:
        rows.append(
            {
                "code": code,
                "short_code": "",
                "name": name,
                "official_name": official,
                "nation": "Northern Ireland",
                "region": "Northern Ireland",
                "kind": "Health and Social Care Trust",
                "runs_childrens_services": True,
                "start_date": NI_TRUSTS_START,
                "end_date": None,
                "replaced_by": "",
                "latitude": lat,
                "longitude": long,
            }
        )
    return rows


def load_authorities(authority_model=None) -> tuple[int, int]:
    """Create or update every authority. Returns (created, updated)."""
    if authority_model is None:
        from .models import Authority as authority_model
    existing = {a.code: a for a in authority_model.objects.all()}
    created = updated = 0
    to_create = []
    for row in authority_rows():
        current = existing.get(row["code"])
        if current is None:
            to_create.append(authority_model(**row))
            created += 1
        elif any(getattr(current, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(current, k, v)
            current.save()
            updated += 1
    authority_model.objects.bulk_create(to_create)
    return created, updated
