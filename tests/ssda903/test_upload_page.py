"""The upload pages as a council's manager or coordinator uses them: upload, be taken to the
upload's own page, which shows the import waiting, then how far it has gone, refreshing itself,
then what went in, or every problem when nothing did; fix and upload again; the problems as
CSV; no JavaScript, no inline script or style. An upload is the uploader's organisation's only;
a job that fails or whose worker dies says so, and the files go once the job has run."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD
from visible.audit.models import AuditEvent
from visible.children.models import Child, Flag
from visible.ssda903 import imports
from visible.ssda903.models import ImportJob, ImportState, UploadedFile

from .test_problems import good_files
from .uploading import FACTORS_URL, URL, post_files, upload, upload_factors

pytestmark = pytest.mark.django_db
REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+)">')


def jobs_asked_for(callbacks) -> list:
    """The jobs asked for once the upload commits (queue.after_commit), from the callbacks
    pytest-django captured (the audit chain's anchor may be among them)."""
    return [c for c in callbacks if "after_commit" in c.__qualname__]


def test_the_page_is_linked_from_the_returns_section_for_managers_and_coordinators(
    client, manager_a, coordinator_a
):
    assert reverse("web:ssda903-import") == URL
    for user in (manager_a, coordinator_a):
        client.login(username=user.username, password=PASSWORD)
        page = client.get(reverse("web:children")).content.decode()
        assert f'href="{reverse("web:returns")}"' in page  # the navigation's Returns section
        returns = client.get(reverse("web:returns")).content.decode()
        assert f'href="{URL}"' in returns and "Import an SSDA903 return" in returns
        response = client.get(URL)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'enctype="multipart/form-data"' in body and 'type="file" multiple' in body
        assert f'href="{FACTORS_URL}"' in body
        assert "<script>" not in body and "style=" not in body
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_a_social_worker_may_not_import(
    client, sw_a, manager_a, django_capture_on_commit_callbacks
):
    client.login(username=manager_a.username, password=PASSWORD)
    page = upload(client, django_capture_on_commit_callbacks, good_files())
    client.logout()
    client.login(username=sw_a.username, password=PASSWORD)
    assert f'href="{URL}"' not in client.get(reverse("web:children")).content.decode()
    assert client.get(URL).status_code == 403
    assert post_files(client, good_files()).status_code == 403
    assert client.get(FACTORS_URL).status_code == 403
    assert client.get(page.request["PATH_INFO"]).status_code == 403
    assert ImportJob.objects.count() == 1
    assert AuditEvent.objects.filter(action="denied", object_type="ssda903").count() == 4


def test_the_upload_waits_for_the_worker_and_its_page_says_so_refreshing_itself(
    client, coordinator_a, django_capture_on_commit_callbacks
):
    client.login(username=coordinator_a.username, password=PASSWORD)
    with django_capture_on_commit_callbacks() as committed:  # committed, the job not yet run
        response = post_files(client, good_files())
    assert response.status_code == 302
    [job] = ImportJob.objects.all()
    assert response["Location"] == f"/returns/ssda903/uploads/{job.pk}/"
    asked = jobs_asked_for(committed)
    assert len(asked) == 1  # the job, asked for once the upload commits
    assert job.state == ImportState.QUEUED and job.requested_by_name == coordinator_a.username
    assert sorted(f["name"] for f in job.files) == sorted(good_files())
    assert UploadedFile.objects.filter(job=job).count() == 4
    uploaded = AuditEvent.objects.get(object_type="importjob", action="create")
    assert uploaded.actor_username == coordinator_a.username
    assert "Uploaded the SSDA903 return 2025/26 to be imported (4 files" in uploaded.summary

    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "Waiting to start" in body and "Waiting for the background worker" in body
    assert REFRESH.search(body).group(1) == "3"  # refreshes itself, no JavaScript
    assert "<script>" not in body and "style=" not in body  # nothing inline (the CSP)
    assert "Stop updating this page" in body
    assert not REFRESH.search(client.get(response["Location"] + "?refresh=off").content.decode())
    viewed = AuditEvent.objects.filter(object_type="importjob", action="view")
    assert viewed.count() == 2 and viewed.first().object_id == str(job.pk)

    asked[0]()  # the worker takes it
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.started_at and job.finished_at
    assert not UploadedFile.objects.filter(job=job).exists()  # the files go once it has run
    body = client.get(response["Location"]).content.decode()
    assert "Return imported" in body and not REFRESH.search(body)
    assert Child.objects.count() == 2


def test_the_page_shows_how_far_a_running_import_has_gone(
    client, coordinator_a, django_capture_on_commit_callbacks
):
    client.login(username=coordinator_a.username, password=PASSWORD)
    with django_capture_on_commit_callbacks():
        response = post_files(client, good_files())
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.CHECKING, done=5000, total=12_345, updated_at=timezone.now()
    )
    body = client.get(response["Location"]).content.decode()
    assert "Checking the rows: 5,000 of 12,345" in body and REFRESH.search(body)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.COMPARING, done=2, total=5)
    assert (
        "Comparing with the register: part 3 of 5"
        in client.get(response["Location"]).content.decode()
    )
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.WRITING, done=0, total=0)
    assert "Writing to the register" in client.get(response["Location"]).content.decode()


def test_upload_with_an_error_shows_the_report_then_fixed_files_go_in(
    client, manager_a, django_capture_on_commit_callbacks
):
    client.login(username=manager_a.username, password=PASSWORD)
    files = good_files()
    files["missing.csv"] = files["missing.csv"].replace("01/06/2025", "31/06/2025")
    response = upload(client, django_capture_on_commit_callbacks, files)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Not imported the SSDA903 return 2025/26" in page
    assert "Not imported: there are problems in the files" in page
    assert "nothing has been imported" in page
    assert "missing.csv, column MIS_START: Not a date in the form dd/mm/yyyy" in page
    assert "31/06/2025" in page and "How to fix:" in page
    assert not REFRESH.search(page)
    assert not Child.objects.exists()
    assert not UploadedFile.objects.exists()
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

    response = upload(client, django_capture_on_commit_callbacks, good_files())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Return imported" in page and "2025/26: the register is up to date with it" in page
    assert re.search(r"Children added</dt><dd[^>]*>2<", page)
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
    # Both uploads are listed on the upload page, the latest first.
    listed = client.get(URL).content.decode()
    assert listed.index("Imported") < listed.index("Not imported: there are problems")


def test_no_files_is_a_form_error_linked_from_the_summary(client, coordinator_a):
    client.login(username=coordinator_a.username, password=PASSWORD)
    response = client.post(URL, {"year": "2025"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_files"' in page and "Select the return&#x27;s files" in page
    assert not ImportJob.objects.exists()


def test_another_councils_upload_and_problem_report_are_not_found(
    client, manager_a, manager_b, django_capture_on_commit_callbacks
):
    client.login(username=manager_a.username, password=PASSWORD)
    files = good_files()
    files["header.csv"] = ""
    response = upload(client, django_capture_on_commit_callbacks, files)
    page = response.content.decode()
    link = re.search(r'href="(/returns/ssda903/problems/\d+\.csv)"', page).group(1)
    client.logout()
    client.login(username=manager_b.username, password=PASSWORD)
    assert client.get(link).status_code == 404
    other = client.get(response.request["PATH_INFO"])
    assert other.status_code == 404 and "Page not found" in other.content.decode()
    denied = AuditEvent.objects.get(object_type="importjob", action="denied")
    assert denied.actor_username == manager_b.username
    assert "outside their organisation" in denied.summary
    assert "Recent uploads" not in client.get(URL).content.decode()


def test_a_job_that_fails_says_so_and_nothing_is_imported(
    client, coordinator_a, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in Visible")

    monkeypatch.setattr(imports, "import_return", broken)
    client.login(username=coordinator_a.username, password=PASSWORD)
    response = upload(client, django_capture_on_commit_callbacks, good_files())
    page = response.content.decode()
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED
    assert "Import stopped" in page and "The import stopped because of an error in Visible" in page
    assert f"upload&#x27;s number, {job.pk}" in page
    assert not REFRESH.search(page)
    assert not UploadedFile.objects.exists() and not Child.objects.exists()
    assert any(r.exc_info and "a bug in Visible" in str(r.exc_info[1]) for r in caplog.records)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_the_queue_would_not_take_says_so(client, coordinator_a, monkeypatch):
    def no_broker(job_id):
        raise ConnectionError("the broker did not answer")

    monkeypatch.setattr("visible.web.ssda903.views.import_upload", no_broker)
    client.login(username=coordinator_a.username, password=PASSWORD)
    response = post_files(client, good_files())  # committed for real: the job asked for then
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.state == ImportState.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "could not be handed to the background worker" in page
    assert "ConnectionError" in page and not UploadedFile.objects.exists()


def test_a_job_whose_worker_died_is_failed_when_it_falls_silent(
    client, coordinator_a, django_capture_on_commit_callbacks, settings
):
    client.login(username=coordinator_a.username, password=PASSWORD)
    with django_capture_on_commit_callbacks():
        response = post_files(client, good_files())
    job = ImportJob.objects.get()
    now = timezone.now()
    # Taken, then nothing heard for nine minutes: still running.
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.COMPARING, updated_at=now - dt.timedelta(minutes=9)
    )
    assert "Comparing with the register" in client.get(response["Location"]).content.decode()
    # Eleven minutes (VISIBLE_IMPORT_STALE_MINUTES is 10): its worker is taken for dead.
    ImportJob.objects.filter(pk=job.pk).update(updated_at=now - dt.timedelta(minutes=11))
    page = client.get(response["Location"]).content.decode()
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and not REFRESH.search(page)
    assert "nothing was heard from the background worker running it for more than 10" in page
    assert not UploadedFile.objects.exists()
    # A late word from that job finds it no longer its own: it stops, writing nothing.
    with pytest.raises(imports.Abandoned):
        imports.JobProgress(job, None).step("writing")


def test_an_upload_no_worker_takes_is_failed_after_a_day(
    coordinator_a, django_capture_on_commit_callbacks, client
):
    client.login(username=coordinator_a.username, password=PASSWORD)
    with django_capture_on_commit_callbacks():
        post_files(client, good_files())
    job = ImportJob.objects.get()
    created = job.created_at
    assert imports.fail_stale(created + dt.timedelta(hours=23)) == []
    assert imports.fail_stale(created + dt.timedelta(hours=25)) == [job.pk]
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and "within 24 hours" in job.failure
    assert not UploadedFile.objects.exists()


def test_a_worker_starting_fails_the_jobs_its_dead_predecessor_was_running(
    coordinator_a, django_capture_on_commit_callbacks, client
):
    client.login(username=coordinator_a.username, password=PASSWORD)
    with django_capture_on_commit_callbacks():
        post_files(client, good_files())
        post_files(client, good_files())
    dead, alive = ImportJob.objects.order_by("pk")
    host = imports.identity().rsplit(" pid ", 1)[0]
    ImportJob.objects.filter(pk=dead.pk).update(
        state=ImportState.CHECKING, worker=f"{host} pid 111"
    )
    ImportJob.objects.filter(pk=alive.pk).update(
        state=ImportState.CHECKING, worker=f"{host} pid 222"
    )
    failed = imports.fail_jobs_of_dead_processes(timezone.now(), lambda pid: pid == 222)
    assert failed == [dead.pk]
    assert ImportJob.objects.get(pk=dead.pk).failure.startswith(
        "The import stopped without finishing"
    )
    assert ImportJob.objects.get(pk=alive.pk).state == ImportState.CHECKING


def test_a_job_asked_for_twice_imports_once(
    client, coordinator_a, django_capture_on_commit_callbacks
):
    client.login(username=coordinator_a.username, password=PASSWORD)
    with django_capture_on_commit_callbacks() as committed:
        post_files(client, good_files())
    jobs_asked_for(committed)[0]()
    job = ImportJob.objects.get()
    imports.run(job.pk)  # delivered again by the broker
    assert ImportJob.objects.get().state == ImportState.DONE
    assert AuditEvent.objects.filter(object_type="importrun").count() == 1


def test_cin_factors_are_uploaded_and_imported_in_the_background(
    client, coordinator_a, sw_a, make_child, django_capture_on_commit_callbacks
):
    child = make_child(sw_a, child_903_id="F1")
    day = timezone.localdate() - dt.timedelta(days=30)
    client.login(username=coordinator_a.username, password=PASSWORD)
    assert client.get(FACTORS_URL).status_code == 200
    bad = upload_factors(
        client,
        django_capture_on_commit_callbacks,
        f"CHILD,FACTOR,DATE\r\nF1,99Z,{day:%d/%m/%Y}\r\n",
    ).content.decode()
    assert "Not imported" in bad and "factors.csv, column FACTOR: Not a factor Visible reads" in bad
    assert not Flag.objects.filter(child=child).exists()
    good = upload_factors(
        client,
        django_capture_on_commit_callbacks,
        f"CHILD,FACTOR,DATE\r\nF1,12A,{day:%d/%m/%Y}\r\n",
    ).content.decode()
    assert "Factors imported" in good and re.search(r"Flags added</dt><dd[^>]*>1<", good)
    assert Flag.objects.get(child=child).kind == "trafficked_suspected"


def test_an_empty_file_of_factors_is_imported_and_the_page_says_there_was_nothing_to_import(
    client, coordinator_a, django_capture_on_commit_callbacks
):
    client.login(username=coordinator_a.username, password=PASSWORD)
    page = upload_factors(
        client, django_capture_on_commit_callbacks, "CHILD,FACTOR,DATE\r\n"
    ).content.decode()
    assert "Not imported" not in page
    assert "Factors imported" in page
    assert 'data-testid="ssda903-nothing-to-import"' in page
    assert "The file has a header row and no factors: nothing to import" in page
    assert ImportJob.objects.get().state == ImportState.DONE
