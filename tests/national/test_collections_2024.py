"""A collection of the 2024 edition: opened with its edition, it takes 2024-edition returns
(schema 2.x) and refuses the 2016 edition (and the reverse) saying which edition the file is
and how to write the right one; a bad 2024 return is refused naming the field; receiving is
all-or-nothing; the data-quality rules apply period by period; and the tables page shows the
2024 national tables with disclosure control, the trend across every request and downloads.

The returns are tests/national/test_published_2024.py's hand-worked A (Croydon) and B (Kent),
made whole: trafficked (40, 12 went missing, 3 still missing) and (25, 8, 2); unaccompanied or
separated (120, 30, 7) and (300, 41, 9); the overlap (10, 4, 1) and (3, 1, 0). Added up: 65,
20, 5; 420, 71, 16; 13, 5, 1."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse

from tests.factories import as_viewer
from tests.national.test_published_2024 import A, B
from visible.national import actions, ingest, quality
from visible.national.ingest import ReturnProblems
from visible.national.models import Collection, RequestStatus, Submission
from visible.reference.models import Authority
from visible.returns import disclosure, edition2024

pytestmark = pytest.mark.django_db
START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
PERIOD_TABLE = "period_20240101_20241231"


def whole(partial: dict, definition: str = "missing_or_away") -> dict:
    """A hand-worked return of test_published_2024 as the full 2024-edition JSON (schema
    2.0.0), with the disjoint parts and 'any' worked out from the three groups it gives."""
    authority = Authority.objects.get(code=partial["authority"]["code"])
    counts = copy.deepcopy(partial["periods"][0]["counts"])
    t, u, o = counts["trafficked"], counts["uasc_or_separated"], counts["overlap"]
    counts["trafficked_only"] = {m: t[m] - o[m] for m in t}
    counts["uasc_or_separated_only"] = {m: u[m] - o[m] for m in u}
    counts["any"] = {m: t[m] + u[m] - o[m] for m in t}
    chosen = edition2024.MISSING_DEFINITIONS[definition]
    return {
        "schema_version": edition2024.SCHEMA_VERSION,
        "return_type": edition2024.RETURN_TYPE,
        "edition": "2024",
        "authority": {
            "code": authority.code,
            "name": authority.name,
            "nation": authority.nation,
            "region": authority.region,
        },
        "requested": {"from": START.isoformat(), "to": END.isoformat()},
        "missing_or_absent": {
            "code": chosen.code,
            "label": chosen.label,
            "definition": chosen.definition,
            "categories": sorted(chosen.categories),
        },
        "generated_at": "2025-01-15T09:00:00+00:00",
        "generated_by": "Visible (test)",
        "disclosure_control": {
            "applied": False,
            "totals_rounded_to": None,
            "markers": disclosure.MARKERS,
        },
        "groups": [{"code": c, "label": label} for c, label in edition2024.GROUPS_2024],
        "measures": [{"code": c, "label": label} for c, label in edition2024.MEASURES_2024],
        "periods": [
            {
                "label": "2024",
                "from": START.isoformat(),
                "to": END.isoformat(),
                "part_year": False,
                "as_at": "2025-01-01T00:00:00+00:00",
                "complete": True,
                "counts": counts,
            }
        ],
    }


def raw(document: dict) -> bytes:
    return json.dumps(document).encode()


@pytest.fixture
def collection_2024(analyst):
    return actions.open_collection(
        as_viewer(analyst),
        "Missing children 2024 (2024 edition)",
        START,
        END,
        dt.date(2025, 3, 31),
        edition="2024",
    )


def request_for(collection, code):
    return collection.requests.select_related("authority", "collection").get(authority__code=code)


def receive(analyst, collection, document, filename):
    request = request_for(collection, document["authority"]["code"])
    checked = ingest.from_json(raw(document), request.authority, collection, filename)
    return actions.receive(as_viewer(analyst), request, checked, "upload", filename=filename)


def test_a_2024_return_is_received_into_a_2024_collection(analyst, collection_2024):
    assert collection_2024.is_2024 and collection_2024.missing_definition == "missing_or_away"
    submission = receive(analyst, collection_2024, whole(A), "croydon.json")
    assert submission.version == 1
    assert submission.request.status == RequestStatus.PROVIDED
    assert submission.counts["periods"][0]["counts"]["overlap"]["children"] == 10
    assert actions.findings_for(submission) == []


def test_a_return_of_the_other_edition_is_refused_saying_which_and_how_to_fix_it(
    analyst, collection, collection_2024
):
    croydon_2024 = request_for(collection_2024, "E09000008")
    old = ingest.empty_document(croydon_2024.authority, collection, "test")
    with pytest.raises(ReturnProblems) as refused:
        ingest.from_json(raw(old), croydon_2024.authority, collection_2024, "croydon.json")
    [problem] = refused.value.problems
    assert problem.where == "croydon.json"
    assert problem.what.startswith("is a 2016-edition return but ")
    assert "`visible foi-return --edition 2024 --format json`" in problem.what

    with pytest.raises(ReturnProblems) as refused:
        ingest.from_json(raw(whole(A)), croydon_2024.authority, collection, "croydon.json")
    [problem] = refused.value.problems
    assert problem.where == "croydon.json" and "is a 2024-edition return" in problem.what
    assert "collects the 2016 edition" in problem.what and "without --edition" in problem.what

    with pytest.raises(ReturnProblems, match="croydon.csv: is the 2016 edition's spreadsheet"):
        ingest.from_template(
            ingest.template_csv(), "croydon.csv", croydon_2024.authority, collection_2024, "t"
        )
    with pytest.raises(ReturnProblems, match="collects the 2024 edition"):
        ingest.from_keyed({}, croydon_2024.authority, collection_2024, "t")
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "change, where, what",
    [
        (
            lambda d: d["periods"][0]["counts"]["overlap"].update(children=-1),
            "periods.0.counts.overlap.children",
            "-1",
        ),
        (
            lambda d: d["periods"][0]["counts"]["overlap"].update(children="c"),
            "periods.0.counts.overlap.children",
            "a suppressed figure",
        ),
        (
            lambda d: d["requested"].update({"from": "2023-01-01"}),
            "requested",
            "--from 2024-01-01 --to 2024-12-31",
        ),
        (
            lambda d: d.update(whole(A, "missing_only") | {"authority": d["authority"]}),
            "missing_or_absent.code",
            "--missing-definition missing_or_away",
        ),
        (
            lambda d: d["disclosure_control"].update(applied=True),
            "disclosure_control.applied",
            "send the unsuppressed return",
        ),
    ],
)
def test_a_bad_2024_return_is_refused_naming_the_field(collection_2024, change, where, what):
    document = whole(A)
    change(document)
    croydon = request_for(collection_2024, "E09000008")
    with pytest.raises(ReturnProblems) as refused:
        ingest.from_json(raw(document), croydon.authority, collection_2024, "croydon.json")
    problem = refused.value.problems[0]
    assert problem.where == f"croydon.json at {where}" and what in problem.what


def test_receiving_is_all_or_nothing(analyst, collection_2024, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the checks failed part way")

    monkeypatch.setattr(quality, "check", broken)
    with pytest.raises(RuntimeError):
        receive(analyst, collection_2024, whole(A), "croydon.json")
    assert not Submission.objects.exists()
    assert request_for(collection_2024, "E09000008").status == RequestStatus.REQUESTED


def test_the_quality_rules_apply_to_each_period_of_a_2024_return():
    counts = {
        "trafficked": dict(
            children=4,
            children_missing_or_absent=5,
            incidents_missing_or_absent=3,
            children_still_missing=6,
        ),
    }
    zero = dict.fromkeys(edition2024.MEASURE_CODES_2024, 0)
    period = {
        "label": "2024",
        "from": "2024-01-01",
        "to": "2024-12-31",
        "part_year": False,
        "counts": {g: dict(zero) for g in edition2024.GROUP_CODES_2024} | counts,
    }
    period["counts"]["overlap"]["children"] = 7  # more than trafficked, and parts do not add up
    earlier = copy.deepcopy(period) | {"label": "2023", "from": "2023-01-01", "to": "2023-12-31"}
    earlier["counts"]["uasc_or_separated"]["children"] = 40
    document = {"schema_version": "2.0.0", "periods": [earlier, period]}
    findings = quality.check(document)
    rules = {f.rule for f in findings}
    assert rules == {"DQ1", "DQ2", "DQ3", "DQ4", "DQ6", "DQ7"}
    assert any(
        f.rule == "DQ7" and f.message.startswith("2024: Unaccompanied or separated and also")
        for f in findings
    )
    assert any(
        f.rule == "DQ6" and "0 children in 2024, against 40 in 2023" in f.message for f in findings
    )


# --- the pages -------------------------------------------------------------------------------


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def section(html: str, key: str) -> str:
    start = html.index(f'id="table-{key}"')
    end = html.find('id="table-', start + 1)
    return text_of(html[start : end if end > 0 else None])


def test_the_tables_page_shows_the_2024_tables_with_disclosure_control(
    client, analyst, collection_2024
):
    for document, name in ((A, "croydon.json"), (B, "kent.json")):
        receive(analyst, collection_2024, whole(document), name)
    client.force_login(analyst)
    page = text_of(
        client.get(
            reverse("web:national-request", args=[collection_2024.pk, "E09000008"])
        ).content.decode()
    )
    assert "2024: Unaccompanied or separated and also trafficked 10 4 12 1" in page
    assert "The figures pass every data-quality check" in page
    assert "Key in figures" not in page
    assert "2024 edition" in text_of(client.get(reverse("web:national-home")).content.decode())
    url = reverse("web:national-tables", args=[collection_2024.pk])
    html = client.get(url).content.decode()
    assert "Hex map of" not in html and 'name="grouping"' not in html  # national only
    table = section(html, PERIOD_TABLE)
    asked = collection_2024.requests.count()
    assert f"Rests on 2 of the {asked} authorities asked" in table
    # Published: every count rounded to 10, 1 to 5 suppressed, percentages from what is shown.
    assert "Number in care 70 420 10 " in table
    assert "Number who went missing or absent 20 70 c " in table
    assert "% who went missing or absent 28.6 16.7 c " in table
    assert "Number still missing at the end of the period c 20 c " in table
    trend = section(html, "request_trend")
    assert "2024 (published) 2638 864 32.8" in trend
    assert "2024 (Visible) 70 20 28.6 420 70 16.7 10 c c" in trend

    raw_page = client.get(url + "?view=unsuppressed").content.decode()
    table = section(raw_page, PERIOD_TABLE)
    assert "Number in care 65 420 13 " in table
    assert "Number who went missing or absent 20 71 5 " in table
    assert "Number still missing at the end of the period 5 16 1 " in table

    export = reverse("web:national-export", args=[collection_2024.pk, "csv"])
    rows = list(csv.reader(io.StringIO(client.get(export).content.decode("utf-8-sig"))))
    cells = {(r[1], r[2], r[3]): r[4] for r in rows[1:]}
    title = "Children in care, missing and still missing: 2024"
    assert cells[title, "Number in care", "Identified or suspected as trafficked"] == "70"
    assert cells[title, "Number who went missing or absent", PUBLISHED_OVERLAP] == "c"
    one = client.get(f"{export}?table={PERIOD_TABLE}")
    assert one["Content-Disposition"].endswith(f'-{PERIOD_TABLE}.csv"')
    assert "Number in care,70,420,10" in one.content.decode("utf-8-sig")


PUBLISHED_OVERLAP = "Unaccompanied or separated and also trafficked"


def test_an_analyst_opens_a_2024_collection_and_a_council_sends_its_2024_return(
    client, analyst, manager_a
):
    client.force_login(analyst)
    data = {
        "name": "Missing children 2024 (2024 edition)",
        "period_from_0": "1",
        "period_from_1": "1",
        "period_from_2": "2024",
        "period_to_0": "30",
        "period_to_1": "6",
        "period_to_2": "2025",
        "due_on_0": "30",
        "due_on_1": "9",
        "due_on_2": "2025",
        "edition": "2024",
        "missing_definition": "missing_only",
    }
    client.post(reverse("web:national-collection-new"), data)
    collection = Collection.objects.get()
    assert (collection.edition, collection.missing_definition) == ("2024", "missing_only")
    page = text_of(
        client.get(reverse("web:national-collection", args=[collection.pk])).content.decode()
    )
    assert "2024 edition of the data request" in page

    client.force_login(manager_a)
    croydon = request_for(collection, "E09000008")
    client.post(reverse("web:national-council"), {"request": croydon.pk})
    submission = Submission.objects.get()
    assert submission.document["schema_version"] == "2.0.0"
    assert submission.document["missing_or_absent"]["code"] == "missing_only"
    assert [p["label"] for p in submission.document["periods"]] == [
        "2024",
        "1 January 2025 to 30 June 2025",
    ]
    ingest.check_document(submission.document, croydon.authority, collection, "sent")
