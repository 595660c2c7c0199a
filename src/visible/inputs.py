"""What the domain actions take: one frozen dataclass per write (children/inputs.py,
missing/inputs.py), its required fields required arguments and the others defaulted.

A caller that leaves out a required field fails where it calls, with the field's name (Python's
TypeError at construction, or the ValueError of ``from_mapping``), instead of an error deep in
the ORM once the transaction has begun. The rules about the values (dates in the past, codes in
use, no overlap) stay in the actions, which answer in the words the pages show; the inputs only
fix which fields an action takes and which it cannot do without.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Self, cast


class ActionInput:
    """The base of the action inputs. Each is declared
    ``@dataclass(frozen=True, kw_only=True)``: keyword-only, so the fields keep the order of
    the record however required and optional ones mix."""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cast(Any, cls)) if f.init)

    @classmethod
    def required_names(cls) -> tuple[str, ...]:
        return tuple(
            f.name
            for f in dataclasses.fields(cast(Any, cls))
            if f.init
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Self:
        """The input from a mapping of field names to values: a form's ``cleaned_data``, a
        serializer's validated data. A required field missing from it, or a key the action
        does not take, is a ValueError naming them. That is a fault in the calling code, never
        the person's mistake: the forms and serializers ask for the required fields in their
        own words before this is reached."""
        taken = set(cls.field_names())
        missing = [name for name in cls.required_names() if name not in values]
        unknown = sorted(str(key) for key in values if key not in taken)
        problems = []
        if missing:
            problems.append(f"required field(s) missing: {', '.join(missing)}")
        if unknown:
            problems.append(f"field(s) it does not take: {', '.join(unknown)}")
        if problems:
            raise ValueError(f"{cls.__name__}: {'; '.join(problems)}")
        return cls(**values)

    def as_values(self) -> dict[str, Any]:
        """The fields as a plain dict (shallow: a record stays the record, not a copy), for the
        checks in validation.py that read values by name."""
        return {name: getattr(self, name) for name in self.field_names()}

    def _as_tuple(self, name: str) -> None:
        """Keep a list field as a tuple (a frozen input has no list anyone could change
        afterwards); for ``__post_init__``."""
        object.__setattr__(self, name, tuple(getattr(self, name) or ()))
