"""Export -> import into an empty register -> export gives the same files, byte for byte; the
same files imported twice change nothing; and the import is audited."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.factories import CROYDON
from tests.ssda903.register import YEAR
from visible.audit.log import verify
from visible.audit.models import AuditEvent
from visible.children.models import Child, Flag, Placement
from visible.missing.models import Alert, Episode, Grading
from visible.ssda903.export import export_return
from visible.ssda903.importer import import_return_folder
from visible.ssda903.models import ImportRun

pytestmark = pytest.mark.django_db

CHILDREN = 120


def _wipe(organisation) -> None:
    Child.objects.filter(responsible_organisation=organisation).delete()


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("year", [YEAR, 2023])  # 2023/24: SEX 1/2, H5 and Z1 still in use
def test_export_import_export_gives_identical_files(authority_register, tmp_path, year):
    first, second = tmp_path / "first", tmp_path / "second"
    exported = export_return(authority_register, year, first)
    if year < 2024:
        assert {
            line.split(",")[1] for line in (first / "header.csv").read_text().splitlines()[1:]
        } <= {"1", "2"}
    with transaction.atomic():
        _wipe(authority_register)
        outcome = import_return_folder(first, year, CROYDON)
        assert outcome.imported, outcome.report.as_text()
        assert outcome.counts["children_created"] == exported.counts()["Header"]
        export_return(authority_register, year, second)
        assert _files(second) == _files(first)
        transaction.set_rollback(True)


def test_importing_the_same_files_twice_changes_nothing(authority_register, tmp_path):
    folder = tmp_path / "return"
    export_return(authority_register, YEAR, folder)
    with transaction.atomic():
        _wipe(authority_register)
        first = import_return_folder(folder, YEAR, CROYDON)
        assert first.imported, first.report.as_text()
        before = (
            Child.objects.count(),
            Placement.objects.count(),
            Flag.objects.count(),
            Episode.objects.count(),
            list(Child.objects.order_by("pk").values_list("version", flat=True)),
        )
        events_before = AuditEvent.objects.count()
        second = import_return_folder(folder, YEAR, CROYDON)
        assert second.imported
        assert (
            second.counts.get("children_created", 0) == 0
            and second.counts.get("children_changed", 0) == 0
        )
        assert (
            second.counts.get("placements_created", 0) == 0
            and second.counts.get("placements_changed", 0) == 0
        )
        assert (
            second.counts.get("episodes_created", 0) == 0
            and second.counts.get("uasc_flags_created", 0) == 0
        )
        after = (
            Child.objects.count(),
            Placement.objects.count(),
            Flag.objects.count(),
            Episode.objects.count(),
            list(Child.objects.order_by("pk").values_list("version", flat=True)),
        )
        assert after == before
        # The second run is recorded (one event for the run), but no child changed.
        assert AuditEvent.objects.count() == events_before + 1
        transaction.set_rollback(True)


def test_the_import_is_audited_per_child_and_per_run_and_raises_no_alerts(
    authority_register, tmp_path
):
    folder = tmp_path / "return"
    export_return(authority_register, YEAR, folder)
    with transaction.atomic():
        _wipe(authority_register)
        alerts_before = Alert.objects.count()
        outcome = import_return_folder(folder, YEAR, CROYDON)
        assert outcome.imported
        run_events = AuditEvent.objects.filter(object_type="importrun")
        assert run_events.count() == 1
        assert "children added" in run_events.get().summary
        child = Child.objects.filter(responsible_organisation=authority_register).first()
        event = AuditEvent.objects.get(child_id=child.pk, object_type="child")
        assert event.action == "create" and "SSDA903" in event.summary
        # History, not a live report: no grading, no alert, no sweep.
        assert Alert.objects.count() == alerts_before
        assert not Grading.objects.filter(
            episode__child__responsible_organisation=authority_register
        ).exists()
        assert Episode.objects.filter(child__responsible_organisation=authority_register).exists()
        assert ImportRun.objects.filter(organisation=authority_register).count() == 1
        assert verify().ok
        transaction.set_rollback(True)


def test_a_later_years_return_updates_the_register(authority_register, tmp_path):
    earlier, later = tmp_path / "2024", tmp_path / "2025"
    export_return(authority_register, YEAR - 1, earlier)
    export_return(authority_register, YEAR, later)
    with transaction.atomic():
        _wipe(authority_register)
        assert import_return_folder(earlier, YEAR - 1, CROYDON).imported
        placements = Placement.objects.filter(
            child__responsible_organisation=authority_register
        ).count()
        outcome = import_return_folder(later, YEAR, CROYDON)
        assert outcome.imported, outcome.report.as_text()
        assert (
            outcome.counts.get("placements_created", 0)
            + outcome.counts.get("placements_changed", 0)
            > 0
        )
        assert (
            Placement.objects.filter(child__responsible_organisation=authority_register).count()
            > placements
        )
        transaction.set_rollback(True)


def _rows(folder, name: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO((folder / name).read_text(encoding="utf-8"))))


def test_the_export_of_an_imported_return_equals_it_field_for_field(authority_register, tmp_path):
    """A council's return says why each period of care ended (E5, E4A, E13...) and each
    episode's legal status; the export of what was imported says the same, row for row, and
    does not rewrite them as E8 or the child's latest legal status."""
    generated, imported_from, exported = tmp_path / "gen", tmp_path / "in", tmp_path / "out"
    export_return(authority_register, YEAR, generated)
    imported_from.mkdir()
    reasons = ["E5", "E4A", "E13", "E17", "E6", "E3"]
    lines = (generated / "episodes.csv").read_bytes().decode("utf-8").split("\r\n")
    header = lines[0].split(",")
    rec, ls, rne = header.index("REC"), header.index("LS"), header.index("RNE")
    changed, rewritten = 0, [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if len(cells) == len(header):
            if cells[rec] not in ("", "X1"):  # the episode ended a period of care
                cells[rec] = reasons[changed % len(reasons)]
                changed += 1
            if cells[rne] == "S" and cells[ls] == "C2":
                cells[ls] = "V2"  # accommodated under section 20 first, then a care order
        rewritten.append(",".join(cells))
    assert changed >= 5, "the generated return has periods of care that ended"
    for path in generated.iterdir():
        (imported_from / path.name).write_bytes(path.read_bytes())
    (imported_from / "episodes.csv").write_bytes("\r\n".join(rewritten).encode("utf-8"))
    with transaction.atomic():
        _wipe(authority_register)
        outcome = import_return_folder(imported_from, YEAR, CROYDON)
        assert outcome.imported, outcome.report.as_text()
        export_return(authority_register, YEAR, exported)
        for name in ("header.csv", "episodes.csv", "uasc.csv", "missing.csv"):
            given, written = _rows(imported_from, name), _rows(exported, name)
            assert len(written) == len(given), name
            for number, (a, b) in enumerate(zip(given, written, strict=True), start=2):
                assert a == b, f"{name} row {number}: imported {a}, exported {b}"
        transaction.set_rollback(True)
