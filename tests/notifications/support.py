"""What the notification tests share: the child's every name and spelling, and the check that
none of them is in a message."""

from __future__ import annotations

import re

from anyascii import anyascii

from visible.children.models import Child


def names_of(child: Child) -> set[str]:
    """Every name of the child and each part of it, as written and folded to ASCII: given and
    family names, the preferred name, aliases, other spellings, the name in their own script."""
    whole = {child.given_names, child.family_name, child.preferred_name, child.full_name}
    whole |= set(child.other_names.values_list("name", flat=True))
    found = set()
    for name in filter(None, whole):
        for form in (name, anyascii(name)):
            found.add(form)
            found |= {part for part in re.split(r"[\s\-']+", form) if len(part) > 1}
    return found


def named_in(text: str, child: Child) -> list[str]:
    """The child's names (and the date of birth) found in ``text``, as whole words."""
    found = [
        name
        for name in sorted(names_of(child))
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I)
    ]
    dob = child.date_of_birth
    found += [
        day for day in (f"{dob:%d/%m/%Y}", f"{dob:%-d %B %Y}", dob.isoformat()) if day in text
    ]
    return found


def assert_names_absent(text: str, child: Child) -> None:
    assert named_in(text, child) == [], f"the message names the child:\n{text}"
