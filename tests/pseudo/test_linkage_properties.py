"""Linkage rule 2 as properties, over many random registers (hypothesis): a pseudo id is
never made from a date of birth alone, so blanking names never merges two children, and
children who share a birthday, in one authority or in two, stay as many children as they are.

``pseudonymise.link`` is the whole of linkage (the database only supplies its inputs), so
these run on it directly, thousands of registers in seconds; test_linkage.py runs the same
rules through the register, the submission and the tables."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visible.pseudo.models import LOCAL_BASES
from visible.pseudo.pseudonymise import (
    Person,
    link,
    normalise_reference,
    real_name_key,
)
from visible.ssda903.writing import NAME_NOT_IN_RETURN

PROPERTY = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
KEY = b"test-national-key-0123456789abcdef-not-a-real-one"
AUTHORITIES = ("E09000008", "E10000016", "E06000001")
# Few days, so that most children share a birthday with another, in their authority and in others.
BIRTHDAYS = (dt.date(2008, 1, 1), dt.date(2009, 1, 1), dt.date(2009, 6, 15))
NO_NAME = ("", NAME_NOT_IN_RETURN, "Unknown", "NOT KNOWN", "N/K")


@st.composite
def registers(draw, names_identify: bool = True):
    """Distinct children (people), each held by one to three authorities, one record in each:
    a date of birth from three days; in each authority, maybe a 903 CHILD id (the authority's
    own number), maybe the child's Home Office and NRM references, maybe their name (or a
    placeholder, as an SSDA903 import writes). With ``names_identify`` every child has a name
    of their own; without, names come from a pool of three, as common names do.
    Returns (records: authority -> [Person], person_of: (authority, record) -> person)."""
    people = draw(st.integers(1, 24))
    records: dict[str, list[Person]] = defaultdict(list)
    person_of: dict[tuple[str, int], int] = {}
    number = 0
    for p in range(people):
        birthday = draw(st.sampled_from(BIRTHDAYS))
        home_office = f"H{p:07d}" if draw(st.booleans()) else ""
        nrm = f"NRM-{p}" if draw(st.booleans()) else ""
        if names_identify:
            name = (f"Given{p}", f"Family{p}")
        else:
            name = draw(
                st.sampled_from([("Dawit", "Tesfaye"), ("Van Anh", "Nguyen"), ("Amani", "")])
            )
        held = draw(st.sets(st.sampled_from(AUTHORITIES), min_size=1, max_size=3))
        for authority in sorted(held):
            number += 1
            named = draw(st.booleans())
            records[authority].append(
                Person(
                    record=number,
                    given_names=name[0] if named else draw(st.sampled_from(NO_NAME)),
                    family_name=name[1] if named else "",
                    date_of_birth=birthday,
                    home_office_ref=home_office if draw(st.booleans()) else "",
                    nrm_ref=nrm if draw(st.booleans()) else "",
                    child_903_id=f"{p:07d}AB" if draw(st.integers(0, 9)) else "",
                )
            )
            person_of[authority, number] = p
    return dict(records), person_of


def ids(records: dict[str, list[Person]]) -> dict[tuple[str, int], tuple[str, str]]:
    """(authority, record) -> (basis, pseudo id), every authority linked on its own as it is
    when it submits."""
    return {
        (authority, record): linked
        for authority, people in records.items()
        for record, linked in link(authority, people, KEY).items()
    }


def blank_names(records, blank: set[int]):
    return {
        authority: [
            Person(
                p.record,
                NAME_NOT_IN_RETURN if p.record in blank else p.given_names,
                "" if p.record in blank else p.family_name,
                p.date_of_birth,
                p.home_office_ref,
                p.nrm_ref,
                p.child_903_id,
            )
            for p in people
        ]
        for authority, people in records.items()
    }


@PROPERTY
@given(registers())
def test_two_different_children_never_get_one_id_whoever_shares_a_birthday(register):
    records, person_of = register
    linked = ids(records)
    by_id: dict[str, set[int]] = defaultdict(set)
    for key, (_, pid) in linked.items():
        by_id[pid].add(person_of[key])
    assert all(len(people) == 1 for people in by_id.values())
    # So every authority sends exactly as many children as it holds, and the country has at
    # least as many as there are people (more where a child could not be linked).
    for authority, people in records.items():
        sent = {pid for (a, _), (_, pid) in linked.items() if a == authority}
        assert len(sent) == len(people)


@PROPERTY
@given(registers(), st.data())
def test_blanking_names_never_merges_children_it_only_loses_links(register, data):
    records, _ = register
    every = sorted(p.record for people in records.values() for p in people)
    blank = data.draw(st.sets(st.sampled_from(every)) if every else st.just(set()))
    before = ids(records)
    after = ids(blank_names(records, blank))
    # Any two records that share an id after names were blanked shared one before.
    together: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key, (_, pid) in after.items():
        together[pid].append(key)
    for keys in together.values():
        assert len({before[k][1] for k in keys}) == 1
    # A record with no name and no national reference is known by its authority's own id.
    for authority, people in blank_names(records, blank).items():
        for p in people:
            if not (p.home_office_ref or p.nrm_ref or real_name_key(p.given_names, p.family_name)):
                assert after[authority, p.record][0] in LOCAL_BASES


@PROPERTY
@given(registers(names_identify=False))
def test_an_id_always_rests_on_a_reference_a_real_name_or_the_authoritys_own_number(register):
    """Whatever the names (common ones, placeholders, blanks): two records share an id only
    when they share a Home Office reference, an NRM reference, or a real name with the date
    of birth, or are the same authority's record under the same 903 CHILD id. Never the date
    of birth alone; and records an authority numbers as two children are never one."""
    records, _ = register
    linked = ids(records)
    record_of = {(a, p.record): p for a, people in records.items() for p in people}
    together: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key, (_, pid) in linked.items():
        together[pid].append(key)
    for keys in together.values():
        for first, second in zip(keys, keys[1:], strict=False):
            a, b = record_of[first], record_of[second]
            ho = normalise_reference(a.home_office_ref)
            nrm = normalise_reference(a.nrm_ref)
            name = real_name_key(a.given_names, a.family_name)
            assert (
                (ho and ho == normalise_reference(b.home_office_ref))
                or (nrm and nrm == normalise_reference(b.nrm_ref))
                or (
                    name
                    and name == real_name_key(b.given_names, b.family_name)
                    and a.date_of_birth == b.date_of_birth
                )
                or (first[0] == second[0] and a.child_903_id and a.child_903_id == b.child_903_id)
            ), (a, b)
            if first[0] == second[0]:
                assert not (a.child_903_id and b.child_903_id and a.child_903_id != b.child_903_id)
