"""The NRM decision-making pilot page (web/nrmpilot): what a senior manager or organisation
administrator sees and does, the errors in place, where the page is linked from, and everyone
else refused with the refusal audited (the browser journey is tests/e2e/test_nrm_pilot.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.children.models import NrmPilot

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def test_a_senior_manager_adds_a_period_and_records_leaving(client, manager_a):
    client.force_login(manager_a)
    url = reverse("web:nrm-pilot")
    page = text_of(client.get(url))
    assert "Your council is not in the pilot today" in page
    assert "within 45 days of the referral" in page and "within 5 working days" in page
    assert "within 100 days of their 18th birthday" in page and "public-order case" in page
    assert "devolved decision-making for child victims of modern slavery (pilot)" in page
    assert "Record that your council left the pilot" not in page  # no open period to end

    answer = client.post(url, date_fields("start_date", ago(30)))
    assert answer.status_code == 302 and answer["Location"] == url
    page = text_of(client.get(url))
    assert f"Your council is in the pilot today: since {ago(30):%-d %B %Y}" in page
    assert "Still in the pilot" in page and "Manager" in page  # recorded by, by name

    # An overlapping period: refused, the error on the field.
    answer = client.post(url, date_fields("start_date", ago(10)))
    assert answer.status_code == 200
    assert "overlaps another pilot period" in text_of(answer)
    assert 'href="#id_start_date_0"' in answer.content.decode()

    answer = client.post(reverse("web:nrm-pilot-end"), date_fields("end-end_date", ago(40)))
    assert answer.status_code == 200 and "same as or after the start date" in text_of(answer)
    answer = client.post(reverse("web:nrm-pilot-end"), date_fields("end-end_date", ago(1)))
    assert answer.status_code == 302
    page = text_of(client.get(url))
    assert "Your council is not in the pilot today" in page
    assert f"{ago(1):%-d %B %Y}" in page
    assert NrmPilot.objects.get().end_date == ago(1)


def test_an_organisation_administrator_finds_it_on_the_people_page(client, council_a):
    admin = make_user("admin.a", council_a, Role.ORGANISATION_ADMIN)
    client.force_login(admin)
    assert reverse("web:nrm-pilot") in client.get(reverse("web:people")).content.decode()
    assert client.get(reverse("web:nrm-pilot")).status_code == 200


def test_a_senior_manager_finds_it_on_the_risk_settings_page(client, manager_a):
    client.force_login(manager_a)
    assert reverse("web:nrm-pilot") in client.get(reverse("web:risk-settings")).content.decode()


def test_everyone_else_is_refused_and_the_refusal_audited(client, sw_a, coordinator_a):
    for user in (sw_a, coordinator_a):
        client.force_login(user)
        assert client.get(reverse("web:nrm-pilot")).status_code == 403
        answer = client.post(reverse("web:nrm-pilot-end"), date_fields("end-end_date", ago(1)))
        assert answer.status_code == 403
        assert (
            AuditEvent.objects.filter(
                action="denied", actor_username=user.username, object_type="nrmpilot"
            ).count()
            == 2
        )
    assert not NrmPilot.objects.exists()
