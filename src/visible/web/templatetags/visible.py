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
