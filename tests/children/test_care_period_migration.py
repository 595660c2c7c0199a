"""The migration that keeps periods of care builds them for the children already on the
register from what is known: an imported child's placements (a gap ends a period), anyone
else's date of becoming looked after (one open period)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("children", "0006_allocation"), ("ssda903", "0004_import_job")]
AFTER = [("children", "0007_careperiod")]
migrations_run = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@migrations_run
def test_periods_are_built_from_what_the_register_knew(council_a):
    apps = migrate(BEFORE)
    Child = apps.get_model("children", "Child")
    Placement = apps.get_model("children", "Placement")
    EpisodeDetail = apps.get_model("ssda903", "EpisodeDetail")

    def child(**fields):
        return Child.objects.create(
            responsible_organisation_id=council_a.pk,
            given_names="Synthetic",
            family_name="Child",
            date_of_birth=dt.date(2009, 5, 1),
            dob_basis="claimed",
            sex="M",
            nationality="ERI",
            **fields,
        )

    def placed(c, start, end, imported=True):
        p = Placement.objects.create(
            child_id=c.pk,
            place_code="U4",
            start_date=start,
            end_date=end,
            authority_id=council_a.authority_id,
        )
        if imported:
            EpisodeDetail.objects.create(placement_id=p.pk, rne="S")

    recorded = child(looked_after_from=dt.date(2023, 3, 1))
    placed(recorded, dt.date(2023, 3, 1), dt.date(2023, 6, 1), imported=False)
    imported = child(looked_after_from=dt.date(2022, 1, 10), child_903_id="R1")
    placed(imported, dt.date(2022, 1, 10), dt.date(2022, 5, 31))
    placed(imported, dt.date(2022, 6, 1), dt.date(2022, 9, 30))  # the next day: same period
    placed(imported, dt.date(2023, 2, 1), None)  # after a gap: care began again

    apps = migrate(AFTER)
    CarePeriod = apps.get_model("children", "CarePeriod")
    periods = {
        c: list(
            CarePeriod.objects.filter(child_id=c.pk)
            .order_by("start_date")
            .values_list("start_date", "end_date", "source")
        )
        for c in (recorded, imported)
    }
    assert periods[recorded] == [(dt.date(2023, 3, 1), None, "register")]
    assert periods[imported] == [
        (dt.date(2022, 1, 10), dt.date(2022, 9, 30), "ssda903"),
        (dt.date(2023, 2, 1), None, "ssda903"),
    ]
