"""Django's own validation messages, said as GOV.UK's error message pattern says them.

Most of Visible's fields carry their own messages ("Enter the child's given names"); those that
do not would show Django's defaults, written for developers: "Ensure this value has at most
200 characters (it has 250)." Every field error passes through here on its way to the page (the
field and the error summary, templatetags/govuk.py), and the defaults come out naming the field:
"Given names must be 200 characters or fewer (you entered 250)". A message Visible wrote itself
is left as it is."""

from __future__ import annotations

import re
from collections.abc import Callable

_Rule = tuple[re.Pattern[str], Callable[[str, re.Match[str]], str]]


def _number(text: str) -> str:
    try:
        return f"{int(text):,}"
    except ValueError:
        return text


RULES: list[_Rule] = [
    (
        re.compile(r"^Ensure this value has at most (\d+) characters? \(it has (\d+)\)\.$"),
        lambda label, m: (
            f"{label} must be {_number(m[1])} characters or fewer (you entered {_number(m[2])})"
        ),
    ),
    (
        re.compile(r"^Ensure this value has at least (\d+) characters? \(it has (\d+)\)\.$"),
        lambda label, m: f"{label} must be {_number(m[1])} characters or more",
    ),
    (
        re.compile(r"^Ensure this value is less than or equal to (.+)\.$"),
        lambda label, m: f"{label} must be {m[1]} or less",
    ),
    (
        re.compile(r"^Ensure this value is greater than or equal to (.+)\.$"),
        lambda label, m: f"{label} must be {m[1]} or more",
    ),
    (
        re.compile(r"^Enter a whole number\.$"),
        lambda label, m: f"{label} must be a whole number, like 3",
    ),
    (re.compile(r"^Enter a number\.$"), lambda label, m: f"{label} must be a number"),
    (
        re.compile(r"^Select a valid choice\. .* is not one of the available choices\.$"),
        lambda label, m: f"Choose one of the options for {_lower_first(label)}",
    ),
    (
        re.compile(r"^Select a valid choice\. That choice is not one of the available choices\.$"),
        lambda label, m: f"Choose one of the options for {_lower_first(label)}",
    ),
    (
        re.compile(r"^This field is required\.$"),
        lambda label, m: f"Enter or choose {_lower_first(label)}",
    ),
    (
        re.compile(r"^Enter a valid email address\.$"),
        lambda label, m: (
            f"Enter {_lower_first(label)} in the correct format, like name@example.gov.uk"
        ),
    ),
    (re.compile(r"^Enter a valid date\.$"), lambda label, m: f"{label} must be a real date"),
]


def _lower_first(label: str) -> str:
    """ "Date of birth" -> "date of birth"; an acronym (NRM, SSDA903) keeps its capitals."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def plain(label: object, message: object) -> str:
    """``message`` for a field labelled ``label``: Django's default said plainly, or as it is."""
    label = re.sub(r"\s*\(optional\)$", "", str(label or "This")).strip() or "This"
    text = str(message)
    if label.endswith("?"):  # a question: "Which organisation are you working for now?"
        if CHOICE.match(text):
            return "Choose one of the answers given"
        if text == "This field is required.":
            return f"Answer the question \u2018{label}\u2019"
    for pattern, say in RULES:
        found = pattern.match(text)
        if found:
            return say(label, found)
    return text


CHOICE = re.compile(r"^Select a valid choice\. .* not one of the available choices\.$")
