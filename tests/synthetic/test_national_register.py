"""A small national register: where the children are, as the report found them."""

from __future__ import annotations

import collections

import pytest
from django.db.models import Count, F

from tests.factories import CROYDON, KENT
from visible.children.models import Child, GuardianAssignment, Placement
from visible.reference.models import Authority

RUNS = [dict(authorities=None, national=True, children=3000, seed=2)]

pytestmark = pytest.mark.django_db


def test_national_means_every_current_childrens_services_authority(generated):
    expected = Authority.objects.childrens_services().filter(end_date__isnull=True).count()
    assert generated[0].authorities == expected == 212
    assert Child.objects.count() == 3000


def test_children_are_concentrated_in_london_and_the_south_east(generated):
    by_region = collections.Counter(
        dict(
            Child.objects.values_list("responsible_organisation__authority__region").annotate(
                n=Count("id")
            )
        )
    )
    share = (by_region["London"] + by_region["South East"]) / 3000
    # Report: London, the South East, East Anglia and the Midlands had 90% of unaccompanied
    # children; London and the South East alone hold far more than their share of population.
    assert share > 0.45
    for nation_region in ("Scotland", "Wales", "Northern Ireland", "North East"):
        assert 0 < by_region[nation_region] < by_region["London"]


def test_port_authorities_have_the_most_children(generated):
    by_code = collections.Counter(
        dict(
            Child.objects.values_list("responsible_organisation__authority__code").annotate(
                n=Count("id")
            )
        )
    )
    top_three = {code for code, _ in by_code.most_common(3)}
    assert {KENT, CROYDON} <= top_three
    # Hillingdon (Heathrow) well above an average London borough.
    assert by_code["E09000017"] > 3000 / 212 * 2


def test_scottish_children_get_the_scottish_guardianship_service(generated):
    kinds = set(
        GuardianAssignment.objects.filter(
            child__responsible_organisation__authority__nation="Scotland"
        ).values_list("kind", flat=True)
    )
    assert kinds == {"scottish_guardianship"}
    welsh = set(
        GuardianAssignment.objects.filter(
            child__responsible_organisation__authority__nation="Wales"
        ).values_list("kind", flat=True)
    )
    assert welsh <= {"ictg"}


def test_out_of_area_placements_are_in_a_neighbouring_authority_of_the_same_region(generated):
    home = "child__responsible_organisation__authority"
    outside = Placement.objects.exclude(authority=F(home))
    assert 0.12 < outside.count() / Placement.objects.count() < 0.3
    assert not outside.exclude(authority__region=F(f"{home}__region")).exists()
