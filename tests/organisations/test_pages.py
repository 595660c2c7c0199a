"""The national administrator's organisation pages, through Django's test client: the list and
its filters, adding a council, a force, a service, one organisation's page, deactivation (its
people's open sessions refused at their next page) and reactivation, a reorganisation in two
steps; anyone else told "Page not found", and the attempt audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_council, make_user, record_placement
from tests.organisations.support import national_body
from tests.security.signing_in import page_text
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.children.models import Child

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, national_admin):
    client.force_login(national_admin)
    return client


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("seq")


def test_the_national_administrators_home_is_the_list_of_organisations(admin_client):
    response = admin_client.get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"] == reverse("web:organisations")
    page = admin_client.get(reverse("web:organisations"))
    text = page_text(page)
    assert page.status_code == 200
    assert "Organisations" in text and "Kent Police" in text and "British Transport Police" in text
    assert 'href="/organisations/"' in page.content.decode()  # the navigation
    assert "Children" not in [item["label"] for item in page.context["nav_items"]]
    assert _last("list").summary.startswith("Listed ")


def test_the_list_filters_by_kind_status_and_name_or_code(admin_client, council_a, council_b):
    council_b.is_active = False
    council_b.save()
    by_kind = page_text(admin_client.get(reverse("web:organisations"), {"kind": "council"}))
    assert "Croydon children's services" in by_kind and "Kent Police" not in by_kind
    assert "2 organisations" in by_kind
    deactivated = page_text(
        admin_client.get(reverse("web:organisations"), {"status": "deactivated"})
    )
    assert "Kent children's services" in deactivated and "Croydon" not in deactivated
    by_code = page_text(admin_client.get(reverse("web:organisations"), {"q": "E09000008"}))
    assert "1 organisation " in by_code and "Croydon children's services" in by_code
    nothing = page_text(admin_client.get(reverse("web:organisations"), {"q": "Atlantis"}))
    assert "No organisation matches these filters." in nothing


def test_adding_kent_by_its_gss_code(admin_client):
    chosen = admin_client.post(reverse("web:organisation-add"), {"kind": "council"})
    assert chosen["Location"] == reverse("web:organisation-add-council")
    response = admin_client.post(
        reverse("web:organisation-add-council"), {"code": "E10000016"}, follow=True
    )
    kent = Organisation.objects.get(authority__code="E10000016")
    assert response.redirect_chain[-1][0] == reverse("web:organisation", args=[kent.pk])
    text = page_text(response)
    assert "Kent children's services is on Visible" in text
    assert "Kent (E10000016)" in text and "People with access 0" in text
    assert "Administrators None yet." in text


def test_a_mistaken_code_is_shown_in_the_error_summary_and_at_the_field(admin_client):
    response = admin_client.post(reverse("web:organisation-add-council"), {"code": "E10000006"})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    said = "Cumbria (E10000006) ended on 1 April 2023: it was replaced by Cumberland (E06000063)"
    assert html.count(said) == 2  # the summary and the field
    assert 'href="#id_code"' in html
    assert not Organisation.objects.filter(authority__code="E10000006").exists()
    empty = admin_client.post(reverse("web:organisation-add"), {})
    assert "Select what kind of organisation to add" in page_text(empty)


def test_every_force_is_there_already_so_the_force_page_says_so(admin_client):
    text = page_text(admin_client.get(reverse("web:organisation-add-force")))
    assert "All 46 UK police forces are on Visible" in text


def test_a_missing_force_can_be_added_from_the_page(admin_client):
    Organisation.objects.filter(name="Gwent Police").delete()
    page = admin_client.get(reverse("web:organisation-add-force"))
    assert '<option value="Gwent Police">' in page.content.decode()
    response = admin_client.post(reverse("web:organisation-add-force"), {"name": "Gwent Police"})
    gwent = Organisation.objects.get(name="Gwent Police")
    assert response["Location"] == reverse("web:organisation", args=[gwent.pk])
    assert gwent.areas.count() == 5


def test_adding_a_guardian_service_with_its_coverage(admin_client):
    response = admin_client.post(
        reverse("web:organisation-add-service"),
        {
            "name": "Guardians (synthetic)",
            "kind": "guardian_service",
            "areas": "E09000008, e10000016",
        },
        follow=True,
    )
    text = page_text(response)
    assert "Guardians (synthetic) is on Visible" in text
    assert "Where it works" in text and "Croydon (E09000008)" in text and "Kent (E10000016)" in text
    refused = admin_client.post(
        reverse("web:organisation-add-service"),
        {"name": "NGO (synthetic)", "kind": "ngo", "areas": "E09000008 X99"},
    )
    assert "There is no authority with the code \u2018X99\u2019" in page_text(refused)
    assert not Organisation.objects.filter(name="NGO (synthetic)").exists()


def test_an_organisations_page_shows_its_people_administrators_and_area(
    admin_client, council_b, sw_b
):
    admin = make_user("admin.kent", council_b, Role.ORGANISATION_ADMIN)
    admin.email, admin.last_name = "admin.kent@kent.example", "Kentish"
    admin.save()
    response = admin_client.get(reverse("web:organisation", args=[council_b.pk]))
    text = page_text(response)
    assert "People with access 2" in text
    assert "Admin Kentish admin.kent admin.kent@kent.example Organisation administrator" in text
    assert "Deactivate Kent children's services" in text
    assert (
        _last("view").summary
        == "Viewed Kent children's services: its people, administrators and area"
    )
    force = Organisation.objects.get(name="Kent Police")
    area = page_text(admin_client.get(reverse("web:organisation", args=[force.pk])))
    assert "Its area" in area and "Medway (E06000035)" in area


def test_the_organisation_page_leads_to_inviting_its_first_administrator(admin_client, council_b):
    page = admin_client.get(reverse("web:organisation", args=[council_b.pk])).content.decode()
    assert "Invite its first administrator" in page
    link = f"/people/administrators/invite?organisation={council_b.pk}"
    assert f'href="{link}"' in page
    form = admin_client.get(link).content.decode()
    # The invitation form opens with this organisation chosen.
    assert re.search(rf'<option value="{council_b.pk}"[^>]*selected', form), form


def test_deactivating_asks_first_then_ends_a_members_open_session_at_their_next_page(
    admin_client, council_b, sw_b, make_child
):
    child = make_child(sw_b)
    member = Client()
    member.force_login(sw_b)
    assert member.get(reverse("web:children")).status_code == 200

    url = reverse("web:organisation-deactivate", args=[council_b.pk])
    confirm = page_text(admin_client.get(url))
    assert "Are you sure you want to deactivate Kent children's services?" in confirm
    assert (
        "Its 1 person lose access at once" in confirm and "Its 1 children's record stay" in confirm
    )
    no_reason = admin_client.post(url, {"reason": ""})
    assert "Say why" in page_text(no_reason)
    council_b.refresh_from_db()
    assert council_b.is_active

    done = admin_client.post(url, {"reason": "Test of deactivation (synthetic)"}, follow=True)
    assert "Kent children's services is deactivated: 1 person lost access" in page_text(done)
    assert "Reactivate Kent children's services" in page_text(done)

    before = AuditEvent.objects.latest("seq").seq
    refused = member.get(reverse("web:children"), follow=True)
    assert refused.redirect_chain[0] == (reverse("web:sign-in"), 302)
    text = page_text(refused)
    assert (
        "You have been signed out: Kent children's services no longer has access to Visible" in text
    )
    events = AuditEvent.objects.filter(seq__gt=before).order_by("seq")
    assert [(e.action, e.actor_username) for e in events] == [
        ("denied", "sw.b"),
        ("sign_out", "sw.b"),
    ]
    assert events[0].detail_data["route"] == "web:children"
    assert events[1].summary.startswith("Signed out: Kent children's services was deactivated on ")
    # The session is gone: the next page asks for a sign-in, and says nothing more.
    again = member.get(reverse("web:children"))
    assert again.status_code == 302 and again["Location"].startswith(reverse("web:sign-in"))
    child.refresh_from_db()
    assert child.responsible_organisation_id == council_b.pk

    reactivate = reverse("web:organisation-reactivate", args=[council_b.pk])
    assert "Reactivate Kent children's services" in page_text(admin_client.get(reactivate))
    back = admin_client.post(reactivate, {"reason": "Contract renewed"}, follow=True)
    assert "Kent children's services is active again: 1 person has access" in page_text(back)
    member.force_login(sw_b)
    assert member.get(reverse("web:children")).status_code == 200


def test_the_administrator_cannot_deactivate_the_body_they_act_for(admin_client):
    body = national_body()
    page = page_text(admin_client.get(reverse("web:organisation", args=[body.pk])))
    assert "You act for this organisation, so you cannot deactivate it here." in page
    refused = admin_client.post(
        reverse("web:organisation-deactivate", args=[body.pk]), {"reason": "Oops"}
    )
    assert "deactivating it would end your own access" in page_text(refused)
    body.refresh_from_db()
    assert body.is_active


def test_a_reorganisation_is_checked_shown_and_then_made(admin_client, make_child):
    cumbria = make_council("E10000006")
    make_council("E06000063")
    make_council("E06000064")
    worker = make_user("sw.cumbria", cumbria, Role.SOCIAL_WORKER)
    placed, other = make_child(worker), make_child(worker)
    record_placement(worker, placed, "E06000064", timezone.localdate() - dt.timedelta(days=9))

    url = reverse("web:organisations-reorganise")
    unplaced = admin_client.post(url, {"predecessor": "E10000006"})
    assert f"no successor: Visible number {other.pk}." in page_text(unplaced)

    check = admin_client.post(
        url, {"predecessor": "E10000006", "assignments": f"{other.pk}, E06000063"}
    )
    text = page_text(check)
    assert "Move 2 children of Cumbria children's services?" in text
    assert "Cumberland children's services 1" in text
    assert "Westmorland and Furness children's services 1" in text
    assert Child.objects.filter(responsible_organisation=cumbria).count() == 2  # nothing yet
    carried = check.context["carried"]
    assert carried["assignments"] == f"{other.pk},E06000063"

    confirm = reverse("web:organisations-reorganise-confirm")
    unconfirmed = admin_client.post(confirm, carried)
    assert "Confirm that the children move now" in page_text(unconfirmed)
    assert Child.objects.filter(responsible_organisation=cumbria).count() == 2

    done = admin_client.post(confirm, {**carried, "confirm": "on"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("web:organisation", args=[cumbria.pk])
    assert "2 children of Cumbria children's services moved, each as a transfer" in page_text(done)
    assert Child.objects.filter(responsible_organisation=cumbria).count() == 0

    # The same confirmation sent again (a second click): nothing left to move, nothing moved.
    again = admin_client.post(confirm, {**carried, "confirm": "on"}, follow=True)
    assert "Visible number" in page_text(again)  # the assignment names a child no longer there


OTHERS = {
    "a council's social worker": (lambda: make_council("E09000008"), Role.SOCIAL_WORKER),
    "a council's organisation administrator": (
        lambda: make_council("E09000008"),
        Role.ORGANISATION_ADMIN,
    ),
    "the national body's analyst": (national_body, Role.ANALYST),
}


@pytest.mark.parametrize("who", sorted(OTHERS))
def test_anyone_else_is_told_page_not_found_and_the_attempt_is_audited(client, council_b, who):
    where, role = OTHERS[who]
    client.force_login(make_user(f"other.{role}", where(), role))
    for name, args in (
        ("web:organisations", []),
        ("web:organisation-add", []),
        ("web:organisation-add-council", []),
        ("web:organisation", [council_b.pk]),
        ("web:organisation-deactivate", [council_b.pk]),
        ("web:organisations-reorganise", []),
    ):
        before = AuditEvent.objects.filter(action="denied").count()
        response = client.post(reverse(name, args=args), {"reason": "x", "code": "E10000016"})
        assert response.status_code == 404, (who, name)
        assert "Page not found" in page_text(response)
        assert AuditEvent.objects.filter(action="denied").count() == before + 1, (who, name)
    council_b.refresh_from_db()
    assert council_b.is_active
    assert (
        not Organisation.objects.filter(authority__code="E10000016")
        .exclude(pk=council_b.pk)
        .exists()
    )
