"""`visible export 903` and `visible import 903` as a user runs them."""

from __future__ import annotations

import io

import pytest

from tests.factories import CROYDON
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.cli import main
from visible.ssda903.importer import import_return
from visible.ssda903.progress import TerminalProgress

from .test_problems import good_files

pytestmark = pytest.mark.django_db


def test_import_then_export_from_the_command_line(council_a, tmp_path, capsys):
    source = tmp_path / "in"
    source.mkdir()
    for name, text in good_files().items():
        (source / name).write_text(text)
    assert main(["import", "903", str(source), "--year", "2025", "--authority", CROYDON]) == 0
    printed = capsys.readouterr()
    assert "2 children added" in printed.out
    # How far it has gone, step by step, on stderr (the summary alone on stdout).
    assert printed.err.splitlines()[:4] == [
        "Reading the files...",
        "Checking the rows...",
        "Comparing with the register...",
        "Writing to the register...",
    ]
    out = tmp_path / "out"
    assert main(["export", "903", "--year", "2025", "--authority", CROYDON, str(out)]) == 0
    assert "Header 2" in capsys.readouterr().out
    assert (out / "header.csv").read_text().splitlines()[
        0
    ] == "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
    assert sorted(p.name for p in out.iterdir()) == [
        "ad1.csv",
        "episodes.csv",
        "header.csv",
        "missing.csv",
        "oc3.csv",
        "reviews.csv",
        "uasc.csv",
    ]
    assert AuditEvent.objects.filter(action="export", object_type="ssda903").count() == 1


def test_a_refused_import_says_why_and_writes_every_problem(council_a, tmp_path, capsys):
    source = tmp_path / "in"
    source.mkdir()
    files = good_files()
    files["header.csv"] = files["header.csv"].replace("01/05/2009", "1 May 2009")
    for name, text in files.items():
        (source / name).write_text(text)
    problems = tmp_path / "problems.csv"
    assert (
        main(
            [
                "import",
                "903",
                str(source),
                "--year",
                "2025",
                "--authority",
                CROYDON,
                "--problems-csv",
                str(problems),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "nothing has been imported" in err and "header.csv, column DOB" in err
    assert "1 May 2009" in problems.read_text()
    assert not Child.objects.exists()


def test_an_unknown_year_or_authority_is_a_plain_error(council_a, tmp_path, capsys):
    assert main(["export", "903", "--year", "2030", "--authority", CROYDON, str(tmp_path)]) == 2
    assert "2017/18 to 2026/27" in capsys.readouterr().err
    assert main(["export", "903", "--year", "2025", "--authority", "E99999999", str(tmp_path)]) == 2
    assert "No council" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_rows_checked_are_counted_in_place(council_a):
    out = Terminal()
    files = [(name, text.encode()) for name, text in good_files().items()]
    assert import_return(files, 2025, CROYDON, progress=TerminalProgress(out)).imported
    shown = out.getvalue()
    assert "\rChecking the rows: 0 of 7" in shown and "\rChecking the rows: 7 of 7\n" in shown
    assert shown.endswith("Comparing with the register...\nWriting to the register...\n")
