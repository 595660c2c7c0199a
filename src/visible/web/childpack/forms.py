"""The forms of the child's pack pages: choosing the language, the contacts the pack shows,
and a council's own checked translation (every block, all or nothing)."""

from __future__ import annotations

from django import forms

from visible.childpack import texts
from visible.childpack.models import PhoneSafety

from ..fields import GovukDateField

SIDES = [
    ("both", "The child's language, with the English on the back (two sides)"),
    ("one", "The child's language only (one side)"),
]


class PackLanguageForm(forms.Form):
    language = forms.ChoiceField(
        label="Language of the pack",
        choices=texts.language_choices,
        error_messages={"invalid_choice": "Choose one of the pack's languages"},
    )
    sides = forms.ChoiceField(
        label="Print",
        choices=SIDES,
        widget=forms.RadioSelect,
        initial="both",
        required=False,
    )


class ChildContactsForm(forms.Form):
    phone = forms.CharField(
        label="Child's mobile number (optional)",
        max_length=30,
        required=False,
        help_text="A UK mobile number, like 07700 900982",
    )
    phone_safety = forms.ChoiceField(
        label="Safe to contact this phone?",
        choices=PhoneSafety.choices,
        widget=forms.RadioSelect,
        initial=PhoneSafety.UNKNOWN,
        help_text="Someone else may read or control a child's phone. Visible texts the child "
        "only when this says safe. A changed number goes back to not known.",
        error_messages={"required": "Choose whether it is safe to contact the child's phone"},
    )
    phone_safety_reason = forms.CharField(
        label="Why (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    social_worker_phone = forms.CharField(
        label="Social worker's phone number (optional)", max_length=40, required=False
    )
    guardian_phone = forms.CharField(
        label="Guardian's phone number (optional)", max_length=40, required=False
    )
    carer_name = forms.CharField(
        label="Carer's name (optional)",
        max_length=200,
        required=False,
        help_text="Empty: the pack names the placement's provider",
    )
    carer_phone = forms.CharField(
        label="Carer's phone number (optional)", max_length=40, required=False
    )


class OutOfHoursForm(forms.Form):
    out_of_hours_phone = forms.CharField(
        label="Out-of-hours number (optional)",
        max_length=40,
        required=False,
        help_text="The number a child can call at night and at weekends. Shown on every pack "
        "for your council's children.",
    )


class TranslationForm(forms.Form):
    """One field per block, labelled with the English it translates; then who checked it."""

    checked_by = forms.CharField(
        label="Name of the fluent speaker who checked it",
        max_length=200,
        error_messages={
            "required": "Enter the name of the fluent speaker who checked the translation"
        },
    )
    checked_on = GovukDateField(label="Date it was checked")

    def __init__(self, *args, rtl: bool = False, tag: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        blocks = {}
        for key in texts.block_keys():
            english = texts.english_block(key)
            attrs = {
                "rows": 3 if len(english) > 60 else 1,
                "dir": "rtl" if rtl else "ltr",
                "lang": tag,
            }
            blocks[f"block_{key}"] = forms.CharField(
                label=english,
                max_length=1000,
                widget=forms.Textarea(attrs=attrs),
                error_messages={"required": f"Enter the translation of “{english}”"},
            )
        checked = {name: self.fields[name] for name in ("checked_by", "checked_on")}
        self.fields = {**blocks, **checked}

    def blocks(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"block_{key}", "") or "" for key in texts.block_keys()}
