"""The pilot period forms. They parse; the rules (dates today or before, no overlap, an open
period to end) are children/actions.py's, and come back as field errors in its words."""

from __future__ import annotations

from django import forms

from ..fields import GovukDateField


class PilotPeriodForm(forms.Form):
    start_date = GovukDateField(
        label="Date your council joined the pilot", help_text="For example, 1 4 2024"
    )
    end_date = GovukDateField(
        label="Date your council left the pilot (optional)",
        required=False,
        help_text="Its last day in the pilot. Leave empty if your council is still in it",
    )


class EndPilotForm(forms.Form):
    end_date = GovukDateField(
        label="Date your council left the pilot",
        help_text="Its last day in the pilot. Referrals made after it are decided by the Home Office",
    )
