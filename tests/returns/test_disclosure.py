"""Disclosure control (rulebook section 8): counts 1-5 shown as c, secondary suppression so
that no suppressed count can be worked out by subtraction from a published row or column
total, the z / : / k markers and totals rounded to 10."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from visible.returns import disclosure as dc

T = dc.TOTAL


def test_a_small_count_is_c_and_its_row_and_column_get_a_second_suppression():
    counts = {("VNM", "boy"): 3, ("VNM", "girl"): 9, ("ALB", "boy"): 12, ("ALB", "girl"): 7}
    table = dc.protect_crosstab(counts, ["VNM", "ALB"], ["boy", "girl"])
    p = table.published
    assert p["VNM", "boy"] == "c"
    # Row VNM (12 = 3 + 9) would give the 3 away, and so would column boy (15 = 3 + 12).
    assert p["VNM", "girl"] == "c" and p["ALB", "boy"] == "c"
    # ...and then row ALB and column girl each hold one hidden cell: ALB girl closes both.
    assert p["ALB", "girl"] == "c"
    assert (p["VNM", T], p["ALB", T], p[T, "boy"], p[T, "girl"], p[T, T]) == (12, 19, 15, 16, 31)
    assert table.primary == {("VNM", "boy")}


def test_zero_is_shown_and_six_is_not_suppressed():
    table = dc.protect_crosstab({("ERI", "boy"): 6, ("ERI", "girl"): 0}, ["ERI"], ["boy", "girl"])
    assert table.published == {
        ("ERI", "boy"): 6,
        ("ERI", "girl"): 0,
        ("ERI", T): 6,
        (T, "boy"): 6,
        (T, "girl"): 0,
        (T, T): 6,
    }
    assert not table.suppressed


def test_the_secondary_cell_is_the_smallest_non_zero_one():
    values = {"total": 40, "a": 2, "b": 0, "c": 9, "d": 29}
    table = dc.protect(values, [dc.SumRelation("total", ("a", "b", "c", "d"))])
    assert table.published == {"total": 40, "a": "c", "b": 0, "c": "c", "d": 29}
    assert table.secondary == {"c"}


def test_when_only_zeros_are_left_the_total_is_suppressed():
    # 9 was suppressed to protect another table; here 9 = 9 + 0 + 0 would give it away.
    values = {"total": 9, "a": 9, "b": 0, "x": 3, "xt": 12}
    relations = [dc.SumRelation("total", ("a", "b")), dc.SumRelation("xt", ("x", "a"))]
    table = dc.protect(values, relations)
    assert table.published["a"] == "c" and table.published["total"] == "c"


def test_markers_and_rounding():
    table = dc.protect(
        {"t": 1234, "n": None, "z": "z", "a": 1000, "b": 234},
        [dc.SumRelation("t", ("a", "b"))],
        round_totals=True,
    )
    assert table.published == {"t": 1230, "n": ":", "z": "z", "a": 1000, "b": 234}
    assert dc.round_to_base(15) == 20 and dc.round_to_base(14) == 10 and dc.round_to_base(4) == "k"
    assert dc.round_to_base(0) == 0
    assert dc.percentage(1, 3000) == "k" and dc.percentage(0, 1000) == 0.0
    assert (
        dc.percentage(5, 0) == "z"
        and dc.percentage("c", 100) == "c"
        and dc.percentage(30, 120) == 25.0
    )


# --- properties -----------------------------------------------------------------------------

cell_counts = st.one_of(st.integers(0, 8), st.integers(0, 60))


@st.composite
def crosstabs(draw):
    rows = [f"r{i}" for i in range(draw(st.integers(1, 6)))]
    cols = [f"c{j}" for j in range(draw(st.integers(1, 5)))]
    counts = {(r, c): draw(cell_counts) for r in rows for c in cols}
    return counts, rows, cols


def _check_safe(table, relations, values):
    # Every count from 1 to 5 is c; everything else published is the true value.
    for key, value in values.items():
        if isinstance(value, int) and 1 <= value <= 5:
            assert table.published[key] == "c"
        elif table.published[key] != "c":
            assert table.published[key] == value
    # No relation has exactly one hidden cell: nothing is recovered by subtraction.
    assert dc.recoverable_by_subtraction(table, relations) == []
    for relation in relations:
        shown = [table.published[k] for k in relation.cells()]
        if shown.count("c") == 1:  # pragma: no cover - the assertion above already failed
            raise AssertionError(relation)


@settings(max_examples=300, deadline=None)
@given(crosstabs())
def test_no_suppressed_value_can_be_recovered_from_any_row_or_column_total(table_spec):
    counts, rows, cols = table_spec
    values = dc.crosstab_values(counts, rows, cols)
    relations = dc.crosstab_relations(rows, cols)
    table = dc.protect(values, relations)
    _check_safe(table, relations, values)
    # And by brute force: for each published row/column, subtracting the published parts
    # from the published total never yields a hidden cell's value.
    for relation in relations:
        hidden = [k for k in relation.cells() if table.published[k] == "c"]
        if len(hidden) == 1 and hidden[0] != relation.total:  # pragma: no cover
            raise AssertionError(f"{hidden[0]} = {values[hidden[0]]} recovered from {relation}")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=12), st.data()
)
def test_linked_tables_sharing_totals_stay_safe(pairs, data):
    """Two breakdowns of the same total (by nationality, by gender) and a sum across
    groups: the shape of the FOI return's table."""
    values = {}
    relations = []
    parts = {}
    for group in ("a", "b"):
        for i in range(len(pairs)):
            values[group, i] = data.draw(cell_counts)
        relations.append(
            dc.SumRelation((group, "total"), tuple((group, i) for i in range(len(pairs))))
        )
        values[group, "total"] = sum(values[group, i] for i in range(len(pairs)))
        parts[group] = [values[group, i] for i in range(len(pairs))]
    for i in range(len(pairs)):
        values["ab", i] = values["a", i] + values["b", i]
        relations.append(dc.SumRelation(("ab", i), (("a", i), ("b", i))))
    values["ab", "total"] = values["a", "total"] + values["b", "total"]
    relations.append(dc.SumRelation(("ab", "total"), tuple(("ab", i) for i in range(len(pairs)))))
    relations.append(dc.SumRelation(("ab", "total"), (("a", "total"), ("b", "total"))))
    table = dc.protect(values, relations, round_totals=data.draw(st.booleans()))
    assert dc.recoverable_by_subtraction(table, relations) == []
    for key, value in values.items():
        if 1 <= value <= 5:
            assert table.published[key] in ("c", "k")


# --- the FOI return's own table ----------------------------------------------------------------


@st.composite
def foi_returns(draw):
    """A return built in memory (no database): children with random groups, genders and
    nationalities, and random incidents of theirs."""
    import datetime as dt

    from visible.returns import foi

    start, end = dt.date(2024, 4, 1), dt.date(2025, 3, 31)
    period_start, period_end = (
        dt.datetime(2024, 4, 1, tzinfo=dt.UTC),
        dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
    )
    base_groups = [
        "trafficked_identified",
        "trafficked_suspected",
        "uasc",
        "separated",
        "unaccompanied",
    ]
    children = {}
    for pk in range(1, draw(st.integers(0, 40)) + 1):
        picked = set(draw(st.lists(st.sampled_from(base_groups), min_size=1, max_size=3)))
        if "trafficked_identified" in picked:
            picked.discard("trafficked_suspected")
        if picked & {"trafficked_identified", "trafficked_suspected"}:
            picked.add("trafficked")
        if picked & {"uasc", "separated", "unaccompanied"}:
            picked.add("uasc_or_separated")
        picked.add("any")
        children[pk] = foi.ChildInScope(
            pk,
            frozenset(picked),
            draw(st.sampled_from(foi.GENDER_CODES)),
            draw(st.sampled_from(["VNM", "ALB", "ERI", "GBR", "POL", "XXX"])),
            dt.date(2030, 1, 1),
        )
    incidents = []
    for pk in range(1, (draw(st.integers(0, 60)) if children else 0) + 1):
        child = children[draw(st.sampled_from(sorted(children)))]
        hours = draw(st.integers(1, 400))
        open_at_end = draw(st.booleans())
        seen = period_start + dt.timedelta(hours=draw(st.integers(-200, 8000)))
        length = dt.timedelta(hours=hours)
        incidents.append(
            foi.Incident(
                episode_id=pk,
                child_id=child.child_id,
                groups=child.groups,
                category=draw(st.sampled_from("MA")),
                last_seen_at=seen,
                returned_at=None if open_at_end else seen + length,
                length=length,
                band=foi.duration_band(length, open_at_end),
                started_before=seen < period_start,
                turned_18_while_missing=open_at_end and draw(st.booleans()),
                found_by=draw(st.sampled_from(["self", "police"])),
            )
        )
    return foi.FoiReturn([], start, end, period_start, period_end, children, incidents)


@settings(max_examples=60, deadline=None)
@given(foi_returns(), st.booleans())
def test_the_foi_returns_sums_are_true_and_nothing_suppressed_can_be_recovered(
    result, round_totals
):
    values, relations = result.cell_values()
    # Every relation the suppression relies on really is a sum of the figures.
    for relation in relations:
        assert values[relation.total] == sum(values[p] for p in relation.parts), relation
    table = result.protected(round_totals=round_totals)
    assert dc.recoverable_by_subtraction(table, relations) == []
    for key, value in values.items():
        if 1 <= value <= 5:
            assert table.published[key] == "c", key
