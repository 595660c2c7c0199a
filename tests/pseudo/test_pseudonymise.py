"""What leaves the register: no names, no full dates of birth or postcodes, no identifiers;
the same child held by two authorities gets the same pseudo id, different children do not,
and a different key gives different ids."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.forms.models import model_to_dict

from tests.factories import as_viewer
from tests.pseudo.helpers import (
    CROYDON,
    KENT,
    KEY,
    OTHER_KEY,
    P_END,
    P_START,
    add_child,
    add_episode,
    at,
)
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.children.inputs import NrmReferralInput
from visible.pseudo import actions
from visible.pseudo.models import PseudoChild, PseudoEpisode, Submission
from visible.pseudo.pseudonymise import (
    DEV_KEY,
    is_dev_key,
    key_id,
    national_key,
    outward_code,
    pseudo_id,
    pseudonymise,
)
from visible.reference.models import Authority

pytestmark = pytest.mark.django_db


def croydon() -> Authority:
    return Authority.objects.get(code=CROYDON)


def kent() -> Authority:
    return Authority.objects.get(code=KENT)


# When the submission itself was made or superseded: the moment a manager pressed submit, not
# a fact about any child (and on the day the test runs at 21:17 it would read as the episode's
# start time).
SUBMISSION_MOMENTS = ("submitted_at", "superseded_at")


def stored_text() -> str:
    """Every value the national body holds about children and their episodes, as one
    lower-case text."""
    rows = [
        {
            field: value
            for field, value in model_to_dict(r).items()
            if not (model is Submission and field in SUBMISSION_MOMENTS)
        }
        for model in (Submission, PseudoChild, PseudoEpisode)
        for r in model.objects.all()
    ]
    return json.dumps(rows, default=str).lower()


def test_no_name_full_date_of_birth_postcode_or_identifier_is_stored(sw_a, manager_a, fake):
    child = add_child(
        sw_a,
        fake,
        "Zephyrine Amani",
        "Quillfeather",
        sex="F",
        gender="girl",
        nationality="ERI",
        date_of_birth=dt.date(2009, 5, 17),
        looked_after_from=dt.date(2023, 1, 10),
        home_office_ref="Q7654321",
        nrm_ref="NRM24-998877",
        police_ref="24/55123/K",
        council_id="CRO-77123",
        child_903_id="9988776",
        preferred_name="Zeph",
        flags=[("uasc", dt.date(2023, 1, 10))],
        placement=("CR0 4XY", CROYDON),
    )
    add_episode(sw_a, child, "M", at(2024, 6, 3, 21, 17), at(2024, 6, 5, 8, 40))

    submission = actions.submit(as_viewer(manager_a), croydon(), P_START, P_END, key=KEY)

    text = stored_text()
    for secret in (
        "zephyrine",
        "amani",
        "quillfeather",
        "zeph",
        "2009-05-17",
        "17/05/2009",
        "cr0 4xy",
        "cr04xy",
        "4xy",
        "q7654321",
        "nrm24",
        "998877",
        "24/55123",
        "cro-77123",
        "9988776",
        "21:17",
        "08:40",
        "2024-06-03",
    ):
        assert secret not in text, f"{secret!r} reached the national body"
    audit = AuditEvent.objects.get(object_type="pseudo_submission", object_id=str(submission.pk))
    assert "quillfeather" not in (audit.summary + audit.detail).lower()

    # What is there instead: month and year of birth, the postcode district, the groups.
    record = PseudoChild.objects.get()
    assert record.birth_month == dt.date(2009, 5, 1)
    assert (record.district, record.placed_in) == ("CR0", CROYDON)
    assert (record.gender, record.nationality, record.key_basis) == ("girl", "ERI", "home_office")
    assert (
        record.in_uasc
        and record.in_uasc_or_separated
        and record.in_any
        and not record.in_trafficked
    )
    assert record.pseudo_id == pseudo_id(KEY, "home_office:Q7654321")
    episode = PseudoEpisode.objects.get()
    # 21:17 on 3 June to 08:40 on 5 June: 35 hours 23 minutes, kept as 35 whole hours, in June.
    assert (episode.category, episode.start_month, episode.hours, episode.band) == (
        "M",
        dt.date(2024, 6, 1),
        35,
        "1_to_7_days",
    )
    assert not episode.still_missing and not episode.started_before


def test_the_same_child_in_two_authorities_links_and_different_children_do_not(sw_a, sw_b, fake):
    # Croydon and Kent record the same boy: the same Home Office reference, written
    # differently, and a different spelling of his name and an assessed date of birth.
    add_child(
        sw_a,
        fake,
        "Dawit",
        "Tesfaye",
        nationality="ERI",
        home_office_ref="T1234567",
        date_of_birth=dt.date(2008, 2, 2),
        looked_after_from=dt.date(2023, 5, 1),
        flags=[("uasc", dt.date(2023, 5, 1))],
    )
    add_child(
        sw_b,
        fake,
        "Dawitt",
        "Tesfay",
        nationality="ERI",
        home_office_ref="t 123-4567",
        date_of_birth=dt.date(2008, 1, 1),
        looked_after_from=dt.date(2023, 9, 1),
        flags=[("uasc", dt.date(2023, 9, 1))],
    )
    # A different boy of the same name and date of birth, with his own reference.
    add_child(
        sw_a,
        fake,
        "Dawit",
        "Tesfaye",
        nationality="ERI",
        home_office_ref="T7654321",
        date_of_birth=dt.date(2008, 2, 2),
        looked_after_from=dt.date(2023, 5, 1),
        flags=[("uasc", dt.date(2023, 5, 1))],
    )
    # No references: the folded name and date of birth link, whatever the order and accents...
    add_child(
        sw_a,
        fake,
        "Văn Anh",
        "Nguyễn",
        nationality="VNM",
        date_of_birth=dt.date(2009, 1, 1),
        looked_after_from=dt.date(2023, 1, 1),
        flags=[("trafficked_suspected", dt.date(2023, 1, 1))],
    )
    add_child(
        sw_b,
        fake,
        "Anh",
        "NGUYEN VAN",
        nationality="VNM",
        date_of_birth=dt.date(2009, 1, 1),
        looked_after_from=dt.date(2024, 1, 1),
        flags=[("trafficked_suspected", dt.date(2024, 1, 1))],
    )
    # ...but not with another date of birth.
    add_child(
        sw_b,
        fake,
        "Van Anh",
        "Nguyen",
        nationality="VNM",
        date_of_birth=dt.date(2009, 1, 2),
        looked_after_from=dt.date(2024, 1, 1),
        flags=[("separated", dt.date(2024, 1, 1))],
    )

    in_croydon = {
        c.pseudo_id: c.key_basis for c in pseudonymise(croydon(), P_START, P_END, key=KEY).children
    }
    in_kent = {
        c.pseudo_id: c.key_basis for c in pseudonymise(kent(), P_START, P_END, key=KEY).children
    }

    assert len(in_croydon) == 3 and len(in_kent) == 3  # three different children in each
    shared = set(in_croydon) & set(in_kent)
    assert shared == {
        pseudo_id(KEY, "home_office:T1234567"),
        pseudo_id(KEY, "name_dob:anh nguyen van|2009-01-01"),
    }
    assert sorted(in_croydon[p] for p in shared) == ["home_office", "name_dob"]


def test_a_different_key_gives_different_ids_and_the_same_key_the_same(sw_a, fake):
    for n in range(3):
        add_child(
            sw_a,
            fake,
            f"Child{n}",
            "Synthetic",
            home_office_ref=f"K100000{n}",
            looked_after_from=dt.date(2023, 1, 1),
            flags=[("uasc", dt.date(2023, 1, 1))],
        )
    first = [c.pseudo_id for c in pseudonymise(croydon(), P_START, P_END, key=KEY).children]
    again = [c.pseudo_id for c in pseudonymise(croydon(), P_START, P_END, key=KEY).children]
    other = [c.pseudo_id for c in pseudonymise(croydon(), P_START, P_END, key=OTHER_KEY).children]
    assert first == again and len(set(first)) == 3
    assert not set(first) & set(other)
    assert all(len(p) == 32 for p in first)
    assert key_id(KEY) != key_id(OTHER_KEY)


def test_home_office_reference_comes_before_nrm_reference_before_name(sw_a, fake):
    both = add_child(
        sw_a,
        fake,
        "Hana",
        "Synthetic",
        home_office_ref="H5550001",
        nrm_ref="NRM-1",
        looked_after_from=dt.date(2023, 1, 1),
        flags=[("trafficked_identified", dt.date(2023, 1, 1))],
    )
    referred = add_child(
        sw_a,
        fake,
        "Rami",
        "Synthetic",
        date_of_birth=dt.date(2009, 3, 3),
        looked_after_from=dt.date(2023, 1, 1),
        flags=[("trafficked_suspected", dt.date(2023, 1, 1))],
    )
    register.record_nrm_referral(
        as_viewer(sw_a),
        referred,
        NrmReferralInput(
            referred_on=dt.date(2023, 2, 1),
            first_responder="Croydon children's services",
            first_responder_kind="local_authority",
            reference="nrm 2023/777",
        ),
    )
    bases = {
        c.pseudo_id: c.key_basis for c in pseudonymise(croydon(), P_START, P_END, key=KEY).children
    }
    assert bases == {
        pseudo_id(KEY, "home_office:H5550001"): "home_office",
        pseudo_id(KEY, "nrm:NRM2023777"): "nrm",
    }
    assert both.pk and referred.pk


def test_a_child_recorded_twice_by_one_authority_is_sent_once(sw_a, fake):
    for episode_day in (5, 20):
        child = add_child(
            sw_a,
            fake,
            "Samir",
            "Synthetic",
            date_of_birth=dt.date(2008, 6, 6),
            looked_after_from=dt.date(2023, 1, 1),
            flags=[("separated", dt.date(2023, 1, 1))],
        )
        add_episode(sw_a, child, "M", at(2024, 7, episode_day), at(2024, 7, episode_day, 20))
    export = pseudonymise(croydon(), P_START, P_END, key=KEY)
    assert len(export.children) == 1 and export.records_merged == 1
    assert export.children[0].incidents_missing == 2


def test_postcode_district_or_else_the_placements_authority(sw_a, fake):
    add_child(
        sw_a,
        fake,
        "Nadia",
        "Synthetic",
        looked_after_from=dt.date(2023, 1, 1),
        flags=[("uasc", dt.date(2023, 1, 1))],
        placement=("", KENT),
    )
    (record,) = pseudonymise(croydon(), P_START, P_END, key=KEY).children
    assert (record.district, record.placed_in) == ("", KENT)
    assert outward_code("cr0 4xy") == "CR0"
    assert outward_code("SW1A1AA") == "SW1A"
    assert outward_code("not a postcode") == ""


def test_the_key_comes_from_the_environment_and_only_the_demo_may_use_the_development_key(
    monkeypatch, settings
):
    monkeypatch.delenv("VISIBLE_PSEUDO_KEY", raising=False)
    settings.VISIBLE_PSEUDO_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="VISIBLE_PSEUDO_KEY is not set"):
        national_key()
    settings.VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY = True  # the demo (settings/dev.py)
    assert national_key() == DEV_KEY and is_dev_key(key_id(DEV_KEY))
    settings.VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY = False
    monkeypatch.setenv("VISIBLE_PSEUDO_KEY", "too-short")
    with pytest.raises(ImproperlyConfigured, match="too short"):
        national_key()
    monkeypatch.setenv("VISIBLE_PSEUDO_KEY", "k" * 48)
    assert national_key() == b"k" * 48 and not is_dev_key(key_id(national_key()))
    monkeypatch.setenv("VISIBLE_PSEUDO_KEY", DEV_KEY.decode())
    with pytest.raises(ImproperlyConfigured, match="development key"):
        national_key()


def test_nothing_identifying_from_a_generated_register_reaches_the_national_body():
    """A synthetic register of 150 children with names, dates of birth, postcodes and
    references: none of them is in what is stored, only their coarse forms."""
    from django.utils import timezone

    from visible.agencies.viewer import Viewer
    from visible.children.models import Child, Placement
    from visible.demo.synthetic.generate import generate

    generate(authorities=[CROYDON], national=False, children=150, seed=5, progress=False)
    end = timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=364)
    submission = actions.submit(Viewer.system("test"), croydon(), start, end, key=KEY)
    assert submission.children > 50 and submission.episodes > 0

    rows = [
        model_to_dict(r)
        for model in (Submission, PseudoChild, PseudoEpisode)
        for r in model.objects.all()
    ]
    hex_fields = {"pseudo_id", "digest", "key_id"}
    for row in rows:  # ids and digests are hex and nothing else
        for name in hex_fields & set(row):
            assert set(row[name]) <= set("0123456789abcdef")
    # Every word of every value sent (not the field names: a child called Chi is not found in
    # "children"), against every word of every child's names.
    values = [str(v) for row in rows for k, v in row.items() if k not in hex_fields]
    text = json.dumps(values, default=str).lower()
    words = {w for v in values for w in re.findall(r"[^\W\d_]+", v.lower())}
    for child in Child.objects.filter(responsible_organisation__authority__code=CROYDON):
        for name in {
            *re.findall(r"[^\W\d_]+", child.given_names.lower()),
            *re.findall(r"[^\W\d_]+", child.family_name.lower()),
        }:
            assert name not in words, name
        assert child.date_of_birth.isoformat() not in text or child.date_of_birth.day == 1
        for reference in (
            child.home_office_ref,
            child.nrm_ref,
            child.child_903_id,
            child.council_id,
            child.police_ref,
        ):
            assert not reference or reference.lower() not in text, reference
    postcodes = {
        p.lower() for p in Placement.objects.exclude(postcode="").values_list("postcode", flat=True)
    }
    assert postcodes and not any(postcode in text for postcode in postcodes)
    districts = {r.district for r in PseudoChild.objects.all()}
    assert districts and all(" " not in d and len(d) <= 4 for d in districts)
    assert all(r.birth_month.day == 1 for r in PseudoChild.objects.all())
