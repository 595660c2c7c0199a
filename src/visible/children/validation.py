"""Checks the register's data must pass, whichever door it came in by (form, import, CLI).

Each check returns an error keyed by the field it is about, worded as GOV.UK error messages
are: what is wrong and how to put it right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError

from visible.dates import age_on, collection_year
from visible.reference.codes import LEGAL_STATUSES, PLACEMENT_TYPES, year_label
from visible.reference.nationalities import is_language, is_nationality


class Conflict(ValidationError):
    """The register as it is now does not allow the write: the thing already exists or has
    already happened (an open flag of that kind, a council case ID in use, an alert already
    resolved), often because another write got there first. The API answers 409 rather than
    400: the request was well made, and the same request may succeed once the record changes."""


class Problems:
    """Collects field errors, then raises them all at once (as a Conflict if any of them is
    one, so the API can tell a clash with the record from a mistake in the request)."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.conflict = False

    def add(self, field: str, message: str, conflict: bool = False) -> None:
        self.errors.setdefault(field, []).append(message)
        self.conflict = self.conflict or conflict

    def raise_if_any(self) -> None:
        if self.errors:
            raise (Conflict if self.conflict else ValidationError)(self.errors)


def check_child_details(p: Problems, values: dict, today: dt.date) -> None:
    dob = values.get("date_of_birth")
    if dob:
        if dob > today:
            p.add("date_of_birth", "Date of birth must be today or in the past")
        elif age_on(dob, today) > settings.VISIBLE_MAX_AGE_LOOKED_AFTER:
            p.add(
                "date_of_birth",
                f"Date of birth makes the child {age_on(dob, today)} today; a looked-after child "
                f"cannot be over {settings.VISIBLE_MAX_AGE_LOOKED_AFTER}. Check the year",
            )
    looked_after = values.get("looked_after_from")
    if looked_after:
        if looked_after > today:
            p.add("looked_after_from", "Date became looked after must be today or in the past")
        if dob and looked_after < dob:
            p.add(
                "looked_after_from",
                "Date became looked after must be on or after the date of birth",
            )
    nationality = values.get("nationality")
    if nationality is not None and not is_nationality(nationality):
        p.add(
            "nationality",
            f"'{nationality}' is not a nationality code Visible knows; choose from the list",
        )
    for field in ("first_language",):
        code = values.get(field)
        if code and not is_language(code):
            p.add(field, f"'{code}' is not an ISO 639 language code; choose from the list")
    for code in values.get("other_languages") or []:
        if not is_language(code):
            p.add(
                "other_languages", f"'{code}' is not an ISO 639 language code; choose from the list"
            )
    legal_status = values.get("legal_status")
    if legal_status and legal_status not in LEGAL_STATUSES:
        p.add(
            "legal_status",
            f"'{legal_status}' is not an SSDA903 legal status code; choose from the list",
        )


def check_identifiers_unique(
    p: Problems, organisation_id: int, values: dict, exclude_child_id: int | None
) -> None:
    from .models import Child

    others = Child.objects.filter(responsible_organisation_id=organisation_id)
    if exclude_child_id:
        others = others.exclude(pk=exclude_child_id)
    labels = {
        "council_id": "council case ID",
        "child_903_id": "SSDA903 CHILD identifier",
        "home_office_ref": "Home Office reference",
        "nrm_ref": "NRM reference",
    }
    for field, label in labels.items():
        value = values.get(field)
        if value:
            clash = others.filter(**{field: value}).first()
            if clash:
                p.add(
                    field,
                    f"Another child in your authority already has {label} {value}. "
                    "Check the number, or open that child's record instead",
                    conflict=True,
                )


def check_period(
    p: Problems,
    start: dt.date | None,
    end: dt.date | None,
    what: str,
    today: dt.date,
    start_field: str = "start_date",
    end_field: str = "end_date",
) -> None:
    if start and start > today:
        p.add(start_field, f"{what} start date must be today or in the past")
    if start and end and end < start:
        p.add(
            end_field,
            f"{what} end date must be the same as or after the start date ({start:%d/%m/%Y})",
        )
    if end and end > today:
        p.add(end_field, f"{what} end date must be today or in the past")


def check_not_before_birth(
    p: Problems, day: dt.date | None, dob: dt.date, field: str, what: str
) -> None:
    if day and day < dob:
        p.add(field, f"{what} must be on or after the child's date of birth ({dob:%d/%m/%Y})")


def check_placement_code(p: Problems, code: str, start: dt.date | None) -> None:
    found = PLACEMENT_TYPES.get(code)
    if not found:
        p.add("place_code", f"'{code}' is not an SSDA903 placement type; choose from the list")
        return
    if start:
        year = collection_year(start)
        if not found.valid_in(year):
            if year > found.last_year:
                p.add(
                    "place_code",
                    f"Placement type {code} was withdrawn after {year_label(found.last_year)}; "
                    f"a placement starting {start:%d/%m/%Y} needs a current code",
                )
            elif year < found.first_year:
                p.add(
                    "place_code",
                    f"Placement type {code} starts in {year_label(found.first_year)}; "
                    f"a placement starting {start:%d/%m/%Y} needs a code in use then",
                )


def check_no_overlap(
    p: Problems,
    start: dt.date,
    end: dt.date | None,
    others: Iterable[tuple[dt.date, dt.date | None]],
    what: str,
) -> None:
    far = dt.date.max
    for other_start, other_end in others:
        if start <= (other_end or far) and other_start <= (end or far):
            span = (
                f"{other_start:%d/%m/%Y} to {other_end:%d/%m/%Y}"
                if other_end
                else f"from {other_start:%d/%m/%Y} (still open)"
            )
            p.add(
                "start_date",
                f"This {what} overlaps another {what} ({span}). End that one first, or change the dates",
            )
            return
