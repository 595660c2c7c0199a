"""Generated data passes the rules a person typing it in would be held to.

The same checks children/validation.py and children/actions.py run on every write, applied to
every generated row of a national register and a demo register.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from tests.factories import CROYDON, KENT
from visible.children import actions
from visible.children.models import Child, Flag, Placement
from visible.children.validation import (
    Problems,
    check_child_details,
    check_identifiers_unique,
    check_no_overlap,
    check_not_before_birth,
    check_period,
    check_placement_code,
)
from visible.dates import collection_year
from visible.reference.codes import PLACEMENT_TYPES

RUNS = [
    dict(authorities=None, national=True, children=1500, seed=21),
    dict(authorities=[CROYDON, KENT], national=False, children=600, seed=22),
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def children(generated):
    return list(
        Child.objects.prefetch_related(
            "flags", "placements", "nrm_referrals", "age_assessments", "guardians"
        )
    )


def assert_no_problems(problems: Problems, what: object) -> None:
    assert not problems.errors, f"{what}: {problems.errors}"


def test_child_details_pass_validation(children):
    today = timezone.localdate()
    for child in children:
        p = Problems()
        check_child_details(p, {f: getattr(child, f) for f in actions.CHILD_FIELDS}, today)
        assert_no_problems(p, child)


def test_identifiers_are_unique_per_organisation(children):
    for child in children[::10]:
        p = Problems()
        check_identifiers_unique(
            p,
            child.responsible_organisation_id,
            {f: getattr(child, f) for f in actions.CHILD_FIELDS},
            exclude_child_id=child.pk,
        )
        assert_no_problems(p, child)


def test_flags_are_dated_sensibly_with_one_open_flag_of_a_kind(children):
    today, now = timezone.localdate(), timezone.now()
    for child in children:
        open_kinds = []
        for flag in child.flags.all():
            p = Problems()
            check_period(p, flag.start_date, flag.end_date, "Flag", today)
            check_not_before_birth(
                p, flag.start_date, child.date_of_birth, "start_date", "Flag start date"
            )
            assert_no_problems(p, flag)
            assert flag.evidence.strip() and flag.recorded_at <= now
            assert bool(flag.stage) == (flag.kind == "criminalised")
            if flag.end_date is None:
                open_kinds.append(flag.kind)
            else:
                assert (
                    flag.end_reason and flag.ended_at and flag.recorded_at <= flag.ended_at <= now
                )
        assert len(open_kinds) == len(set(open_kinds)), child


def test_placements_follow_on_from_each_other_with_codes_valid_that_year(children):
    today = timezone.localdate()
    for child in children:
        placements = sorted(child.placements.all(), key=lambda p: p.start_date)
        assert 1 <= len(placements) <= 4
        assert placements[0].start_date == child.looked_after_from
        for i, placement in enumerate(placements):
            p = Problems()
            check_placement_code(p, placement.place_code, placement.start_date)
            check_period(p, placement.start_date, placement.end_date, "Placement", today)
            others = [(o.start_date, o.end_date) for o in placements if o is not placement]
            check_no_overlap(p, placement.start_date, placement.end_date, others, "placement")
            assert_no_problems(p, placement)
            assert PLACEMENT_TYPES.is_valid(
                placement.place_code, collection_year(placement.start_date)
            )
            if i + 1 < len(placements):  # back to back: the next begins the day after this ends
                assert placements[i + 1].start_date == placement.end_date + dt.timedelta(days=1)
        # the last is open, unless care ended: at 18, or before (issue 15), with its period
        ended = child.care_periods.get().end_date
        assert placements[-1].end_date == ended
        assert ended is None or child.age_on(today) >= 18 or ended < today


def test_placement_codes_follow_the_collection_year_changes(generated):
    # H5 and P2 withdrawn after 2024/25; K3 from 2024/25; Z1 split into Z11-Z14 from 2025/26.
    for code, first, last in (
        ("H5", None, 2024),
        ("P2", None, 2024),
        ("Z1", None, 2024),
        ("K3", 2024, None),
        ("Z11", 2025, None),
        ("Z14", 2025, None),
    ):
        years = {
            collection_year(d)
            for d in Placement.objects.filter(place_code=code).values_list("start_date", flat=True)
        }
        assert all((first is None or y >= first) and (last is None or y <= last) for y in years), (
            code
        )
    assert (
        Placement.objects.filter(place_code="K3").exists()
        and Placement.objects.filter(place_code="H5").exists()
    )


def test_nrm_referrals_pass_the_referral_rules(children):
    for child in children:
        for referral in child.nrm_referrals.all():
            p = Problems()
            actions._check_nrm(p, child, {f: getattr(referral, f) for f in actions.NRM_FIELDS})
            assert_no_problems(p, referral)
            if referral.cg_decided_on:
                # Rulebook section 4: a recovery period of at least 30 days after the RG decision.
                assert (referral.cg_decided_on - referral.rg_decided_on).days >= 30


def test_age_assessments_and_guardians_pass_their_rules(children):
    today = timezone.localdate()
    for child in children:
        for assessment in child.age_assessments.all():
            assert assessment.status_from <= today
            if assessment.status == "concluded":
                assert (
                    assessment.concluded_on
                    and assessment.status_from <= assessment.concluded_on <= today
                )
            assert (
                assessment.assessed_date_of_birth is None
                or assessment.assessed_date_of_birth <= today
            )
        for guardian in child.guardians.all():
            p = Problems()
            check_period(p, guardian.start_date, guardian.end_date, "Assignment", today)
            check_not_before_birth(
                p, guardian.start_date, child.date_of_birth, "start_date", "Start date"
            )
            assert_no_problems(p, guardian)
            assert guardian.guardian_name.strip() and guardian.service.strip()


def test_no_child_has_two_open_flags_of_one_kind_in_the_database(generated):
    doubled = (
        Flag.objects.filter(end_date__isnull=True)
        .values("child", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubled.exists()
