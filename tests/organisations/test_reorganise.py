"""Local government reorganisations (organisations.actions.reorganise): a predecessor's children
moved to its successor(s) in one step, each as a transfer with its history (the transfer of
sharing.actions, reused); a split assigns each child by the assignments given, else by its
current placement; a child with neither, or an identifier the successor already holds, stops
the whole move, named by Visible number, with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import as_viewer, make_council, make_user, record_placement
from visible.access import register as policy
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.missing.models import Alert
from visible.organisations import actions
from visible.organisations.inputs import CouncilInput, ReorganisationInput
from visible.sharing.models import Transfer

pytestmark = pytest.mark.django_db

CUMBRIA, CUMBERLAND, WESTMORLAND = "E10000006", "E06000063", "E06000064"
LANCASHIRE = "E10000017"


@pytest.fixture
def cumbria():
    """Cumbria's children's services (as they were before April 2023) with a social worker,
    and its two successors on Visible."""
    council = make_council(CUMBRIA)
    worker = make_user("sw.cumbria", council, Role.SOCIAL_WORKER)
    return {
        "council": council,
        "worker": worker,
        "cumberland": make_council(CUMBERLAND),
        "westmorland": make_council(WESTMORLAND),
    }


def _child(world, make_child, placed_in: str | None = None, **fields) -> Child:
    child = make_child(world["worker"], **fields)
    if placed_in:
        record_placement(
            world["worker"], child, placed_in, timezone.localdate() - dt.timedelta(days=40)
        )
    return child


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_a_split_moves_each_child_by_its_placement_or_its_assignment_as_a_transfer(
    admin_viewer, cumbria, make_child
):
    in_cumberland = _child(cumbria, make_child, CUMBERLAND)
    in_westmorland = _child(cumbria, make_child, WESTMORLAND)
    in_lancashire = _child(cumbria, make_child, LANCASHIRE)
    alert = Alert.objects.create(
        organisation=cumbria["council"],
        child=in_lancashire,
        code="test",
        key=f"{in_lancashire.pk}/test",
        text="An open alert (synthetic)",
        source="test",
        due_at=timezone.now(),
        raised_at=timezone.now(),
    )
    last = AuditEvent.objects.order_by("-seq").first()

    done = actions.reorganise(
        admin_viewer,
        ReorganisationInput(
            predecessor=CUMBRIA.lower(),
            assignments=((str(in_lancashire.pk), WESTMORLAND),),
        ),
    )

    assert done.moved == {
        "Cumberland children's services": 1,
        "Westmorland and Furness children's services": 2,
    }
    assert done.plan.counts_by_rule() == {"placement": 2, "assigned": 1}
    for child, successor in (
        (in_cumberland, cumbria["cumberland"]),
        (in_westmorland, cumbria["westmorland"]),
        (in_lancashire, cumbria["westmorland"]),
    ):
        child.refresh_from_db()
        assert child.responsible_organisation == successor
        transfer = Transfer.objects.get(child=child)  # the transfer's own record: its history
        assert transfer.from_organisation == cumbria["council"]
        assert (
            transfer.transferred_by_name == "Nat"
        )  # the name of the national administrator (make_user: "Nat")
        assert transfer.reason == (
            "Local government reorganisation: Cumbria replaced by Cumberland (E06000063) and "
            "Westmorland and Furness (E06000064) on 1 April 2023"
        )
        # The predecessor keeps a read-only view; the successor has the whole record.
        assert policy.access_to(as_viewer(cumbria["worker"]), child) == policy.Access.READ
    alert.refresh_from_db()
    assert alert.organisation == cumbria["westmorland"]  # open alerts go with the child
    events = AuditEvent.objects.filter(seq__gt=last.seq if last else 0)
    child_changes = events.filter(action="change", object_type="child")
    assert child_changes.count() == 3
    assert all(
        e.summary.startswith("Transferred from Cumbria children's services to ")
        for e in child_changes
    )
    reorganised = events.get(action="change", object_type="organisation")
    assert reorganised.summary == (
        "Reorganisation: moved 3 children of Cumbria children's services to Cumberland "
        "children's services (1), Westmorland and Furness children's services (2)"
    )
    assert reorganised.detail_data["predecessor"] == CUMBRIA

    again = actions.reorganise(admin_viewer, ReorganisationInput(predecessor=CUMBRIA))
    assert again.plan.moves == [] and Transfer.objects.count() == 3  # nothing left to move


def test_a_child_with_no_successor_stops_the_whole_move_named_by_visible_number(
    admin_viewer, cumbria, make_child
):
    placed = _child(cumbria, make_child, CUMBERLAND)
    away = _child(cumbria, make_child, LANCASHIRE)
    unplaced = _child(cumbria, make_child)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.reorganise(admin_viewer, ReorganisationInput(predecessor=CUMBRIA))
    said = _messages(refused.value)
    assert said.startswith("2 of the children of Cumbria children's services have no successor: ")
    assert f"Visible number {away.pk}, Visible number {unplaced.pk}." in said
    assert f"Visible number {placed.pk}" not in said
    assert away.family_name not in said and unplaced.family_name not in said  # no names
    assert actions.is_conflict(refused.value)
    assert Child.objects.filter(responsible_organisation=cumbria["council"]).count() == 3
    assert Transfer.objects.count() == 0 and AuditEvent.objects.count() == before


def test_assignments_that_name_someone_else_or_a_non_successor_are_refused(
    admin_viewer, cumbria, make_child
):
    ours = _child(cumbria, make_child, LANCASHIRE)
    with pytest.raises(ValidationError) as refused:
        actions.plan_reorganisation(
            admin_viewer,
            ReorganisationInput(
                predecessor=CUMBRIA,
                assignments=(("999999", CUMBERLAND), (str(ours.pk), "E10000016")),
            ),
        )
    problems = refused.value.message_dict["assignments"]
    assert problems == [
        "Visible number 999999 is not one of the children of Cumbria children's services",
        f"Visible number {ours.pk}: \u2018E10000016\u2019 is not one of the successors (E06000063, E06000064)",
    ]


def test_an_identifier_the_successor_already_holds_stops_the_move(
    admin_viewer, cumbria, make_child
):
    clash = _child(cumbria, make_child, CUMBERLAND, child_903_id="C1234")
    cumberland_worker = make_user("sw.cumberland", cumbria["cumberland"], Role.SOCIAL_WORKER)
    make_child(cumberland_worker, child_903_id="C1234")
    with pytest.raises(ValidationError) as refused:
        actions.reorganise(admin_viewer, ReorganisationInput(predecessor=CUMBRIA))
    assert (
        f"Visible number {clash.pk} (SSDA903 CHILD already at Cumberland children's services)"
        in _messages(refused.value)
    )
    clash.refresh_from_db()
    assert clash.responsible_organisation == cumbria["council"]


def test_one_successor_takes_every_child(admin_viewer, make_child):
    county = make_council("E10000023")  # North Yorkshire County Council, ended 2023
    # North Yorkshire Council: the same short name as the county's, told apart by its own
    unitary = actions.add_council(admin_viewer, CouncilInput(code="E06000065"))
    assert unitary.name == "North Yorkshire Council children's services"
    worker = make_user("sw.nyorks", county, Role.SOCIAL_WORKER)
    children = [make_child(worker) for _ in range(3)]
    done = actions.reorganise(admin_viewer, ReorganisationInput(predecessor="E10000023"))
    assert done.moved == {unitary.name: 3}
    assert {
        c.responsible_organisation_id for c in Child.objects.filter(pk__in=[c.pk for c in children])
    } == {unitary.pk}


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            {"predecessor": CUMBRIA, "successors": ("E06000065",)},
            "North Yorkshire (E06000065) did not replace Cumbria: the reference data says "
            "Cumberland (E06000063) and Westmorland and Furness (E06000064) did",
        ),
        (
            {"predecessor": "E10000016"},
            "Kent (E10000016) has not ended in the reference data (after a new release, run "
            "`visible reference load`)",
        ),
        (
            {"predecessor": "E1000006"},
            "There is no authority with the code \u2018E1000006\u2019. Did you mean",
        ),
        ({"predecessor": ""}, "Enter the GSS code of the authority that ended"),
    ],
)
def test_a_reorganisation_that_cannot_be_is_refused_saying_why(admin_viewer, cumbria, data, said):
    with pytest.raises(ValidationError) as refused:
        actions.plan_reorganisation(admin_viewer, ReorganisationInput(**data))
    assert said in _messages(refused.value)


def test_successors_not_on_visible_are_named_with_the_command_that_adds_them(admin_viewer):
    make_council(CUMBRIA)
    with pytest.raises(ValidationError) as refused:
        actions.plan_reorganisation(admin_viewer, ReorganisationInput(predecessor=CUMBRIA))
    assert _messages(refused.value) == (
        "Cumberland (E06000063) and Westmorland and Furness (E06000064) are not on Visible "
        "(or deactivated): add them first (visible organisations add-council E06000063 E06000064)"
    )
    assert actions.is_conflict(refused.value)


def test_a_reorganisation_is_for_a_national_administrator_only(cumbria, make_child):
    manager = make_user("manager.cumbria", cumbria["council"], Role.SENIOR_MANAGER)
    _child(cumbria, make_child, CUMBERLAND)
    with pytest.raises(PermissionDenied):
        actions.reorganise(as_viewer(manager), ReorganisationInput(predecessor=CUMBRIA))
    denied = AuditEvent.objects.filter(action="denied").order_by("-seq").first()
    assert denied.summary == "Tried to reorganise councils without being a national administrator"
    assert Transfer.objects.count() == 0


def test_a_reorganisation_interrupted_half_way_has_moved_nobody(
    admin_viewer, cumbria, make_child, monkeypatch
):
    """One transaction: the second child's transfer fails, so the first child's is undone too,
    its audit event and alert with it."""
    from visible.sharing import actions as sharing

    children = [_child(cumbria, make_child, CUMBERLAND) for _ in range(2)]
    real = sharing.move_responsibility
    calls = []

    def fail_second(*args, **kwargs):
        calls.append(args[1].pk)
        if len(calls) == 2:
            raise RuntimeError("the database went away (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(sharing, "move_responsibility", fail_second)
    events = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        actions.reorganise(admin_viewer, ReorganisationInput(predecessor=CUMBRIA))
    assert len(calls) == 2
    assert {
        c.responsible_organisation_id for c in Child.objects.filter(pk__in=[c.pk for c in children])
    } == {cumbria["council"].pk}
    assert Transfer.objects.count() == 0
    assert not Alert.objects.filter(code="transferred_in").exists()
    assert AuditEvent.objects.count() == events
