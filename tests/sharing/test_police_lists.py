"""The police's lists (issue 16, point 9): the force's list of children reported missing to it
shows each child's photograph (where the force may see it), age, time missing and the police
reference, says in plain words why a child is marked (trafficked or unaccompanied: high risk
if missing) and is ordered as the council's board is (most urgent first, not newest first);
the trafficking SPOC's lists say for each child why it is on them. The live poll sends the
same table."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import as_viewer, create_uasc_child, missing_episode
from visible.children import actions as register

pytestmark = pytest.mark.django_db


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _rows(html: str) -> list[str]:
    return re.findall(r'data-testid="force-row".*?</tr>', html, flags=re.S)


@pytest.fixture
def two_missing(sw_a, make_child, met):
    """Amir (UASC, with a photograph) last seen 5 hours ago, graded high; Beth (no flags)
    reported more recently, 1 hour ago, graded lower: newest first would put Beth on top."""
    amir = create_uasc_child(sw_a, given_names="Amir", family_name="Haidari")
    register.set_photo(as_viewer(sw_a), amir, _jpeg(), None)
    beth = make_child(sw_a, given_names="Beth", family_name="Lowe", nationality="GBR")
    old = missing_episode(sw_a, amir, force=met, hours_ago=5, police_reference="MPS-5501")
    new = missing_episode(sw_a, beth, force=met, hours_ago=1, police_reference="MPS-5502")
    return {"amir": amir, "beth": beth, "old": old, "new": new}


def test_the_force_list_shows_photograph_age_time_missing_and_reference_urgent_first(
    client, officer, two_missing
):
    client.force_login(officer)
    html = client.get(reverse("web:force-missing")).content.decode()
    rows = _rows(html)
    assert len(rows) == 2
    amir, beth = rows
    assert "Amir Haidari" in amir and "Beth Lowe" in beth  # high before the newer, lower grade
    photo = reverse("web:child-photo", args=[two_missing["amir"].pk])
    assert f'src="{photo}"' in amir and 'alt="Photograph of Amir Haidari"' in amir
    assert "<img" not in beth and "No photograph" in _text(beth)
    assert re.search(r"aged 16", _text(amir))
    assert "Missing for 5 hours" in _text(amir)
    assert "MPS-5501" in _text(amir) and "MPS-5502" in _text(beth)
    assert "In scope" not in _text(html)
    assert "Trafficked or unaccompanied: high risk if missing" in _text(amir)
    assert "Trafficked or unaccompanied" not in _text(beth)
    # The photograph it points to opens for the officer (the force's limited view has it).
    assert client.get(photo).status_code == 200


def test_the_live_poll_sends_the_same_table(client, officer, two_missing):
    client.force_login(officer)
    html = client.get(reverse("web:force-missing-live"), HTTP_X_VISIBLE_POLL="1").content.decode()
    rows = _rows(html)
    assert ["Amir Haidari" in rows[0], "MPS-5502" in rows[1]] == [True, True]


def test_the_spoc_list_says_why_each_child_is_on_it(client, spoc, sw_a, met, two_missing):
    back = create_uasc_child(sw_a, given_names="Samuel", family_name="Tesfay")
    returned = timezone.now() - dt.timedelta(days=10)
    missing_episode(sw_a, back, force=met, hours_ago=24 * 11, returned_at=returned)
    client.force_login(spoc)
    html = client.get(reverse("web:force-missing")).content.decode()
    rows = {re.search(r"(Amir|Beth|Samuel)", row).group(1): _text(row) for row in _rows(html)}
    assert "Missing now, reported to your force" in rows["Amir"]
    until = timezone.localdate(returned) + dt.timedelta(days=90)
    assert (
        f"Back since {timezone.localdate(returned):%-d %B %Y}: trafficked or unaccompanied, "
        f"on your list until {until:%-d %B %Y} for follow-up"
    ) in rows["Samuel"]

    listed = client.get(reverse("web:children")).content.decode()
    reasons = {
        name: _text(row)
        for row in re.findall(r'data-testid="child-row".*?</tr>', listed, flags=re.S)
        for name in ("HAIDARI", "LOWE", "TESFAY")
        if name in row
    }
    assert "Reported missing to your force: missing now" in reasons["HAIDARI"]
    assert (
        f"Reported missing to your force, back since {timezone.localdate(returned):%-d %B %Y}"
        in reasons["TESFAY"]
    )
