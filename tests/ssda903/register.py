"""Making a synthetic authority's register ready for an SSDA903 return the way a case system's
data would be (see `ready_for_return`): the year the return is for and the moment the register
is drawn at."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

from visible.children.models import Child, Placement
from visible.dates import collection_period, years_before
from visible.ssda903.export import place_code_in
from visible.ssda903.models import EpisodeDetail, ReturnDetail
from visible.ssda903.oracle import SCRIPT, VALIDATOR_PYTHON, ValidatorMissing

YEAR = 2025  # 2025/26, the latest collection year that has ended
# The register is drawn as it stood when the 2025/26 return was made (the DfE collects it
# from April), so the years it holds (2023/24 to 2025/26) are the same whatever today is.
DRAWN_AT = dt.datetime(YEAR + 1, 5, 15, 11, tzinfo=dt.UTC)
# Placement types the DfE exempts from an Ofsted URN (its rules 218 and 222, 2025/26).
NO_URN = frozenset(
    {"P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"}
)


def real_postcodes(authority_codes: list[str], letters: str, count: int) -> dict[str, list[str]]:
    """Postcodes that exist, in each authority, from the DfE validator's own postcode list."""
    if not VALIDATOR_PYTHON.exists():
        raise ValidatorMissing(
            f"{VALIDATOR_PYTHON} is missing: run `make dfe-validator` (make test does)"
        )
    done = subprocess.run(
        [
            str(VALIDATOR_PYTHON),
            str(SCRIPT),
            "--postcodes",
            ",".join(authority_codes),
            letters,
            str(count),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout)


def ready_for_return(organisation, year: int = YEAR) -> None:
    """What the synthetic register lacks for a return the DfE accepts, filled in as a case
    system's data would have it. Each step answers a DfE rule the generated data breaks:

    - placement postcodes: the generator draws postcodes that look right but mostly do not
      exist, so the DfE cannot place them (rules 169, 179, 392c): real postcodes in the same
      authority instead (supported accommodation, K3, in the authority's own area: rule 241);
    - home postcode (HOME_POST) and Ofsted URN: the register has no field for them (the import
      keeps them in ssda903.ReturnDetail / EpisodeDetail): a home postcode in the authority for
      children who are not UASC (rules 392a, 392b, 392d), and an SC-number URN for placement
      types that need one (rule 218);
    - legal statuses the generator gives for a child's whole time in care although the law
      limits them to hours or days (L1 police protection 72 hours, L2 emergency protection
      order 21 days, J2 PACE 24 hours: rules 361, 362, 364), remand (J1-J3) under 10 (358) and
      section 20 (V2) for a child placed with parents (378): accommodated under section 20
      (V2) or a full care order (C2) instead;
    - sex U: the DfE asks about every child recorded as sex not known (rule 232): F or M;
    - a one-day placement on the day the young person leaves care (the generator can draw a
      move for the last day of care): the day joins the placement before it, as an episode that
      ceased the day it began would be queried (rule 355).
    """
    _no_move_on_the_last_day(organisation)
    placements = list(
        Placement.objects.filter(child__responsible_organisation=organisation).select_related(
            "authority"
        )
    )
    home_code = organisation.authority.code
    codes = sorted({p.authority.code for p in placements} | {home_code})
    letters = "".join(sorted({p.postcode[0] for p in placements if p.postcode} | {"C"}))
    real = real_postcodes(codes, letters, 50)
    home_list = real[home_code]
    for i, p in enumerate(placements):
        if place_code_in(p.place_code, year) == "K3":
            p.authority = organisation.authority
        choices = (real.get(p.authority.code) or home_list)[:25]
        p.postcode = choices[i % len(choices)]
    Placement.objects.bulk_update(placements, ["postcode", "authority"])
    children = Child.objects.filter(responsible_organisation=organisation)
    children.filter(legal_status__in=["L1", "L2", "L3", "J2"]).update(legal_status="V2")
    ten_years_ago = years_before(collection_period(year)[1], 11)
    children.filter(legal_status__in=["J1", "J3"], date_of_birth__gt=ten_years_ago).update(
        legal_status="V2"
    )
    children.filter(legal_status="V2", placements__place_code="P1").update(legal_status="C2")
    for n, child in enumerate(children.filter(sex="U")):
        child.sex = "F" if n % 2 else "M"
        child.save(update_fields=["sex"])
    ReturnDetail.objects.bulk_create(
        [
            ReturnDetail(child=c, home_postcode=home_list[25 + (i * 7) % 25])
            for i, c in enumerate(children.order_by("pk"))
        ]
    )
    EpisodeDetail.objects.bulk_create(
        [
            EpisodeDetail(placement=p, urn=f"SC{100000 + p.pk % 900000:06d}")
            for p in placements
            if place_code_in(p.place_code, year) not in NO_URN
        ]
    )


def _no_move_on_the_last_day(organisation) -> None:
    by_child: dict[int, list] = {}
    for p in Placement.objects.filter(child__responsible_organisation=organisation).order_by(
        "child_id", "start_date"
    ):
        by_child.setdefault(p.child_id, []).append(p)
    for placements in by_child.values():
        last = placements[-1]
        if len(placements) > 1 and last.end_date == last.start_date:
            before = placements[-2]
            if before.end_date == last.start_date - dt.timedelta(days=1):
                before.end_date = last.end_date
                last.delete()
                before.save(update_fields=["end_date"])
