"""The register upload form (one CSV or XLSX file) and the column mapping form (the council's
heading for each of Visible's fields, and a sample file to preview it with)."""

from __future__ import annotations

from django import forms

from visible.register.fields import FIELDS


class RegisterUploadForm(forms.Form):
    # An empty file is let through: the import's report names it ("The file is empty").
    file = forms.FileField(
        label="Upload the register",
        allow_empty_file=True,
        error_messages={"required": "Select the register file: CSV or Excel (.xlsx)"},
    )


class MappingForm(forms.Form):
    """One text field per Visible field, named after it; blank: Visible's own headings."""

    sample = forms.FileField(
        label="A file from your case system to preview (optional)",
        required=False,
        allow_empty_file=True,
        help_text="CSV or Excel (.xlsx). Its first rows are shown as Visible would read them "
        "with the mapping below; the file is not kept",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in FIELDS:
            own = ", ".join(f"'{h}'" for h in field.own_headings[1:3])
            self.fields[field.name] = forms.CharField(
                label=field.label + (" (required)" if field.required else ""),
                required=False,
                max_length=200,
                help_text=f"{field.hint + '. ' if field.hint else ''}Blank: Visible looks for {own}",
            )

    def mapping_fields(self):
        return [self[f.name] for f in FIELDS]

    def headings(self) -> dict[str, str]:
        return {f.name: self.cleaned_data.get(f.name) or "" for f in FIELDS}
