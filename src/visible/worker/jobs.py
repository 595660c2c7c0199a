"""Visible's long jobs (queue.job), asked for with queue.after_commit once the rows they need
are committed. The worker sits above the services in the layers (docs/architecture.md), so the
jobs live here and call the services' own functions; a page asks for one by name from here.

- `import_upload`: an SSDA903 return or CIN factors file uploaded on the page, imported with
  its progress written for the upload's page (ssda903/imports.py).
- `import_register_upload`: a council's register uploaded on the page, run the same way with
  the register import (register/imports.py)."""

from __future__ import annotations

from visible.register import imports as register_imports
from visible.ssda903 import imports

from .queue import job


@job(retries=0, name="import-upload")  # all or nothing: a failure is recorded, never retried
def import_upload(job_id: int) -> None:
    imports.run(job_id)


@job(retries=0, name="import-register-upload")  # all or nothing, as above
def import_register_upload(job_id: int) -> None:
    register_imports.run(job_id)
