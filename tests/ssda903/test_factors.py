"""CIN census factors as dated flags: trafficking, UASC, CSE, gangs, criminal exploitation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import CROYDON
from visible.children.models import Flag
from visible.cli import main
from visible.ssda903.factors import import_factors

pytestmark = pytest.mark.django_db


def test_factors_become_dated_flags_once(sw_a, make_child):
    child = make_child(sw_a, child_903_id="F1")
    day = timezone.localdate() - dt.timedelta(days=30)
    text = f"CHILD,FACTOR,DATE\r\nF1,12A,{day:%d/%m/%Y}\r\nF1,24A,{day:%d/%m/%Y}\r\nF1,10A,{day:%d/%m/%Y}\r\n"
    outcome = import_factors("factors.csv", text.encode(), CROYDON)
    assert outcome.imported, outcome.report.as_text()
    flags = {f.kind: f for f in Flag.objects.filter(child=child)}
    assert (
        flags["trafficked_suspected"].start_date == day
        and flags["trafficked_suspected"].source == "CIN 12A"
    )
    assert flags["cce"].start_date == day
    assert "10A" in outcome.report.warnings[0].rule
    again = import_factors("factors.csv", text.encode(), CROYDON)
    assert again.counts.get("flags_created", 0) == 0
    assert Flag.objects.filter(child=child).count() == 2


def test_bad_factor_rows_are_reported_and_nothing_is_imported(sw_a, make_child, tmp_path, capsys):
    child = make_child(sw_a, child_903_id="F2")
    path = tmp_path / "factors.csv"
    path.write_text(
        "CHILD,FACTOR,DATE\r\nF2,11A,01/02/2025\r\nF2,99Z,01/02/2025\r\nNOBODY,13A,01/02/2025\r\n"
        "F2,24A,01/02/2021\r\nF2,9A,2025-02-01\r\n"
    )
    code = main(
        [
            "import",
            "factors",
            str(path),
            "--authority",
            CROYDON,
            "--problems-csv",
            str(tmp_path / "problems.csv"),
        ]
    )
    assert code == 1
    assert not Flag.objects.filter(child=child, source__startswith="CIN").exists()
    err = capsys.readouterr().err
    assert "nothing has been imported" in err
    problems = (tmp_path / "problems.csv").read_text()
    for expected in ("99Z", "NOBODY", "2020/21", "2025-02-01"):
        assert expected in problems


def test_an_empty_factors_file_is_a_valid_answer_nothing_to_import(sw_a, tmp_path, capsys):
    """An authority with no child assessed with these factors rightly sends an empty extract."""
    path = tmp_path / "factors.csv"
    path.write_text("CHILD,FACTOR,DATE\r\n")
    code = main(["import", "factors", str(path), "--authority", CROYDON])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "no factors: nothing to import" in out
    assert "nothing has been imported" not in err
    assert not Flag.objects.filter(source__startswith="CIN").exists()
