"""A national body with an analyst, a collection addressed to every authority, and returns
generated for it with known figures."""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest

from tests.conftest import as_viewer, make_user
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.national import actions, ingest
from visible.national.models import RequestStatus
from visible.returns.foi import DURATION_BANDS

PERIOD = (dt.date(2024, 9, 1), dt.date(2025, 8, 31))
NATIONALITIES = ("ALB", "AFG", "ERI", "VNM", "SDN", "GBR", "IRN", "SYR", "EGY", "ROU", "POL", "NGA", "XXX")


@pytest.fixture
def national_body(db) -> Organisation:
    return Organisation.objects.create(name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY)


@pytest.fixture
def analyst(national_body):
    return make_user("analyst.national", national_body, Role.ANALYST)


@pytest.fixture
def collection(analyst):
    return actions.open_collection(as_viewer(analyst), "Missing children 2024 to 2025", *PERIOD, dt.date(2025, 11, 30))


def consistent_counts(rng: random.Random) -> dict[str, dict[str, int]]:
    """Figures that are all true together: every data-quality rule holds."""
    counts = {}
    for group in ("trafficked_identified", "trafficked_suspected", "uasc", "separated", "unaccompanied"):
        children = rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40, 90])
        missing = rng.randint(0, children)
        m_only = rng.randint(0, missing)
        still = rng.randint(0, missing)
        incidents = missing + (rng.randint(0, 3 * missing) if missing else 0)
        still_incidents = still
        rest = incidents - still_incidents
        bands = [rng.randint(0, rest)]
        bands.append(rng.randint(0, rest - bands[0]))
        bands.append(rest - sum(bands))
        found = rng.randint(0, rest)
        incidents_m = rng.randint(0, incidents)
        counts[group] = {
            "children": children, "children_missing_or_away": missing, "children_missing": m_only,
            "children_away": missing - m_only, "incidents": incidents, "incidents_missing": incidents_m,
            "incidents_away": incidents - incidents_m, "incidents_started_before": rng.randint(0, incidents),
            "incidents_under_24_hours": bands[0], "incidents_1_to_7_days": bands[1], "incidents_over_7_days": bands[2],
            "incidents_still_missing": still_incidents, "incidents_returned_themselves": rest - found,
            "incidents_found": found, "children_still_missing": still,
            "children_still_missing_turned_18": rng.randint(0, still),
        }
    # The unions: a real return counts each child once; here the groups do not overlap.
    for whole, parts in (("trafficked", ("trafficked_identified", "trafficked_suspected")),
                         ("uasc_or_separated", ("uasc", "separated", "unaccompanied"))):
        counts[whole] = {m: sum(counts[p][m] for p in parts) for m in counts[parts[0]]}
    counts["any"] = {m: counts["trafficked"][m] + counts["uasc_or_separated"][m] for m in counts["trafficked"]}
    return counts


def nationality_breakdown(rng: random.Random, group: str, measure: str, total: int) -> dict:
    cells: dict[str, dict[str, int]] = {}
    for _ in range(total):
        code = rng.choice(NATIONALITIES)
        gender = rng.choice(["boy", "boy", "boy", "girl", "not_known", "non_binary"])
        cells.setdefault(code, dict.fromkeys(("boy", "girl", "non_binary", "other", "not_known"), 0))[gender] += 1
    rows = [{"code": c, "label": c, "values": v, "total": sum(v.values())} for c, v in sorted(cells.items())]
    columns = {g: sum(r["values"][g] for r in rows) for g in ("boy", "girl", "non_binary", "other", "not_known")}
    return {"group": group, "measure": measure, "by": "nationality", "rows": rows, "column_totals": columns,
            "total": total}


def incidents_for(rng: random.Random, counts: dict) -> list[dict]:
    """One incident row per incident of 'any', numbered by child: incidents per child known."""
    a = counts["any"]
    children, incidents = a["children_missing_or_away"], a["incidents"]
    per_child = [1] * children
    for _ in range(incidents - children):
        per_child[rng.randrange(children)] += 1
    rows, number = [], 0
    for child, times in enumerate(per_child, start=1):
        for _ in range(times):
            number += 1
            rows.append({"incident": number, "child": child, "groups": ["any"], "category": "M", "hours": 5.0,
                         "band": DURATION_BANDS[0][0], "started_before_period": False, "still_missing_at_end": False,
                         "turned_18_while_missing": False, "outcome": "returned_themselves"})
    return rows


@pytest.fixture
def filled(collection, analyst):
    """Every authority answers: about 12% give no information (cost limit, refused, silent),
    8% have no such children, 5% a partial return, the rest a full one. Returns what was sent."""
    rng = random.Random(2016)
    viewer = as_viewer(analyst)
    sent = {}
    for request in collection.requests.select_related("authority"):
        roll = rng.random()
        if roll < 0.04:
            actions.set_status(viewer, request, RequestStatus.NOT_PROVIDED, "Exceeds the FOI cost limit (s.12)")
            continue
        if roll < 0.07:
            actions.set_status(viewer, request, RequestStatus.REFUSED, "Refused under s.40")
            continue
        if roll < 0.12:
            continue  # never answered
        if roll < 0.20:
            actions.set_status(viewer, request, RequestStatus.NO_SUCH_CHILDREN, "")
            sent[request.authority.code] = None
            continue
        document = ingest.empty_document(request.authority, collection, "test")
        counts = consistent_counts(rng)
        if roll < 0.25:  # partial: no figures for the missing
            for group in counts:
                counts[group]["children_missing_or_away"] = ":"
        document["counts"] = counts
        if roll >= 0.25:
            for group in ("trafficked", "uasc_or_separated"):
                for measure in ("children", "children_missing_or_away"):
                    document["breakdowns"].append(nationality_breakdown(rng, group, measure, counts[group][measure]))
            document["incidents"] = incidents_for(rng, counts)
        if len(sent) < 5:  # what the fixture sends is a valid return (checking every one is slow)
            ingest.check_document(copy.deepcopy(document), request.authority, collection, "generated")
        actions.receive(viewer, request, document, "upload", filename=f"{request.authority.code}.json")
        sent[request.authority.code] = document
    return sent
