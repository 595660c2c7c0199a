"""`visible import 903 FOLDER --year Y`: a national folder of authorities' returns, one
sub-folder each (named by GSS code or listed in manifest.csv), imported in one process, each
authority all or nothing on its own; and `visible export 903 --all`, which writes one."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import CROYDON, KENT, make_council
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.cli import main
from visible.ssda903.models import ImportRun

from .test_problems import good_files

pytestmark = pytest.mark.django_db

HARTLEPOOL = "E06000001"
CARDIFF = "W06000015"


@pytest.fixture
def councils(db):
    return {code: make_council(code) for code in (CROYDON, KENT, HARTLEPOOL)}


def write_return(folder, files=None):
    folder.mkdir(parents=True)
    for name, text in (files or good_files()).items():
        (folder / name).write_text(text, encoding="utf-8")


def broken_files() -> dict[str, str]:
    files = good_files()
    files["header.csv"] = files["header.csv"].replace("01/05/2009", "1 May 2009")
    return files


def children_of(code: str) -> int:
    return Child.objects.filter(responsible_organisation__authority__code=code).count()


def run(*args: str) -> int:
    return main(["import", "903", *args, "--year", "2025"])


def problems_rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_a_folder_of_three_authorities_imports_them_all(councils, tmp_path, capsys):
    for code in (CROYDON, KENT, HARTLEPOOL):
        write_return(tmp_path / "national" / code)
    assert run(str(tmp_path / "national")) == 0
    out, err = capsys.readouterr()
    assert [children_of(code) for code in (CROYDON, KENT, HARTLEPOOL)] == [2, 2, 2]
    assert ImportRun.objects.count() == 3
    # Progress, authority n of N, on stderr, in GSS order; the summary table on stdout.
    assert "[1/3] E06000001 Hartlepool: imported 2 children" in err
    assert "[3/3] E10000016 Kent: imported 2 children" in err
    assert "3 of 3 authorities imported, 0 refused" in out
    croydon = next(line for line in out.splitlines() if line.startswith(CROYDON))
    assert croydon.split()[:6] == [CROYDON, "Croydon", "2", "2", "2", "1"]
    assert "imported: 2 added, 0 changed" in croydon
    total = next(line for line in out.splitlines() if line.startswith("Total"))
    assert total.split()[:7] == ["Total", "3", "imported", "6", "6", "6", "3"]


def test_the_same_folder_twice_changes_nothing(councils, tmp_path, capsys):
    for code in (CROYDON, KENT):
        write_return(tmp_path / "national" / code)
    assert run(str(tmp_path / "national")) == 0
    events = AuditEvent.objects.count()
    assert run(str(tmp_path / "national")) == 0
    assert "imported: 0 added, 0 changed" in capsys.readouterr().out
    assert Child.objects.count() == 4
    assert AuditEvent.objects.count() == events + 2  # one event per import run, no child changed


def test_a_broken_return_is_refused_and_the_others_are_imported(councils, tmp_path, capsys):
    national = tmp_path / "national"
    write_return(national / CROYDON)
    write_return(national / KENT, broken_files())
    write_return(national / HARTLEPOOL)
    problems = tmp_path / "problems.csv"
    assert run(str(national), "--problems-csv", str(problems)) == 1
    out, err = capsys.readouterr()
    assert children_of(CROYDON) == 2 and children_of(HARTLEPOOL) == 2
    # The refused authority: nothing written for it, not even its import run or an audit event.
    assert children_of(KENT) == 0
    assert not ImportRun.objects.filter(organisation=councils[KENT]).exists()
    assert not AuditEvent.objects.filter(summary__contains="for Kent").exists()
    assert "[3/3] E10000016 Kent: REFUSED (1 error): header.csv, row 2, column DOB" in err
    assert "E10000016 Kent (E10000016/):" in err and "nothing has been imported" in err
    kent = next(line for line in out.splitlines() if line.startswith(KENT))
    assert "REFUSED: 1 error; first: header.csv, row 2, column DOB: Not a date" in kent
    assert "2 of 3 authorities imported, 1 refused" in out
    assert "A refused authority's return changed nothing on Visible" in out
    rows = problems_rows(problems)
    errors = [r for r in rows if r["severity"] == "error"]
    assert {(r["gss"], r["authority"], r["folder"]) for r in errors} == {(KENT, "Kent", KENT)}
    # The imported authorities' warnings are there too, each with its authority.
    assert {r["gss"] for r in rows if r["severity"] == "warning"} == {CROYDON, HARTLEPOOL}
    error = errors[0]
    assert (error["file"], error["row"], error["column"], error["value"]) == (
        "header.csv",
        "2",
        "DOB",
        "1 May 2009",
    )
    assert error["how to fix"]


@pytest.mark.parametrize(
    "folder, code, expected",
    [
        (
            "E99999999",
            None,
            "E99999999 (folder E99999999/) is not the GSS code of a UK authority",
        ),
        (
            HARTLEPOOL,
            None,
            "E06000001 (folder E06000001/) is Hartlepool, which is not set up on Visible",
        ),
        ("croydon-old", None, "The folder croydon-old/ is not named by a GSS code"),
        (KENT, "empty", "The folder E10000016/ holds no return files (.csv or .xml)"),
    ],
)
def test_a_folder_that_names_no_usable_authority_is_refused_by_name(
    db, tmp_path, capsys, folder, code, expected
):
    make_council(CROYDON)
    make_council(KENT)
    national = tmp_path / "national"
    write_return(national / CROYDON)
    if code == "empty":
        (national / folder).mkdir()
        (national / folder / "notes.docx").write_bytes(b"not a return")
    else:
        write_return(national / folder)
    problems = tmp_path / "problems.csv"
    assert run(str(national), "--problems-csv", str(problems)) == 1
    out, err = capsys.readouterr()
    assert expected in err and expected in out
    assert children_of(CROYDON) == 2
    assert Child.objects.count() == 2
    (row,) = [r for r in problems_rows(problems) if r["severity"] == "error"]
    assert row["folder"] == folder and row["file"] == f"{folder}/"
    assert row["rule"] == expected and row["how to fix"]


def test_two_folders_for_one_authority_are_both_refused(councils, tmp_path, capsys):
    national = tmp_path / "national"
    write_return(national / CROYDON)
    write_return(national / CROYDON.lower())
    write_return(national / KENT)
    assert run(str(national)) == 1
    out = capsys.readouterr().out
    assert "Authority E09000008 has 2 folders (E09000008/ and e09000008/)" in out
    assert children_of(CROYDON) == 0 and children_of(KENT) == 2


def test_a_manifest_says_which_folder_is_which_authority(councils, tmp_path, capsys):
    national = tmp_path / "national"
    write_return(national / "croydon")
    write_return(national / "returns" / "kent")
    write_return(national / "not-this-year")
    # Any column order, a byte order mark, capitals, spaces, extra columns and blank rows.
    (national / "manifest.csv").write_bytes(
        b"\xef\xbb\xbfName,GSS , Folder\r\n"
        b"Croydon,e09000008,croydon\r\n"
        b",,\r\n"
        b"Kent, E10000016 ,returns/kent/\r\n"
    )
    assert run(str(national)) == 0
    out, err = capsys.readouterr()
    assert children_of(CROYDON) == 2 and children_of(KENT) == 2
    assert children_of(HARTLEPOOL) == 0
    assert "Not in manifest.csv, so not imported: not-this-year/\n" in err
    assert "2 of 2 authorities imported" in out


def test_a_manifest_code_not_set_up_is_refused_by_its_row(councils, tmp_path, capsys):
    national = tmp_path / "national"
    write_return(national / "croydon")
    write_return(national / "birmingham")
    (national / "manifest.csv").write_text(
        "folder,gss\ncroydon,E09000008\nbirmingham,E08000025\n", encoding="utf-8"
    )
    assert run(str(national)) == 1
    assert (
        "E08000025 (manifest.csv row 3) is Birmingham, which is not set up on Visible"
        in capsys.readouterr().out
    )
    assert children_of(CROYDON) == 2


@pytest.mark.parametrize(
    "manifest, expected",
    [
        (
            "folder,code\ncroydon,E09000008\n",
            ["manifest.csv, row 1: the header row has no gss column (it has folder, code)"],
        ),
        ("", ["manifest.csv, row 1: the header row has no folder or gss column"]),
        ("folder,gss\n", ["manifest.csv: it lists no authorities"]),
        (
            "folder,gss\ncroydon,E09000008\nkent,\n,E10000016\n",
            [
                "manifest.csv, row 3, column gss: blank",
                "manifest.csv, row 4, column folder: blank",
            ],
        ),
        (
            "folder,gss\ncroydon,Croydon\nkant,E10000016\n",
            [
                "manifest.csv, row 2, column gss: 'Croydon' is not a GSS code",
                "manifest.csv, row 3, column folder: there is no folder 'kant' in national/",
            ],
        ),
        (
            "folder,gss\ncroydon,E09000008\nkent,E09000008\ncroydon/,E10000016\n",
            [
                "manifest.csv, row 3, column gss: 'E09000008' is also on row 2",
                "manifest.csv, row 4, column folder: 'croydon/' is also on row 2",
            ],
        ),
        (
            "folder,gss\n../elsewhere,E09000008\n.,E10000016\n",
            [
                "manifest.csv, row 2, column folder: '../elsewhere' is outside the national folder",
                "manifest.csv, row 3, column folder: '.' is the national folder itself",
            ],
        ),
    ],
)
def test_a_bad_manifest_is_refused_whole_with_its_rows_and_columns(
    councils, tmp_path, capsys, manifest, expected
):
    national = tmp_path / "national"
    write_return(national / "croydon")
    write_return(national / "kent")
    (tmp_path / "elsewhere").mkdir()
    (national / "manifest.csv").write_text(manifest, encoding="utf-8")
    assert run(str(national)) == 2
    err = capsys.readouterr().err
    assert "cannot be imported" in err and "nothing has been imported" in err
    for problem in expected:
        assert f"- {problem}" in err
    assert err.count("How to fix:") == len(expected)
    assert not Child.objects.exists() and not ImportRun.objects.exists()


def test_authority_is_for_one_return_and_not_for_a_national_folder(councils, tmp_path, capsys):
    national = tmp_path / "national"
    write_return(national / CROYDON)
    assert run(str(national), "--authority", CROYDON) == 2
    assert "is a national folder" in capsys.readouterr().err
    # The same with a manifest, even beside return files of its own.
    write_return(tmp_path / "one")
    (tmp_path / "one" / "manifest.csv").write_text("folder,gss\n", encoding="utf-8")
    assert run(str(tmp_path / "one"), "--authority", CROYDON) == 2
    assert "is a national folder" in capsys.readouterr().err
    # One return's folder without --authority: which authority is it?
    write_return(tmp_path / "single")
    assert run(str(tmp_path / "single")) == 2
    assert "holds one return's files: give --authority GSS" in capsys.readouterr().err
    assert run(str(tmp_path / "missing")) == 2
    assert "is not a folder" in capsys.readouterr().err
    (tmp_path / "bare").mkdir()
    assert run(str(tmp_path / "bare")) == 2
    assert "bare is empty" in capsys.readouterr().err
    # A note beside the sub-folders does not make a national folder one return.
    (national / "README.txt").write_text("Returns for 2025/26", encoding="utf-8")
    assert run(str(national), "--authority", CROYDON) == 2
    assert "is a national folder" in capsys.readouterr().err
    assert not Child.objects.exists()
    # One authority's return, given its sub-folder, is imported as before.
    assert run(str(national / CROYDON), "--authority", CROYDON) == 0
    assert children_of(CROYDON) == 2


def test_a_year_without_code_lists_is_a_usage_error(councils, tmp_path, capsys):
    write_return(tmp_path / "national" / CROYDON)
    assert main(["import", "903", str(tmp_path / "national"), "--year", "2030"]) == 2
    assert "2017/18 to 2026/27" in capsys.readouterr().err
    assert not Child.objects.exists()


def test_quiet_leaves_out_the_progress_lines(councils, tmp_path, capsys):
    write_return(tmp_path / "national" / CROYDON)
    assert run(str(tmp_path / "national"), "--quiet") == 0
    out, err = capsys.readouterr()
    assert "[1/1]" not in err and "1 of 1 authorities imported" in out


def test_export_all_writes_a_national_folder_that_imports_back(councils, tmp_path, capsys):
    make_council(CARDIFF)
    for code in (CROYDON, KENT):
        write_return(tmp_path / "in" / code)
    assert run(str(tmp_path / "in")) == 0
    capsys.readouterr()
    out_folder = tmp_path / "out"
    assert main(["export", "903", "--all", "--year", "2025", str(out_folder)]) == 0
    out, err = capsys.readouterr()
    # Hartlepool has no child looked after in the year, Cardiff is not in England: no folder.
    assert sorted(p.name for p in out_folder.iterdir()) == [CROYDON, KENT]
    assert "of 2 authorities" in out and "4 children" in out
    assert "1 councils with no child looked after" in out and "1 councils outside England" in out
    assert "E09000008 Croydon: 2 children" in err
    assert (out_folder / CROYDON / "header.csv").read_text().startswith("CHILD,SEX,DOB")
    Child.objects.all().delete()
    assert run(str(out_folder)) == 0
    assert children_of(CROYDON) == 2 and children_of(KENT) == 2
    again = tmp_path / "again"
    assert main(["export", "903", "--all", "--year", "2025", str(again)]) == 0
    for code in (CROYDON, KENT):
        for path in (out_folder / code).iterdir():
            assert (again / code / path.name).read_bytes() == path.read_bytes()


def test_export_takes_one_authority_or_all(councils, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["export", "903", "--all", "--authority", CROYDON, "--year", "2025", str(tmp_path)])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "903", "--year", "2025", str(tmp_path)])
    assert "one of the arguments --authority --all is required" in capsys.readouterr().err
