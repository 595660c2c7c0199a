"""A council's whole register through its two statutory doors: the synthetic generator's
Croydon exported as its SSDA903 return and as the register file its case system would give
(matched by the 903 generator's CHILD ids), both imported into an empty council. Every child
of the return then has the name, nationality, gender and language the case system holds, and
its flags; the same file again changes nothing."""

from __future__ import annotations

import pytest

from tests.factories import COUNCIL_B_CODE, CROYDON
from tests.ssda903.register import DRAWN_AT, ready_for_return
from visible.children.models import Child, Flag
from visible.demo.synthetic.generate import generate
from visible.register.importer import import_register
from visible.ssda903.export import child_identifier, council_for_code, export_return
from visible.ssda903.importer import import_return_folder

from .files import csv_bytes, rows_from_case_system

pytestmark = pytest.mark.django_db
YEAR = 2025


def test_the_return_and_the_register_file_make_the_same_children_elsewhere(council_b, tmp_path):
    generate(
        authorities=[CROYDON], national=False, children=80, seed=15, progress=False, as_at=DRAWN_AT
    )
    croydon = council_for_code(CROYDON)
    ready_for_return(croydon)
    exported = export_return(croydon, YEAR, tmp_path)
    ids = {row[0] for row in exported.tables["Header"]}
    assert len(ids) > 20

    # Into an empty council: the return first (no names, nationality not known)...
    assert import_return_folder(tmp_path, YEAR, COUNCIL_B_CODE).imported
    kent = Child.objects.filter(responsible_organisation=council_b)
    assert set(kent.values_list("nationality", flat=True)) == {"XXX"}
    # ...then the case system's register file.
    rows = rows_from_case_system(croydon, ids)
    assert len(rows) == len(ids)
    outcome = import_register("register.csv", csv_bytes(rows), COUNCIL_B_CODE)
    assert outcome.imported, outcome.report.as_text()
    assert outcome.counts["children_created"] == 0  # every row matched a child of the return

    def details(organisation):
        return {
            child_identifier(c.child_903_id, c.pk): (
                c.given_names,
                c.family_name,
                c.nationality,
                c.gender,
                c.sex,
                c.first_language,
                c.date_of_birth,
            )
            for c in Child.objects.filter(responsible_organisation=organisation)
        }

    source, copied = details(croydon), details(council_b)
    assert set(copied) == ids
    assert all(copied[cid] == source[cid] for cid in ids)
    # Every flag the case system holds open is on the copy (the 903's UASC flag, which the
    # return may have ended by its DUC, already covers the case system's date: not doubled).
    originals = {
        child_identifier(c.child_903_id, c.pk): c
        for c in Child.objects.filter(responsible_organisation=croydon)
    }
    for cid in ids:
        wanted = set(
            originals[cid]
            .flags.filter(end_date__isnull=True)
            .exclude(kind="criminalised")
            .values_list("kind", flat=True)
        )
        held = Flag.objects.filter(
            child__responsible_organisation=council_b, child__child_903_id=cid
        ).values_list("kind", flat=True)
        assert wanted <= set(held), cid
        assert len(held) == len(set(held)), cid  # none twice

    again = import_register("register.csv", csv_bytes(rows), COUNCIL_B_CODE)
    assert again.summary().startswith("Nothing changed")
