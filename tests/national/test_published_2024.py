"""The 2024 edition's national tables: authorities' returns added up into the shape the
charities' reports publish (in care, went missing, still missing, with percentages, for
trafficked, unaccompanied or separated and the overlap), with disclosure control; and the trend
across every request's years, the published findings first."""

from __future__ import annotations

import copy

import pytest

from visible.national import tables
from visible.national.cli import national_2024_csv


def document(code: str, counts: dict[str, tuple[int, int, int]], *, suppressed=False) -> dict:
    """A 2024-edition return for one period, 2024: group -> (children, went missing, still)."""
    return {
        "schema_version": "2.0.0",
        "authority": {"code": code, "name": f"Authority {code}"},
        "disclosure_control": {"applied": suppressed},
        "periods": [
            {
                "label": "2024",
                "counts": {
                    g: {
                        "children": n,
                        "children_missing_or_absent": went,
                        "incidents_missing_or_absent": went * 3,
                        "children_still_missing": still,
                    }
                    for g, (n, went, still) in counts.items()
                },
            }
        ],
    }


A = document(
    "E09000008",
    {"trafficked": (40, 12, 3), "uasc_or_separated": (120, 30, 7), "overlap": (10, 4, 1)},
)
B = document(
    "E10000016",
    {"trafficked": (25, 8, 2), "uasc_or_separated": (300, 41, 9), "overlap": (3, 1, 0)},
)


def test_returns_are_added_up_in_the_reports_shape():
    totals = tables.add_2024_documents([A, B])
    table = tables.published_shape("2024", totals["2024"], 2)
    raw = table.published(suppress=False)
    assert raw["children", "trafficked"] == 65 and raw["missing", "trafficked"] == 20
    assert raw["still", "uasc_or_separated"] == 16
    assert raw["children", "overlap"] == 13 and raw["missing", "overlap"] == 5
    assert raw["missing_pct", "trafficked"] == pytest.approx(30.8)
    assert raw["still_pct", "overlap"] == pytest.approx(20.0)


def test_published_counts_are_rounded_small_ones_hidden_and_percentages_from_what_is_shown():
    table = tables.published_shape("2024", tables.add_2024_documents([A, B])["2024"], 2)
    shown = table.published(suppress=True)
    assert shown["children", "trafficked"] == 70 and shown["missing", "trafficked"] == 20
    assert shown["still", "overlap"] == "c"  # 1
    assert shown["missing", "overlap"] == "c"  # 5
    assert shown["still_pct", "overlap"] == "c"
    assert shown["missing_pct", "uasc_or_separated"] == pytest.approx(16.7)  # 70 of 420


def test_a_suppressed_or_2016_return_cannot_be_added_up_and_says_which():
    with pytest.raises(ValueError, match="Authority E09000008: the file has disclosure control"):
        tables.add_2024_documents([document("E09000008", {}, suppressed=True)])
    old = copy.deepcopy(A) | {"schema_version": "1.0.0"}
    with pytest.raises(ValueError, match="not a 2024-edition return"):
        tables.add_2024_documents([old])


def test_the_trend_runs_from_the_first_request_to_visible_s_own_totals():
    trend = tables.request_trend(tables.add_2024_documents([A, B]))
    labels = [label for _, label in trend.rows]
    assert labels == [
        "1 September 2014 to 1 September 2015 (published)",
        "2017 (published)",
        "2020 (published)",
        "2024 (published)",
        "2024 (Visible)",
    ]
    shown = trend.published(suppress=True)
    first = "published:1 September 2014 to 1 September 2015"
    assert shown[first, "trafficked:children"] == 590
    assert shown[first, "trafficked:pct"] == pytest.approx(28.3)
    assert shown[first, "uasc_or_separated:pct"] == pytest.approx(12.5)
    assert shown[first, "overlap:children"] == ":"  # not asked before 2024
    assert shown["published:2020", "uasc_or_separated:children"] == ":"
    assert shown["published:2024", "trafficked:pct"] == pytest.approx(32.8)
    assert shown["visible:2024", "trafficked:children"] == 70
    assert any("Heading back to harm" in note for note in trend.notes)


def test_the_command_writes_every_table_as_csv():
    text = national_2024_csv([A, B]).decode("utf-8-sig")
    assert "Children in care, missing and still missing: 2024" in text
    assert "Every request's findings over time" in text
    assert "Number in care,70,420,10" in text
