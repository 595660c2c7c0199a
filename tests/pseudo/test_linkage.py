"""Linkage through the register, the submission and the national tables (issue 15, point 6):
children with no name (as an SSDA903 import leaves them) are never linked on date of birth
alone, in their authority or across; the authority's own 903 CHILD id keeps them apart; the
tables, the command line and the submission say how many could not be linked and why; and
submissions made under the old rule are not mixed in silently."""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest

from tests.pseudo.helpers import CROYDON, KENT, KEY, P_END, P_START, add_child, add_episode, at
from visible.agencies.viewer import Viewer
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.cli import main as visible
from visible.pseudo import actions, tables
from visible.pseudo.models import PseudoChild, Submission
from visible.pseudo.pseudonymise import pseudo_id, pseudonymise
from visible.reference.models import Authority
from visible.ssda903.writing import NAME_NOT_IN_RETURN

pytestmark = pytest.mark.django_db
NATIONAL = tables.NATIONAL
NEW_YEAR_2008 = dt.date(2008, 1, 1)  # the date often given to a child who does not know theirs


def croydon() -> Authority:
    return Authority.objects.get(code=CROYDON)


def kent() -> Authority:
    return Authority.objects.get(code=KENT)


def imported(user, fake, child_903_id: str, *, dob=NEW_YEAR_2008, flags=("uasc",), **values):
    """A child as an SSDA903 import leaves them: no name (the import's placeholder), no Home
    Office or NRM reference, the authority's own CHILD id."""
    child = add_child(
        user,
        fake,
        "Placeholder",
        "Synthetic",
        date_of_birth=dob,
        looked_after_from=dt.date(2023, 5, 1),
        child_903_id=child_903_id,
        flags=[(kind, dt.date(2023, 5, 1)) for kind in flags],
        **values,
    )
    Child.objects.filter(pk=child.pk).update(given_names=NAME_NOT_IN_RETURN, family_name="")
    return child


def submit(authority):
    return actions.submit(Viewer.system("test"), authority, P_START, P_END, key=KEY)


@pytest.fixture
def nameless(sw_a, sw_b, fake):
    """Croydon: three children with no name born on 1 January 2008, one of whom went missing
    twice. Kent: two more born that day, one with the same 903 CHILD id as a Croydon child
    (authorities number their children independently)."""
    first = imported(sw_a, fake, "0000001")
    add_episode(sw_a, first, "M", at(2024, 6, 1), at(2024, 6, 2))
    add_episode(sw_a, first, "M", at(2024, 8, 1), at(2024, 8, 1, 20))
    imported(sw_a, fake, "0000002")
    imported(sw_a, fake, "0000003", flags=("trafficked_suspected",))
    other = imported(sw_b, fake, "0000001")
    add_episode(sw_b, other, "A", at(2024, 9, 1), at(2024, 9, 3))
    imported(sw_b, fake, "KENT-77")


def test_children_without_a_name_sharing_a_birthday_are_never_one_child(nameless):
    in_croydon, in_kent = submit(croydon()), submit(kent())

    # Every child is sent, none merged, each known by the authority's own 903 CHILD id.
    assert (in_croydon.children, in_croydon.records_merged) == (3, 0)
    assert (in_kent.children, in_kent.records_merged) == (2, 0)
    assert set(PseudoChild.objects.values_list("key_basis", flat=True)) == {"authority_903"}
    ids = set(PseudoChild.objects.values_list("pseudo_id", flat=True))
    assert len(ids) == 5 and not PseudoChild.objects.filter(linked=True).exists()
    assert pseudo_id(KEY, f"authority_903:{CROYDON}|0000001") in ids
    assert pseudo_id(KEY, f"authority_903:{KENT}|0000001") in ids
    assert in_croydon.linkage_rule == in_kent.linkage_rule == 2

    t = tables.tables_for(Viewer.system("test"), P_START, P_END)
    assert (t.count(CROYDON, "uasc", "children"), t.count(KENT, "uasc", "children")) == (2, 2)
    assert t.count(NATIONAL, "uasc", "children") == 4  # not 1, as one birthday made them
    assert t.count(NATIONAL, "any", "children") == 5
    assert t.count(NATIONAL, "any", "children_missing_or_away") == 2
    assert t.per_child[NATIONAL] == {2: 1, 1: 1}  # each child's own incidents, not pooled
    assert (t.linked_children, t.missing_from_more_than_one) == (0, 0)
    assert t.not_linkable(CROYDON) == 3 and t.not_linkable(NATIONAL) == 5

    text = tables.render_text(t)
    assert "Children held by more than one authority: 0" in text
    assert (
        "Children who could not be linked across authorities: 5 (5 with no name, Home Office or "
        "NRM reference, known only by their authority's SSDA903 CHILD id)." in text
    )
    assert "counts once in every authority that holds them" in text
    croydon_row = next(
        line.split()
        for line in text.split("Children by how they could be linked")[1].splitlines()
        if line.startswith("Croydon (E09000008)")
    )
    # Home Office, NRM, name and date of birth; not linked: no name or reference, name shared,
    # no identifier; not linked, all; children.
    assert croydon_row[-8:] == ["0", "0", "0", "3", "0", "0", "3", "3"]


def test_named_children_sharing_a_name_and_birthday_are_two_if_the_authority_numbers_two(
    sw_a, sw_b, fake
):
    """Two boys of one authority called Mohammed Ali, both recorded as born on 1 January
    2008, under different 903 CHILD ids: two children, neither linked by the name (a third in
    another authority could be either). A duplicate record without a CHILD id still merges."""
    for child_903_id in ("0000011", "0000012"):
        add_child(
            sw_a,
            fake,
            "Mohammed",
            "Ali",
            date_of_birth=NEW_YEAR_2008,
            looked_after_from=dt.date(2023, 5, 1),
            child_903_id=child_903_id,
            flags=[("uasc", dt.date(2023, 5, 1))],
        )
    add_child(
        sw_b,
        fake,
        "Mohammed",
        "Ali",
        date_of_birth=NEW_YEAR_2008,
        looked_after_from=dt.date(2023, 5, 1),
        flags=[("uasc", dt.date(2023, 5, 1))],
    )
    export = pseudonymise(croydon(), P_START, P_END, key=KEY)
    assert len(export.children) == 2 and export.records_merged == 0
    assert {c.key_basis for c in export.children} == {"ambiguous"}
    assert export.not_linkable == {"ambiguous": 2}
    submit(croydon())
    submit(kent())
    t = tables.compute(P_START, P_END)
    assert t.linked_children == 0 and t.count(NATIONAL, "uasc", "children") == 3
    assert tables.not_linked_sentence(t.bases_of(NATIONAL)) == (
        "Children who could not be linked across authorities: 2 (2 whose name and date of birth "
        "another child of the same authority shares)"
    )


def test_a_name_links_and_a_placeholder_name_does_not(sw_a, sw_b, fake):
    # The same girl in both authorities, named in both: linked, once nationally.
    for user in (sw_a, sw_b):
        add_child(
            user,
            fake,
            "Amani",
            "Synthetic",
            date_of_birth=NEW_YEAR_2008,
            looked_after_from=dt.date(2023, 5, 1),
            flags=[("separated", dt.date(2023, 5, 1))],
        )
    # A child written as "Unknown" in each, born the same day: not linked.
    for user, child_903_id in ((sw_a, "0000021"), (sw_b, "0000021")):
        child = add_child(
            user,
            fake,
            "Unknown",
            "",
            date_of_birth=NEW_YEAR_2008,
            looked_after_from=dt.date(2023, 5, 1),
            child_903_id=child_903_id,
            flags=[("separated", dt.date(2023, 5, 1))],
        )
        assert child.given_names == "Unknown"
    submit(croydon())
    submit(kent())
    t = tables.compute(P_START, P_END)
    assert t.linked_children == 1
    assert t.count(NATIONAL, "separated", "children") == 3
    assert (t.bases[NATIONAL, "name_dob"], t.bases[NATIONAL, "authority_903"]) == (1, 2)


def test_the_command_line_says_who_could_not_be_linked(nameless, settings):
    settings.VISIBLE_PSEUDO_KEY = KEY.decode()
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        for code in (CROYDON, KENT):
            assert (
                visible(
                    ["pseudo", "submit", "--authority", code]
                    + ["--from", "2024-04-01", "--to", "2025-03-31"]
                )
                == 0
            )
        assert visible(["pseudo", "tables", "--suppress"]) == 0
    text = out.getvalue()
    assert "version 1: 3 children, 2 episodes." in text
    assert (
        "Children who could not be linked across authorities: 3 (3 with no name, Home Office or "
        "NRM reference, known only by their authority's SSDA903 CHILD id)." in text
    )
    # Published (--suppress): 5 nationally is a small count, suppressed.
    assert "Children who could not be linked across authorities: c (c with no name" in text
    audit = AuditEvent.objects.filter(object_type="pseudo_submission", action="create").earliest(
        "pk"
    )
    assert json.loads(audit.detail)["not_linkable"] == {"authority_903": 3}


def test_submissions_made_under_the_old_rule_are_not_mixed_in(nameless, sw_a, fake):
    submit(croydon())
    submit(kent())
    # Croydon's submission as it was made before this rule (rule 1), holding name-and-date
    # ids (under rule 1, every child without a reference had one).
    Submission.objects.filter(authority__code=CROYDON).update(linkage_rule=1)
    PseudoChild.objects.filter(authority__code=CROYDON).update(key_basis="name_dob")
    with pytest.raises(ValueError) as refused:
        tables.tables_for(Viewer.system("test"), P_START, P_END)
    assert "of 1 authority (Croydon (E09000008)) were made before Visible stopped linking" in str(
        refused.value
    )
    assert "must submit their child-level records for the period again" in str(refused.value)
    # The resubmission supersedes it, and the tables count again.
    again = submit(croydon())
    assert again.version == 2 and again.linkage_rule == 2
    assert (
        tables.tables_for(Viewer.system("test"), P_START, P_END).count(NATIONAL, "any", "children")
        == 5
    )
    # A rule-1 submission with no name-and-date id is the same under both rules: counted.
    Submission.objects.filter(authority__code=KENT, is_current=True).update(linkage_rule=1)
    assert (
        tables.tables_for(Viewer.system("test"), P_START, P_END).count(NATIONAL, "any", "children")
        == 5
    )
