"""Synthetic returns for national monitoring: a whole collection answered the way authorities
answered the report's request (some give no information, some have no such children, a few
give part of it), with figures that are all true together. For the demo, the national tests
and the national benchmark. Deterministic for a given seed."""

from __future__ import annotations

import random
from typing import Any

from visible.agencies.viewer import Viewer
from visible.returns.foi import DURATION_BANDS

GENDERS = ("boy", "girl", "non_binary", "other", "not_known")
NATIONALITIES = (
    "ALB",
    "AFG",
    "ERI",
    "VNM",
    "SDN",
    "GBR",
    "IRN",
    "SYR",
    "EGY",
    "ROU",
    "POL",
    "NGA",
    "XXX",
)
BASE_GROUPS = (
    "trafficked_identified",
    "trafficked_suspected",
    "uasc",
    "separated",
    "unaccompanied",
)
# Shares of authorities by answer, after the report (43 of 217 gave no information).
NOT_PROVIDED, REFUSED, SILENT, NO_SUCH, PARTIAL = 0.04, 0.07, 0.12, 0.20, 0.25


def consistent_counts(rng: random.Random, scale: float = 1.0) -> dict[str, dict[str, int]]:
    """Every figure of a return, consistent with the others (every data-quality rule holds).
    The five base groups do not overlap here, so the unions are sums."""
    counts: dict[str, dict[str, int]] = {}
    for group in BASE_GROUPS:
        children = int(rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40, 90]) * scale)
        missing = rng.randint(0, children)
        m_only = rng.randint(0, missing)
        still = rng.randint(0, missing)
        incidents = missing + (rng.randint(0, 3 * missing) if missing else 0)
        rest = incidents - still
        first = rng.randint(0, rest)
        second = rng.randint(0, rest - first)
        found = rng.randint(0, rest)
        incidents_m = rng.randint(0, incidents)
        counts[group] = {
            "children": children,
            "children_missing_or_away": missing,
            "children_missing": m_only,
            "children_away": missing - m_only,
            "incidents": incidents,
            "incidents_missing": incidents_m,
            "incidents_away": incidents - incidents_m,
            "incidents_started_before": rng.randint(0, incidents),
            "incidents_under_24_hours": first,
            "incidents_1_to_7_days": second,
            "incidents_over_7_days": rest - first - second,
            "incidents_still_missing": still,
            "incidents_returned_themselves": rest - found,
            "incidents_found": found,
            "children_still_missing": still,
            "children_still_missing_turned_18": rng.randint(0, still),
        }
    return with_unions(counts)


def with_unions(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The base groups' figures with the unions added: the base groups do not overlap here, so
    each union is the sum of its parts."""
    for whole, parts in (
        ("trafficked", ("trafficked_identified", "trafficked_suspected")),
        ("uasc_or_separated", ("uasc", "separated", "unaccompanied")),
    ):
        counts[whole] = {m: sum(counts[p][m] for p in parts) for m in counts[parts[0]]}
    counts["any"] = {
        m: counts["trafficked"][m] + counts["uasc_or_separated"][m] for m in counts["trafficked"]
    }
    return counts


def first_days_section(rng: random.Random, counts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The return's first days in care (returns/first_days.py), consistent with its counts: of
    each base group's children some arrived in the period, some of those went missing or away
    (no more than the group's children who did), most of them within the week; the unions are
    sums, as for the counts."""
    from visible.returns.first_days import MEASURES

    section: dict[str, dict[str, int]] = {}
    for group in BASE_GROUPS:
        children = counts[group]["children"]
        went_at_all = counts[group]["children_missing_or_away"]
        arrived = rng.randint(0, children) if isinstance(children, int) else 0
        went = rng.randint(0, min(arrived, went_at_all)) if isinstance(went_at_all, int) else 0
        week = rng.randint(went // 2, went)
        section[group] = {
            "arrived": arrived,
            "went_missing_or_away": went,
            "within_48_hours": rng.randint(week // 2, week),
            "within_7_days": week,
        }
    return {
        "measures": [{"code": c, "label": label} for c, label in MEASURES],
        "counts": with_unions(section),
    }


def nationality_breakdown(
    rng: random.Random, group: str, measure: str, total: int
) -> dict[str, Any]:
    cells: dict[str, dict[str, int]] = {}
    for _ in range(total):
        code = rng.choice(NATIONALITIES)
        gender = rng.choice(["boy", "boy", "boy", "girl", "not_known", "non_binary"])
        cells.setdefault(code, dict.fromkeys(GENDERS, 0))[gender] += 1
    rows = [
        {"code": c, "label": c, "values": v, "total": sum(v.values())}
        for c, v in sorted(cells.items())
    ]
    columns = {g: sum(r["values"][g] for r in rows) for g in GENDERS}
    return {
        "group": group,
        "measure": measure,
        "by": "nationality",
        "rows": rows,
        "column_totals": columns,
        "total": total,
    }


def incidents_for(rng: random.Random, counts: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """One row per incident of 'any', numbered by child, so incidents per child are known."""
    children, incidents = counts["any"]["children_missing_or_away"], counts["any"]["incidents"]
    per_child = [1] * children
    for _ in range(incidents - children):
        per_child[rng.randrange(children)] += 1
    rows, number = [], 0
    for child, times in enumerate(per_child, start=1):
        for _ in range(times):
            number += 1
            rows.append(
                {
                    "incident": number,
                    "child": child,
                    "groups": ["any"],
                    "category": "M",
                    "hours": round(rng.uniform(1, 400), 1),
                    "band": DURATION_BANDS[0][0],
                    "started_before_period": False,
                    "still_missing_at_end": False,
                    "turned_18_while_missing": False,
                    "outcome": "returned_themselves",
                }
            )
    return rows


def fill_collection(
    viewer: Viewer,
    collection,
    seed: int = 2016,
    scale: float = 1.0,
    leave_out: frozenset[str] = frozenset(),
) -> dict[str, dict | None]:
    """Answer every request of the collection (but those of the authorities in ``leave_out``)
    as the national analyst ``viewer`` would record it. Returns authority code -> the document
    sent (None: 'no such children'); authorities that gave no information are left out."""
    from visible.national import actions, ingest
    from visible.national.models import RequestStatus

    rng = random.Random(seed)
    sent: dict[str, dict | None] = {}
    for request in collection.requests.select_related("authority").order_by("authority__code"):
        roll = rng.random()
        if request.authority.code in leave_out:
            continue
        if roll < NOT_PROVIDED:
            actions.set_status(
                viewer, request, RequestStatus.NOT_PROVIDED, "Exceeds the FOI cost limit (s.12)"
            )
            continue
        if roll < REFUSED:
            actions.set_status(
                viewer,
                request,
                RequestStatus.REFUSED,
                "Refused: the information is not held centrally",
            )
            continue
        if roll < SILENT:
            continue  # never answered
        if roll < NO_SUCH:
            actions.set_status(viewer, request, RequestStatus.NO_SUCH_CHILDREN, "")
            sent[request.authority.code] = None
            continue
        document = ingest.empty_document(request.authority, collection, "synthetic")
        counts = consistent_counts(rng, scale)
        if roll < PARTIAL:  # partial: no figures for the children who went missing
            for group in counts:
                counts[group]["children_missing_or_away"] = ":"
        document["counts"] = counts
        if roll >= PARTIAL:
            for group in ("trafficked", "uasc_or_separated"):
                for measure in ("children", "children_missing_or_away"):
                    document["breakdowns"].append(
                        nationality_breakdown(rng, group, measure, counts[group][measure])
                    )
            document["incidents"] = incidents_for(rng, counts)
            # From a stream of its own, so the rest of a seed's collection is as it was.
            document["first_days"] = first_days_section(
                random.Random(f"{seed}/first-days/{request.authority.code}"), counts
            )
        actions.receive(
            viewer, request, document, "upload", filename=f"{request.authority.code}.json"
        )
        sent[request.authority.code] = document
    return sent
