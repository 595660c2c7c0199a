import datetime as dt

import pytest

from visible.dates import collection_year
from visible.reference.codes import PLACEMENT_TYPES, SEX_CODES, year_label
from visible.reference.load import load_authorities
from visible.reference.models import Authority


def test_collection_years_run_april_to_march():
    assert collection_year(dt.date(2025, 3, 31)) == 2024
    assert collection_year(dt.date(2025, 4, 1)) == 2025
    assert year_label(2024) == "2024/25"


def test_placement_codes_follow_the_dfe_changes_by_year():
    assert PLACEMENT_TYPES.is_valid("H5", 2024) and not PLACEMENT_TYPES.is_valid("H5", 2025)
    assert PLACEMENT_TYPES.is_valid("K3", 2024) and not PLACEMENT_TYPES.is_valid("K3", 2023)
    assert PLACEMENT_TYPES.is_valid("Z11", 2025) and not PLACEMENT_TYPES.is_valid("Z11", 2024)
    assert PLACEMENT_TYPES.is_valid("U4", 2015)  # before the first year Visible covers
    assert (
        SEX_CODES.is_valid("1", 2023)
        and not SEX_CODES.is_valid("1", 2024)
        and SEX_CODES.is_valid("U", 2024)
    )


@pytest.mark.django_db
def test_uk_childrens_services_authorities_are_loaded_with_their_dates():
    current = Authority.objects.childrens_services().filter(end_date__isnull=True)
    # 153 English, 22 Welsh, 32 Scottish councils and 5 Northern Ireland HSC Trusts.
    assert current.filter(nation="England").count() == 153
    assert current.filter(nation="Wales").count() == 22
    assert current.filter(nation="Scotland").count() == 32
    assert current.filter(nation="Northern Ireland").count() == 5
    cumbria = Authority.objects.get(code="E10000006")
    assert cumbria.end_date == dt.date(2023, 4, 1)
    assert (
        not Authority.objects.childrens_services()
        .in_force_on(dt.date(2024, 1, 1))
        .filter(code="E10000006")
        .exists()
    )
    assert (
        Authority.objects.childrens_services()
        .in_force_on(dt.date(2016, 1, 1))
        .filter(code="E10000006")
        .exists()
    )
    assert Authority.objects.get(code="NIHSCT-BEL").kind == "Health and Social Care Trust"


@pytest.mark.django_db
def test_loading_the_authorities_again_changes_nothing():
    assert load_authorities() == (0, 0)


@pytest.mark.django_db
def test_shire_counties_take_their_districts_region_and_centre():
    kent = Authority.objects.get(code="E10000016")
    assert kent.region == "South East"
    assert 51.0 < kent.latitude < 51.5 and 0.4 < kent.longitude < 1.0  # Kent, not east London
    assert Authority.objects.get(code="E10000019").region == "East Midlands"  # Lincolnshire
    assert Authority.objects.get(code="E10000007").region == "East Midlands"  # Derbyshire
