"""Synthetic register files for the tests (Faker en_GB: no real person): one row per SSDA903
CHILD id, so a file matches the children an SSDA903 return (the tests' own, or the synthetic
generator's) put on the register. CSV or XLSX, with Visible's own headings or a case system's."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from faker import Faker

from visible.agencies.models import Organisation
from visible.children.models import Child

# Nationalities separated children in care most often have, by their ISO codes or names.
NATIONALITIES = ("AFG", "ERI", "SDN", "Iran", "VNM", "ALB", "SY", "IRQ", "KWT", "GBR")
LANGUAGES = ("prs", "pus", "tir", "ara", "vie", "sqi", "fas", "kur", "en")
FLAGS = ("uasc", "trafficked_suspected", "trafficked_identified", "separated")

HEADINGS = {  # Visible's own headings (its fields' labels)
    "child_903_id": "SSDA903 CHILD id",
    "council_id": "Council case ID",
    "given_names": "Given names",
    "family_name": "Family name",
    "other_names": "Other names",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "gender": "Gender",
    "nationality": "Nationality",
    "first_language": "First language",
    "other_languages": "Other languages",
    "looked_after_from": "Date became looked after",
    "flags": "Flags",
}
CASE_SYSTEM = {  # a case system's own headings, which a council maps once
    "child_903_id": "CLA Child Ref",
    "council_id": "Person ID",
    "given_names": "Forename",
    "family_name": "Surname",
    "other_names": "Known As",
    "date_of_birth": "Birth Date",
    "sex": "Sex Code",
    "gender": "Gender Identity",
    "nationality": "Nationality Code",
    "first_language": "Main Language",
    "other_languages": "Other Languages",
    "looked_after_from": "CLA Start",
    "flags": "Vulnerabilities",
}


def rows_for(
    child_ids: list[tuple[str, dt.date, dt.date]], seed: int = 15, flags: bool = True
) -> list[dict[str, str]]:
    """A row per (CHILD id, date of birth, date became looked after), by field name."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    pick = random.Random(seed)
    rows = []
    for n, (cid, dob, looked_after) in enumerate(child_ids):
        sex = pick.choice("MF")
        given = fake.first_name_male() if sex == "M" else fake.first_name_female()
        flag_day = max(dob, looked_after)
        rows.append(
            {
                "child_903_id": cid,
                "council_id": f"P{100000 + n}",
                "given_names": given,
                "family_name": fake.last_name(),
                "other_names": f"{given[:3]}{fake.last_name()}" if n % 3 == 0 else "",
                "date_of_birth": f"{dob:%d/%m/%Y}",
                "sex": sex,
                "gender": "",
                "nationality": NATIONALITIES[n % len(NATIONALITIES)],
                "first_language": LANGUAGES[n % len(LANGUAGES)],
                "other_languages": "en" if n % 2 else "",
                "looked_after_from": f"{looked_after:%d/%m/%Y}",
                "flags": f"{FLAGS[n % len(FLAGS)]}:{flag_day:%d/%m/%Y}" if flags else "",
            }
        )
    return rows


def rows_for_register(organisation: Organisation, **kwargs) -> list[dict[str, str]]:
    """A row for each child an SSDA903 import put on the council's register."""
    children = (
        Child.objects.filter(responsible_organisation=organisation)
        .exclude(child_903_id="")
        .order_by("child_903_id")
        .values_list("child_903_id", "date_of_birth", "looked_after_from")
    )
    return rows_for(list(children), **kwargs)


def csv_bytes(rows: list[dict[str, str]], headings: dict[str, str] = HEADINGS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    fields = [f for f in headings if any(f in r for r in rows)] or list(headings)
    writer.writerow([headings[f] for f in fields])
    for row in rows:
        writer.writerow([row.get(f, "") for f in fields])
    return out.getvalue().encode()


def xlsx_bytes(
    rows: list[dict[str, str]], headings: dict[str, str] = HEADINGS, dates_as_cells: bool = True
) -> bytes:
    """The rows as a workbook, dates as Excel date cells (as a case system's export has them)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    fields = list(headings)
    sheet.append([headings[f] for f in fields])
    for row in rows:
        values = []
        for f in fields:
            value = row.get(f, "")
            if dates_as_cells and f in ("date_of_birth", "looked_after_from") and value:
                value = dt.datetime.strptime(value, "%d/%m/%Y").date()
            values.append(value or None)
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rows_from_case_system(organisation: Organisation, child_ids: set[str]) -> list[dict[str, str]]:
    """The register file a case system holding ``organisation``'s register would export for the
    children of its SSDA903 return (``child_ids``: CHILD as the export writes it), by field
    name: the synthetic generator's children, matched with the 903 generator's CHILD ids."""
    from visible.children.models import FlagKind
    from visible.ssda903.export import child_identifier

    rows = []
    children = Child.objects.filter(responsible_organisation=organisation).prefetch_related(
        "flags", "other_names"
    )
    for child in children.order_by("pk"):
        cid = child_identifier(child.child_903_id, child.pk)
        if cid not in child_ids:
            continue
        flags = [
            f"{f.kind}:{f.start_date:%d/%m/%Y}"
            for f in child.flags.all()
            if f.end_date is None and f.kind != FlagKind.CRIMINALISED
        ]
        rows.append(
            {
                "child_903_id": cid,
                "council_id": child.council_id,
                "given_names": child.given_names,
                "family_name": child.family_name,
                "other_names": "; ".join(n.name for n in child.other_names.all()),
                "date_of_birth": f"{child.date_of_birth:%d/%m/%Y}",
                "sex": child.sex,
                "gender": child.gender,
                "nationality": child.nationality,
                "first_language": child.first_language,
                "other_languages": "; ".join(child.other_languages),
                "looked_after_from": f"{child.looked_after_from:%d/%m/%Y}",
                "flags": "; ".join(flags),
            }
        )
    return rows
