"""Moved to ``visible.dates``, which the engine and the rest of Visible now share.

Only ``visible.synthetic`` and its tests still import these names from here; point them at
``visible.dates`` and delete this module.
"""

from visible.dates import (
    CALENDAR_VERSION,
    UK_TIME,
    add_working_days,
    age_on,
    birthday,
    is_working_day,
    uk_date,
    uk_midnight,
)

__all__ = [
    "CALENDAR_VERSION",
    "UK_TIME",
    "add_working_days",
    "age_on",
    "birthday",
    "is_working_day",
    "uk_date",
    "uk_midnight",
]
