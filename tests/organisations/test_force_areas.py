"""Every police force's area (agencies/police.py, data/police_force_areas.csv, set by agencies
migration 0005): every current upper-tier or unitary authority of England and Wales in
exactly one territorial force; Scotland's councils Police Scotland's; Northern Ireland's
Trusts the PSNI's; the British Transport Police none."""

from __future__ import annotations

import pytest

from visible.agencies.models import Organisation, OrganisationKind
from visible.agencies.police import (
    NATIONAL_FORCES,
    NO_AREA,
    POLICE_FORCES,
    force_area_rows,
    set_force_areas,
)
from visible.reference.models import Authority

pytestmark = pytest.mark.django_db


def _forces_of(authority: Authority) -> list[str]:
    return list(
        authority.covering_organisations.filter(kind=OrganisationKind.POLICE)
        .exclude(name__in=NO_AREA)
        .values_list("name", flat=True)
    )


def test_every_current_english_and_welsh_childrens_services_authority_is_in_exactly_one_force():
    current = Authority.objects.childrens_services().filter(
        nation__in=("England", "Wales"), end_date__isnull=True
    )
    assert current.count() == 175  # 153 in England, 22 in Wales
    wrong = {a.code: _forces_of(a) for a in current if len(_forces_of(a)) != 1}
    assert wrong == {}, f"not in exactly one force: {wrong}"


@pytest.mark.parametrize(
    ("code", "force"),
    [
        ("E10000016", "Kent Police"),
        ("E06000035", "Kent Police"),  # Medway
        ("E09000001", "City of London Police"),
        ("E09000008", "Metropolitan Police Service"),  # Croydon
        ("E06000017", "Leicestershire Police"),  # Rutland
        ("E06000042", "Thames Valley Police"),  # Milton Keynes
        ("E06000053", "Devon and Cornwall Police"),  # Isles of Scilly
        ("E06000063", "Cumbria Constabulary"),  # Cumberland
        ("E06000064", "Cumbria Constabulary"),  # Westmorland and Furness
        ("E10000006", "Cumbria Constabulary"),  # Cumbria, ended 2023: its old placements
        ("E06000014", "North Yorkshire Police"),  # York
        ("W06000023", "Dyfed-Powys Police"),  # Powys
        ("W06000024", "South Wales Police"),  # Merthyr Tydfil
    ],
)
def test_an_authority_is_in_the_force_the_ons_lookup_puts_it_in(code, force):
    assert _forces_of(Authority.objects.get(code=code)) == [force]


def test_scotland_and_northern_ireland_have_one_force_each_and_btp_no_area():
    for force, nation in NATIONAL_FORCES.items():
        area = Organisation.objects.get(name=force).areas
        wanted = Authority.objects.childrens_services().filter(nation=nation)
        assert set(area.values_list("code", flat=True)) == set(
            wanted.values_list("code", flat=True)
        )
    assert Organisation.objects.get(name="Police Scotland").areas.count() == 32
    assert set(
        Organisation.objects.get(name="Police Service of Northern Ireland").areas.values_list(
            "code", flat=True
        )
    ) == {"NIHSCT-BEL", "NIHSCT-NOR", "NIHSCT-SET", "NIHSCT-SOU", "NIHSCT-WES"}
    assert Organisation.objects.get(name="British Transport Police").areas.count() == 0


def test_the_data_names_real_forces_and_authorities_by_their_reference_names():
    forces = {name for name, _nation in POLICE_FORCES}
    rows = force_area_rows()
    assert {r["force"] for r in rows} == forces - set(NATIONAL_FORCES) - NO_AREA  # 43
    names = dict(Authority.objects.values_list("code", "name"))
    for row in rows:
        assert row["gss_code"] in names, row
        assert names[row["gss_code"]] == row["authority"], row


def test_setting_the_areas_again_changes_nothing_and_puts_back_a_changed_one():
    assert set_force_areas() == 0
    kent = Organisation.objects.get(name="Kent Police")
    kent.areas.clear()
    assert set_force_areas() == 1
    assert set(kent.areas.values_list("code", flat=True)) == {"E10000016", "E06000035"}
