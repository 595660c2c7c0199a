"""Labels never to be used for a child in scope: 'absconder' and 'wanted' (report Rec 5.iv).

The report found children recorded as 'absconders' or 'wanted', especially on turning 18
while missing, and so treated as offenders rather than victims. Callers reject these words in
free-text categories and flag them in notes.

'abscond' in any form is always a label. 'wanted' is also an everyday verb ("she wanted to
see her brother"), so each finding says whether it is plainly the label (``certain``) or
only possibly (the caller may show a gentler hint for those). A category field rejects both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from visible.risk.rules import RULES

_ABSCOND = re.compile(r"\babscond(?:s|ed|ing|er|ers|ee|ees|ment|ments)?\b", re.IGNORECASE)
_WANTED = re.compile(r"\bwanted\b", re.IGNORECASE)

# Words around 'wanted' that make it the police label rather than the verb.
_LABEL_BEFORE = re.compile(
    r"\b(?:is|was|are|were|be|been|being|now|as|marked|listed|flagged|recorded|circulated|"
    r"classed|classified|categori[sz]ed|re-?categori[sz]ed|status|marker)\W*$|/\s*$",
    re.IGNORECASE,
)
_LABEL_AFTER = re.compile(
    r"^\W*(?:person|persons|people|marker|status|flag|on\s+warrant|for\b|by\s+(?:the\s+)?police|"
    r"missing|/|:)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    word: str  # as written in the text
    start: int  # character offsets, for highlighting
    end: int
    certain: bool
    text: str  # plain words for the user
    rule_id: str
    source: str


def check_text(text: str) -> tuple[Finding, ...]:
    """Every use of a forbidden label in ``text``, in the order they appear."""
    if not text:
        return ()
    rule = RULES["R-WORDS"]
    findings: list[Finding] = []
    for match in _ABSCOND.finditer(text):
        findings.append(
            Finding(
                match.group(0),
                match.start(),
                match.end(),
                True,
                f"'{match.group(0)}' labels a child as an offender; describe them as missing instead",
                rule.id,
                rule.source,
            )
        )
    for match in _WANTED.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        after = text[match.end() : match.end() + 40]
        whole = not text[: match.start()].strip(" \t\r\n'\".:;-") and not text[match.end() :].strip(
            " \t\r\n'\".:;-"
        )
        certain = whole or bool(_LABEL_BEFORE.search(before) or _LABEL_AFTER.search(after))
        # "wanted to ..." is the verb whatever came before it.
        if re.match(r"^\s+to\b", after, re.IGNORECASE):
            certain = whole
        hint = "" if certain else " (check: it may be the everyday verb)"
        findings.append(
            Finding(
                match.group(0),
                match.start(),
                match.end(),
                certain,
                f"'{match.group(0)}' must not describe a missing child{hint}; describe them as missing instead",
                rule.id,
                rule.source,
            )
        )
    return tuple(sorted(findings, key=lambda f: (f.start, f.end)))
