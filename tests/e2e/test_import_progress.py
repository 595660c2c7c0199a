"""An SSDA903 upload in a real browser, with the import run by a worker as in production: the
coordinator uploads the return and is taken to the upload's page, which shows it waiting, then
how far the import has gone, updating itself with no JavaScript needed, then what went in. An
upload with an error shows every problem, and the register is unchanged."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from playwright.sync_api import expect

from tests.e2e.pages import BasePage, axe_violations, describe_violations
from tests.e2e.support import e2e_db
from tests.ssda903.test_problems import good_files
from visible.children.models import Child
from visible.ssda903 import imports
from visible.ssda903.models import ImportJob, ImportState
from visible.ssda903.progress import COMPARING
from visible.worker.queue import huey

pytestmark = [pytest.mark.e2e, e2e_db]
WAIT_MS = 20_000  # a page that refreshes itself every 3 seconds has shown the change by then


def accessible(page, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{name} ({page.url}):\n" + describe_violations(violations)


@pytest.fixture
def worker():
    """Jobs wait in the test run's own SQLite broker, as they do for a real worker, until
    ``worker.run()`` takes them in a thread of its own (as a worker's thread does)."""
    huey.immediate = False
    huey.flush()

    class Worker:
        threads: list[threading.Thread] = []

        def run(self) -> None:
            def take() -> None:
                try:
                    while (task := huey.dequeue()) is not None:
                        huey.execute(task)
                finally:
                    connections.close_all()

            thread = threading.Thread(target=take)
            thread.start()
            self.threads.append(thread)

    yield Worker()
    for thread in Worker.threads:
        thread.join(timeout=60)
    huey.flush()
    huey.immediate = True


def upload(page, files: dict[str, str]) -> BasePage:
    screen = BasePage(page)
    screen.navigate(lambda: page.goto("/returns/ssda903/"))
    screen.select("Collection year", "2025/26")
    page.get_by_label("Upload the return's files").set_input_files(
        [{"name": n, "mimeType": "text/csv", "buffer": c.encode()} for n, c in files.items()]
    )
    screen.press("Check and import")
    return screen


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_coordinator_sees_the_import_go_in_step_by_step(
    new_page, coordinator_a, council_a, worker, monkeypatch, javascript
):
    # The worker's job pauses once it is comparing the return with the register, until the
    # test has seen the page say so.
    seen = threading.Event()
    step = imports.JobProgress.step

    def paused(self, name, done=0, total=0):
        step(self, name, done, total)
        if name == COMPARING and done == 0:
            seen.wait(timeout=60)

    monkeypatch.setattr(imports.JobProgress, "step", paused)
    page = new_page(coordinator_a, javascript=javascript)
    screen = upload(page, good_files())

    # The upload's own page: waiting for the worker, refreshing itself.
    assert "/returns/ssda903/uploads/" in page.url
    expect(screen.h1).to_have_text("Importing the SSDA903 return 2025/26")
    expect(page.get_by_test_id("ssda903-state")).to_have_text("Waiting to start")
    expect(page.get_by_test_id("ssda903-progress")).to_contain_text(
        "Waiting for the background worker"
    )
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(1)
    assert ImportJob.objects.get().state == ImportState.QUEUED
    assert not Child.objects.exists()

    worker.run()
    # The page updates itself as the job goes on.
    expect(page.get_by_test_id("ssda903-progress")).to_contain_text(
        "Comparing with the register", timeout=WAIT_MS
    )
    expect(page.get_by_test_id("ssda903-state")).to_have_text("Comparing with the register")
    page.goto(page.url + "?refresh=off")  # still, for the accessibility check
    expect(page.get_by_test_id("ssda903-refresh")).to_contain_text("not updating itself")
    if javascript:  # axe runs in the page
        accessible(page, "an import in progress")
    screen.follow("Check again")
    seen.set()

    expect(page.get_by_test_id("ssda903-imported")).to_contain_text(
        "Return imported", timeout=WAIT_MS
    )
    expect(page.get_by_test_id("ssda903-counts")).to_contain_text("Children added")
    expect(page.get_by_test_id("ssda903-counts")).to_contain_text("2")
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)  # finished: no more
    if javascript:
        accessible(page, "an import finished")
    assert Child.objects.filter(responsible_organisation=council_a).count() == 2

    # It is listed on the upload page, with its outcome.
    screen.follow("Back to the SSDA903 return")
    expect(page.get_by_test_id("ssda903-uploads")).to_contain_text("Imported")


def test_an_upload_with_an_error_is_refused_with_its_report_and_the_register_unchanged(
    new_page, coordinator_a, council_a, sw_a, make_child, worker
):
    make_child(sw_a, child_903_id="C9")
    before = list(Child.objects.order_by("pk").values_list("pk", "child_903_id", "version"))
    files = good_files()
    files["episodes.csv"] = files["episodes.csv"].replace("K3", "H5")  # withdrawn in 2025/26
    page = new_page(coordinator_a)
    screen = upload(page, files)
    worker.run()
    summary = page.get_by_test_id("ssda903-error-summary")
    expect(summary).to_contain_text("nothing has been imported", timeout=WAIT_MS)
    expect(page.get_by_test_id("ssda903-state")).to_have_text(
        "Not imported: there are problems in the files"
    )
    error = page.get_by_test_id("ssda903-error").first
    expect(error).to_contain_text("episodes.csv, column PLACE")
    expect(error).to_contain_text("How to fix: Use K3, which replaced it")
    expect(error).to_contain_text("H5")
    expect(page.get_by_test_id("ssda903-problems-csv")).to_be_visible()
    accessible(page, "an import refused")
    # The register is as it was: no child added or changed.
    assert list(Child.objects.order_by("pk").values_list("pk", "child_903_id", "version")) == before
    screen.navigate(lambda: page.goto("/children/"))
    expect(page.get_by_role("link", name="(name not in the return)")).to_have_count(0)
