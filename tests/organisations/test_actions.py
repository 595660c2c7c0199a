"""The organisation actions (organisations/actions.py) as the pages and the command line call
them: councils and HSC Trusts by GSS code, police forces, guardian and NGO services, the
national body, deactivation and reactivation; each refusal says what to do and changes
nothing; each write is audited; nobody but a national administrator (or the operator) may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import as_viewer, bearer, make_api_client, make_user
from tests.organisations.support import national_body, operator
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.agencies.viewer import Viewer, viewer_for
from visible.audit.models import AuditEvent
from visible.organisations import actions
from visible.organisations.inputs import (
    CouncilInput,
    ForceInput,
    NationalBodyInput,
    ServiceInput,
)

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def _events(action: str, object_type: str = "organisation") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_type=object_type).order_by("seq"))


# --- councils ------------------------------------------------------------------------------------


def test_a_national_administrator_adds_kent_by_its_gss_code_and_it_is_audited(admin_viewer):
    kent = actions.add_council(admin_viewer, CouncilInput(code=" e10000016 "))
    assert kent.name == "Kent children's services"
    assert kent.kind == OrganisationKind.COUNCIL and kent.authority.code == "E10000016"
    created = _events("create")[-1]
    assert created.actor_username == "nat.admin" and created.object_id == str(kent.pk)
    assert (
        created.summary
        == "Put Kent children's services (council (children's services authority)) on Visible"
    )
    assert created.detail_data["authority"] == "E10000016"


def test_a_northern_ireland_trust_is_added_as_an_hsc_trust(admin_viewer):
    trust = actions.add_council(admin_viewer, CouncilInput(code="NIHSCT-BEL"))
    assert trust.kind == OrganisationKind.HSC_TRUST and trust.name == "Belfast HSC Trust"


def test_a_duplicate_is_refused_as_a_conflict_and_changes_nothing(admin_viewer):
    actions.add_council(admin_viewer, CouncilInput(code="E10000016"))
    before = (Organisation.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        actions.add_council(admin_viewer, CouncilInput(code="E10000016"))
    assert (
        "Kent (E10000016) is already on Visible, as \u2018Kent children's services\u2019"
        in messages(refused.value)
    )
    assert actions.is_conflict(refused.value)
    assert (Organisation.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "E1000016",
            "There is no authority with the code \u2018E1000016\u2019. Did you mean E10000016 (Kent)",
        ),
        ("kent", "Did you mean E10000016 (Kent)?"),
        ("", "Enter the GSS code of the council or HSC Trust, for example E10000016 for Kent"),
        (
            "E10000006",
            "Cumbria (E10000006) ended on 1 April 2023: it was replaced by Cumberland "
            "(E06000063) and Westmorland and Furness (E06000064). Use one of those instead",
        ),
        (
            "E10000023",
            "North Yorkshire (E10000023) ended on 1 April 2023: it was replaced by North "
            "Yorkshire (E06000065). Use that instead",
        ),
        (
            "E07000110",
            "Maidstone (E07000110) is a non-metropolitan district, which does not run "
            "children's services: Kent (E10000016) runs them there",
        ),
    ],
)
def test_a_code_that_names_no_council_is_refused_saying_what_to_use(admin_viewer, typed, said):
    before = Organisation.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.add_council(admin_viewer, CouncilInput(code=typed))
    assert said in messages(refused.value)
    assert not actions.is_conflict(refused.value)
    assert Organisation.objects.count() == before


def test_close_matches_offer_only_authorities_that_can_be_added(admin_viewer):
    with pytest.raises(ValidationError) as refused:
        actions.add_council(admin_viewer, CouncilInput(code="E10000022"))
    said = messages(refused.value)
    assert "Did you mean" in said and "E10000021" not in said  # Northamptonshire ended in 2021


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ORGANISATION_ADMIN, Role.SENIOR_MANAGER])
def test_nobody_else_may_and_the_attempt_is_audited(council_a, role):
    someone = make_user(
        f"someone.{role}", council_a if role != Role.ANALYST else national_body(), role
    )
    before = Organisation.objects.count()
    with pytest.raises(PermissionDenied):
        actions.add_council(as_viewer(someone), CouncilInput(code="E10000016"))
    denied = _events("denied")[-1]
    assert denied.actor_username == someone.username
    assert denied.summary == "Tried to add a council without being a national administrator"
    assert Organisation.objects.count() == before


def test_a_national_administrator_of_a_deactivated_national_body_may_not(national_admin):
    body = national_body()
    body.is_active = False
    body.save()
    stale = Viewer(  # a page still open when the body was deactivated
        user_id=national_admin.pk, username="nat.admin", organisation=body, role=Role.NATIONAL_ADMIN
    )
    with pytest.raises(PermissionDenied):
        actions.add_council(stale, CouncilInput(code="E10000016"))


def test_the_operator_at_the_command_line_may():
    kent = actions.add_council(operator(), CouncilInput(code="E10000016"))
    assert _events("create")[-1].actor_username == "cli:tester" and kent.pk


# --- police forces -------------------------------------------------------------------------------


def test_a_force_already_there_is_refused_saying_forces_come_with_the_reference_data(admin_viewer):
    with pytest.raises(ValidationError) as refused:
        actions.add_force(admin_viewer, ForceInput(name="kent  police"))
    assert messages(refused.value) == (
        "Kent Police is already on Visible (every UK police force is loaded with the reference "
        "data), with 2 authorities in its area"
    )
    assert actions.is_conflict(refused.value)


def test_a_missing_force_is_added_with_its_area(admin_viewer):
    Organisation.objects.filter(name="Cumbria Constabulary").delete()
    force = actions.add_force(admin_viewer, ForceInput(name="Cumbria Constabulary"))
    assert force.kind == OrganisationKind.POLICE
    assert set(force.areas.values_list("code", flat=True)) == {
        "E06000063",
        "E06000064",
        "E10000006",
    }
    assert _events("create")[-1].detail_data["areas"] == ["E06000063", "E06000064", "E10000006"]


def test_an_unknown_force_is_refused_with_the_closest_names(admin_viewer):
    with pytest.raises(ValidationError) as refused:
        actions.add_force(admin_viewer, ForceInput(name="Kent Polise"))
    assert (
        "There is no UK police force called \u2018Kent Polise\u2019. Did you mean Kent Police"
        in messages(refused.value)
    )


# --- services and the national body --------------------------------------------------------------


def test_a_guardian_service_is_added_with_the_authorities_it_covers(admin_viewer):
    service = actions.add_service(
        admin_viewer,
        ServiceInput(
            name="  Independent  Guardians (synthetic) ",
            kind=OrganisationKind.GUARDIAN_SERVICE,
            areas=("e09000008", "E10000016", "E09000008"),
        ),
    )
    assert service.name == "Independent Guardians (synthetic)"
    assert sorted(service.areas.values_list("code", flat=True)) == ["E09000008", "E10000016"]
    assert _events("create")[-1].detail_data["areas"] == ["E09000008", "E10000016"]


def test_a_service_is_refused_with_every_problem_named(admin_viewer):
    with pytest.raises(ValidationError) as refused:
        actions.add_service(
            admin_viewer, ServiceInput(name="", kind="council", areas=("E10000006", "X1"))
        )
    errors = refused.value.message_dict
    assert errors["name"] == ["Enter the service's name"]
    assert errors["kind"] == ["Choose whether it is a guardian or advocacy service or an NGO"]
    assert any(m.startswith("Cumbria (E10000006) ended on 1 April 2023") for m in errors["areas"])
    assert any(
        m.startswith("There is no authority with the code \u2018X1\u2019") for m in errors["areas"]
    )
    with pytest.raises(ValidationError) as refused:
        actions.add_service(admin_viewer, ServiceInput(name="NGO", kind="ngo", areas=()))
    assert refused.value.message_dict["areas"] == [
        "Choose at least one authority the service works in"
    ]


def test_a_service_with_the_name_of_another_organisation_is_refused(admin_viewer):
    with pytest.raises(ValidationError) as refused:
        actions.add_service(
            admin_viewer, ServiceInput(name="kent police", kind="ngo", areas=("E10000016",))
        )
    assert "There is already an organisation called \u2018Kent Police\u2019" in messages(
        refused.value
    )
    assert actions.is_conflict(refused.value)


def test_there_is_one_national_body(admin_viewer):
    with pytest.raises(ValidationError) as refused:
        actions.add_national_body(admin_viewer, NationalBodyInput(name="Another body"))
    assert "already on Visible, as \u2018National Monitoring Body (synthetic)\u2019" in messages(
        refused.value
    )


def test_the_operator_puts_the_national_body_on_an_empty_register():
    body = actions.add_national_body(operator(), NationalBodyInput(name="The national body"))
    assert body.kind == OrganisationKind.NATIONAL_BODY


# --- deactivation --------------------------------------------------------------------------------


def test_deactivating_ends_its_peoples_access_and_its_api_clients_and_keeps_its_records(
    admin_viewer, council_b, sw_b, make_child
):
    child = make_child(sw_b)
    api = bearer(make_api_client(council_b).secret)
    assert api.get(reverse("api:children")).status_code == 200
    assert viewer_for(sw_b).organisation == council_b
    at = dt.datetime(2027, 3, 31, 17, 0, tzinfo=dt.UTC)
    ended = actions.deactivate(admin_viewer, council_b, "  Test of deactivation ", now=at)
    assert (ended.people, ended.api_clients) == (1, 1)
    council_b.refresh_from_db()
    assert not council_b.is_active and council_b.deactivated_at == at
    assert viewer_for(sw_b).organisation is None  # no organisation to act for
    assert api.get(reverse("api:children")).status_code == 401
    child.refresh_from_db()
    assert child.responsible_organisation_id == council_b.pk  # the records stay
    event = _events("end")[-1]
    assert event.summary == "Deactivated Kent children's services: Test of deactivation"
    assert event.detail_data["people_lost_access"] == 1

    with pytest.raises(ValidationError) as refused:
        actions.deactivate(admin_viewer, council_b, "Again")
    assert "was deactivated already, on 31 March 2027" in messages(refused.value)
    assert actions.is_conflict(refused.value)

    back = actions.reactivate(admin_viewer, council_b, "Contract renewed")
    assert back.people == 1 and viewer_for(sw_b).organisation == council_b
    assert api.get(reverse("api:children")).status_code == 200
    council_b.refresh_from_db()
    assert council_b.is_active and council_b.deactivated_at is None
    assert _events("change")[-1].summary == "Reactivated Kent children's services: Contract renewed"
    with pytest.raises(ValidationError):
        actions.reactivate(admin_viewer, council_b, "Again")


def test_a_reason_is_needed_and_ones_own_organisation_cannot_be_deactivated(
    admin_viewer, council_b
):
    with pytest.raises(ValidationError) as refused:
        actions.deactivate(admin_viewer, council_b, "  ")
    assert refused.value.message_dict["reason"] == ["Say why you are deactivating it"]
    with pytest.raises(ValidationError) as refused:
        actions.deactivate(admin_viewer, national_body(), "Oops")
    assert "deactivating it would end your own access" in " ".join(refused.value.messages)
    assert national_body().is_active and council_b.is_active
