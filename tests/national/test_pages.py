"""The national monitoring pages through Django's test client: an analyst opens a collection,
receives returns (with errors shown and nothing stored), queries them, and sees and downloads
the tables; a council sends its own return; nobody else gets in."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from visible.audit.models import AuditEvent
from visible.national.models import Collection, QualityQuery, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def test_an_analyst_opens_a_collection_and_mistakes_are_shown_in_place(signed_in, analyst):
    client = signed_in(analyst)
    assert client.get("/").url == reverse("web:national-home")
    data = {
        "name": "",
        "period_from_0": "1",
        "period_from_1": "9",
        "period_from_2": "2024",
        "period_to_0": "31",
        "period_to_1": "8",
        "period_to_2": "2025",
        "due_on_0": "1",
        "due_on_1": "8",
        "due_on_2": "2025",
    }
    page = text_of(client.post(reverse("web:national-collection-new"), data))
    assert "Enter a name for the collection" in page
    data["name"] = "Missing children 2024 to 2025"
    page = text_of(client.post(reverse("web:national-collection-new"), data))
    assert "Returns can only be due after the period has ended" in page
    assert not Collection.objects.exists()
    data["due_on_1"] = "11"
    response = client.post(reverse("web:national-collection-new"), data, follow=True)
    collection = Collection.objects.get()
    assert f"Collection opened: {collection.requests.count()} authorities asked" in text_of(
        response
    )
    assert "Requested (" in text_of(response)


def test_receiving_a_return_with_an_error_then_fixed_then_queried(signed_in, analyst, collection):
    client = signed_in(analyst)
    url = reverse("web:national-request", args=[collection.pk, "E09000008"])
    bad = io.BytesIO(b"group,measure,value\nuasc,children,c\nuasc,children_missing_or_away,9\n")
    bad.name = "croydon.csv"
    page = text_of(client.post(url, {"action": "upload", "upload-file": bad}))
    assert "nothing has been stored" in page
    assert "croydon.csv row 2, column value: 'c' is a suppressed or withheld figure" in page
    assert not Submission.objects.exists()

    good = io.BytesIO(
        b"group,measure,value\nuasc,children,3\nuasc_or_separated,children,3\n"
        b"uasc,children_missing_or_away,5\nuasc_or_separated,children_missing_or_away,5\n"
        b"trafficked_identified,children,0\ntrafficked_suspected,children,0\n"
    )
    good.name = "croydon.csv"
    page = text_of(client.post(url, {"action": "upload", "upload-file": good}, follow=True))
    assert "Return received from Croydon: version 1" in page
    assert "Partially provided" in page  # headline figures left blank
    assert (
        "More children missing or away than in care" in page
        and "5 went missing or away but only 3 were in care" in page
    )
    submission = Submission.objects.get()
    finding = "DQ1:Unaccompanied asylum-seeking child (UASC): 5 went missing or away but only 3 were in care"
    client.post(url, {"action": "query", "submission": submission.pk, "finding": finding})
    query = QualityQuery.objects.get()
    page = text_of(
        client.post(url, {"action": "answer", "query": query.pk, f"answer-{query.pk}-answer": ""})
    )
    assert "Enter what the authority said" in page
    client.post(
        url,
        {
            "action": "answer",
            "query": query.pk,
            f"answer-{query.pk}-answer": "Typing error; v2 to follow",
        },
    )
    query.refresh_from_db()
    assert query.answer == "Typing error; v2 to follow"


def test_keyed_and_no_figures_answers(signed_in, analyst, collection):
    client = signed_in(analyst)
    url = reverse("web:national-request", args=[collection.pk, "E10000016"])
    page = text_of(
        client.post(url, {"action": "status", "status-status": "refused", "status-note": ""})
    )
    assert "Say what the authority said" in page
    client.post(
        url, {"action": "status", "status-status": "refused", "status-note": "Refused: s.40"}
    )
    assert collection.requests.get(authority__code="E10000016").status == "refused"
    keyed = {"action": "keyed", "keyed-note": "Letter of 3 October 2025"}
    for group in ("trafficked_identified", "trafficked_suspected", "uasc_or_separated"):
        for measure in (
            "children",
            "children_missing_or_away",
            "incidents",
            "children_still_missing",
        ):
            keyed[f"keyed-{group}__{measure}"] = "0"
    keyed["keyed-uasc_or_separated__children"] = "40"
    keyed["keyed-uasc_or_separated__children_missing_or_away"] = "10"
    keyed["keyed-uasc_or_separated__incidents"] = "12"
    keyed["keyed-uasc_or_separated__pct"] = "30"
    page = text_of(client.post(url, keyed, follow=True))
    assert "Return keyed in for Kent: version 1" in page
    assert "states 30% went missing or away, but 10 of 40 is 25.0%" in page


def test_the_tables_page_map_chart_and_downloads(signed_in, analyst, collection, filled):
    client = signed_in(analyst)
    url = reverse("web:national-tables", args=[collection.pk])
    published = client.get(url).content.decode()
    assert published.count('data-testid="national-table"') >= 12
    assert "<svg" in published and "Hex map of" in published and "<polygon" in published
    assert "Rests on" in published
    unsuppressed = client.get(url + "?view=unsuppressed").content.decode()
    assert "not for publication" in unsuppressed
    assert AuditEvent.objects.filter(object_type="national_tables", action="count").count() == 2

    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("web:national-export", args=[collection.pk, "csv"])
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[0] == ["collection", "table", "row", "column", "value", "coverage"]
    values = [r[4] for r in rows[1:]]
    assert "c" in values
    assert not any(
        v in {"1", "2", "3", "4", "5"}
        for r, v in zip(rows[1:], values, strict=True)
        if r[3] not in ("Authorities", "% of total")
        and "%" not in r[3]
        and r[2]
        not in (
            "Authorities having no such children",
            "Authorities providing no information",
            "Authorities having only one",
            "Average per authority having any",
        )
    )
    one = client.get(
        reverse("web:national-export", args=[collection.pk, "csv"]) + "?table=durations"
    )
    assert one["Content-Disposition"].endswith('-durations.csv"')
    book = load_workbook(
        io.BytesIO(client.get(reverse("web:national-export", args=[collection.pk, "xlsx"])).content)
    )
    assert "About" in book.sheetnames and len(book.sheetnames) >= 13
    pdf = client.get(reverse("web:national-export", args=[collection.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(object_type="national_tables", action="export").count() == 4


def test_a_council_sends_its_own_return_and_sees_no_one_elses(
    signed_in, manager_a, sw_a, manager_b, collection
):
    client = signed_in(manager_a)
    page = text_of(client.get(reverse("web:national-council")))
    assert collection.name in page and "Send our return" in page
    request = collection.requests.get(authority__code="E09000008")
    response = client.post(reverse("web:national-council"), {"request": request.pk}, follow=True)
    assert f"Return sent for '{collection.name}': version 1" in text_of(response)
    submission = Submission.objects.get()
    assert submission.via == "visible" and submission.document["authority"]["code"] == "E09000008"
    kent = collection.requests.get(authority__code="E10000016")
    assert signed_in(manager_b).post(
        reverse("web:national-council"), {"request": kent.pk}
    ).status_code in (302, 200)
    assert not Submission.objects.filter(request=kent, received_by_name="manager.a").exists()
    assert (
        signed_in(manager_b)
        .post(reverse("web:national-council"), {"request": request.pk})
        .status_code
        == 404
    )
    for user in (manager_a, sw_a):
        c = signed_in(user)
        for url in (
            reverse("web:national-home"),
            reverse("web:national-tables", args=[collection.pk]),
            reverse("web:national-request", args=[collection.pk, "E09000008"]),
        ):
            assert c.get(url).status_code == 403
    assert signed_in(sw_a).get(reverse("web:national-council")).status_code == 403
    assert (
        AuditEvent.objects.filter(
            action="denied", object_type__in=("national", "collection")
        ).count()
        == 7
    )


def test_a_council_sends_child_level_records_and_the_analyst_sees_the_tables(
    signed_in, manager_a, analyst, collection, sw_a, make_child, settings
):
    import datetime as dt

    settings.VISIBLE_PSEUDO_KEY = (
        "test-national-key-0123456789abcdef-not-a-real-one"  # a real one: not the demo's
    )

    from tests.factories import as_viewer
    from visible.children import actions as register

    child = make_child(
        sw_a,
        given_names="Dawit",
        family_name="Tekle",
        nationality="ERI",
        looked_after_from=dt.date(2024, 1, 10),
        date_of_birth=dt.date(2009, 5, 1),
    )
    register.record_flag(
        as_viewer(sw_a), child, "uasc", dt.date(2024, 1, 10), "Asylum claim (synthetic)"
    )
    request = collection.requests.get(authority__code="E09000008")
    response = signed_in(manager_a).post(
        reverse("web:national-council"), {"request": request.pk, "what": "child-level"}, follow=True
    )
    assert "Pseudonymised child-level records sent" in text_of(
        response
    ) and "1 children" in text_of(response)
    client = signed_in(analyst)
    page = client.get(
        reverse("web:national-child-level") + f"?collection={collection.pk}&view=unsuppressed"
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="child-level-table"' in html
    assert "Tekle" not in html and "Dawit" not in html
    assert "1 authority sent records" in text_of(page)
    published = client.get(reverse("web:national-child-level") + f"?collection={collection.pk}")
    assert "Shown as published" in text_of(published)
    assert signed_in(manager_a).get(reverse("web:national-child-level")).status_code == 403


def test_the_child_level_page_says_who_could_not_be_linked_and_refuses_old_rule_submissions(
    signed_in, manager_a, analyst, collection, sw_a, make_child, settings
):
    import datetime as dt

    from tests.factories import as_viewer
    from visible.children import actions as register
    from visible.children.models import Child
    from visible.pseudo.models import PseudoChild
    from visible.pseudo.models import Submission as PseudoSubmission
    from visible.ssda903.writing import NAME_NOT_IN_RETURN

    settings.VISIBLE_PSEUDO_KEY = "test-national-key-0123456789abcdef-not-a-real-one"
    # Two children of Croydon imported from its 903 return (no name), born the same day.
    for child_903_id in ("0000001", "0000002"):
        child = make_child(
            sw_a,
            nationality="ERI",
            looked_after_from=dt.date(2024, 1, 10),
            date_of_birth=dt.date(2008, 1, 1),
            child_903_id=child_903_id,
        )
        Child.objects.filter(pk=child.pk).update(given_names=NAME_NOT_IN_RETURN, family_name="")
        register.record_flag(
            as_viewer(sw_a), child, "uasc", dt.date(2024, 1, 10), "Asylum claim (synthetic)"
        )
    request = collection.requests.get(authority__code="E09000008")
    sent = signed_in(manager_a).post(
        reverse("web:national-council"), {"request": request.pk, "what": "child-level"}, follow=True
    )
    assert "2 children" in text_of(sent)  # not one child for one birthday
    assert (
        "Children who could not be linked across authorities: 2 (2 with no name, Home Office or "
        "NRM reference, known only by their authority's SSDA903 CHILD id)" in text_of(sent)
    )
    client = signed_in(analyst)
    url = reverse("web:national-child-level") + f"?collection={collection.pk}"
    text = text_of(client.get(url + "&view=unsuppressed"))
    assert "Linkage across authorities" in text
    assert "Children held by more than one authority: 0" in text
    assert (
        "Children who could not be linked across authorities: 2 (2 with no name, Home Office or "
        "NRM reference, known only by their authority's SSDA903 CHILD id)." in text
    )
    assert "never by a date of birth alone" in text
    assert "Children by how they could be linked across authorities" in text
    published = text_of(client.get(url))
    assert "Children who could not be linked across authorities: c" in published

    # A submission made under the old rule (name and date of birth for every child without a
    # reference) is not counted silently: the page says why and who must submit again.
    PseudoSubmission.objects.update(linkage_rule=1)
    PseudoChild.objects.update(key_basis="name_dob")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="child-level-refused"' in html
    assert 'data-testid="child-level-table"' not in html
    assert "Croydon (E09000008)" in text_of(page)
    assert "must submit their child-level records for the period again" in text_of(page)
