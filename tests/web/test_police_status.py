"""The police report says one thing everywhere. A report to the police is a force and the time
it was told: a force without a time is refused (the page would say "not reported" while the
alert fires and the force is remembered). No statutory time is pre-filled with "now". The
grab pack says who set the grade: Visible's rules proposing it, or the person, by name."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import as_viewer, missing_report, report_missing
from tests.web.test_missing_pages import error_summary, report_form_data, text_of
from visible.agencies.models import Organisation
from visible.missing import actions
from visible.missing.models import Alert, Episode

pytestmark = pytest.mark.django_db


def met() -> Organisation:
    return Organisation.objects.get(name="Metropolitan Police Service", kind="police")


def input_values(html: str, names: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for name in names:
        tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
        assert tag, f"No input {name}"
        value = re.search(r'value="([^"]*)"', tag.group(0))
        found[name] = value.group(1) if value else ""
    return found


def test_a_force_without_the_time_it_was_told_is_refused_with_one_clear_error(
    client, sw_a, uasc_child
):
    client.force_login(sw_a)
    url = reverse("web:report-missing", args=[uasc_child.pk])
    response = client.post(url, report_form_data(police_force=str(met().pk)))
    assert error_summary(response) == [
        "Enter the date and time the police were told, or choose 'Not told yet' if nobody has "
        "told them"
    ]
    assert 'href="#id_police_reported_date_0"' in response.content.decode()
    assert not Episode.objects.exists()


def test_the_action_refuses_a_force_without_a_time_too(sw_a, uasc_child):
    with pytest.raises(ValidationError) as refused:
        actions.report_missing(
            as_viewer(sw_a), uasc_child, missing_report(police_force=met(), police_reported_at=None)
        )
    assert "police_reported_at" in refused.value.message_dict
    assert not Episode.objects.exists()


def test_no_time_is_filled_in_with_now(client, sw_a, uasc_child):
    episode, _ = report_missing(sw_a, uasc_child, hours_ago=2)
    client.force_login(sw_a)
    for page, names, hint in (
        (
            "web:episode-police",
            ("police_reported_date_0", "police_reported_date_1", "police_reported_date_2"),
            "The date and time the police were told, not the time you record it",
        ),
        (
            "web:episode-return",
            ("returned_date_0", "returned_date_1", "returned_date_2", "returned_time"),
            "When they came back or were found, not the time you record it",
        ),
        (
            "web:episode-log",
            ("occurred_date_0", "occurred_date_1", "occurred_date_2", "occurred_time"),
            "When it happened, not the time you record it",
        ),
    ):
        response = client.get(reverse(page, args=[episode.pk]))
        prefix = {"web:episode-police": "police", "web:episode-return": "return"}.get(page, "log")
        empty = input_values(response.content.decode(), tuple(f"{prefix}-{n}" for n in names))
        assert set(empty.values()) == {""}, (page, empty)
        assert hint in text_of(response), page
    html = client.get(reverse("web:episode-police", args=[episode.pk])).content.decode()
    assert input_values(html, ("police-police_reported_time",)) == {
        "police-police_reported_time": ""
    }


def test_a_force_remembered_without_a_time_is_described_the_same_on_the_page_and_grab_pack(
    client, sw_a, uasc_child
):
    # Stored before the rule above: the alert, the page and the grab pack agree it is not
    # reported, and say which force was chosen.
    episode, _ = report_missing(sw_a, uasc_child, hours_ago=3)
    Episode.objects.filter(pk=episode.pk).update(police_force=met())
    actions.sweep_child(uasc_child)
    assert Alert.objects.filter(
        child=uasc_child, code="no_police_report", resolved_at__isnull=True
    ).exists()
    client.force_login(sw_a)
    expected = (
        "Not reported to the police yet: Metropolitan Police Service was chosen, but not when "
        "they were told"
    )
    assert expected in text_of(client.get(reverse("web:episode", args=[episode.pk])))
    assert expected in text_of(client.get(reverse("web:grab-pack", args=[episode.pk])))


def grade_part(response) -> str:
    text = text_of(response)
    return text[text.rindex("Risk grade") :]


def test_the_grab_pack_says_a_proposed_grade_is_visibles_and_names_who_confirmed_one(
    client, sw_a, coordinator_a, uasc_child
):
    episode, _ = report_missing(sw_a, uasc_child, hours_ago=2)
    client.force_login(sw_a)
    url = reverse("web:grab-pack", args=[episode.pk])
    text = grade_part(client.get(url))
    assert "Proposed by Visible's risk rules" in text and "sw.a" not in text

    coordinator_a.first_name, coordinator_a.last_name = "Chidi", "Okafor"
    coordinator_a.save()
    with_time = timezone.now()
    actions.grade_episode(as_viewer(coordinator_a), episode, "high", "")
    text = grade_part(client.get(url))
    assert "Proposed by Visible's risk rules" not in text
    assert f"{timezone.localtime(with_time):%-d %B %Y}" in text
    assert "by Chidi Okafor" in text and "coordinator.a" not in text
