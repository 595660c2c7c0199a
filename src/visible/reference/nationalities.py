"""Nationalities (ISO 3166-1 alpha-3, with ICAO 9303's XXA stateless and XXX unspecified) and
languages (ISO 639), from pycountry. Stored as codes; shown as names."""

from __future__ import annotations

from functools import cache

import pycountry

STATELESS = "XXA"
UNKNOWN = "XXX"

# ISO 639-3 languages that have no two-letter code but that many separated children speak.
EXTRA_LANGUAGES = ("prs", "ckb", "kmr", "sdh", "hmn", "bcc", "mfe", "syl", "pcm", "ful", "tir")


@cache
def nationality_choices() -> list[tuple[str, str]]:
    countries = sorted(
        ((c.alpha_3, getattr(c, "common_name", None) or c.name) for c in pycountry.countries),
        key=lambda pair: pair[1],
    )
    return [(UNKNOWN, "Not known"), (STATELESS, "Stateless"), *countries]


@cache
def _nationality_names() -> dict[str, str]:
    return dict(nationality_choices())


def nationality_name(code: str) -> str:
    return _nationality_names().get(code, code or "Not recorded")


def is_nationality(code: str) -> bool:
    return code in _nationality_names()


@cache
def language_choices() -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for lang in pycountry.languages:
        if hasattr(lang, "alpha_2") or lang.alpha_3 in EXTRA_LANGUAGES:
            found[lang.alpha_3] = lang.name
    return sorted(found.items(), key=lambda pair: pair[1])


@cache
def _language_names() -> dict[str, str]:
    return dict(language_choices())


def language_name(code: str) -> str:
    return _language_names().get(code, code)


def is_language(code: str) -> bool:
    return code in _language_names()
