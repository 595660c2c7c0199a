"""UK mobile numbers, as GOV.UK Notify accepts them for text messages. Pure."""

from __future__ import annotations

import re

# UK mobile ranges (Ofcom): 071-075 and 077-079, and 07624 (the Isle of Man). 070 (personal
# numbering) and 076 (pagers) are not mobiles and cannot receive a text from Notify.
_MOBILE = re.compile(r"07(?:[1-57-9]\d{8}|624\d{6})")
_SEPARATORS = re.compile(r"[\s\-().]")


class NotAMobileNumber(ValueError):
    """The number given is not a UK mobile number; the message says why, for the person."""


def uk_mobile(text: str) -> str:
    """The number in international form (+447700900123), from the ways people write it:
    07700 900123, 07700-900-123, +44 (0)7700 900123, 0044 7700 900123, 447700900123."""
    raw = text.strip()
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("44"):
            raise NotAMobileNumber(
                "Enter a UK mobile number: text messages can only go to UK numbers"
            )
    if not digits.isdigit():
        raise NotAMobileNumber("Enter a mobile number using only numbers, spaces and +44")
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44"):
        digits = digits[2:]
        if digits.startswith("0"):  # +44 (0)7700 ...
            digits = digits[1:]
        digits = "0" + digits
    if len(digits) != 11:
        raise NotAMobileNumber(
            f"Enter a UK mobile number with 11 digits, like 07700 900982 (this has {len(digits)})"
        )
    if not _MOBILE.fullmatch(digits):
        raise NotAMobileNumber(
            "Enter a UK mobile number, starting 07, like 07700 900982 (this is not a mobile number)"
        )
    return "+44" + digits[1:]


def shown(number: str) -> str:
    """+447700900123 as people read it: 07700 900123."""
    if number.startswith("+44") and len(number) == 13:
        national = "0" + number[3:]
        return f"{national[:5]} {national[5:]}"
    return number
