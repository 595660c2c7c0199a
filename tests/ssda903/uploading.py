"""Uploading on the page as a person does, for the tests: post the files, let the upload's job
run as the worker would once the upload is committed, and open the upload's page."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

URL = "/returns/ssda903/"
FACTORS_URL = "/returns/ssda903/factors/"
UPLOAD_PAGE = re.compile(r"^/returns/ssda903/uploads/(\d+)/$")


def post_files(client, files: dict[str, str | bytes], year: str = "2025"):
    """The upload form's POST (the job is asked for when the test's transaction commits)."""
    return client.post(
        URL,
        {
            "year": year,
            "files": [
                SimpleUploadedFile(n, c.encode() if isinstance(c, str) else c, "text/csv")
                for n, c in files.items()
            ],
        },
    )


def upload(client, capture, files: dict[str, str | bytes], year: str = "2025"):
    """Upload, run the job (``capture`` is pytest-django's django_capture_on_commit_callbacks:
    the upload's transaction "commits" and the job, immediate in the tests, runs), and return
    the upload's page."""
    with capture(execute=True):
        response = post_files(client, files, year)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert UPLOAD_PAGE.match(response["Location"]), response["Location"]
    return client.get(response["Location"])


def upload_factors(client, capture, text: str):
    with capture(execute=True):
        response = client.post(
            FACTORS_URL, {"file": SimpleUploadedFile("factors.csv", text.encode(), "text/csv")}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"])
