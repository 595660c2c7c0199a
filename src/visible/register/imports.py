"""A register uploaded on the page, imported by the background worker: the upload is an
ssda903.ImportJob of kind "register", kept and run exactly as an SSDA903 upload is
(ssda903/imports.py: `accept`, the job's progress and outcome, a dead worker's job failed),
with this service's importer (ADR 0015, ADR 0018)."""

from __future__ import annotations

import datetime as dt

from visible.agencies.viewer import Viewer
from visible.ssda903 import imports
from visible.ssda903.models import ImportJob, ImportKind

from .importer import import_upload


def accept(viewer: Viewer, name: str, content: bytes, now: dt.datetime) -> ImportJob:
    """Keep the upload and its file for its job, audited (the caller asks for the job once
    this commits: worker.jobs.import_register_upload)."""
    return imports.accept(viewer, ImportKind.REGISTER, None, [(name, content)], now)


def run(job_id: int) -> None:
    """The worker's job: import the upload, once."""
    imports.run(job_id, importer=import_upload)


def recent(viewer: Viewer, count: int = 5) -> list[ImportJob]:
    """The organisation's latest register uploads (the list is audited as the 903 page's is)."""
    return [job for job in imports.recent(viewer, 20) if job.kind == ImportKind.REGISTER][:count]
