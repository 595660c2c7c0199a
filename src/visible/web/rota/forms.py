"""The shift form: who, at which position, from when to when in UK time; and, when adding, for
how many weeks the same hours repeat. It parses; the rules (a member who can act on alerts, the
end after the start, a time the clocks skip) are rota/actions.py's, and come back as field
errors in its words."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.core.exceptions import ValidationError

from visible.agencies.models import Membership, Role
from visible.notifications.quiet import parse_time
from visible.rota.actions import MOST_WEEKS, person_name
from visible.rota.models import Position

from ..fields import GovukDateField

TIME_HINT = "On the 24-hour clock, in UK time, for example 17:00"


class TimeField(forms.CharField):
    def __init__(self, *, label: str, words: str, **kwargs):
        self.words = words
        super().__init__(
            label=label,
            max_length=5,
            help_text=TIME_HINT,
            error_messages={"required": f"Enter the time the shift {words}, like 17:00"},
            **kwargs,
        )

    def clean(self, value):
        text = super().clean(value)
        try:
            return parse_time(text)
        except ValueError as error:
            raise ValidationError(
                f"Enter the time the shift {self.words} on the 24-hour clock, like 17:00"
            ) from error


class ShiftForm(forms.Form):
    position = forms.ChoiceField(
        label="Position on the rota",
        choices=Position.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the position on the rota"},
    )
    person = forms.TypedChoiceField(
        label="Who is on call",
        coerce=int,
        error_messages={"required": "Select who is on call"},
    )
    start_date = GovukDateField(label="Date the shift starts", help_text="For example, 26 3 2027")
    start_time = TimeField(label="Time the shift starts", words="starts")
    end_date = GovukDateField(label="Date the shift ends", help_text="For example, 29 3 2027")
    end_time = TimeField(label="Time the shift ends", words="ends")
    repeat_weeks = forms.IntegerField(
        label="For how many weeks?",
        min_value=1,
        max_value=MOST_WEEKS,
        initial=1,
        help_text=f"1 for this shift only; more to add the same hours every week, up to "
        f"{MOST_WEEKS} weeks",
        error_messages={
            "required": "Enter for how many weeks, 1 for this shift only",
            "invalid": f"Enter a number of weeks from 1 to {MOST_WEEKS}",
            "min_value": f"Enter a number of weeks from 1 to {MOST_WEEKS}",
            "max_value": f"Enter a number of weeks from 1 to {MOST_WEEKS}",
        },
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=200,
        help_text="For example, a swap or cover for sickness",
    )

    def __init__(self, *args, people: list[Membership], changing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        person = cast(forms.TypedChoiceField, self.fields["person"])
        person.choices = [("", "Select a person")] + [
            (m.user_id, f"{person_name(m.user)} ({Role(m.role).label.lower()})") for m in people
        ]
        if changing:
            del self.fields["repeat_weeks"]

    @staticmethod
    def initial_for(shift) -> dict:
        from visible.rota.times import uk_wall

        starts, ends = uk_wall(shift.starts_at), uk_wall(shift.ends_at)
        return {
            "position": shift.position,
            "person": shift.person_id,
            "start_date": starts.date(),
            "start_time": f"{starts:%H:%M}",
            "end_date": ends.date(),
            "end_time": f"{ends:%H:%M}",
            "note": shift.note,
        }

    def shift_values(self) -> dict:
        values = dict(self.cleaned_data)
        values["person_id"] = values.pop("person")
        values.setdefault("repeat_weeks", 1)
        return values


def default_times(day: dt.date) -> dict:
    """The out-of-hours shift most councils run: 17:00 to 09:00 the next morning."""
    return {
        "start_date": day,
        "start_time": "17:00",
        "end_date": day + dt.timedelta(days=1),
        "end_time": "09:00",
        "repeat_weeks": 1,
    }


class RotaUploadForm(forms.Form):
    # An empty file is let through: the import names it ("The file is empty").
    file = forms.FileField(
        label="Upload the rota",
        allow_empty_file=True,
        error_messages={"required": "Select the rota file: CSV or Excel (.xlsx)"},
    )
