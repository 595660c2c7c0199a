"""Forms of the national monitoring pages."""

from __future__ import annotations

from django import forms

from visible.national import ingest
from visible.national.models import Edition, MissingDefinition, RequestStatus
from visible.returns import foi

from ..fields import GovukDateField

# --- forms ---------------------------------------------------------------------------------------


class CollectionForm(forms.Form):
    name = forms.CharField(
        label="Name of the collection",
        max_length=200,
        help_text="For example 'Missing children, September 2024 to August 2025'",
        error_messages={"required": "Enter a name for the collection"},
    )
    period_from = GovukDateField(label="First day of the period", help_text="For example 1 9 2024")
    period_to = GovukDateField(label="Last day of the period", help_text="For example 31 8 2025")
    due_on = GovukDateField(label="Returns due by", help_text="For example 30 11 2025")
    edition = forms.ChoiceField(
        label="Edition of the data request",
        help_text="Returns are checked against the edition's schema: a return of the other "
        "edition is refused",
        widget=forms.RadioSelect,
        choices=Edition.choices,
        initial=Edition.E2016,
        required=False,  # the 2016 edition unless another is chosen, as before editions
    )
    missing_definition = forms.ChoiceField(
        label="2024 edition only: how 'missing or absent' is counted",
        help_text="Every return must count it the same way (it says which it used). The "
        "periods are the collection's dates cut at each 1 January: whole calendar years, "
        "and a part year at either end",
        widget=forms.RadioSelect,
        choices=MissingDefinition.choices,
        initial=MissingDefinition.MISSING_OR_AWAY,
        required=False,
    )

    def clean_edition(self) -> str:
        return self.cleaned_data.get("edition") or Edition.E2016


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="What the authority said",
        widget=forms.RadioSelect,
        choices=[
            (RequestStatus.NOT_PROVIDED, RequestStatus.NOT_PROVIDED.label),
            (RequestStatus.REFUSED, RequestStatus.REFUSED.label),
            (RequestStatus.NO_SUCH_CHILDREN, RequestStatus.NO_SUCH_CHILDREN.label),
            (RequestStatus.REQUESTED, "Still waiting (put back to requested)"),
        ],
        error_messages={"required": "Select what the authority said"},
    )
    note = forms.CharField(
        label="Their words, or a note (required for not provided and refused)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="The return file",
        help_text="The JSON file Visible writes, or the template (XLSX or CSV)",
        error_messages={"required": "Choose the file to upload"},
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)

    def __init__(self, *args, edition: str = Edition.E2016, **kwargs):
        super().__init__(*args, **kwargs)
        if edition == Edition.E2024:
            self.fields["file"].help_text = (
                "The 2024-edition JSON file: `visible foi-return --edition 2024 --format json`, "
                "unsuppressed"
            )


class KeyedForm(forms.Form):
    """The report's headline figures, keyed from a letter or email."""

    note = forms.CharField(
        label="Where the figures come from",
        max_length=500,
        help_text="For example 'Letter of 3 October 2025, ref FOI/2025/118'",
        error_messages={"required": "Say where the figures come from"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {g.code: g.label for g in foi.GROUPS}
        words = {
            "children": "children in care",
            "children_missing_or_away": "went missing or away",
            "incidents": "incidents",
            "children_still_missing": "still missing at the end",
        }
        for group in ingest.KEYED_GROUPS:
            for measure in ingest.KEYED_MEASURES:
                self.fields[f"{group}__{measure}"] = forms.IntegerField(
                    label=f"{labels[group]}: {words[measure]}",
                    required=False,
                    min_value=0,
                    error_messages={
                        "invalid": "Enter a whole number, or leave it blank if not given",
                        "min_value": "A count is 0 or more",
                    },
                )
            self.fields[f"{group}__pct"] = forms.FloatField(
                label=f"{labels[group]}: percentage stated as going missing (optional)",
                required=False,
                min_value=0,
                max_value=100,
                error_messages={"invalid": "Enter a percentage such as 28.3"},
            )

    def keyed_values(self) -> dict[tuple[str, str], int | None]:
        return {
            (g, m): self.cleaned_data.get(f"{g}__{m}")
            for g in ingest.KEYED_GROUPS
            for m in ingest.KEYED_MEASURES
        }

    def stated(self) -> dict[str, float]:
        return {
            g: self.cleaned_data[f"{g}__pct"]
            for g in ingest.KEYED_GROUPS
            if self.cleaned_data.get(f"{g}__pct") is not None
        }


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="What the authority said",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter what the authority said"},
    )


class GroupingForm(forms.Form):
    name = forms.CharField(
        label="Name of the grouping",
        max_length=200,
        error_messages={"required": "Enter a name for the grouping"},
    )
    file = forms.FileField(
        label="CSV of authorities and regions",
        help_text="Two columns: code (GSS code), region",
        error_messages={"required": "Choose the CSV to upload"},
    )
