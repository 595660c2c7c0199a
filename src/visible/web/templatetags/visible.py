"""Small display filters for Visible's templates."""

from __future__ import annotations

from django import template

from visible.reference.codes import PLACEMENT_TYPES
from visible.reference.nationalities import language_name, nationality_name

register = template.Library()


@register.filter
def nationality(code: str) -> str:
    return nationality_name(code)


@register.filter
def language(code: str) -> str:
    return language_name(code)


@register.filter
def placement_type(code: str) -> str:
    return PLACEMENT_TYPES.label(code)


@register.filter
def querystring_with(base: dict, extra: str) -> str:
    """`base` dict plus 'key=value&key=value' pairs, URL-encoded."""
    from urllib.parse import urlencode

    params = dict(base)
    for pair in extra.split("&"):
        if "=" in pair:
            key, value = pair.split("=", 1)
            params[key] = value
    return urlencode(params)


_FLAG_COLOURS = {
    "trafficked_identified": "red",
    "trafficked_suspected": "red",
    "at_risk_of_trafficking": "orange",
    "uasc": "blue",
    "unaccompanied": "blue",
    "separated": "blue",
}


@register.filter
def flag_colour(kind: str) -> str:
    return _FLAG_COLOURS.get(kind, "grey")


@register.filter
def legal_status_label(code: str) -> str:
    from visible.reference.codes import LEGAL_STATUSES

    return LEGAL_STATUSES.label(code)


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key)


_FLAG_SHORT = {
    "trafficked_identified": "Trafficked",
    "trafficked_suspected": "Suspected trafficked",
    "at_risk_of_trafficking": "At risk of trafficking",
    "uasc": "UASC",
    "separated": "Separated",
    "unaccompanied": "Unaccompanied",
    "cse": "CSE",
    "cce": "Criminal exploitation",
    "gang": "Gangs",
    "criminalised": "Criminalised",
    "age_disputed": "Age disputed",
}


@register.filter
def flag_short(kind: str) -> str:
    """The short name of a flag, for tags in lists."""
    return _FLAG_SHORT.get(kind, kind)


# Records written by an import name the import, not a person: said as where they came from.
_IMPORTED_FROM = {
    "SSDA903 import": "Imported from the SSDA903 return",
    "CIN factors import": "Imported from the CIN census factors",
    "Register import": "Imported from the council's register",
}


@register.filter
def who(name: str) -> str:
    """A stored "by" name (a person's name, an import's, or the system's "<sweep>") as a page
    says it: the person's name; "Visible" for the system; "the SSDA903 return" for an import
    (|capfirst at the start of a cell); "Not recorded" for nobody."""
    name = (name or "").strip()
    if not name:
        return "Not recorded"
    if name.startswith("<") and name.endswith(">"):
        name = name[1:-1]
        if name not in _IMPORTED_FROM:
            return "Visible"
    if name in _IMPORTED_FROM:
        return _IMPORTED_FROM[name].replace("Imported from ", "", 1)  # "the SSDA903 return"
    return name


@register.filter
def recorded_by(name: str, verb: str = "Recorded") -> str:
    """ "Recorded by Priya Shah", or where an imported record came from ("Imported from the
    SSDA903 return")."""
    bare = (name or "").strip().strip("<>")
    if bare in _IMPORTED_FROM:
        return _IMPORTED_FROM[bare]
    if not bare:
        return f"Who {verb.lower()} it is not known"
    return f"{verb} by {who(name)}"


@register.filter
def sources_of(reasons) -> list[str]:
    """The distinct sources of some reasons, in order: said once under them, not after each."""
    found: list[str] = []
    for r in reasons or []:
        citation = r.get("citation", "") if isinstance(r, dict) else getattr(r, "citation", "")
        if citation and citation not in found:
            found.append(citation)
    return found


@register.filter
def quality_rule(code: str) -> str:
    """A national data-quality rule ("DQ6") by what it checks, for people."""
    from visible.national.quality import RULES

    return RULES.get(code, code)


@register.filter
def day(value) -> str:
    """A date as GOV.UK writes it ("8 July 2026"), from a date or the ISO text a snapshot
    (a transfer packet) keeps; anything else as it is."""
    import datetime as dt

    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return "" if value is None else str(value)
