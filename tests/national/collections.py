"""The collection period the national tests ask about."""

from __future__ import annotations

import datetime as dt

PERIOD = (dt.date(2024, 9, 1), dt.date(2025, 8, 31))  # 1 September 2024 to 31 August 2025
