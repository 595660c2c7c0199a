"""Who sees what across organisations (docs/access.md): the police while a child is missing to
them, their SPOC, guardians, break-glass, transfers, and the host council told of a placement.
Each rule through the same functions the pages and the API use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import as_viewer, bearer, make_api_client, report_missing
from visible.access import missing as missing_policy
from visible.access import register as policy
from visible.access.register import Access
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.children.inputs import GuardianInput, PlacementInput
from visible.missing import actions as missing
from visible.missing.inputs import ReturnInput
from visible.missing.models import Alert
from visible.reference.models import Authority
from visible.sharing import actions
from visible.sharing.models import Disclosure

pytestmark = pytest.mark.django_db


def access(user, child):
    return policy.access_to(as_viewer(user), child)


def test_the_police_see_a_child_only_while_reported_missing_to_their_force(
    sw_a, officer, kent_officer, uasc_child, met
):
    assert access(officer, uasc_child) == Access.NONE
    assert not policy.visible_children(as_viewer(officer)).exists()
    episode, _ = report_missing(sw_a, uasc_child, force=met)
    assert access(officer, uasc_child) == Access.LIMITED
    assert access(kent_officer, uasc_child) == Access.NONE  # another force
    assert list(policy.visible_children(as_viewer(officer))) == [uasc_child]
    assert missing_policy.episode_view(as_viewer(officer), episode) == "full"
    assert not policy.can_edit(as_viewer(officer), uasc_child)

    # The force grades, logs a sighting and records the return; then it no longer sees the child.
    viewer = as_viewer(officer)
    grading = missing.grade_episode(viewer, episode, "high", "")
    assert grading.graded_by_organisation == "Metropolitan Police Service"
    missing.add_log_entry(
        viewer,
        episode,
        "sighting",
        timezone.now() - dt.timedelta(minutes=30),
        "Seen at East Croydon",
    )
    with pytest.raises(PermissionDenied):
        missing.add_log_entry(
            as_viewer(kent_officer), episode, "sighting", timezone.now(), "Not their episode"
        )
    missing.record_return(
        viewer,
        episode,
        ReturnInput(returned_at=timezone.now() - dt.timedelta(minutes=5), found_by="police"),
    )
    assert access(officer, uasc_child) == Access.NONE


def test_a_shared_grab_pack_opens_to_the_force_only_while_the_child_is_missing_to_it(
    client, sw_a, officer, uasc_child, met
):
    actions.share_grab_pack(as_viewer(sw_a), uasc_child, met)
    client.force_login(officer)
    assert client.get(reverse("web:child-grab-pack", args=[uasc_child.pk])).status_code == 404
    episode, _ = report_missing(sw_a, uasc_child, force=met)
    assert missing_policy.can_see_grab_pack(as_viewer(officer), uasc_child, episode)
    page = client.get(reverse("web:grab-pack", args=[episode.pk]))
    assert page.status_code == 200 and "Dawit" in page.content.decode()
    assert (
        client.get(reverse("web:child-grab-pack", args=[uasc_child.pk])).status_code == 404
    )  # only with the episode
    disclosure = Disclosure.objects.filter(child=uasc_child, organisation=met).latest("at")
    assert disclosure.basis == "police_missing" and "DPA 2018 Part 3" in disclosure.legal_basis
    # Without a share the force sees the episode but not the pack.
    share = uasc_child.grab_pack_shares.get()
    actions.end_share(as_viewer(sw_a), share)
    assert client.get(reverse("web:grab-pack", args=[episode.pk])).status_code == 404
    assert client.get(reverse("web:episode", args=[episode.pk])).status_code == 200
    # The council sees every disclosure on the child's record.
    client.force_login(sw_a)
    record = client.get(reverse("web:child", args=[uasc_child.pk])).content.decode()
    table = record[record.index('data-testid="disclosures"') :]
    table = table[: table.index("</table>")]
    assert (
        "Metropolitan Police Service" in table and "Child reported missing to their force" in table
    )
    assert "Grab pack: viewed the grab pack (parts 1 and 2)" in table


def test_the_spoc_sees_children_in_scope_back_within_ninety_days(
    sw_a, officer, spoc, uasc_child, make_child, met
):
    other = make_child(
        sw_a, given_names="Sam", family_name="Smith", nationality="GBR"
    )  # not in scope
    for child in (uasc_child, other):
        episode, _ = report_missing(sw_a, child, force=met, hours_ago=30)
        missing.record_return(
            as_viewer(sw_a),
            episode,
            ReturnInput(returned_at=timezone.now() - dt.timedelta(hours=2), found_by="self"),
        )
    assert access(officer, uasc_child) == Access.NONE
    assert access(spoc, uasc_child) == Access.LIMITED
    assert access(spoc, other) == Access.NONE
    assert set(policy.visible_children(as_viewer(spoc))) == {uasc_child}


def test_a_guardian_sees_the_children_assigned_to_their_service(
    sw_a, guardian, guardian_service, uasc_child
):
    assert access(guardian, uasc_child) == Access.NONE
    assignment = register.assign_guardian(
        as_viewer(sw_a),
        uasc_child,
        GuardianInput(
            kind="ictg",
            guardian_name="Sam Guardian (synthetic)",
            service=guardian_service.name,
            start_date=timezone.localdate() - dt.timedelta(days=10),
            organisation=guardian_service,
        ),
    )
    grant = policy.grant_for(as_viewer(guardian), uasc_child)
    assert grant.access == Access.LIMITED and "nrm" in policy.sections_for(grant)
    register.end_guardian(as_viewer(sw_a), assignment, timezone.localdate() - dt.timedelta(days=1))
    assert access(guardian, uasc_child) == Access.NONE


def test_break_glass_needs_a_reason_alerts_the_owner_and_is_reviewed(
    sw_b, manager_a, uasc_child, analyst_national
):
    assert access(sw_b, uasc_child) == Access.NONE
    with pytest.raises(ValidationError):
        actions.break_glass(as_viewer(sw_b), uasc_child, "need it")
    with pytest.raises(PermissionDenied):
        actions.break_glass(
            as_viewer(analyst_national), uasc_child, "A reason long enough to be accepted here"
        )
    glass = actions.break_glass(
        as_viewer(sw_b), uasc_child, "Found at Dover port at 02:00, says he lives in Croydon"
    )
    assert access(sw_b, uasc_child) == Access.READ
    assert not policy.can_edit(as_viewer(sw_b), uasc_child)
    alert = Alert.objects.get(code="break_glass")
    assert (
        alert.organisation == uasc_child.responsible_organisation
        and "Found at Dover port" in alert.text
    )
    assert AuditEvent.objects.filter(
        object_type="breakglass", action="create", child_id=uasc_child.pk
    ).exists()
    actions.review_break_glass(as_viewer(manager_a), glass, "Justified: Kent duty team found him")
    glass.expires_at = timezone.now() - dt.timedelta(minutes=1)
    glass.save()
    assert access(sw_b, uasc_child) == Access.NONE


def test_a_transfer_moves_everything_in_one_step_and_the_sender_keeps_a_read_only_view(
    sw_a, manager_a, manager_b, sw_b, uasc_child, council_b
):
    episode, _ = report_missing(sw_a, uasc_child)  # open, with open alerts
    open_alerts = Alert.objects.filter(child=uasc_child, resolved_at__isnull=True).count()
    assert open_alerts
    with pytest.raises(PermissionDenied):
        actions.transfer(as_viewer(sw_a), uasc_child, council_b, "Not a manager")
    done = actions.transfer(
        as_viewer(manager_a), uasc_child, council_b, "National Transfer Protocol (synthetic)"
    )
    uasc_child.refresh_from_db()
    assert uasc_child.responsible_organisation == council_b
    assert (
        Alert.objects.filter(
            child=uasc_child, resolved_at__isnull=True, organisation=council_b
        ).count()
        == open_alerts + 1
    )
    assert not Alert.objects.filter(
        child=uasc_child,
        resolved_at__isnull=True,
        organisation=manager_a.memberships.get().organisation,
    ).exists()
    assert done.moved["open_episodes"] == 1 and episode.child_id == uasc_child.pk
    assert access(manager_b, uasc_child) == Access.FULL and access(sw_b, uasc_child) == Access.FULL
    assert access(manager_a, uasc_child) == Access.READ
    assert not policy.can_edit(as_viewer(manager_a), uasc_child)
    assert missing_policy.can_act_on_episode(as_viewer(sw_b), episode)
    assert not missing_policy.can_act_on_episode(as_viewer(sw_a), episode)
    done.read_only_until = timezone.localdate() - dt.timedelta(days=1)
    done.save()
    assert access(manager_a, uasc_child) == Access.NONE


def test_the_host_council_is_told_when_a_child_is_placed_in_its_area(
    sw_a, sw_b, council_b, uasc_child
):
    actions.record_placement(
        as_viewer(sw_a),
        uasc_child,
        PlacementInput(
            place_code="K2",
            start_date=timezone.localdate() - dt.timedelta(days=1),
            authority=Authority.objects.get(code="E10000016"),
            postcode="ME14 1XX",
        ),
    )
    notice = Alert.objects.get(code="placed_in_your_area")
    assert notice.organisation == council_b and "placed in your area by" in notice.text
    missing.acknowledge_alert(as_viewer(sw_b), notice)  # the host may handle its own notice
    missing.resolve_alert(as_viewer(sw_b), notice, "Noted by the duty team")


def test_a_placement_on_the_page_or_through_the_api_tells_the_host_council(
    client, sw_a, council_a, council_b, uasc_child
):
    kent = Authority.objects.get(code="E10000016")
    first = timezone.localdate() - dt.timedelta(days=20)
    ended = first + dt.timedelta(days=10)
    client.force_login(sw_a)
    response = client.post(
        reverse("web:placement-add", args=[uasc_child.pk]),
        {
            "place_code": "U4",
            "start_date_0": first.day,
            "start_date_1": first.month,
            "start_date_2": first.year,
            "end_date_0": ended.day,
            "end_date_1": ended.month,
            "end_date_2": ended.year,
            "authority": kent.pk,
            "postcode": "ME14 1XX",
        },
    )
    assert response.status_code == 302
    notices = Alert.objects.filter(code="placed_in_your_area", organisation=council_b)
    said = f"is placed in your area by {council_a.name} from {first:%-d %B %Y} (U4, ME14 1XX)."
    assert [n.text.endswith(said) for n in notices] == [True]

    answer = bearer(make_api_client(council_a).secret).post(
        f"/api/v1/children/{uasc_child.pk}/placements",
        {
            "place_code": "K2",
            "start_date": (ended + dt.timedelta(days=1)).isoformat(),
            "authority": "E10000016",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    second = ended + dt.timedelta(days=1)
    assert notices.all().count() == 2  # all(): a fresh query, not the rows read above
    assert notices.filter(text__endswith=f"from {second:%-d %B %Y} (K2).").exists()


def test_a_placement_is_not_kept_if_the_host_cannot_be_told(
    monkeypatch, sw_a, council_b, uasc_child
):
    """The placement, its audit event and the notice are one transaction."""

    def broken(*args, **kwargs):
        raise RuntimeError("the alerts table is unavailable")

    monkeypatch.setattr(actions, "_alert", broken)
    events = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        actions.record_placement(
            as_viewer(sw_a),
            uasc_child,
            PlacementInput(
                place_code="U4",
                start_date=timezone.localdate(),
                authority=Authority.objects.get(code="E10000016"),
            ),
        )
    assert not uasc_child.placements.exists()
    assert AuditEvent.objects.count() == events


def test_the_national_body_never_sees_a_child(analyst_national, uasc_child, sw_a, met):
    report_missing(sw_a, uasc_child, force=met)
    assert access(analyst_national, uasc_child) == Access.NONE
    assert not policy.visible_children(as_viewer(analyst_national)).exists()
