"""The SSDA903 upload form (the collection year and the return's files, several at once) and the
CIN census factors upload form (one CSV file)."""

from __future__ import annotations

from django import forms

from visible.reference.codes import FIRST_COLLECTION_YEAR, LAST_COLLECTION_YEAR, year_label


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [forms.FileField.clean(self, f, initial) for f in files]


def _year_choices() -> list[tuple[str, str]]:
    return [
        (str(y), year_label(y)) for y in range(LAST_COLLECTION_YEAR, FIRST_COLLECTION_YEAR - 1, -1)
    ]


class UploadForm(forms.Form):
    year = forms.ChoiceField(
        label="Collection year",
        choices=_year_choices,
        help_text="1 April to 31 March; the code lists of that year are used",
    )
    # Empty files are let through: the import's report names them ("The file is empty").
    files = MultipleFileField(
        label="Upload the return's files",
        allow_empty_file=True,
        error_messages={
            "required": "Select the return's files: Header, Episodes, UASC and Missing as CSV, or the XML file"
        },
    )


class FactorsForm(forms.Form):
    # An empty file is let through: the import's report names it ("The file is empty").
    file = forms.FileField(
        label="Upload the CSV file of CIN census factors",
        allow_empty_file=True,
        error_messages={"required": "Select the CSV file of CIN census factors"},
    )
