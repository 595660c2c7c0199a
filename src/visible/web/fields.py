"""Form fields and widgets every area's forms share, rendered in GOV.UK Frontend patterns
(templates/web/includes): the three-box date, the check that a year is plausible, and the
choice of an authority."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError

from visible.reference.models import Authority

if TYPE_CHECKING:  # a label may be marked for translation (docs/welsh.md)
    from django.utils.functional import _StrOrPromise


class DateWidget(forms.MultiWidget):
    """GOV.UK date input: day, month and year boxes."""

    template_name = "web/includes/date_widget.html"

    def __init__(self, attrs=None):
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()], attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


# Every date on Visible's pages falls in these years (a child's date of birth, a period to count).
# Outside them a year is a slip of the keyboard, and 1 January of year 1 or 31 December 9999 would
# break date arithmetic further on (the day after 31/12/9999 does not exist): a server error.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def check_year_in_range(value: dt.date | None, label: str) -> None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            f"The year of the {label.lower()} must be between {EARLIEST_YEAR} and {LATEST_YEAR}"
        )


class GovukDateField(forms.MultiValueField):
    """A date from three boxes, with errors that say which part is wrong."""

    widget = DateWidget

    def __init__(self, *, label: _StrOrPromise, required: bool = True, **kwargs):
        self.field_label = str(label)  # its errors are in English for now (docs/welsh.md)
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(
            fields=fields, require_all_fields=False, required=required, label=label, **kwargs
        )

    def clean(self, value):
        parts = [(p or "").strip() for p in (value or ["", "", ""])]
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter the {self.field_label.lower()}")
            return None
        missing = [
            name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part
        ]
        if missing:
            raise ValidationError(
                f"The {self.field_label.lower()} must include a {' and '.join(missing)}"
            )
        # Only 0-9: str.isdigit() also takes '²' and other digits int() refuses (a server error).
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise ValidationError(
                f"The {self.field_label.lower()} must be a real date, in numbers, for example 27 3 2024"
            )
        if len(parts[2]) != 4:
            raise ValidationError(f"The year of the {self.field_label.lower()} must have 4 numbers")
        if (
            len(parts[0]) > 2 or len(parts[1]) > 2
        ):  # and never a number too big for a date (OverflowError)
            raise ValidationError(
                f"The {self.field_label.lower()} must be a real date: the day and month have "
                "1 or 2 numbers, for example 27 3 2024"
            )
        day, month, year = (int(p) for p in parts)
        try:
            value = dt.date(year, month, day)
        except (ValueError, OverflowError) as exc:
            raise ValidationError(f"The {self.field_label.lower()} must be a real date") from exc
        check_year_in_range(value, self.field_label)
        return value

    def compress(self, data_list):  # pragma: no cover - clean() does the work
        return data_list


class AuthorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Authority) -> str:
        return f"{obj.name} ({obj.region})"
