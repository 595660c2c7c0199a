"""Forms of the FOI return and partnership report pages."""

from __future__ import annotations

from django import forms

from visible.returns import formats

from ..fields import GovukDateField, check_year_in_range


class FoiPeriodForm(forms.Form):
    start = GovukDateField(label="First day of the period", help_text="For example, 1 9 2014")
    end = GovukDateField(
        label="Last day of the period", help_text="For example, 31 8 2015 (the day is included)"
    )
    suppress = forms.BooleanField(
        label="Show as published, with disclosure control",
        required=False,
        help_text="Counts from 1 to 5, and any count that would give one away, shown as c",
    )
    edition = forms.ChoiceField(
        label="Which request?",
        choices=[
            ("2016", "2016: Heading back to harm, one period, questions 1 to 5"),
            (
                "2024",
                "2024: each calendar year plus a part year, with unaccompanied or separated "
                "children who are also trafficked",
            ),
        ],
        widget=forms.RadioSelect,
        required=False,
    )

    def clean_edition(self):
        return self.cleaned_data.get("edition") or "2016"

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error(
                "end", "The last day of the period must be the same as or after its first day"
            )
        return data


class DownloadForm(forms.Form):
    start = forms.DateField(input_formats=["%Y-%m-%d"])
    end = forms.DateField(input_formats=["%Y-%m-%d"])
    format = forms.ChoiceField(choices=[(f, f) for f in formats.FORMATS])
    suppress = forms.BooleanField(required=False)

    def clean_start(self):
        check_year_in_range(self.cleaned_data["start"], "start")
        return self.cleaned_data["start"]

    def clean_end(self):
        check_year_in_range(self.cleaned_data["end"], "end")
        return self.cleaned_data["end"]


class SectionForm(forms.Form):
    text = forms.CharField(
        label="What the partnership wants to say",
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Plain text; a blank line starts a new paragraph",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
