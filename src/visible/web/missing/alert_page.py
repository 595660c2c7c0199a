"""One alert's own page: what it is, its deadline, whether and by whom it was acknowledged, and
its escalation as a timeline (who was told at each step, when and why). The link in an
escalation's message opens it; so does the inbox's "Escalated" row."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from visible.access import missing as missing_policy
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.missing import severity, triage
from visible.notifications import escalation

from ..common import staff_view
from ..request import ViewerRequest
from .views import _inbox_alert, alert_label


@staff_view
@require_GET
def alert_detail(request: ViewerRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    alert = _inbox_alert(request, pk, "open alert")
    now = timezone.now()
    steps = escalation.timeline(alert)
    about_staff = alert.code in missing_policy.STAFF_NOTICE_CODES
    record(
        viewer,
        AuditAction.VIEW,
        object_type="alert",
        object_id=alert.pk,
        child_id=None if about_staff else alert.child_id,
        summary=f"Viewed the alert and its escalation ({len(steps)} step"
        f"{'s' if len(steps) != 1 else ''})",
    )
    last = steps[-1] if steps else None
    waiting = alert.acknowledged_at is None and alert.resolved_at is None
    return render(
        request,
        "web/missing/alert.html",
        {
            "alert": alert,
            "level": alert.level,
            "kind_label": severity.label_of(alert.code),
            "label": alert_label(alert),
            "about_staff": about_staff,
            "steps": [
                {
                    "step": step,
                    "position": escalation.label(step.position),
                    "people": [
                        person.get_full_name().strip() or person.get_username()
                        for person in step.to.all()
                    ]
                    or [step.to_names],
                }
                for step in steps
            ],
            "late": triage.overdue(alert.acknowledged_at, alert.acknowledge_by, now),
            "waiting": waiting,
            "next_step_at": (last.respond_by if last else alert.acknowledge_by)
            if waiting
            else None,
            "in_office_hours": alert.level in escalation.IN_OFFICE_HOURS,
            "top_reached": last is not None and last.position in escalation.TOP_OF_LADDER,
            "can_act": missing_policy.can_handle_alert(viewer, alert)
            and alert.organisation_id == viewer.organisation_id,
        },
    )
