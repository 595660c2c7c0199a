"""Folding names so that spellings and transliterations of one name meet.

"Nguyễn Văn Anh", "NGUYEN Van Anh" and "Nguyen-Van Anh" all fold to the tokens
nguyen, van, anh. Folding is done once when a name is written (Child.search_text) and again on
the query; fuzzy matching of the folded tokens (rapidfuzz) then catches misspellings such as
"Ngyuen" or "Mohammed" / "Muhammad".
"""

from __future__ import annotations

import re

from anyascii import anyascii

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII with every run of other characters turned into one space."""
    return _NOT_ALNUM.sub(" ", anyascii(text or "").lower()).strip()


def tokens(*texts: str) -> list[str]:
    """The distinct folded tokens of several names, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        for token in fold(text).split():
            seen.setdefault(token, None)
    return list(seen)


_VOWELS = re.compile(r"[aeiouy]+")
_REPEATS = re.compile(r"(.)\1+")


def skeleton(token: str) -> str:
    """The consonant outline of a folded token, first letter kept: Mohammed, Muhammad and
    Mohamed all give "mhmd". Transliterations mostly disagree on vowels and doubled letters."""
    if not token:
        return ""
    return token[0] + _REPEATS.sub(r"\1", _VOWELS.sub("", token[1:]))


def search_text_for(names: list[str]) -> str:
    return " ".join(tokens(*names))
