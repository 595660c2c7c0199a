"""The SSDA903 is England's return: a return for an authority in Wales, Scotland or Northern
Ireland is refused, with a message naming the nation and what it sends instead, whichever way
it comes (the command line, the upload page, a national folder)."""

from __future__ import annotations

import pytest

from tests.factories import CROYDON, PASSWORD, make_council, make_user
from visible.agencies.models import Role
from visible.children.models import Child
from visible.cli import main
from visible.ssda903.models import ImportJob, ImportRun

from .test_problems import good_files
from .uploading import URL, post_files

pytestmark = pytest.mark.django_db

GLASGOW = "S12000049"
CARDIFF = "W06000015"


def write_return(folder, files=None):
    folder.mkdir(parents=True)
    for name, text in (files or good_files()).items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "code, nation, instead",
    [(GLASGOW, "Scotland", "CLAS"), (CARDIFF, "Wales", "Looked After Children census")],
)
def test_the_command_refuses_a_return_for_an_authority_outside_england(
    tmp_path, capsys, code, nation, instead
):
    council = make_council(code)
    write_return(tmp_path / "return")
    status = main(
        ["import", "903", str(tmp_path / "return"), "--year", "2025", "--authority", code]
    )
    err = capsys.readouterr().err
    assert status != 0
    assert f"is in {nation}" in err and "England's" in err and instead in err
    assert not Child.objects.filter(responsible_organisation=council).exists()
    assert not ImportRun.objects.exists()


def test_a_national_folder_refuses_the_authority_outside_england_and_imports_the_others(
    tmp_path, capsys
):
    croydon, glasgow = make_council(CROYDON), make_council(GLASGOW)
    write_return(tmp_path / "national" / CROYDON)
    write_return(tmp_path / "national" / GLASGOW)
    assert main(["import", "903", str(tmp_path / "national"), "--year", "2025"]) == 1
    out, err = capsys.readouterr()
    assert Child.objects.filter(responsible_organisation=croydon).count() == 2
    assert not Child.objects.filter(responsible_organisation=glasgow).exists()
    assert "is in Scotland" in err and "SSDA903 is England's" in err


def test_the_upload_page_of_a_council_outside_england_says_the_903_is_not_its_return(client):
    glasgow = make_council(GLASGOW)
    coordinator = make_user("coordinator.glasgow", glasgow, Role.MISSING_COORDINATOR)
    client.login(username=coordinator.username, password=PASSWORD)
    page = client.get(URL).content.decode()
    assert "is in Scotland" in page and "CLAS" in page
    assert 'data-testid="ssda903-upload-form"' not in page
    response = post_files(client, good_files())
    assert response.status_code == 400
    assert "is in Scotland" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not Child.objects.filter(responsible_organisation=glasgow).exists()


def test_the_command_will_not_write_a_903_for_an_authority_outside_england(tmp_path, capsys):
    make_council(GLASGOW)
    status = main(
        ["export", "903", "--year", "2025", "--authority", GLASGOW, str(tmp_path / "out")]
    )
    assert status != 0
    assert "is in Scotland" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
