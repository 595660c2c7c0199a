"""Visible's fields in a register file: what each is, whether a file must have it, the headings
Visible reads it from without a mapping, and how its cells are read (values.py).

A council's case system names its columns in its own words ("Forename", "LAChildID"); the
council maps those to these fields once (mapping.py, the mapping page), and every file after
is read with that mapping. Headings are compared without regard to case, spaces, underscores
and hyphens, so "Date of birth", "date_of_birth" and "DATE-OF-BIRTH" are one heading."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    hint: str
    required: bool = False
    headings: tuple[str, ...] = ()  # besides the name and the label

    @property
    def own_headings(self) -> tuple[str, ...]:
        """The headings Visible reads this field from when the council's mapping does not
        say: its name, its label and the usual alternatives."""
        return (self.name, self.label, *self.headings)


LIST_SEPARATOR = ";"

FIELDS: tuple[Field, ...] = (
    Field(
        "child_903_id",
        "SSDA903 CHILD id",
        "The child's identifier in the council's SSDA903 return (CHILD): how the file's "
        "children are matched with the register's",
        required=True,
        headings=("CHILD", "CHILD ID", "LAchildID", "903 id"),
    ),
    Field("council_id", "Council case ID", "The child's number in the case system"),
    Field("home_office_ref", "Home Office reference", "", headings=("HO ref",)),
    Field("nrm_ref", "NRM reference", "The National Referral Mechanism's reference"),
    Field("police_ref", "Police reference", ""),
    Field(
        "given_names",
        "Given names",
        "First and middle names",
        required=True,
        headings=("Forenames", "First names", "First name"),
    ),
    Field("family_name", "Family name", "", headings=("Surname", "Last name")),
    Field("preferred_name", "Preferred name", "The name the child likes to be called"),
    Field(
        "other_names",
        "Other names",
        "Aliases, other spellings and earlier names, separated by semicolons (;)",
        headings=("Aliases",),
    ),
    Field(
        "date_of_birth",
        "Date of birth",
        "dd/mm/yyyy or yyyy-mm-dd, or a date cell in Excel",
        required=True,
        headings=("DOB",),
    ),
    Field(
        "dob_basis",
        "Basis of date of birth",
        "claimed, assessed or documented (claimed when blank)",
    ),
    Field("sex", "Sex", "M or F (also male, female, 1 or 2); U or blank when not known"),
    Field(
        "gender",
        "Gender",
        "boy, girl, non-binary or other (also male, female); blank when not known",
    ),
    Field(
        "nationality",
        "Nationality",
        "ISO 3166 country code (AFG or AF) or the country's name; XXA stateless, XXX not known",
    ),
    Field(
        "first_language",
        "First language",
        "ISO 639 language code (prs, ti) or the language's name",
        headings=("Language",),
    ),
    Field(
        "other_languages",
        "Other languages",
        "Language codes or names, separated by semicolons (;)",
    ),
    Field("interpreter_needed", "Interpreter needed", "yes or no (also Y, N, true, false)"),
    Field(
        "looked_after_from",
        "Date became looked after",
        "Needed for a child not yet on the register (the SSDA903 import fills it for those "
        "it added)",
        headings=("Looked after from", "DECOM"),
    ),
    Field(
        "flags",
        "Flags",
        "Each flag's code and the date it applies from, separated by semicolons: "
        "uasc:01/02/2025; trafficked_suspected:03/04/2025",
    ),
)
BY_NAME = {f.name: f for f in FIELDS}
REQUIRED = tuple(f for f in FIELDS if f.required)

_SPACING = re.compile(r"[\s_\-]+")


def heading_key(heading: str) -> str:
    """A heading as headings are compared: lower case, runs of spaces, underscores and
    hyphens as one space."""
    return _SPACING.sub(" ", str(heading or "")).strip().lower()
