"""The register import's pages as a council's manager or coordinator uses them: upload the file,
be taken to the upload's page (the SSDA903 upload's), see what changed or every problem with
its row and column; set the column mapping once, with a preview of a file's first rows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import PASSWORD
from tests.ssda903.test_problems import good_files
from tests.ssda903.test_problems import run as import_903
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.register.models import ColumnMapping
from visible.ssda903.models import ImportJob, ImportKind

from .files import CASE_SYSTEM, csv_bytes, rows_for_register, xlsx_bytes

pytestmark = pytest.mark.django_db
URL = "/register/import/"
MAPPING_URL = "/register/import/mapping/"


@pytest.fixture
def signed_in(client, manager_a):
    assert import_903(good_files()).imported
    client.login(username=manager_a.username, password=PASSWORD)
    return client


def upload(client, capture, name: str, content: bytes):
    with capture(execute=True):
        response = client.post(URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].startswith("/returns/ssda903/uploads/")
    return client.get(response["Location"]).content.decode()


def test_the_page_is_linked_from_the_ssda903_page_and_a_social_worker_may_not_use_it(
    client, manager_a, sw_a
):
    client.login(username=manager_a.username, password=PASSWORD)
    assert f'href="{URL}"' in client.get("/returns/ssda903/").content.decode()
    page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'enctype="multipart/form-data"' in body and f'href="{MAPPING_URL}"' in body
    assert "Visible's own: SSDA903 CHILD id" in body  # no mapping saved yet
    assert "<script>" not in body and "style=" not in body
    client.logout()
    client.login(username=sw_a.username, password=PASSWORD)
    assert client.get(URL).status_code == 403
    assert client.get(MAPPING_URL).status_code == 403
    assert AuditEvent.objects.filter(action="denied", object_type="register-import").count() == 2


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_an_upload_is_imported_by_its_job_and_its_page_says_what_changed(
    signed_in, django_capture_on_commit_callbacks, council_a, form
):
    rows = rows_for_register(council_a)
    raw = csv_bytes(rows) if form == "csv" else xlsx_bytes(rows)
    page = upload(signed_in, django_capture_on_commit_callbacks, f"register.{form}", raw)
    assert "Register imported" in page and "Back to the register import" in page
    assert 'Children changed</dt><dd class="govuk-summary-list__value">2' in page
    job = ImportJob.objects.get(kind=ImportKind.REGISTER)
    assert job.state == "done" and not job.uploaded_files.exists()
    assert Child.objects.get(child_903_id="C1").given_names == rows[0]["given_names"]
    again = upload(signed_in, django_capture_on_commit_callbacks, f"register.{form}", raw)
    assert "Nothing changed: the register already holds everything in the file" in again
    listed = signed_in.get(URL).content.decode()
    assert f"register.{form}" in listed and "Imported" in listed


def test_a_refused_upload_lists_each_problem_with_its_row_and_column(
    signed_in, django_capture_on_commit_callbacks, council_a
):
    rows = rows_for_register(council_a)
    rows[1]["nationality"] = "Atlantis"
    page = upload(signed_in, django_capture_on_commit_callbacks, "register.csv", csv_bytes(rows))
    assert "Not imported" in page and "nothing has been imported" in page
    assert "register.csv, column Nationality: Not a nationality Visible knows" in page
    assert "Atlantis" in page
    assert Child.objects.get(child_903_id="C2").nationality == "XXX"
    assert "Upload the file again" in page and f'href="{URL}"' in page


def test_the_mapping_is_saved_once_and_audited_then_used_for_uploads(
    signed_in, django_capture_on_commit_callbacks, council_a
):
    response = signed_in.post(MAPPING_URL, {**CASE_SYSTEM, "action": "save"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?saved=1"
    assert ColumnMapping.objects.get(organisation=council_a).headings == CASE_SYSTEM
    assert AuditEvent.objects.filter(object_type="columnmapping", action="create").exists()
    page = signed_in.get(response["Location"]).content.decode()
    assert "Column mapping saved" in page and "Forename" in page
    form = signed_in.get(MAPPING_URL).content.decode()
    assert 'value="Forename"' in form
    rows = rows_for_register(council_a)
    done = upload(
        signed_in, django_capture_on_commit_callbacks, "cases.csv", csv_bytes(rows, CASE_SYSTEM)
    )
    assert "Register imported" in done


def test_one_heading_for_two_fields_is_refused_naming_the_field(signed_in, council_a):
    response = signed_in.post(
        MAPPING_URL, {"given_names": "Name", "family_name": "name", "action": "save"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The column &#x27;name&#x27; is already mapped to Given names" in body
    assert 'href="#id_family_name"' in body  # the error summary links to the field
    assert not ColumnMapping.objects.exists()


def test_the_preview_shows_the_first_rows_as_visible_reads_them(signed_in, council_a):
    rows = rows_for_register(council_a)
    rows[0]["nationality"] = "Atlantis"
    headings = dict(CASE_SYSTEM, shoe_size="Shoe size")
    sample = SimpleUploadedFile("cases.xlsx", xlsx_bytes(rows, headings))
    response = signed_in.post(MAPPING_URL, {**CASE_SYSTEM, "sample": sample, "action": "preview"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Preview of cases.xlsx" in body and "Nothing has been imported" in body
    assert rows[0]["given_names"] in body and rows[1]["family_name"] in body
    assert "Not a nationality Visible knows" in body  # the cell's problem, on its row
    assert "Shoe size" in body and "Not read" in body
    assert not ColumnMapping.objects.exists()  # a preview saves nothing
    # Without the mapping the same file's required columns are missing, and the preview says so.
    bare = signed_in.post(
        MAPPING_URL,
        {
            "sample": SimpleUploadedFile("cases.xlsx", xlsx_bytes(rows, headings)),
            "action": "preview",
        },
    ).content.decode()
    assert "The file has no column for SSDA903 CHILD id" in bare
