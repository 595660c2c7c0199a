"""The access matrix (docs/access.md), every cell a test: every page that names one of council
A's children, or something of theirs (an episode, an alert, a flag, a placement...), tried by
every role of every wrong organisation, with GET and POST: refused (404, never revealing the
record, or 403), and each refusal in the audit log. Pages that list, search or count show the
child to none of them. (The API's own matrix is tests/api.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import as_viewer, make_user
from tests.dates import years_before
from tests.sharing.conftest import report
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.missing import actions as missing
from visible.missing.models import Alert
from visible.reference.models import Authority
from visible.sharing import actions as sharing

pytestmark = pytest.mark.django_db

# Every route that names a child's record or part of it: (url name, the kwargs it needs).
CHILD_ROUTES = [
    ("web:child", ["pk"]), ("web:child-edit", ["pk"]), ("web:child-history", ["pk"]), ("web:child-photo", ["pk"]),
    ("web:photo-change", ["pk"]), ("web:name-add", ["pk"]), ("web:name-remove", ["pk", "name_pk"]),
    ("web:flag-add", ["pk"]), ("web:flag-end", ["pk", "flag_pk"]), ("web:placement-add", ["pk"]),
    ("web:placement-end", ["pk", "placement_pk"]), ("web:nrm-add", ["pk"]), ("web:nrm-edit", ["pk", "referral_pk"]),
    ("web:age-assessment-add", ["pk"]), ("web:guardian-add", ["pk"]), ("web:guardian-end", ["pk", "assignment_pk"]),
    ("web:report-missing", ["pk"]), ("web:safety-plan", ["pk"]), ("web:safety-plan-edit", ["pk"]),
    ("web:child-grab-pack", ["pk"]), ("web:child-grab-pack-pdf", ["pk"]),
    ("web:share-grab-pack", ["pk"]), ("web:share-end", ["pk", "share_pk"]),
    ("web:break-glass-review", ["pk", "glass_pk"]), ("web:transfer", ["pk"]),
]
EPISODE_ROUTES = ["web:episode", "web:episode-grade", "web:episode-log", "web:episode-police", "web:episode-return",
                  "web:episode-interview", "web:grab-pack", "web:grab-pack-pdf"]
ALERT_ROUTES = ["web:alert-acknowledge", "web:alert-resolve"]
# Pages that list, search or count: the child must not appear in them.
LIST_PAGES = ["web:children", "web:missing-now", "web:alerts", "web:counts", "web:force-missing", "web:foi-return",
              "web:national-home"]

OUTSIDERS = {
    "council B social worker": ("E10000016", Role.SOCIAL_WORKER),
    "council B missing coordinator": ("E10000016", Role.MISSING_COORDINATOR),
    "council B senior manager": ("E10000016", Role.SENIOR_MANAGER),
    "council B analyst": ("E10000016", Role.ANALYST),
    "another force's officer": ("Kent Police", Role.POLICE_OFFICER),
    "another force's trafficking SPOC": ("Kent Police", Role.TRAFFICKING_SPOC),
    "an unassigned guardian service": ("guardians", Role.GUARDIAN),
    "an NGO worker": ("ngo", Role.NGO_WORKER),
    "the national body's analyst": ("national", Role.ANALYST),
}


@pytest.fixture
def world(sw_a, manager_a, council_b, met, spoc):
    """Council A's child with something in every part of the record, reported missing to the
    Met (so the Met, but no other force, may see them), with a grab pack shared with the Met."""
    today = timezone.localdate()
    viewer = as_viewer(sw_a)
    child = register.create_child(viewer, {
        "given_names": "Dawit", "family_name": "Tekle", "date_of_birth": years_before(today, 16),
        "dob_basis": "claimed", "sex": "M", "gender": "boy", "nationality": "ERI", "first_language": "tir",
        "other_languages": [], "interpreter_needed": True, "looked_after_from": today - dt.timedelta(days=300),
        "legal_status": "V2"}, [("Dawit T", "alias")])
    register.record_flag(viewer, child, "uasc", today - dt.timedelta(days=300), "Asylum claim (synthetic)")
    placement = register.record_placement(viewer, child, {"place_code": "K2", "start_date": today - dt.timedelta(days=200),
                                                          "authority": Authority.objects.get(code="E09000008")})
    referral = register.record_nrm_referral(viewer, child, {"referred_on": today - dt.timedelta(days=20),
                                                            "first_responder": "Croydon children's services",
                                                            "first_responder_kind": "local_authority"})
    register.record_age_assessment(viewer, child, {"status": "pending", "status_from": today - dt.timedelta(days=250)})
    assignment = register.assign_guardian(viewer, child, {"kind": "ictg", "guardian_name": "G (synthetic)",
                                                          "service": "Guardians", "start_date": today - dt.timedelta(days=30)})
    missing.save_safety_plan(viewer, child, {"description": "Slim, 1.70 m"}, None)
    episode, _ = report(sw_a, child, force=met)
    share = sharing.share_grab_pack(viewer, child, met)
    glass_user = make_user("sw.b.glass", council_b, Role.SOCIAL_WORKER)
    glass = sharing.break_glass(as_viewer(glass_user), child, "Found in Kent at night, needs the record now")
    glass.expires_at = timezone.now() - dt.timedelta(minutes=1)  # over: no access now
    glass.save()
    alert = Alert.objects.filter(child=child, resolved_at__isnull=True).exclude(code="break_glass").first()
    ids = {"pk": child.pk, "name_pk": child.other_names.first().pk, "flag_pk": child.flags.first().pk,
           "placement_pk": placement.pk, "referral_pk": referral.pk, "assignment_pk": assignment.pk,
           "share_pk": share.pk, "glass_pk": glass.pk}
    return {"child": child, "episode": episode, "alert": alert, "ids": ids}


def _outsider(label: str):
    where, role = OUTSIDERS[label]
    if where.startswith("E"):
        from tests.conftest import make_council

        organisation = make_council(where)
    elif where == "Kent Police":
        organisation = Organisation.objects.get(name="Kent Police")
    else:
        kind = {"guardians": OrganisationKind.GUARDIAN_SERVICE, "ngo": OrganisationKind.NGO,
                "national": OrganisationKind.NATIONAL_BODY}[where]
        organisation, _ = Organisation.objects.get_or_create(name=f"{where} (synthetic)", defaults={"kind": kind})
    return make_user(f"outsider.{role}.{organisation.pk}", organisation, role)


def _urls(world) -> list[str]:
    urls = [reverse(name, kwargs={k: world["ids"][k] for k in keys}) for name, keys in CHILD_ROUTES]
    urls += [reverse(name, args=[world["episode"].pk]) for name in EPISODE_ROUTES]
    urls += [reverse(name, args=[world["alert"].pk]) for name in ALERT_ROUTES]
    return urls


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
def test_every_route_to_the_child_is_refused_and_audited(client, world, who):
    user = _outsider(who)
    client.force_login(user)
    tried = 0
    for url in _urls(world):
        for method in ("get", "post"):
            before = AuditEvent.objects.filter(action="denied").count()
            response = getattr(client, method)(url)
            if response.status_code == 405:
                continue  # this route takes the other method only
            tried += 1
            assert response.status_code in (403, 404), f"{who}: {method.upper()} {url} gave {response.status_code}"
            assert AuditEvent.objects.filter(action="denied").count() > before, f"{who}: {method.upper()} {url} not audited"
            assert "Tekle" not in response.content.decode(), f"{who}: {method.upper()} {url} showed the child's name"
    assert tried >= len(_urls(world))
    # Guessing the next ids finds nothing either.
    for guess in (world["child"].pk + 1, world["child"].pk + 1000):
        assert client.get(reverse("web:child", args=[guess])).status_code == 404


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
def test_lists_searches_and_counts_never_show_the_child(client, world, who):
    client.force_login(_outsider(who))
    for name in LIST_PAGES:
        response = client.get(reverse(name))
        assert response.status_code in (200, 403), f"{who}: {name} gave {response.status_code}"
        assert "Tekle" not in response.content.decode(), f"{who}: {name} showed the child"
    record = reverse("web:child", args=[world["child"].pk])
    for query in ("Tekle", "Dawit", "Tecle"):
        response = client.get(reverse("web:children") + f"?q={query}")
        assert f'href="{record}"' not in response.content.decode(), f"{who}: a search for {query} found the child"


def test_the_right_force_sees_the_episode_and_the_shared_pack_but_not_the_rest(client, world, officer):
    client.force_login(officer)
    episode = world["episode"]
    assert client.get(reverse("web:episode", args=[episode.pk])).status_code == 200
    assert client.get(reverse("web:grab-pack", args=[episode.pk])).status_code == 200
    record = client.get(reverse("web:child", args=[world["child"].pk]))
    assert record.status_code == 200 and 'data-testid="limited-view"' in record.content.decode()
    for name in ("web:child-edit", "web:child-history", "web:transfer", "web:report-missing"):
        assert client.get(reverse(name, args=[world["child"].pk])).status_code in (403, 404), name


def test_a_row_of_another_childs_record_is_not_found_and_the_attempt_audited(client, sw_a, make_child):
    """Ending a flag through a child whose record it is not (a guessed or mixed-up id): 404 on
    the page, as in the API, and the attempt in the audit log."""
    first, second = make_child(sw_a), make_child(sw_a)
    flag = register.record_flag(as_viewer(sw_a), second, "uasc", timezone.localdate(), "Asylum claim (synthetic)")
    client.force_login(sw_a)
    before = AuditEvent.objects.filter(action="denied", object_type="flag").count()
    assert client.get(reverse("web:flag-end", args=[first.pk, flag.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="denied", object_type="flag").count() == before + 1
