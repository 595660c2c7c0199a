"""The force's grade on the episode's summary and police page, beside Visible's, its form, and
the challenge page the force's trafficking SPOC answers (R-POLICE-GRADE)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from tests.factories import as_viewer, create_uasc_child, missing_episode
from visible.missing import actions
from visible.missing.models import Alert, PoliceGradeChallenge

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def episode(sw_a, met):
    child = create_uasc_child(sw_a, given_names="Amir", family_name="Haidari")
    return missing_episode(sw_a, child, force=met, hours_ago=4, police_reference="MPS-77")


def _grade(client, episode, **values):
    data = {f"policegrade-{k}": v for k, v in values.items()}
    return client.post(reverse("web:episode-police-grade", args=[episode.pk]), data, follow=True)


def test_the_council_records_the_force_s_words_and_sees_them_beside_visible_s(
    client, sw_a, episode
):
    client.force_login(sw_a)
    page = _text(client.get(reverse("web:episode-police", args=[episode.pk])).content.decode())
    assert "Record the force's grade" in page and "Not recorded yet" in page
    response = _grade(client, episode, as_written="Very low risk")
    text = _text(response.content.decode())
    assert "Visible has challenged it with the force's trafficking single point of contact" in text
    assert "The force's grade Very low" in text and "“Very low risk”" in text
    assert "Challenged by Visible" in text
    police = _text(client.get(reverse("web:episode-police", args=[episode.pk])).content.decode())
    assert "Visible's grade High" in police
    assert "Metropolitan Police Service's grade Very low" in police
    assert "Every grade the force gave, newest first" in police


def test_a_bad_grade_shows_the_error_by_the_field_and_saves_nothing(client, sw_a, episode):
    client.force_login(sw_a)
    response = _grade(client, episode, as_written="Amber")
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "“Amber” does not name one of the police's grades" in _text(html)
    assert not episode.police_gradings.exists()


def test_the_spoc_answers_on_the_challenge_page_and_the_council_sees_the_outcome(
    client, sw_a, spoc, episode
):
    actions.record_police_grade(as_viewer(sw_a), episode, "Medium")
    challenge = PoliceGradeChallenge.objects.get()
    url = reverse("web:police-challenge", args=[challenge.pk])
    client.force_login(spoc)
    inbox = _text(client.get(reverse("web:alerts")).content.decode())
    assert "Police grade challenged" in inbox and "Amir" in inbox
    summary = _text(client.get(reverse("web:episode", args=[episode.pk])).content.decode())
    assert "Answer the challenge" in summary
    page = _text(client.get(url).content.decode())
    assert "Why Visible says high" in page and "Answer for the force" in page
    refused = client.post(url, {"answer": "regraded", "answer_reasons": ""})
    assert "Select the force's new grade" in _text(refused.content.decode())
    assert "Enter the force's reasons" in _text(refused.content.decode())
    done = client.post(
        url,
        {"answer": "regraded", "regraded_to": "high", "answer_reasons": "Agreed"},
        follow=True,
    )
    assert "Your answer has been recorded: regraded high" in _text(done.content.decode())
    assert Alert.objects.get(code="police_grade_challenge").resolved_at is not None
    client.force_login(sw_a)
    page = _text(client.get(url).content.decode())
    assert "Regraded high" in page and "Answer for the force" not in page
    police = _text(client.get(reverse("web:episode-police", args=[episode.pk])).content.decode())
    assert "Challenge answered Regraded high" in police


def test_an_officer_sees_the_challenge_but_cannot_answer(client, sw_a, officer, episode):
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    url = reverse("web:police-challenge", args=[PoliceGradeChallenge.objects.get().pk])
    client.force_login(officer)
    page = _text(client.get(url).content.decode())
    assert "Waiting for Metropolitan Police Service's trafficking single point of contact" in page
    assert client.post(url, {"answer": "kept", "answer_reasons": "No"}).status_code == 403
    assert PoliceGradeChallenge.objects.get().is_open


def test_another_force_cannot_open_the_challenge(client, sw_a, kent_officer, episode):
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    url = reverse("web:police-challenge", args=[PoliceGradeChallenge.objects.get().pk])
    client.force_login(kent_officer)
    assert client.get(url).status_code == 404


def test_the_force_s_list_shows_its_own_grade_beside_visible_s(client, sw_a, spoc, episode):
    actions.record_police_grade(as_viewer(sw_a), episode, "Medium risk")
    client.force_login(spoc)
    html = client.get(reverse("web:force-missing")).content.decode()
    row = re.search(r'data-testid="force-row".*?</tr>', html, re.S).group(0)
    assert "High" in _text(row)
    assert "Your force: Medium, challenged by Visible" in _text(row)
