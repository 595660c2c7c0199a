"""Reading a register file's cells: each function takes the cell (text, or a date from an
Excel date cell) and gives Visible's value, or raises Unreadable with what was wrong and how
to put it right (the importer adds the file, row and column)."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import pycountry

from visible.children.models import DobBasis, FlagKind, Gender, Sex
from visible.reference.nationalities import (
    STATELESS,
    UNKNOWN,
    language_choices,
    nationality_choices,
)

from .fields import LIST_SEPARATOR

Cell = str | dt.date


class Unreadable(ValueError):
    def __init__(self, rule: str, fix: str):
        self.rule, self.fix = rule, fix
        super().__init__(f"{rule}: {fix}")


def text(cell: Cell) -> str:
    if isinstance(cell, dt.date):
        return f"{cell:%d/%m/%Y}"
    return " ".join(str(cell).split())


def _fold(value: str) -> str:
    return re.sub(r"[\s_\-]+", " ", value).strip().lower()


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?")


def date(cell: Cell) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    value = cell.strip()
    try:
        if found := _DMY.fullmatch(value):
            day, month, year = (int(g) for g in found.groups())
            return dt.date(year, month, day)
        if found := _ISO.fullmatch(value):
            year, month, day = (int(g) for g in found.groups())
            return dt.date(year, month, day)
    except ValueError:
        raise Unreadable(
            "Not a real date", "Check the day and month: dd/mm/yyyy, e.g. 28/02/2011"
        ) from None
    raise Unreadable("Not a date Visible reads", "Write dates as dd/mm/yyyy, e.g. 28/02/2011")


SEXES = {
    "m": Sex.MALE,
    "male": Sex.MALE,
    "1": Sex.MALE,
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "2": Sex.FEMALE,
    "u": Sex.UNKNOWN,
    "not known": Sex.UNKNOWN,
    "unknown": Sex.UNKNOWN,
    "0": Sex.UNKNOWN,
    "9": Sex.UNKNOWN,
}


def sex(cell: Cell) -> str:
    found = SEXES.get(_fold(text(cell)))
    if found is None:
        raise Unreadable(
            "Not a sex Visible reads", "Use M or F (or male, female, 1, 2); U when not known"
        )
    return found


GENDERS = {
    "boy": Gender.BOY,
    "boy or young man": Gender.BOY,
    "male": Gender.BOY,
    "m": Gender.BOY,
    "girl": Gender.GIRL,
    "girl or young woman": Gender.GIRL,
    "female": Gender.GIRL,
    "f": Gender.GIRL,
    "non binary": Gender.NON_BINARY,
    "nonbinary": Gender.NON_BINARY,
    "other": Gender.OTHER,
    "describes themselves another way": Gender.OTHER,
    "not known": Gender.NOT_KNOWN,
    "unknown": Gender.NOT_KNOWN,
    "u": Gender.NOT_KNOWN,
}


def gender(cell: Cell) -> str:
    found = GENDERS.get(_fold(text(cell)))
    if found is None:
        raise Unreadable(
            "Not a gender Visible reads",
            "Use boy, girl, non-binary or other; leave blank when not known",
        )
    return found


def dob_basis(cell: Cell) -> str:
    value = _fold(text(cell))
    for choice in DobBasis:
        if value in (choice.value, _fold(choice.label)):
            return choice.value
    raise Unreadable("Not a basis of date of birth", "Use claimed, assessed or documented")


YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def yes_no(cell: Cell) -> bool:
    value = _fold(text(cell))
    if value in YES:
        return True
    if value in NO:
        return False
    raise Unreadable("Not yes or no", "Use yes or no")


@cache
def _nationalities() -> dict[str, str]:
    found = {UNKNOWN.lower(): UNKNOWN, STATELESS.lower(): STATELESS}
    found |= {"not known": UNKNOWN, "unknown": UNKNOWN, "stateless": STATELESS}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name", "alpha_2", "alpha_3"):
            value = getattr(country, attribute, None)
            if value:
                found.setdefault(_fold(value), country.alpha_3)
    known = {code for code, _ in nationality_choices()}
    return {key: code for key, code in found.items() if code in known}


def nationality(cell: Cell) -> str:
    value = text(cell)
    found = _nationalities().get(_fold(value))
    if found is None:
        raise Unreadable(
            "Not a nationality Visible knows",
            "Use the country's ISO 3166 code (AFG or AF, ERI or ER) or its name "
            "(Afghanistan); XXA for stateless, XXX when not known",
        )
    return found


@cache
def _languages() -> dict[str, str]:
    choices = dict(language_choices())
    found: dict[str, str] = {}
    for code, name in choices.items():
        found.setdefault(code, code)
        found.setdefault(_fold(name), code)
    for language in pycountry.languages:
        alpha_2 = getattr(language, "alpha_2", None)
        if alpha_2 and language.alpha_3 in choices:
            found.setdefault(alpha_2.lower(), language.alpha_3)
    return found


def language(value: str) -> str:
    found = _languages().get(_fold(value))
    if found is None:
        raise Unreadable(
            "Not a language Visible knows",
            "Use the ISO 639 code (prs for Dari, ti or tir for Tigrinya) or the language's name",
        )
    return found


def first_language(cell: Cell) -> str:
    return language(text(cell))


def items(cell: Cell) -> list[str]:
    return [part.strip() for part in text(cell).split(LIST_SEPARATOR) if part.strip()]


def languages(cell: Cell) -> tuple[str, ...]:
    found: list[str] = []
    for part in items(cell):
        try:
            code = language(part)
        except Unreadable as error:
            raise Unreadable(f"'{part}' is not a language Visible knows", error.fix) from None
        if code not in found:
            found.append(code)
    return tuple(found)


FLAG_CODES = tuple(FlagKind.values)
# The flags a file may give: criminalised needs its stage (arrested, bailed or charged), which
# a worker records on the child's page.
IMPORTED_FLAGS = tuple(code for code in FLAG_CODES if code != FlagKind.CRIMINALISED)


def flags(cell: Cell) -> list[tuple[str, dt.date]]:
    found: list[tuple[str, dt.date]] = []
    for part in items(cell):
        code, _, when = part.partition(":")
        code = _fold(code).replace(" ", "_")
        if code not in FLAG_CODES:
            raise Unreadable(
                f"'{part}': {code or '(blank)'} is not a flag code",
                f"Use one of {', '.join(IMPORTED_FLAGS)}, each with its date: uasc:01/02/2025",
            )
        if code not in IMPORTED_FLAGS:
            raise Unreadable(
                f"'{part}': the criminalised flag is not imported",
                "Record it on the child's page, with whether the child was arrested, bailed or charged",
            )
        if not when.strip():
            raise Unreadable(
                f"'{part}': the flag has no date",
                f"Give the date it applies from: {code}:01/02/2025",
            )
        try:
            day = date(when.strip())
        except Unreadable as error:
            raise Unreadable(f"'{part}': {error.rule.lower()}", error.fix) from None
        found.append((code, day))
    return found


def identifier(cell: Cell) -> str:
    return text(cell)


def name(cell: Cell) -> str:
    return text(cell)


def names(cell: Cell) -> list[str]:
    return items(cell)


READERS = {
    "child_903_id": identifier,
    "council_id": identifier,
    "home_office_ref": identifier,
    "nrm_ref": identifier,
    "police_ref": identifier,
    "given_names": name,
    "family_name": name,
    "preferred_name": name,
    "other_names": names,
    "date_of_birth": date,
    "dob_basis": dob_basis,
    "sex": sex,
    "gender": gender,
    "nationality": nationality,
    "first_language": first_language,
    "other_languages": languages,
    "interpreter_needed": yes_no,
    "looked_after_from": date,
    "flags": flags,
}
