"""The safeguarding partnership's annual report (Rec 6.i): the numbers on a known register for
a year and the year before, NRM referrals and outcomes, return interviews within 72 hours,
repeat missing; the partnership's written sections (stored, edited by a council's senior
manager, audited); the page, the PDF and the command; and who may see it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import PASSWORD, as_viewer
from tests.returns import register as known
from visible.agencies.viewer import Viewer
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.children.inputs import NrmReferralInput
from visible.cli import main
from visible.missing import actions as missing
from visible.missing.inputs import ReturnInterviewInput
from visible.returns import actions, partnership
from visible.returns.models import PartnershipSection

pytestmark = pytest.mark.django_db
SYSTEM = Viewer.system("test")


def sign_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def text_of(html: str) -> str:
    return (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
    )


def document_text(document) -> str:
    from weasyprint.formatting_structure import boxes

    words = [
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, boxes.TextBox)
    ]
    return re.sub(r"\s+", " ", " ".join(words))


@pytest.fixture
def croydon_register(sw_a, fake):
    """The FOI register plus NRM referrals, return interviews and a third incident for Ann
    (three within 90 days: rule R-REPEAT)."""
    kids = known.build(sw_a, fake).children
    viewer = as_viewer(sw_a)
    register.record_nrm_referral(
        viewer,
        kids["ann"],
        NrmReferralInput(
            referred_on=dt.date(2024, 6, 1),
            first_responder="Croydon children's services",
            first_responder_kind="local_authority",
            rg_decision="positive",
            rg_decided_on=dt.date(2024, 6, 5),
            cg_decision="positive",
            cg_decided_on=dt.date(2024, 8, 1),
        ),
    )
    register.record_nrm_referral(
        viewer,
        kids["dan"],
        NrmReferralInput(
            referred_on=dt.date(2024, 10, 1),
            first_responder="Metropolitan Police",
            first_responder_kind="police",
            rg_decision="negative",
            rg_decided_on=dt.date(2024, 10, 6),
        ),
    )
    register.record_nrm_referral(
        viewer,
        kids["ben"],
        NrmReferralInput(
            referred_on=dt.date(2024, 2, 1),
            first_responder="Croydon children's services",
            first_responder_kind="local_authority",
            stayed=True,
            stayed_on=dt.date(2024, 3, 21),
        ),
    )
    episodes = {
        (e.child.given_names, e.category, e.last_seen_at.date()): e
        for e in missing.Episode.objects.select_related("child")
    }
    ann_m = episodes["Ann", "M", dt.date(2024, 5, 1)]
    missing.record_return_interview(
        viewer,
        ann_m,
        ReturnInterviewInput(
            offered_at=ann_m.returned_at + dt.timedelta(hours=2),
            outcome="done",
            done_at=ann_m.returned_at + dt.timedelta(hours=40),
            interviewer_name="Independent (synthetic)",
            independent=True,
        ),
    )
    ann_a = episodes["Ann", "A", dt.date(2024, 6, 10)]
    missing.record_return_interview(
        viewer,
        ann_a,
        ReturnInterviewInput(
            offered_at=ann_a.returned_at + dt.timedelta(hours=1), outcome="declined"
        ),
    )
    fay_m = episodes["Fay", "M", dt.date(2024, 3, 25)]
    missing.record_return_interview(
        viewer,
        fay_m,
        ReturnInterviewInput(
            offered_at=fay_m.returned_at + dt.timedelta(hours=1),
            outcome="done",
            done_at=fay_m.returned_at + dt.timedelta(hours=100),
            interviewer_name="Independent (synthetic)",
            independent=True,
        ),
    )
    third = known._episode(
        sw_a, kids["ann"], "A", known.at(2024, 7, 1, 10), known.at(2024, 7, 1, 15), found_by="self"
    )
    assert third.pk
    return kids


@pytest.fixture
def croydon_partnership(council_a):
    area, _ = actions.define_partnership(
        SYSTEM, "Croydon Safeguarding Children Partnership", ["E09000008"]
    )
    return area


def test_the_year_and_the_year_before_on_a_known_register(croydon_register, croydon_partnership):
    report = partnership.build_report(croydon_partnership, 2024)
    assert (report.this.start, report.this.end) == (dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    assert report.this.label == "2024 to 2025" and report.previous.label == "2023 to 2024"

    def rows(key):
        return [(r.label, r.this, r.previous) for r in report.section(key).rows]

    # Eve's UASC flag was in force in 2023-24 only; Cara came into care in 2024-25.
    assert rows("children") == [
        ("Identified as trafficked", 2, 1),
        ("Suspected of having been trafficked", 1, 1),
        ("Unaccompanied asylum-seeking children", 2, 3),
        ("Unaccompanied children", 0, 0),
        ("Separated children", 2, 2),
        ("All of these children", 6, 6),
    ]
    assert rows("nrm") == [
        ("Referrals made", 2, 1),
        ("Reasonable grounds: positive", 1, 0),
        ("Reasonable grounds: negative", 1, 0),
        ("Reasonable grounds: awaiting", 0, 1),
        ("Conclusive grounds: positive", 1, 0),
        ("Conclusive grounds: negative", 0, 0),
        ("Conclusive grounds: awaiting", 0, 0),
        ("Decisions stayed while the child was missing", 0, 1),
    ]
    # Last year: Fay (from 25 March 2024) and Gus (since January 2024) were missing at its end.
    assert rows("missing") == [
        ("Children missing or away", 5, 2),
        ("Children missing (M)", 5, 2),
        ("Children away (A)", 2, 0),
        ("Incidents", 8, 2),
        ("Incidents of missing (M)", 5, 2),
        ("Incidents of away (A)", 3, 0),
    ]
    assert rows("outcomes") == [
        ("Came back by themselves", 2, 0),
        ("Found (police, carers, others)", 2, 0),
        ("Still missing at the end of the year", 4, 2),
        ("Turned 18 while missing, still missing", 2, 1),
    ]
    assert rows("durations") == [
        ("Under 24 hours", 2, 0),
        ("24 hours to 7 days", 1, 0),
        ("More than 7 days", 1, 0),
        ("Still missing at the end of the period", 4, 2),
    ]
    assert rows("repeat") == [
        ("Went missing or away", 5, 2),
        ("More than once", 2, 0),
        ("3 or more within 90 days", 1, 0),
    ]
    # Returns in the year: Ann three times and Fay once (her return on 5 April 2024).
    assert rows("interviews") == [
        ("Returns", 4, 0),
        ("Interview offered", 3, 0),
        ("Interview held", 2, 0),
        ("Held within 72 hours", 1, 0),
        ("Declined by the child", 1, 0),
        ("No interview recorded", 1, 0),
    ]
    assert report.section("repeat").notes == [
        "1.6 incidents per child who went missing in 2024 to 2025."
    ]
    # Every chart is drawn from the same rows as its table.
    chart = str(report.section("interviews").chart)
    assert (
        chart.startswith("<svg")
        and "Held within 72 hours: 1 in 2024 to 2025, 0 in 2023 to 2024" in chart
    )


def test_a_partnership_of_two_authorities_adds_them_up_and_shows_each(sw_a, sw_b, fake, council_b):
    known.build(sw_a, fake, other_council_user=sw_b)
    area, created = actions.define_partnership(
        SYSTEM, "South East Partnership", ["E09000008", "e10000016"]
    )
    assert created and sorted(area.authorities.values_list("code", flat=True)) == [
        "E09000008",
        "E10000016",
    ]
    report = partnership.build_report(area, 2024)
    assert report.section("children").rows[-1].this == 7  # Croydon's six and Kent's one
    assert [
        (r.name, r.children, r.went_missing, r.incidents, r.still_missing)
        for r in report.by_authority
    ] == [("Croydon", 6, 5, 7, 4), ("Kent", 1, 1, 1, 0)]


def test_setting_up_a_partnership_names_what_is_wrong(council_a, sw_a):
    with pytest.raises(ValueError, match="no authority has the GSS code 'E99999999'"):
        actions.define_partnership(SYSTEM, "Nowhere", ["E09000008", "E99999999"])
    with pytest.raises(ValueError, match="--year-starts: 13 is not a month"):
        actions.define_partnership(SYSTEM, "Croydon", ["E09000008"], year_start_month=13)
    with pytest.raises(PermissionDenied):
        actions.define_partnership(as_viewer(sw_a), "Croydon", ["E09000008"])


def test_the_year_is_checked(croydon_partnership):
    with pytest.raises(ValueError, match="--year: 1999 is not a reporting year"):
        partnership.check_year(croydon_partnership, 1999)
    with freeze_time("2026-02-10 12:00"):
        with pytest.raises(
            ValueError,
            match="the 2026 to 2027 reporting year of .* starts on 01/04/2026, after today; "
            "choose 2025 for the year in progress",
        ):
            partnership.check_year(croydon_partnership, 2026)
        partnership.check_year(croydon_partnership, 2025)


# --- written sections ---------------------------------------------------------------------


def test_a_senior_manager_writes_a_section_it_is_kept_with_the_year_and_audited(
    manager_a, coordinator_a, croydon_partnership
):
    viewer = as_viewer(manager_a)
    section = actions.save_section(
        viewer,
        croydon_partnership,
        2024,
        "response",
        "Daily missing meeting with the police and the Home Office.",
        None,
    )
    assert section.version == 1
    changed = actions.save_section(
        viewer,
        croydon_partnership,
        2024,
        "response",
        "Daily missing meeting with the police, the Home Office and the guardians.",
        1,
    )
    assert changed.version == 2
    with pytest.raises(ValidationError, match="Someone else saved this section"):
        actions.save_section(viewer, croydon_partnership, 2024, "response", "An older draft", 1)
    assert PartnershipSection.objects.get(year=2024, key="response").text.endswith(
        "and the guardians."
    )
    events = AuditEvent.objects.filter(object_type="partnership_section").order_by("seq")
    assert [e.action for e in events] == ["create", "change"]
    assert '"Daily missing meeting with the police and the Home Office."' in events[1].detail
    with pytest.raises(PermissionDenied):
        actions.save_section(
            as_viewer(coordinator_a), croydon_partnership, 2024, "response", "Not mine to write", 2
        )
    assert (
        AuditEvent.objects.filter(object_type="partnership_section", action="denied").count() == 1
    )


def test_the_section_page_saves_and_returns_to_the_report(client, manager_a, croydon_partnership):
    sign_in(client, manager_a)
    url = reverse("web:partnership-section", args=[croydon_partnership.pk, 2024, "learning"])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"text": "Return interviews showed a pattern of travel to Luton.", "version": ""}
    )
    assert response.status_code == 302 and response["Location"].endswith("#written-learning")
    page = client.get(
        reverse("web:partnership-report", args=[croydon_partnership.pk, 2024])
    ).content.decode()
    assert "Return interviews showed a pattern of travel to Luton." in page
    response = client.post(url, {"text": "A stale edit", "version": "0"})
    assert "Someone else saved this section" in text_of(response.content.decode())


# --- the page, the PDF, the command ---------------------------------------------------------


def test_the_page_shows_tables_beside_charts_and_links_the_pdf(
    client, manager_a, croydon_register, croydon_partnership
):
    sign_in(client, manager_a)
    response = client.get(reverse("web:partnership-report", args=[croydon_partnership.pk, 2024]))
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("children", "nrm", "missing", "outcomes", "durations", "repeat", "interviews"):
        block = html[html.index(f'data-testid="section-{key}"') :]
        block = block[: block.index("</svg>")]
        assert f'data-testid="table-{key}"' in block and "<svg" in block
    assert reverse("web:partnership-report-pdf", args=[croydon_partnership.pk, 2024]) in html
    assert 'style="' not in html  # the strict CSP allows no inline style
    page = text_of(html)
    assert "Held within 72 hours 1 0 +1" in page
    assert AuditEvent.objects.filter(action="count", object_type="partnership_report").count() == 1


def test_the_pdf_is_a_real_pdf_with_the_headings_numbers_and_written_words(
    client, manager_a, croydon_register, croydon_partnership
):
    actions.save_section(
        as_viewer(manager_a),
        croydon_partnership,
        2024,
        "priorities",
        "Every return interview within 72 hours.",
        None,
    )
    report = partnership.build_report(croydon_partnership, 2024)
    text = document_text(partnership.pdf_document(report))
    for heading in (
        "Croydon Safeguarding Children Partnership: annual report 2024 to 2025",
        "Trafficked, unaccompanied and separated children",
        "National Referral Mechanism",
        "Children who went missing or away",
        "What happened",
        "How long",
        "Repeat missing",
        "Return interviews",
        "The coordinated response",
        "Priorities for next year",
    ):
        assert heading in text, heading
    assert "Still missing at the end of the year 4 2 +2" in text
    assert "Every return interview within 72 hours." in text
    sign_in(client, manager_a)
    response = client.get(
        reverse("web:partnership-report-pdf", args=[croydon_partnership.pk, 2024])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        'filename="croydon-safeguarding-children-partnership-annual-report-2024.pdf"'
        in response["Content-Disposition"]
    )
    assert AuditEvent.objects.filter(action="export", object_type="partnership_report").count() == 1


def test_the_command_writes_the_pdf_and_names_mistakes(
    croydon_register, croydon_partnership, tmp_path, capsys
):
    out = tmp_path / "report.pdf"
    assert (
        main(
            [
                "partnership-report",
                "--partnership",
                "croydon safeguarding children partnership",
                "--year",
                "2024",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_bytes().startswith(b"%PDF")
    assert (
        main(["partnership-report", "--partnership", "Nowhere", "--year", "2024", "-o", str(out)])
        == 2
    )
    err = capsys.readouterr().err
    assert (
        "--partnership: no partnership area is called 'Nowhere'" in err and "Traceback" not in err
    )
    assert (
        main(
            [
                "partnership-area",
                "--name",
                "Two councils",
                "--authority",
                "E09000008",
                "--authority",
                "E10000016",
            ]
        )
        == 0
    )
    assert (
        "Created partnership area 'Two councils': Croydon (E09000008), Kent (E10000016)"
        in capsys.readouterr().out
    )


# --- who may see it -------------------------------------------------------------------------


def test_a_council_outside_the_partnership_is_refused_and_the_refusal_audited(
    client, manager_b, sw_a, croydon_partnership
):
    for user in (manager_b, sw_a):  # another council; a role that does not see counts
        client.logout()
        sign_in(client, user)
        for name in ("partnership-report", "partnership-report-pdf"):
            assert (
                client.get(reverse(f"web:{name}", args=[croydon_partnership.pk, 2024])).status_code
                == 403
            )
    denied = AuditEvent.objects.filter(action="denied", object_type="partnership_report")
    assert sorted(denied.values_list("actor_username", flat=True)) == [
        "manager.b",
        "manager.b",
        "sw.a",
        "sw.a",
    ]
    client.logout()
    sign_in(client, manager_b)
    assert "not yet part of a partnership area" in text_of(
        client.get(reverse("web:partnerships")).content.decode()
    )


def test_the_list_of_partnerships_links_each_years_report(
    client, coordinator_a, croydon_partnership
):
    sign_in(client, coordinator_a)
    html = client.get(reverse("web:partnerships")).content.decode()
    assert "Croydon Safeguarding Children Partnership" in html
    # The year in progress and the three before it, whatever today is.
    today = timezone.localdate()
    current = next(
        y
        for y in (today.year, today.year - 1)
        if partnership.reporting_year(croydon_partnership, y)[0] <= today
    )
    for year in range(current - 3, current + 1):
        assert reverse("web:partnership-report", args=[croydon_partnership.pk, year]) in html
    assert reverse("web:partnership-report", args=[croydon_partnership.pk, current + 1]) not in html
    report = client.get(
        reverse("web:partnership-report", args=[croydon_partnership.pk, current - 1])
    ).content.decode()
    assert (
        'data-testid="edit-response"' not in report
    )  # a coordinator reads, a senior manager writes


def test_a_year_still_in_progress_says_its_figures_are_so_far(croydon_partnership):
    with freeze_time("2025-10-01 12:00"):
        report = partnership.build_report(croydon_partnership, 2025)
        html = partnership.render_html(report, pdf=False)
    assert not report.this.is_complete and report.previous.is_complete
    assert "The year has not ended: these are the figures so far." in html
