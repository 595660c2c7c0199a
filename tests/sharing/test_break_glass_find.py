"""Break-glass finds the child by what a police officer holds (issue 16, point 3): the name and
date of birth (the register's tolerant name search), a police, Home Office or NRM reference, or a
reference printed on the grab pack, never the register's internal number. The search shows only
the name, the year of birth and the child's council, is refused unless it is precise enough, is
audited, and the reason is still asked for before anything more is shown."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import as_viewer, create_uasc_child, missing_episode
from visible.audit.models import AuditEvent
from visible.missing import grabpack
from visible.missing.models import Alert
from visible.sharing import actions
from visible.sharing.models import BreakGlass

pytestmark = pytest.mark.django_db

REASON = "Found at Dover port at 02:00, says he lives in Croydon"
BORN = dt.date(2010, 5, 14)


@pytest.fixture
def dawit(sw_a):
    return create_uasc_child(
        sw_a,
        date_of_birth=BORN,
        council_id="CR-40417",
        home_office_ref="T1234567",
        police_ref="MPS-77-2026",
        nrm_ref="NRM-556",
    )


def searches(user) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            actor_user_id=user.pk, object_type="breakglass", action="search"
        ).order_by("seq")
    )


def test_an_officer_finds_a_child_by_a_tolerant_name_and_the_date_of_birth(
    officer, dawit, sw_a, make_child
):
    make_child(sw_a, given_names="Dawit", family_name="Tekle", date_of_birth=dt.date(2011, 1, 2))
    found = actions.find_for_break_glass(
        as_viewer(officer), name="Dawitt TEKLE", date_of_birth=BORN
    )
    assert [(c.child_id, c.name, c.year_of_birth, c.council) for c in found] == [
        (dawit.pk, "Dawit Tekle", 2010, "Croydon children's services")
    ]
    event = searches(officer)[-1]
    assert event.summary == "Searched for a child for break-glass access: 1 found"
    assert event.detail_data["found"] == [dawit.pk]
    assert event.detail_data["name"] == "Dawitt TEKLE"
    assert event.detail_data["date_of_birth"] == "2010-05-14"


def test_every_reference_a_grab_pack_prints_finds_the_child(officer, dawit, sw_a, met):
    episode = missing_episode(sw_a, dawit, force=met, police_reference="CAD 4471/03DEC")
    pack = grabpack.grab_pack_for(as_viewer(sw_a), episode)
    printed = [value for _, value in pack.identifiers if value] + [pack.episode.police_reference]
    assert {"CR-40417", "T1234567", "MPS-77-2026", "NRM-556", "CAD 4471/03DEC"} <= set(printed)
    for reference in printed:
        # As read off paper: other case, spaces around it.
        found = actions.find_for_break_glass(
            as_viewer(officer), reference=f"  {reference.lower()} "
        )
        assert [c.child_id for c in found] == [dawit.pk], reference


def test_a_name_alone_or_a_date_alone_is_refused_before_anything_is_looked_up(officer, dawit):
    viewer = as_viewer(officer)
    with pytest.raises(ValidationError) as refused:
        actions.find_for_break_glass(viewer, name="Dawit Tekle")
    assert refused.value.message_dict == {"date_of_birth": [actions.NEED_DATE_OF_BIRTH]}
    with pytest.raises(ValidationError) as refused:
        actions.find_for_break_glass(viewer, date_of_birth=BORN)
    assert refused.value.message_dict == {"name": [actions.NEED_NAME]}
    with pytest.raises(ValidationError) as refused:
        actions.find_for_break_glass(viewer)
    assert refused.value.message_dict == {"name": [actions.NEED_SOMETHING]}
    with pytest.raises(ValidationError) as refused:
        actions.find_for_break_glass(viewer, reference="CR")
    assert refused.value.message_dict == {"reference": [actions.SHORT_REFERENCE]}
    assert [e.detail_data["outcome"] for e in searches(officer)] == ["refused"] * 4


def test_the_wrong_date_of_birth_finds_nobody(officer, dawit):
    found = actions.find_for_break_glass(
        as_viewer(officer), name="Dawit Tekle", date_of_birth=dt.date(2010, 5, 15)
    )
    assert found == []
    assert searches(officer)[-1].summary == ("Searched for a child for break-glass access: 0 found")


def test_a_role_that_may_not_break_the_glass_may_not_search_either(analyst_national, dawit):
    with pytest.raises(PermissionDenied):
        actions.find_for_break_glass(
            as_viewer(analyst_national), name="Dawit Tekle", date_of_birth=BORN
        )


def _text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") :]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))


def test_the_page_finds_then_asks_the_reason_then_opens_the_record(client, officer, dawit):
    client.force_login(officer)
    url = reverse("web:break-glass")
    page = _text(client.get(url))
    assert "Visible number" not in page
    assert "Name" in page and "Date of birth" in page and "Or a reference" in page

    found = client.post(
        url,
        {
            "name": "Dawit Tekle",
            "date_of_birth_0": "14",
            "date_of_birth_1": "5",
            "date_of_birth_2": "2010",
        },
    )
    text = _text(found)
    assert "Dawit Tekle, born 2010, Croydon children's services" in text
    # Nothing beyond what picks the child out: not the full date of birth, not the references.
    assert "14 May 2010" not in text and "CR-40417" not in text and "T1234567" not in text
    assert "Why you need the record now" in text

    opened = client.post(
        url,
        {
            "name": "Dawit Tekle",
            "date_of_birth_0": "14",
            "date_of_birth_1": "5",
            "date_of_birth_2": "2010",
            "child": str(dawit.pk),
            "reason": REASON,
        },
    )
    assert opened.status_code == 302
    assert opened["Location"] == reverse("web:child", args=[dawit.pk])
    glass = BreakGlass.objects.get(child=dawit, username="officer.met")
    assert glass.reason == REASON
    assert Alert.objects.filter(child=dawit, code="break_glass").count() == 1


def test_a_reason_too_short_keeps_the_child_found(client, officer, dawit):
    client.force_login(officer)
    response = client.post(
        reverse("web:break-glass"),
        {"reference": "MPS-77-2026", "child": str(dawit.pk), "reason": "urgent"},
    )
    text = _text(response)
    assert actions.NO_REASON in text
    assert "Dawit Tekle, born 2010, Croydon children's services" in text
    assert not BreakGlass.objects.filter(child=dawit).exists()
