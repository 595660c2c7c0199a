"""The problems found in an SSDA903 upload, kept for their CSV download (``ProblemReport``).

The upload page shows the problems at once; the full list is a second request (a link, no
JavaScript), so it is kept. It names children by their CHILD id, so keeping it is a write
like any other: made here, with its audit event in the same transaction, and read back only
by the organisation that uploaded it. Retention removes it later (security/retention.py).
"""

from __future__ import annotations

from django.db import transaction

from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction

from .models import ProblemReport
from .report import ImportReport


def keep(viewer: Viewer, report: ImportReport) -> ProblemReport | None:
    """Keep the report of an upload made by ``viewer`` for its organisation; None when there
    was no problem to keep."""
    if not report.problems:
        return None
    if viewer.organisation is None:
        raise ValueError("Only someone acting for an organisation keeps an upload's problems")
    errors, warnings = len(report.errors), len(report.warnings)
    with transaction.atomic():
        kept = ProblemReport.objects.create(
            organisation=viewer.organisation,
            created_by_name=viewer.display_name,
            csv_text=report.as_csv(),
        )
        record(
            viewer,
            AuditAction.CREATE,
            object_type="problemreport",
            object_id=kept.pk,
            summary=f"Kept the problems found in an SSDA903 upload ({_count(errors, 'error')}, "
            f"{_count(warnings, 'warning')}) for their download",
            detail={"errors": errors, "warnings": warnings},
        )
    return kept


def kept_for(viewer: Viewer, pk: int) -> ProblemReport | None:
    """A kept report of the viewer's own organisation, or None (another's is as if absent)."""
    return ProblemReport.objects.filter(pk=pk, organisation=viewer.organisation).first()


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
