"""The demo's newly arrived child (issue 17): a 15-year-old unaccompanied asylum-seeking boy
who came into the first demo council's care yesterday afternoon. His arrival checklist is part
done (the grab pack and the placement check in time, the safety plan late, the rest still on the
clock) and his history holds the refused attempt to put him in a hotel before a foster carer was
found.

Made through the actions the pages call, so each step is audited like a real one. Synthetic:
a name drawn from the generator's own Tigrinya lists (demo/synthetic/people.py). Idempotent: a
council whose children already include one with an arrival checklist is left as it is."""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.children import actions
from visible.children.inputs import ChildInput, PlacementInput
from visible.children.models import Child
from visible.dates import collection_year, years_before
from visible.reference.codes import PLACEMENT_TYPES

from .synthetic.people import _TIGRINYA_FAMILY, _TIGRINYA_FEMALE, _TIGRINYA_MALE, ListPool

HOURS_SINCE_ARRIVAL = 27


def _other_code(day: dt.date) -> str:
    """SSDA903's 'other placement' code in use on the day (Z1 to 2024/25, then Z11)."""
    found = PLACEMENT_TYPES.get("Z11")
    return "Z11" if found and found.valid_in(collection_year(day)) else "Z1"


def set_up_arrival_demo(
    council: Organisation, social_worker: Viewer, now: dt.datetime, out: TextIO
) -> Child | None:
    from visible.missing.actions import sweep_child
    from visible.sharing import actions as sharing_actions

    if Child.objects.filter(responsible_organisation=council, arrivals__isnull=False).exists():
        out.write("Arrival checklist: kept the one already made.\n")
        return None
    authority = council.authority
    assert authority is not None, "the demo council is an authority's"
    rng = random.Random(council.pk * 72)
    name = ListPool(_TIGRINYA_MALE, _TIGRINYA_FEMALE, _TIGRINYA_FAMILY).draw("M", rng)
    arrived = (now - dt.timedelta(hours=HOURS_SINCE_ARRIVAL)).replace(second=0, microsecond=0)
    day = timezone.localdate(arrived)
    with transaction.atomic():
        child = actions.create_child(
            social_worker,
            ChildInput(
                given_names=name.given,
                family_name=name.family,
                date_of_birth=years_before(day, 15) - dt.timedelta(days=rng.randint(60, 300)),
                dob_basis="claimed",
                sex="M",
                gender="boy",
                nationality="ERI",
                first_language="tir",
                interpreter_needed=True,
                looked_after_from=day,
                legal_status="V2",
            ),
        )
        actions.record_flag(
            social_worker,
            child,
            "uasc",
            day,
            "Found by the police at a lorry park; asked for asylum (synthetic demo data)",
        )
        # The flag opened his checklist, its clock from the start of the day; the duty worker
        # then records the time he arrived.
        arrival = actions.record_arrival_time(social_worker, child.arrivals.get(), arrived, now)
        actions.record_arrival_item(
            social_worker,
            arrival,
            "grab_pack",
            arrived + dt.timedelta(hours=3),
            "Photograph taken and description written with the duty worker",
            now,
        )
    # The first placement tried: a hotel, refused for a child under 16 (kept in his history).
    hotel = PlacementInput(
        place_code=_other_code(day),
        detail="hotel",
        start_date=day,
        authority=authority,
        provider="Station Road Hotel",
    )
    try:
        sharing_actions.record_placement(social_worker, child, hotel)
    except actions.PlacementRefused:
        pass
    with transaction.atomic():
        sharing_actions.record_placement(
            social_worker,
            child,
            PlacementInput(
                place_code="U6",
                detail="emergency",
                start_date=day,
                authority=authority,
                provider="Emergency foster carers",
            ),
        )
        actions.record_arrival_item(
            social_worker,
            arrival,
            "placement_check",
            arrived + dt.timedelta(hours=6),
            "Emergency foster placement visited; carers briefed on the risk of trafficking",
            now,
        )
        sweep_child(child, now)
    out.write(
        f"Arrival checklist: {child.full_name}, arrived {HOURS_SINCE_ARRIVAL} hours ago, "
        "2 of 7 steps done, a hotel placement refused.\n"
    )
    return child
