"""Data-quality rules (each tripped by a return made for it) and the three ways a return
arrives, with the errors a person sees when it is wrong."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import random

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from tests.factories import as_viewer
from visible.audit.models import AuditEvent
from visible.demo.synthetic.returns import consistent_counts
from visible.national import actions, ingest, quality
from visible.national.ingest import ReturnProblems
from visible.national.models import RequestStatus, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_a(collection):
    return collection.requests.select_related("authority").get(authority__code="E09000008")


@pytest.fixture
def good(request_a, collection):
    document = ingest.empty_document(request_a.authority, collection, "test")
    document["counts"] = consistent_counts(random.Random(7))
    return document


def rules_tripped(document, previous=None, stated=None):
    return {f.rule for f in quality.check(document, previous, stated)}


def test_a_consistent_return_trips_nothing(good):
    assert quality.check(good) == []


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("DQ1", lambda c: c["uasc"].update(children=3, children_missing_or_away=4)),
        ("DQ2", lambda c: c["uasc"].update(children_missing_or_away=4, incidents=2)),
        (
            "DQ3",
            lambda c: c["separated"].update(
                children_still_missing=c["separated"]["children_missing_or_away"] + 1
            ),
        ),
        (
            "DQ4",
            lambda c: c["trafficked"].update(
                incidents_missing=c["trafficked"]["incidents_missing"] + 1
            ),
        ),
        (
            "DQ4",
            lambda c: c["trafficked_identified"].update(
                children=c["trafficked_identified"]["children"] + 2
            ),
        ),
        ("DQ7", lambda c: c["uasc"].update(children=c["uasc_or_separated"]["children"] + 1)),
    ],
)
def test_each_rule_is_tripped_by_numbers_that_cannot_all_be_true(good, rule, change):
    change(good["counts"])
    findings = quality.check(good)
    assert rule in {f.rule for f in findings}
    assert all(f.message for f in findings)


def test_a_breakdown_that_does_not_sum_to_its_total_and_a_wrong_percentage(good):
    total = good["counts"]["uasc_or_separated"]["children"]
    good["breakdowns"].append(
        {
            "group": "uasc_or_separated",
            "measure": "children",
            "by": "nationality",
            "rows": [
                {
                    "code": "ALB",
                    "label": "Albania",
                    "values": {
                        "boy": total,
                        "girl": 1,
                        "non_binary": 0,
                        "other": 0,
                        "not_known": 0,
                    },
                    "total": total + 1,
                }
            ],
            "column_totals": {},
            "total": total + 1,
        }
    )
    messages = [f.message for f in quality.check(good) if f.rule == "DQ4"]
    assert any(f"adds up to {total + 1}, not {total}" in m for m in messages)
    good["counts"]["uasc"].update(children=50, children_missing_or_away=10)
    finding = next(
        f for f in quality.check(good, stated_percentages={"uasc": 28.0}) if f.rule == "DQ5"
    )
    assert "states 28% went missing" in finding.message and "10 of 50 is 20.0%" in finding.message


def test_a_sudden_change_from_the_previous_period(good):
    before = copy.deepcopy(good)
    before["counts"]["trafficked"]["children"] = good["counts"]["trafficked"]["children"] + 40
    assert "DQ6" in rules_tripped(good, previous=before)
    before["counts"]["trafficked"]["children"] = good["counts"]["trafficked"]["children"] + 3
    assert "DQ6" not in rules_tripped(good, previous=before)


def test_an_analyst_queries_a_return_and_records_the_answer(collection, request_a, good, analyst):
    good["counts"]["uasc"].update(children=1, children_missing_or_away=4)
    submission = actions.receive(
        as_viewer(analyst), request_a, good, "upload", filename="croydon.json"
    )
    finding = next(f for f in actions.findings_for(submission) if f.rule == "DQ1")
    query = actions.raise_query(as_viewer(analyst), submission, finding.rule, finding.message)
    assert (
        actions.raise_query(as_viewer(analyst), submission, finding.rule, finding.message) == query
    )  # once
    actions.answer_query(
        as_viewer(analyst),
        query,
        "Typing error: 4 children were in care; a corrected return follows",
    )
    query.refresh_from_db()
    assert query.status == "answered"
    submission.refresh_from_db()
    assert submission.document["counts"]["uasc"]["children"] == 1  # nothing corrected silently
    assert AuditEvent.objects.filter(object_type="quality_query").count() == 2


# --- arriving ----------------------------------------------------------------------------------


def test_the_json_a_council_exports_is_accepted_and_a_wrong_one_is_refused_with_where_and_why(
    collection, request_a, good, analyst
):
    raw = json.dumps(good).encode()
    assert (
        ingest.from_json(raw, request_a.authority, collection, "croydon.json")["counts"]
        == good["counts"]
    )

    wrong_period = copy.deepcopy(good)
    wrong_period["period"]["from"] = "2023-09-01"
    suppressed = copy.deepcopy(good)
    suppressed["disclosure_control"]["applied"] = True
    broken = copy.deepcopy(good)
    broken["counts"]["uasc"]["children"] = -3
    cases = [
        (
            wrong_period,
            "croydon.json at period",
            "the collection asks for 2024-09-01 to 2025-08-31",
        ),
        (suppressed, "croydon.json at disclosure_control.applied", "send the unsuppressed return"),
        (broken, "croydon.json at counts.uasc.children", "-3"),
        # A return from an older Visible (1.0.0) is still read: its problem is its own.
        (
            copy.deepcopy(broken) | {"schema_version": "1.0.0"},
            "croydon.json at counts.uasc.children",
            "-3",
        ),
        (
            copy.deepcopy(good) | {"schema_version": "0.9.0"},
            "croydon.json at schema_version",
            "Visible reads versions 1.0.0 and 1.1.0",
        ),
    ]
    for document, where, what in cases:
        with pytest.raises(ReturnProblems) as excinfo:
            ingest.from_json(
                json.dumps(document).encode(), request_a.authority, collection, "croydon.json"
            )
        problem = excinfo.value.problems[0]
        assert problem.where == where and what in problem.what
    with pytest.raises(ReturnProblems) as excinfo:
        ingest.from_json(
            b'{"schema_version": "1.0.0",', request_a.authority, collection, "croydon.json"
        )
    assert "line 1, column" in excinfo.value.problems[0].where
    with pytest.raises(ReturnProblems, match="is empty"):
        ingest.from_json(b"  ", request_a.authority, collection, "croydon.json")
    assert not Submission.objects.exists()


def test_the_template_round_trips_and_bad_cells_are_named(collection, request_a, analyst):
    book = load_workbook(io.BytesIO(ingest.template_xlsx()))
    counts = book["Counts"]
    rows = {(r[0].value, r[1].value): r for r in counts.iter_rows(min_row=2)}
    for row in rows.values():
        row[2].value = 0
    rows["uasc", "children"][2].value = 12
    rows["uasc_or_separated", "children"][2].value = 12
    rows["any", "children"][2].value = 12
    rows["uasc", "incidents"][2].value = None  # not available
    book["Nationality"].append(["uasc", "children", "ALB", "boy", 12])
    out = io.BytesIO()
    book.save(out)
    document = ingest.from_template(
        out.getvalue(), "croydon.xlsx", request_a.authority, collection, "analyst"
    )
    assert document["counts"]["uasc"]["children"] == 12
    assert document["counts"]["uasc"]["incidents"] == ":"
    assert document["breakdowns"][0]["rows"][0]["code"] == "ALB"
    submission = actions.receive(
        as_viewer(analyst), request_a, document, "upload", filename="croydon.xlsx"
    )
    request_a.refresh_from_db()
    assert submission.version == 1 and request_a.status == RequestStatus.PROVIDED

    rows["uasc", "children"][2].value = "c"
    rows["separated", "children"][2].value = "twelve"
    rows["unaccompanied", "children"][2].value = -1
    book["Nationality"].append(["uasc", "children", "XYZ", "boy", 1])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ReturnProblems) as excinfo:
        ingest.from_template(
            out.getvalue(), "croydon.xlsx", request_a.authority, collection, "analyst"
        )
    found = {p.where: p.what for p in excinfo.value.problems}
    number = {key: row[0].row for key, row in rows.items()}
    assert (
        "applies disclosure control itself"
        in found[f"croydon.xlsx sheet Counts row {number['uasc', 'children']}, column value"]
    )
    assert (
        "not a whole number"
        in found[f"croydon.xlsx sheet Counts row {number['separated', 'children']}, column value"]
    )
    assert (
        "negative"
        in found[
            f"croydon.xlsx sheet Counts row {number['unaccompanied', 'children']}, column value"
        ]
    )
    assert "ISO 3166" in found["croydon.xlsx sheet Nationality row 3, column nationality"]
    assert request_a.submissions.count() == 1  # nothing stored from the bad file


@pytest.mark.parametrize(
    ("raw", "where", "what"),
    [
        (b"group,measure\nuasc,children\n", "croydon.csv row 1", "missing column value"),
        (b"group,measure,value,extra\n", "croydon.csv row 1", "unexpected column extra"),
        (
            b"group,measure,value\nuasc,children,3\nuasc,children,4\n",
            "croydon.csv row 3",
            "given twice",
        ),
        (
            b"group,measure,value\nchildren_in_care,children,3\n",
            "croydon.csv row 2, column group",
            "not a group",
        ),
        ("group,measure,value\nuasc,children,3\n".encode("utf-16"), None, None),
        (b"", "croydon.csv", "is empty"),
    ],
)
def test_csv_template_errors_name_the_row_and_column(collection, request_a, raw, where, what):
    if where is None:  # a UTF-16 file from Excel is read like any other
        document = ingest.from_template(
            raw, "croydon.csv", request_a.authority, collection, "analyst"
        )
        assert document["counts"]["uasc"]["children"] == 3
        return
    with pytest.raises(ReturnProblems) as excinfo:
        ingest.from_template(raw, "croydon.csv", request_a.authority, collection, "analyst")
    problem = excinfo.value.problems[0]
    assert problem.where == where and what in problem.what


def test_keyed_returns_are_partial_when_headline_figures_are_missing(
    collection, request_a, analyst
):
    values = {
        ("uasc_or_separated", "children"): 20,
        ("uasc_or_separated", "children_missing_or_away"): 4,
    }
    document = ingest.from_keyed(values, request_a.authority, collection, "analyst.national")
    actions.receive(
        as_viewer(analyst),
        request_a,
        document,
        "keyed",
        note="Letter of 3 October 2025",
        stated_percentages={"uasc_or_separated": 20.0},
    )
    request_a.refresh_from_db()
    assert request_a.status == RequestStatus.PARTIAL


def test_only_the_authority_itself_sends_from_visible_and_only_analysts_receive(
    collection, request_a, good, manager_a, manager_b, sw_a
):
    submission = actions.receive(as_viewer(manager_a), request_a, good, "visible")
    assert submission.received_by_name == "Manager"
    for user, via in ((manager_b, "visible"), (sw_a, "visible"), (manager_a, "upload")):
        with pytest.raises(PermissionDenied):
            actions.receive(as_viewer(user), request_a, good, via)
    assert AuditEvent.objects.filter(action="denied").count() == 3
    with pytest.raises(PermissionDenied):
        actions.open_collection(
            as_viewer(manager_a),
            "Mine",
            dt.date(2024, 1, 1),
            dt.date(2024, 12, 31),
            dt.date(2025, 3, 1),
        )
    assert AuditEvent.objects.filter(action="denied").count() == 4  # each refusal is kept


def test_the_chase_list_puts_overdue_first(collection, filled, analyst):
    waiting = actions.chase_list(collection, today=dt.date(2025, 12, 15))
    assert waiting and all(r.status == RequestStatus.REQUESTED for r in waiting)
    actions.record_chased(as_viewer(analyst), waiting[:2])
    waiting[0].refresh_from_db()
    assert waiting[0].times_chased == 1 and waiting[0].last_chased_on is not None
