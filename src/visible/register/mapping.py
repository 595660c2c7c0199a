"""The column mapping a council saves once: its case system's heading for each of Visible's
fields (fields.py). Saved from the mapping page (audited, like any write), or given to the
command line as a file; then every register file is read with it (`resolve`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.ssda903.report import ImportReport

from .fields import BY_NAME, FIELDS, heading_key
from .models import ColumnMapping

MAPPING_FILE_COLUMNS = ("field", "column")


def saved_mapping(organisation: Organisation) -> dict[str, str]:
    """The organisation's saved headings (field -> heading), or none."""
    found = ColumnMapping.objects.filter(organisation=organisation).first()
    return dict(found.headings) if found else {}


def check_headings(headings: Mapping[str, str]) -> dict[str, str]:
    """The mapping's headings, blank ones left out; a ValidationError keyed by field for a
    field Visible does not have or a heading given for two fields."""
    errors: dict[str, list[str]] = {}
    kept: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, heading in headings.items():
        heading = " ".join(str(heading or "").split())
        if not heading:
            continue
        if name not in BY_NAME:
            errors.setdefault(name, []).append(
                f"'{name}' is not one of Visible's fields: use one of "
                f"{', '.join(f.name for f in FIELDS)}"
            )
            continue
        key = heading_key(heading)
        if key in seen:
            errors.setdefault(name, []).append(
                f"The column '{heading}' is already mapped to {BY_NAME[seen[key]].label}: "
                "a column holds one field"
            )
            continue
        seen[key] = name
        kept[name] = heading
    if errors:
        raise ValidationError(errors)
    return kept


@transaction.atomic
def save_mapping(viewer: Viewer, headings: Mapping[str, str]) -> ColumnMapping:
    """Save the viewer's organisation's mapping, with its audit event."""
    if viewer.organisation is None:
        raise ValueError("Only someone acting for an organisation saves its column mapping")
    kept = check_headings(headings)
    mapping, created = ColumnMapping.objects.select_for_update().get_or_create(
        organisation=viewer.organisation,
        defaults={"updated_at": timezone.now(), "updated_by_name": viewer.display_name},
    )
    before = {} if created else dict(mapping.headings)
    mapping.headings = kept
    mapping.updated_at = timezone.now()
    mapping.updated_by_name = viewer.display_name
    mapping.save()
    changes = {
        name: [before.get(name), kept.get(name)]
        for name in sorted(set(before) | set(kept))
        if before.get(name) != kept.get(name)
    }
    record(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type="columnmapping",
        object_id=mapping.pk,
        summary=f"Saved the register import's column mapping ({len(kept)} "
        f"column{'s' if len(kept) != 1 else ''} named)",
        detail={"changes": changes},
    )
    return mapping


def read_mapping_file(name: str, raw: bytes) -> dict[str, str]:
    """A mapping file for the command line: CSV with the columns field,column (one row per
    field), or a JSON object {"field": "column heading"}. A ValueError says what is wrong."""
    text = raw.decode("utf-8-sig")
    if name.lower().endswith(".json"):
        try:
            found = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{name} is not JSON ({error})") from None
        if not isinstance(found, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in found.items()
        ):
            raise ValueError(
                f'{name}: give one object of field names and column headings, e.g. {{"given_names": "Forename"}}'
            )
        headings = found
    else:
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or [heading_key(c) for c in rows[0][:2]] != list(MAPPING_FILE_COLUMNS):
            raise ValueError(f"{name}: the first row must be field,column")
        headings = {}
        for line, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) < 2:
                raise ValueError(f"{name}, row {line}: give the field and the column's heading")
            headings[row[0].strip()] = row[1]
    try:
        return check_headings(headings)
    except ValidationError as error:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        raise ValueError(f"{name}: {problems}") from None


def resolve(
    file: str, headings: list[str], mapping: Mapping[str, str], report: ImportReport
) -> dict[str, int]:
    """Which column of the file holds each field (field -> index), with the mapping's heading
    for a field it names and Visible's own headings otherwise. A required field with no
    column is an error naming the heading looked for; a column that is no field is a warning
    (it is not read), as is a mapped column the file does not have."""
    by_key: dict[str, list[int]] = {}
    for index, heading in enumerate(headings):
        if heading.strip():
            by_key.setdefault(heading_key(heading), []).append(index)
    columns: dict[str, int] = {}
    doubled: set[int] = set()
    for field in FIELDS:
        mapped = mapping.get(field.name)
        wanted = [mapped] if mapped else list(field.own_headings)
        found = [i for h in wanted for i in by_key.get(heading_key(h), [])]
        found = sorted(set(found))
        if len(found) > 1:
            doubled.update(found)
            report.error(
                file,
                1,
                ", ".join(headings[i] for i in found),
                "",
                f"{len(found)} columns hold {field.label}",
                "Keep one column for it, or map another of them to a different field",
            )
            continue
        if found:
            columns[field.name] = found[0]
            continue
        if field.required:
            named = (
                f"the column '{mapped}' (the council's mapping names it)"
                if mapped
                else "a column " + " or ".join(f"'{h}'" for h in field.own_headings[:3])
            )
            report.error(
                file,
                1,
                mapped or field.label,
                "",
                f"The file has no column for {field.label}: Visible looked for {named}",
                "Add the column to the file, or map the file's own heading for it on the "
                "column mapping page (the command line: --mapping)",
            )
        elif mapped:
            report.warning(
                file,
                1,
                mapped,
                "",
                f"The mapping names the column '{mapped}' for {field.label}, but the file has no "
                "such column: not read",
                "Check the mapping, or the file's headings",
            )
    used = set(columns.values())
    for index, heading in enumerate(headings):
        if heading.strip() and index not in used | doubled:
            report.warning(
                file,
                1,
                heading,
                "",
                "The column is not one of Visible's fields: not read",
                "Map it to a field on the column mapping page if it holds one, or leave it",
            )
    return columns
