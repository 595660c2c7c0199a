"""Every copy of a child's rows goes with the child, or sooner (docs/security.md, retention):
the SSDA903 tables an import keeps as they came (ssda903.KeptFile) and the stored problem
reports of uploads (ssda903.ProblemReport) hold children's CHILD ids. When `visible retention
delete --confirm` deletes a child past retention, the rows naming the child are taken out of the
kept files and reports of the organisations that held the child; and the same run deletes kept
files older than VISIBLE_SSDA903_KEPT_FILE_DAYS (400) and reports older than
VISIBLE_SSDA903_PROBLEM_REPORT_DAYS (30), which `visible retention report` lists. Each is audited
with ids, tables and counts, no names. Every child here is synthetic."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import make_user
from tests.security.test_retention import old_child
from visible.agencies.models import Role
from visible.audit.log import verify
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.cli import main as visible
from visible.dates import years_before
from visible.ssda903 import kept
from visible.ssda903.models import ImportKind, ImportRun, KeptFile, ProblemReport
from visible.ssda903.report import ImportReport

pytestmark = pytest.mark.django_db

REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE\r\n"


def reviews(*rows: tuple[str, str]) -> str:
    return REVIEWS + "".join(f"{child},{dob},01/05/2025,PN1\r\n" for child, dob in rows)


def keep(organisation, table: str, content: bytes, name: str = "reviews.csv") -> KeptFile:
    run = ImportRun.objects.create(
        organisation=organisation,
        kind=ImportKind.SSDA903,
        collection_year=2025,
        imported_by_name="manager.test",
    )
    return KeptFile.objects.create(run=run, name=name, table=table, content=content)


def problems(organisation, *child_ids: str) -> ProblemReport:
    report = ImportReport()
    for line, child_id in enumerate(child_ids, start=2):
        report.error(
            "episodes.csv",
            line,
            "CHILD",
            child_id,
            "The child is not in the Header table",
            "Add the child's Header row, or correct CHILD",
        )
        report.warning(
            "episodes.csv", line, "DECOM", "31/02/2025", "Not a real date", "Write it as dd/mm/YYYY"
        )
    return ProblemReport.objects.create(
        organisation=organisation, created_by_name="manager.test", csv_text=report.as_csv()
    )


@pytest.fixture
def croydon_sw(council_a):
    return make_user("sw.croydon.keep", council_a, Role.SOCIAL_WORKER)


@pytest.fixture
def kent_sw(council_b):
    return make_user("sw.kent.keep", council_b, Role.SOCIAL_WORKER)


def test_a_deleted_childs_rows_leave_the_kept_files_and_problem_reports(
    croydon_sw, kent_sw, council_a, council_b, fake, capsys
):
    gone = old_child(
        croydon_sw, fake, dt.date(1940, 7, 1), child_903_id="OLD903", council_id="CR-OLD-1"
    )
    young = old_child(
        croydon_sw, fake, years_before(timezone.localdate(), 16), child_903_id="YNG903"
    )
    # Kent's own child with the same CHILD id: Kent's ids are its own, so its rows stay.
    kents = old_child(kent_sw, fake, years_before(timezone.localdate(), 15), child_903_id="OLD903")
    files = {
        "utf8": keep(
            council_a,
            "Reviews",
            reviews(("OLD903", "01/07/1940"), ("YNG903", "02/02/2010")).encode(),
        ),
        "bom": keep(
            council_a,
            "OC2",
            codecs.BOM_UTF8
            + reviews(
                ("YNG903", "02/02/2010"), ("old903 ", "01/07/1940"), ("CR-OLD-1", "01/07/1940")
            ).encode(),
        ),
        "cp1252": keep(
            council_a,
            "Reviews",
            (
                reviews(("OLD903", "01/07/1940"), ("YNG903", "02/02/2010"))
                + "YNG903,02/02/2010,03/06/2025,PN2 \u2013 Zo\u00eb\r\n"
            ).encode("cp1252"),
        ),
        "kent": keep(council_b, "Reviews", reviews(("OLD903", "03/03/2011")).encode()),
    }
    report_a = problems(council_a, "OLD903", "YNG903")
    only_gone = problems(council_a, "OLD903")
    report_b = problems(council_b, "OLD903")

    assert visible(["retention", "delete", "--confirm"]) == 0
    out = capsys.readouterr().out
    assert f"Deleted 1 child record past retention (ids {gone.pk})" in out
    assert (
        "3 kept SSDA903 files and 2 problem reports held their rows and were rewritten without them"
        in out
    )

    assert not Child.objects.filter(pk=gone.pk).exists()
    assert set(Child.objects.values_list("pk", flat=True)) == {young.pk, kents.pk}
    for name in ("utf8", "bom", "cp1252"):
        content = bytes(KeptFile.objects.get(pk=files[name].pk).content)
        text = kept.decode(content)[0]
        assert "OLD903" not in text.upper() and "CR-OLD-1" not in text and "1940" not in text, name
        assert "YNG903,02/02/2010" in text and text.startswith("CHILD,DOB,REVIEW,REVIEW_CODE"), name
    assert bytes(KeptFile.objects.get(pk=files["bom"].pk).content).startswith(codecs.BOM_UTF8)
    assert "PN2 \u2013 Zo\u00eb" in bytes(
        KeptFile.objects.get(pk=files["cp1252"].pk).content
    ).decode("cp1252")
    assert bytes(KeptFile.objects.get(pk=files["kent"].pk).content) == bytes(files["kent"].content)

    remaining = ProblemReport.objects.get(pk=report_a.pk).csv_text
    assert "OLD903" not in remaining and "YNG903" in remaining
    # The other problem on the deleted child's row (its date) went with it; the other child's stayed.
    assert [line.split(",")[2] for line in remaining.splitlines()[1:]] == ["3", "3"]
    assert not ProblemReport.objects.filter(pk=only_gone.pk).exists()  # nothing left in it
    assert "OLD903" in ProblemReport.objects.get(pk=report_b.pk).csv_text  # Kent's

    for kept_file in KeptFile.objects.filter(run__organisation=council_a):
        assert b"OLD903" not in bytes(kept_file.content).upper()
    for stored in ProblemReport.objects.filter(organisation=council_a):
        assert "OLD903" not in stored.csv_text

    events = AuditEvent.objects.filter(
        action="retention_delete", object_type__in=("keptfile", "problemreport")
    )
    assert sorted(e.object_type for e in events) == ["keptfile"] * 3 + ["problemreport"] * 2
    for event in events:
        for text in (event.summary, event.detail):
            assert gone.given_names not in text and gone.family_name not in text
            assert "OLD903" not in text and "reviews.csv" not in text
    assert verify().ok


def test_kept_files_and_problem_reports_past_their_period_are_listed_and_deleted(
    croydon_sw, council_a, fake, capsys
):
    young = old_child(
        croydon_sw, fake, years_before(timezone.localdate(), 16), child_903_id="YNG903"
    )
    start = timezone.now()
    with freeze_time(start - dt.timedelta(days=401), tick=True):
        old_file = keep(council_a, "Reviews", reviews(("YNG903", "02/02/2010")).encode())
    with freeze_time(start - dt.timedelta(days=399), tick=True):
        recent_file = keep(council_a, "Reviews", reviews(("YNG903", "02/02/2010")).encode())
    with freeze_time(start - dt.timedelta(days=31), tick=True):
        old_report = problems(council_a, "YNG903")
    with freeze_time(start - dt.timedelta(days=29), tick=True):
        recent_report = problems(council_a, "YNG903")

    assert visible(["retention", "report"]) == 0
    out = capsys.readouterr().out
    assert f"Kept SSDA903 files older than 400 days: 1 (ids {old_file.pk})." in out
    assert f"Stored import problem reports older than 30 days: 1 (ids {old_report.pk})." in out
    assert "visible retention delete --confirm" in out
    assert (
        KeptFile.objects.count() == 2 and ProblemReport.objects.count() == 2
    )  # a report deletes nothing

    assert visible(["retention", "delete", "--confirm"]) == 0
    assert (
        "1 kept SSDA903 file and 1 problem report past their period deleted"
        in capsys.readouterr().out
    )
    assert list(KeptFile.objects.values_list("pk", flat=True)) == [recent_file.pk]
    assert list(ProblemReport.objects.values_list("pk", flat=True)) == [recent_report.pk]
    assert Child.objects.filter(pk=young.pk).exists()
    deleted_file = AuditEvent.objects.get(action="retention_delete", object_type="keptfile")
    assert deleted_file.object_id == str(old_file.pk)
    assert deleted_file.summary == "Deleted a kept SSDA903 file (Reviews) older than 400 days"
    deleted_report = AuditEvent.objects.get(action="retention_delete", object_type="problemreport")
    assert deleted_report.summary == "Deleted a stored import problem report older than 30 days"
    for event in (deleted_file, deleted_report):
        assert "YNG903" not in event.detail and young.family_name not in event.detail
    assert verify().ok


def test_the_periods_are_settings(settings, council_a, capsys):
    settings.VISIBLE_SSDA903_KEPT_FILE_DAYS = 10
    settings.VISIBLE_SSDA903_PROBLEM_REPORT_DAYS = 1
    with freeze_time(timezone.now() - dt.timedelta(days=11), tick=True):
        keep(council_a, "Reviews", reviews(("A1", "02/02/2010")).encode())
        problems(council_a, "A1")
    assert visible(["retention", "delete", "--confirm"]) == 0
    assert not KeptFile.objects.exists() and not ProblemReport.objects.exists()


def test_without_children_keeps_the_encoding_and_leaves_other_files_as_they_came():
    utf16 = reviews(("A1", "01/01/2010"), ("B2", "02/02/2010")).encode("utf-16")
    content, removed = kept.without_children(utf16, {"B2"})
    assert removed == 1 and content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    assert content.decode("utf-16") == reviews(("A1", "01/01/2010"))
    untouched = reviews(("A1", "01/01/2010")).encode()
    assert kept.without_children(untouched, {"B2"}) == (untouched, 0)
    assert kept.without_children(b"not,a,return\r\n1,2,3\r\n", {"1"}) == (
        b"not,a,return\r\n1,2,3\r\n",
        0,
    )
