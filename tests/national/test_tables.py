"""Every national table, fed a whole collection (every authority in force, a realistic share
giving no information), checked against numbers worked out here independently from what was
sent."""

from __future__ import annotations

from collections import Counter

import pytest

from visible.national import tables
from visible.national.models import Request, RequestStatus
from visible.reference.models import Authority
from visible.returns.disclosure import TOTAL, recoverable_by_subtraction

pytestmark = pytest.mark.django_db


def given(sent, group, measure):
    """Authorities that gave this figure (or said they have no such children), and the figures."""
    out = {}
    for code, document in sent.items():
        if document is None:
            out[code] = 0
        elif isinstance(document["counts"][group][measure], int):
            out[code] = document["counts"][group][measure]
    return out


def test_the_collection_is_addressed_to_every_authority_in_force_in_the_period(collection):
    in_force = Authority.objects.childrens_services().filter(
        start_date__isnull=True
    ) | Authority.objects.childrens_services().filter(start_date__lte=collection.period_to)
    expected = {
        a.code for a in in_force if a.end_date is None or a.end_date > collection.period_from
    }
    assert {r.authority.code for r in collection.requests.select_related("authority")} == expected
    assert len(expected) >= 200  # every UK children's services authority, NI trusts included


def test_who_answered_and_the_overall_figures(collection, filled):
    data = tables.collect(collection)
    statuses = tables.statuses(data)
    counted = Counter(
        Request.objects.filter(collection=collection).values_list("status", flat=True)
    )
    for status in RequestStatus.values:
        assert statuses.values[status, "authorities"] == counted[status]
    assert counted[RequestStatus.REQUESTED] > 0 and counted[RequestStatus.PARTIAL] > 0

    overall = tables.overall(data).published(suppress=False)
    for group in ("trafficked", "uasc_or_separated"):
        both = {c: d for c, d in sent_both(filled, group).items()}
        children = sum(v[0] for v in both.values())
        missing = sum(v[1] for v in both.values())
        assert overall["children", group] == children
        assert overall["missing", group] == missing
        assert overall["percent", group] == round(100 * missing / children, 1)


def sent_both(sent, group):
    children = given(sent, group, "children")
    missing = given(sent, group, "children_missing_or_away")
    return {c: (children[c], missing[c]) for c in children if c in missing}


def test_per_authority_summary(collection, filled):
    table = tables.per_authority(tables.collect(collection)).published(suppress=False)
    asked = collection.requests.count()
    for group in ("trafficked", "uasc_or_separated"):
        for measure in ("children", "children_missing_or_away"):
            figures = given(filled, group, measure)
            having = [n for n in figures.values() if n > 0]
            col = f"{group}:{measure}"
            assert table["total", col] == sum(figures.values())
            assert table["none", col] == sum(1 for n in figures.values() if n == 0)
            assert table["no_info", col] == asked - len(figures)
            assert table["one", col] == sum(1 for n in having if n == 1)
            assert table["max", col] == max(having)
            assert table["average", col] == round(sum(having) / len(having), 1)


def test_regional_breakdown_by_ons_region_and_by_a_custom_grouping(collection, filled, analyst):
    from tests.factories import as_viewer
    from visible.national import actions

    regions = {a.code: a.region for a in Authority.objects.all()}
    table = tables.regional(tables.collect(collection)).published(suppress=False)
    figures = given(filled, "trafficked", "children")
    expected = Counter()
    for code, n in figures.items():
        expected[regions[code]] += n
    for region, n in expected.items():
        assert table[region, "trafficked:children"] == n
        assert table[region, "trafficked:children:pct"] == round(100 * n / sum(figures.values()), 1)
    assert table[TOTAL, "trafficked:children"] == sum(figures.values())

    # The report's own grouping: London and "everywhere else", loaded from a CSV.
    csv = "code,region\n" + "\n".join(
        f"{r.authority.code},{'London' if r.authority.region == 'London' else 'Elsewhere'}"
        for r in collection.requests.select_related("authority")
    )
    grouping = actions.load_grouping(as_viewer(analyst), "London and elsewhere", csv.encode())
    custom = tables.regional(tables.collect(collection, grouping)).published(suppress=False)
    london = sum(n for code, n in figures.items() if regions[code] == "London")
    assert custom["London", "trafficked:children"] == london
    assert custom["Elsewhere", "trafficked:children"] == sum(figures.values()) - london


def test_top_authorities_nationality_incidents_durations_and_still_missing(collection, filled):
    data = tables.collect(collection)
    names = {a.code: a.name for a in Authority.objects.all()}

    top = tables.top_authorities(data, "uasc_or_separated")
    figures = {c: d["counts"]["uasc_or_separated"]["children"] for c, d in filled.items() if d}
    ranked = sorted((c for c in figures if figures[c]), key=lambda c: (-figures[c], names[c]))[:10]
    assert [key for key, _ in top.rows] == ranked

    nat = tables.nationality(data, "trafficked", "children_missing_or_away").published(
        suppress=False
    )
    expected = Counter()
    for document in filled.values():
        for b in (document or {}).get("breakdowns", []):
            if b["group"] == "trafficked" and b["measure"] == "children_missing_or_away":
                for row in b["rows"]:
                    expected[row["code"]] += row["total"]
    assert nat[TOTAL, TOTAL] == sum(expected.values())
    top_code = max((c for c in expected if c != "XXX"), key=lambda c: (expected[c], c))
    assert nat[top_code, TOTAL] == expected[top_code]
    assert nat["XXX", TOTAL] == expected["XXX"]

    per_child = tables.incidents_per_child(data).published(suppress=False)
    times = Counter()
    for document in filled.values():
        for n in Counter(i["child"] for i in (document or {}).get("incidents", [])).values():
            times[
                "1"
                if n == 1
                else "2"
                if n == 2
                else "3_5"
                if n <= 5
                else "6_10"
                if n <= 10
                else "11_plus"
            ] += 1
    for key in ("1", "2", "3_5", "6_10", "11_plus"):
        assert per_child[key, "children"] == times[key]

    durations = tables.durations(data).published(suppress=False)
    for band in ("under_24_hours", "1_to_7_days", "over_7_days", "still_missing"):
        assert durations[band, "any"] == sum(
            d["counts"]["any"][f"incidents_{band}"] for d in filled.values() if d
        )

    still = tables.still_missing(data).published(suppress=False)
    for code, document in filled.items():
        n = document["counts"]["any"]["children_still_missing"] if document else 0
        if n:
            assert still[code, "still"] == n
    assert still[TOTAL, "still"] == sum(
        d["counts"]["any"]["children_still_missing"] for d in filled.values() if d
    )


def test_the_first_days_in_care_are_added_up_over_the_returns_that_give_them(
    collection, filled, analyst
):
    import copy

    from tests.factories import as_viewer
    from visible.national import actions

    # One authority's return comes again from an older Visible (schema 1.0.0, no first days):
    # it drops out of this table, and says so in the coverage.
    older = next(c for c, d in sorted(filled.items()) if d and "first_days" in d)
    document = copy.deepcopy(filled[older])
    del document["first_days"]
    document["schema_version"] = "1.0.0"
    request = collection.requests.get(authority__code=older)
    actions.receive(as_viewer(analyst), request, document, "upload", filename="older.json")
    giving = {
        c: d["first_days"]["counts"]
        for c, d in filled.items()
        if d and "first_days" in d and c != older
    }

    table = tables.first_days(tables.collect(collection))
    shown = table.published(suppress=False)
    for group in ("trafficked", "uasc", "any"):
        for measure in ("arrived", "went_missing_or_away", "within_48_hours", "within_7_days"):
            assert shown[group, measure] == sum(f[group][measure] for f in giving.values())
    arrived, week = shown["any", "arrived"], shown["any", "within_7_days"]
    assert shown["any", "percent_7_days"] == round(100 * week / arrived, 1)
    assert f"Rests on {len(giving)} of the {collection.requests.count()}" in table.coverage
    published = table.published(suppress=True)
    assert all(v == "c" or v % 10 == 0 for k, v in published.items() if k[1] != "percent_7_days")


def test_published_tables_hide_small_counts_and_nothing_can_be_recovered(collection, filled):
    for table in tables.all_tables(tables.collect(collection)):
        shown = table.published(suppress=True)
        for key in table.count_keys():
            value = table.values[key]
            if isinstance(value, int) and 1 <= value <= 5:
                assert shown[key] == "c", (table.key, key)
        for key in table.rounded & table.count_keys():
            if isinstance(shown[key], int):
                assert shown[key] % 10 == 0, (table.key, key)
        from visible.returns.disclosure import ProtectedTable

        assert recoverable_by_subtraction(ProtectedTable(shown), table.relations) == [], table.key


def test_a_resubmission_is_a_new_version_and_the_latest_counts(collection, filled, analyst):
    import copy

    from tests.factories import as_viewer
    from visible.national import actions

    code, document = next(
        (c, d) for c, d in filled.items() if d and d["counts"]["uasc"]["children"] > 5
    )
    request = collection.requests.get(authority__code=code)
    changed = copy.deepcopy(document)
    changed["counts"]["trafficked_identified"]["children"] += 7
    changed["counts"]["trafficked"]["children"] += 7
    changed["counts"]["any"]["children"] += 7
    before = tables.overall(tables.collect(collection)).values["children", "trafficked"]
    submission = actions.receive(as_viewer(analyst), request, changed, "upload", filename="v2.json")
    assert submission.version == 2 and request.submissions.count() == 2
    assert request.submissions.get(version=1).document == document  # nothing overwritten
    after = tables.overall(tables.collect(collection)).values["children", "trafficked"]
    assert after - before == (7 if code in sent_both(filled, "trafficked") else 0)


def test_trend_across_collections(collection, filled, analyst):
    import datetime as dt

    from tests.factories import as_viewer
    from visible.national import actions, ingest

    later = actions.open_collection(
        as_viewer(analyst),
        "Missing children 2025 to 2026",
        dt.date(2025, 9, 1),
        dt.date(2026, 8, 31),
        dt.date(2026, 11, 30),
    )
    request = later.requests.select_related("authority").first()
    document = ingest.empty_document(request.authority, later, "test")
    for group in document["counts"]:
        document["counts"][group]["children"] = 0
    document["counts"]["trafficked"]["children"] = document["counts"]["trafficked_identified"][
        "children"
    ] = 9
    document["counts"]["any"]["children"] = 9
    actions.receive(as_viewer(analyst), request, document, "keyed")
    trend = tables.trend([later, collection]).published(suppress=False)
    assert [key for key, _ in tables.trend([later, collection]).rows] == [collection.pk, later.pk]
    assert trend[later.pk, "trafficked:children"] == 9
    assert trend[collection.pk, "trafficked:children"] == sum(
        given(filled, "trafficked", "children").values()
    )
