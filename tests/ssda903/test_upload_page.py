"""The upload page as a council's manager or coordinator uses it: upload, see every problem,
fix, upload again; the problems as CSV; no JavaScript, no inline script or style."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import PASSWORD
from visible.audit.models import AuditEvent
from visible.children.models import Child

from .test_problems import good_files

pytestmark = pytest.mark.django_db
URL = "/returns/ssda903/"


def upload(client, files: dict[str, str], year: str = "2025"):
    return client.post(
        URL,
        {
            "year": year,
            "files": [
                SimpleUploadedFile(n, c.encode(), content_type="text/csv") for n, c in files.items()
            ],
        },
    )


def test_the_page_is_linked_from_the_navigation_for_managers_and_coordinators(
    client, manager_a, coordinator_a
):
    assert reverse("web:ssda903-import") == URL
    for user in (manager_a, coordinator_a):
        client.login(username=user.username, password=PASSWORD)
        page = client.get(reverse("web:children")).content.decode()
        assert f'href="{URL}"' in page and "SSDA903 return" in page
        response = client.get(URL)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'enctype="multipart/form-data"' in body and 'type="file" multiple' in body
        assert "<script>" not in body and "style=" not in body
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_a_social_worker_may_not_import(client, sw_a):
    client.login(username=sw_a.username, password=PASSWORD)
    assert f'href="{URL}"' not in client.get(reverse("web:children")).content.decode()
    assert client.get(URL).status_code == 403
    assert upload(client, good_files()).status_code == 403
    assert not Child.objects.exists()
    assert AuditEvent.objects.filter(action="denied", object_type="ssda903").count() == 2


def test_upload_with_an_error_shows_the_report_then_fixed_files_go_in(client, manager_a):
    client.login(username=manager_a.username, password=PASSWORD)
    files = good_files()
    files["missing.csv"] = files["missing.csv"].replace("01/06/2025", "31/06/2025")
    response = upload(client, files)
    assert response.status_code == 422
    page = response.content.decode()
    assert "nothing has been imported" in page
    assert "missing.csv, column MIS_START: Not a date in the form dd/mm/yyyy" in page
    assert "31/06/2025" in page and "How to fix:" in page
    assert not Child.objects.exists()
    link = re.search(r'href="(/returns/ssda903/problems/\d+\.csv)"', page).group(1)
    download = client.get(link)
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][:4] == ["severity", "file", "row", "column"]
    assert rows[1][:5] == ["error", "missing.csv", "2", "MIS_START", "31/06/2025"]
    # Keeping the report (it names children by CHILD id) is a write, and audited as one.
    kept = AuditEvent.objects.get(object_type="problemreport")
    assert kept.action == "create" and kept.actor_username == manager_a.username
    assert kept.object_id == link.rsplit("/", 1)[1].removesuffix(".csv")
    assert "(1 error, 0 warnings)" in kept.summary

    response = upload(client, good_files())
    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.content.decode()
    assert "Return imported" in page
    assert (
        Child.objects.filter(
            responsible_organisation=manager_a.memberships.get().organisation
        ).count()
        == 2
    )
    # The import was made by the manager, in the audit log.
    assert (
        AuditEvent.objects.filter(
            object_type="importrun", actor_username=manager_a.username
        ).count()
        == 1
    )


def test_no_files_is_a_form_error_linked_from_the_summary(client, coordinator_a):
    client.login(username=coordinator_a.username, password=PASSWORD)
    response = client.post(URL, {"year": "2025"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_files"' in page and "Select the return&#x27;s files" in page


def test_another_councils_problem_report_is_not_found(client, manager_a, manager_b):
    client.login(username=manager_a.username, password=PASSWORD)
    files = good_files()
    files["header.csv"] = ""
    page = upload(client, files).content.decode()
    link = re.search(r'href="(/returns/ssda903/problems/\d+\.csv)"', page).group(1)
    client.logout()
    client.login(username=manager_b.username, password=PASSWORD)
    assert client.get(link).status_code == 404
