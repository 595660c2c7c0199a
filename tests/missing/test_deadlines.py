"""An organisation's own acknowledgement deadlines (missing.actions.save_deadlines and its page):
shorter than the national ones, never longer; the refusal names the field and the national
deadline and changes nothing; a change is audited and applies to alerts raised after it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import as_viewer, make_user
from tests.factories import report_missing as report
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.missing import actions
from visible.missing.models import AcknowledgementDeadlines, Alert
from visible.missing.severity import HIGH_RISK_MISSING

pytestmark = pytest.mark.django_db


def test_a_council_shortens_its_deadlines_and_new_alerts_use_them(manager_a, sw_a, uasc_child):
    actions.save_deadlines(as_viewer(manager_a), {"critical": 10, "high": None, "medium": 24 * 60})
    stored = AcknowledgementDeadlines.objects.get()
    assert stored.minutes == {"critical": 10}  # the national day for medium is not "its own"
    event = AuditEvent.objects.get(object_type="acknowledgement deadlines")
    assert event.detail_data["changes"] == {"critical": [None, 10]}
    episode, _ = report(sw_a, uasc_child)
    alert = Alert.objects.get(episode=episode, code=HIGH_RISK_MISSING)
    assert alert.acknowledge_by - alert.raised_at == dt.timedelta(minutes=10)


def test_never_longer_than_the_national_deadline(manager_a):
    with pytest.raises(ValidationError) as refused:
        actions.save_deadlines(as_viewer(manager_a), {"critical": 30, "low": 60})
    assert refused.value.message_dict == {
        "critical": [
            "Critical deadline: 30 minutes is longer than the national deadline of 15 minutes: "
            "an authority may shorten it, never lengthen it"
        ],
        "low": [
            "Low deadline: 1 hour is shorter than the shortest allowed, 1 day (1440 minutes): "
            "nobody could acknowledge it before it escalated"
        ],
    }
    assert not AcknowledgementDeadlines.objects.exists()
    assert not AuditEvent.objects.filter(object_type="acknowledgement deadlines").exists()


def test_only_a_senior_manager_or_administrator_sets_them(council_a, sw_a):
    admin = make_user("ada.admin", council_a, Role.ORGANISATION_ADMIN)
    actions.save_deadlines(as_viewer(admin), {"high": 30})
    with pytest.raises(PermissionDenied):
        actions.save_deadlines(as_viewer(sw_a), {"high": 20})
    assert AcknowledgementDeadlines.objects.get().minutes == {"high": 30}


def test_the_page_shows_the_refusal_by_the_field(client, manager_a, sw_a):
    client.force_login(manager_a)
    page = client.get(reverse("web:alert-deadlines"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "At most 15 (15 minutes, the national deadline)" in text
    answer = client.post(reverse("web:alert-deadlines"), {"critical": "16", "high": ""})
    text = answer.content.decode()
    assert answer.status_code == 200
    assert 'href="#id_critical"' in text  # the error summary links to the field
    assert (
        "Critical deadline: 16 minutes is longer than the national deadline of 15 minutes" in text
    )
    assert not AcknowledgementDeadlines.objects.exists()
    answer = client.post(reverse("web:alert-deadlines"), {"critical": "12"})
    assert answer.status_code == 302
    assert AcknowledgementDeadlines.objects.get().minutes == {"critical": 12}
    client.force_login(sw_a)
    assert client.get(reverse("web:alert-deadlines")).status_code == 403
