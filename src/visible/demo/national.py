"""The national body in the demo: two collection years answered by every authority as in the
report (synthetic figures) but the demo councils, who answer from Visible: their manager sends
each year's return from the National returns page and the analyst can watch it arrive. (The
synthetic answers never speak for a council on Visible: its page would show a status it never
gave.)"""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.db import transaction

from visible.agencies.viewer import Viewer
from visible.national.models import Collection, RequestStatus

YEARS = (2023, 2024)  # September to August


@transaction.atomic
def set_up_national_demo(analyst: Viewer, waiting_for: list[str], out: TextIO) -> None:
    from visible.national import actions

    from .synthetic.returns import fill_collection

    if Collection.objects.exists():
        out.write(f"Keeping the existing national collections ({Collection.objects.count()}).\n")
        return
    for year in YEARS:
        collection = actions.open_collection(
            analyst,
            f"Missing children, September {year} to August {year + 1}",
            dt.date(year, 9, 1),
            dt.date(year + 1, 8, 31),
            dt.date(year + 1, 11, 30),
        )
        # The demo councils have not answered yet: they send theirs from Visible.
        fill_collection(analyst, collection, seed=year, leave_out=frozenset(waiting_for))
    out.write(
        f"National monitoring: {len(YEARS)} collections with synthetic returns from "
        f"{collection.requests.exclude(status=RequestStatus.REQUESTED).count()} authorities.\n"
    )
