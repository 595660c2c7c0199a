"""Regression test at scale for issue 15, point 6: a generated national set of SSDA903 returns
in which many children share a birthday, in their authority and across authorities, imported
(so no child has a name or a national reference, as in the national set the issue was found
on), pseudonymised and counted: every authority sends every child it counts, and the national
tables count every one of them once, with none "held by more than one authority".

Under the old rule (name and date of birth for every child without a reference) the imported
children of one authority born on the same day became one child, and children of different
authorities born on the same day were linked: 1,221 UASC children nationally instead of 4,850.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from django.db import transaction

from tests.factories import CROYDON, KENT
from tests.ssda903.register import DRAWN_AT, YEAR
from visible.agencies.viewer import Viewer
from visible.children.models import Child
from visible.dates import collection_period
from visible.demo.synthetic.generate import generate
from visible.pseudo import actions, tables
from visible.pseudo.models import PseudoChild, Submission
from visible.reference.models import Authority
from visible.returns import foi
from visible.ssda903.export import council_for_code, export_return
from visible.ssda903.importer import import_return_folder

pytestmark = pytest.mark.django_db

KEY = b"test-national-key-0123456789abcdef-not-a-real-one"
CODES = (CROYDON, KENT, "E06000001", "E09000022")  # Croydon, Kent, Hartlepool, Lambeth
CHILDREN = 700
NATIONAL = tables.NATIONAL


@pytest.fixture(scope="module")
def national_set(django_db_setup, django_db_blocker, tmp_path_factory):
    """A register of four authorities (a third of the children given the birthday of an
    earlier child of the same age), written as their 2025/26 returns, the register emptied,
    and the returns imported: children with no name, known by their 903 CHILD ids. Rolled
    back when the module is done."""
    folder = tmp_path_factory.mktemp("national")
    with django_db_blocker.unblock():
        with transaction.atomic():
            generate(
                authorities=list(CODES),
                national=False,
                children=CHILDREN,
                seed=15,
                progress=False,
                as_at=DRAWN_AT,
                shared_birthdays=0.3,
            )
            for code in CODES:
                export_return(council_for_code(code), YEAR, folder / code)
            Child.objects.all().delete()
            for code in CODES:
                outcome = import_return_folder(folder / code, YEAR, code)
                assert outcome.imported, outcome.report.as_text()
            yield collection_period(YEAR)
            transaction.set_rollback(True)


def test_every_imported_child_is_counted_once_per_authority_and_nationally(national_set):
    start, end = national_set
    authorities = {a.code: a for a in Authority.objects.filter(code__in=CODES)}
    returns = {code: foi.count_return([authorities[code]], start, end) for code in CODES}

    # The data is what broke the old rule: imported children (no name, no reference) sharing
    # birthdays, many in one authority and many across authorities.
    counted = Child.objects.filter(
        pk__in=[pk for r in returns.values() for pk in r.children]
    ).values_list("responsible_organisation__authority__code", "date_of_birth", "given_names")
    births = Counter((code, dob) for code, dob, _ in counted)
    assert {name for _, _, name in counted} == {"(name not in the return)"}
    authorities_born_on = defaultdict(set)
    for code, dob in births:
        authorities_born_on[dob].add(code)
    sharing_here = sum(n for n in births.values() if n > 1)
    sharing_elsewhere = sum(
        n for (_, dob), n in births.items() if len(authorities_born_on[dob]) > 1
    )
    assert len(counted) > 400 and sharing_here > 150 and sharing_elsewhere > 150
    # The old rule would have sent one child per authority and birthday: 100+ fewer.
    assert len(births) < len(counted) - 100

    for code in CODES:
        actions.submit(Viewer.system("test"), authorities[code], start, end, key=KEY)
    t = tables.tables_for(Viewer.system("test"), start, end)

    for code in CODES:
        submission = Submission.objects.get(authority__code=code, is_current=True)
        assert submission.records_merged == 0
        assert submission.children == len(returns[code].children)
        for group in foi.GROUPS:
            assert t.count(code, group.code, "children") == returns[code].count(
                group.code, "children"
            ), (code, group.code)
    for group in foi.GROUPS:
        assert t.count(NATIONAL, group.code, "children") == sum(
            returns[code].count(group.code, "children") for code in CODES
        ), group.code
    uasc = t.count(NATIONAL, "uasc", "children")
    assert uasc > 150
    # No child is held by more than one authority; every one is known by its 903 CHILD id and
    # said to be unlinkable, and why.
    assert (t.linked_children, t.missing_from_more_than_one) == (0, 0)
    assert not PseudoChild.objects.filter(linked=True).exists()
    total = sum(len(r.children) for r in returns.values())
    assert t.bases_of(NATIONAL) == {"authority_903": total}
    assert (
        f"Children who could not be linked across authorities: {total:,} ({total:,} with no name"
        in (tables.render_text(t))
    )
