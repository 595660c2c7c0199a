"""The national tables from child-level records: every number on a small register worked out
by hand, every number on a generated data set worked out again in plain Python, DuckDB and the
database agreeing, a resubmission replacing, and only the national body's analysts reading."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from contextlib import redirect_stderr, redirect_stdout

import duckdb
import pytest
from django.core.exceptions import PermissionDenied

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
from visible.agencies.viewer import Viewer
from visible.audit.models import AuditEvent
from visible.cli import main as visible
from visible.demo import pseudo as synthetic
from visible.pseudo import actions, tables
from visible.pseudo.models import PseudoChild, PseudoEpisode, Submission
from visible.reference.models import Authority
from visible.returns import disclosure, foi

pytestmark = pytest.mark.django_db
NATIONAL = tables.NATIONAL


def croydon() -> Authority:
    return Authority.objects.get(code=CROYDON)


def kent() -> Authority:
    return Authority.objects.get(code=KENT)


@pytest.fixture
def two_registers(sw_a, sw_b, fake):
    """| child | Croydon | Kent |
    | --- | --- | --- |
    | Amara, girl, ERI, Home Office H1000001 | UASC; M 10 h (May), A 48 h (June) | UASC and identified; M 8 days (Sept) |
    | Bilal, boy, AFG | suspected; M from 20/3/2025, still open | - |
    | Chen, boy, VNM | identified; no episodes | - |
    | Dara, girl, SDN | - | separated; no episodes |
    | Eli, boy, ALB | - | suspected; A 30 h (Oct) |
    """

    def kid(user, name, sex, gender, nationality, flags, **values):
        return add_child(
            user,
            fake,
            name,
            "Synthetic",
            sex=sex,
            gender=gender,
            nationality=nationality,
            date_of_birth=values.pop("dob", dt.date(2008, 4, 4)),
            looked_after_from=dt.date(2023, 1, 1),
            flags=[(k, dt.date(2023, 1, 1)) for k in flags],
            **values,
        )

    amara_a = kid(sw_a, "Amara", "F", "girl", "ERI", ["uasc"], home_office_ref="H1000001")
    add_episode(sw_a, amara_a, "M", at(2024, 5, 1, 8), at(2024, 5, 1, 18))
    add_episode(sw_a, amara_a, "A", at(2024, 6, 10), at(2024, 6, 12), found_by="self")
    bilal = kid(sw_a, "Bilal", "M", "boy", "AFG", ["trafficked_suspected"])
    add_episode(sw_a, bilal, "M", at(2025, 3, 20, 10))
    kid(sw_a, "Chen", "M", "boy", "VNM", ["trafficked_identified"])
    amara_b = kid(
        sw_b,
        "Amara",
        "F",
        "girl",
        "ERI",
        ["uasc", "trafficked_identified"],
        home_office_ref="h1000001",
    )
    add_episode(sw_b, amara_b, "M", at(2024, 9, 1), at(2024, 9, 9))
    kid(sw_b, "Dara", "F", "girl", "SDN", ["separated"])
    eli = kid(sw_b, "Eli", "M", "boy", "ALB", ["trafficked_suspected"])
    add_episode(sw_b, eli, "A", at(2024, 10, 1, 6), at(2024, 10, 2, 12))


def submit_both(key=KEY):
    viewer = Viewer.system("test")
    actions.submit(viewer, croydon(), P_START, P_END, key=key)
    actions.submit(viewer, kent(), P_START, P_END, key=key)


def test_every_table_on_two_registers_worked_out_by_hand(two_registers):
    submit_both()
    t = tables.tables_for(Viewer.system("test"), P_START, P_END)

    def row(scope, group):
        return {
            m: t.count(scope, group, m)
            for m in (
                "children",
                "children_missing_or_away",
                "children_missing",
                "children_away",
                "incidents",
                "incidents_missing",
                "incidents_away",
                "incidents_under_24_hours",
                "incidents_1_to_7_days",
                "incidents_over_7_days",
                "incidents_still_missing",
                "children_still_missing",
            )
        }

    def expect(
        children, went, went_m, went_a, incidents, inc_m, inc_a, under, days, over, still_inc, still
    ):
        return dict(
            zip(
                row(NATIONAL, "any"),
                (
                    children,
                    went,
                    went_m,
                    went_a,
                    incidents,
                    inc_m,
                    inc_a,
                    under,
                    days,
                    over,
                    still_inc,
                    still,
                ),
                strict=True,
            )
        )

    assert row(CROYDON, "any") == expect(3, 2, 2, 1, 3, 2, 1, 1, 1, 0, 1, 1)
    assert row(KENT, "any") == expect(3, 2, 1, 1, 2, 1, 1, 0, 1, 1, 0, 0)
    # Nationally Amara is one child (not 6 children, 4 missing, as the two returns add up to).
    assert row(NATIONAL, "any") == expect(5, 3, 2, 2, 5, 3, 2, 1, 2, 1, 1, 1)
    children = {
        g: (
            t.count(CROYDON, g, "children"),
            t.count(KENT, g, "children"),
            t.count(NATIONAL, g, "children"),
        )
        for g in tables.GROUP_CODES
    }
    assert children == {
        "trafficked_identified": (1, 1, 2),  # Chen; Amara (identified in Kent)
        "trafficked_suspected": (1, 1, 2),  # Bilal; Eli
        "trafficked": (2, 2, 4),
        "uasc": (1, 1, 1),  # Amara, once
        "separated": (0, 1, 1),
        "unaccompanied": (0, 0, 0),
        "uasc_or_separated": (1, 2, 2),
        "any": (3, 3, 5),
    }
    # Amara went missing in Croydon as UASC only; nationally she is identified too.
    assert t.count(CROYDON, "trafficked_identified", "children_missing_or_away") == 0
    assert t.count(NATIONAL, "trafficked_identified", "children_missing_or_away") == 1
    assert t.count(NATIONAL, "trafficked_identified", "incidents") == 1  # the one Kent reported
    # Incidents per child: Amara 3 (2 + 1 across authorities), Bilal 1, Eli 1.
    assert dict(t.per_child[NATIONAL]) == {1: 2, 3: 1}
    assert dict(t.per_child[CROYDON]) == {1: 1, 2: 1}
    assert t.mean_incidents_per_child(NATIONAL) == 1.67 and t.max_incidents_per_child(NATIONAL) == 3
    assert t.per_child_bands(NATIONAL) == {"1": 2, "2": 0, "3_5": 1, "6_10": 0, "11_plus": 0}
    # By nationality and gender, those who went missing or away.
    went = {
        (n, g): v
        for (s, n, g, m), v in t.nationality.items()
        if s == NATIONAL and m == "children_missing_or_away"
    }
    assert went == {("ERI", "girl"): 1, ("AFG", "boy"): 1, ("ALB", "boy"): 1}
    assert t.nationality[NATIONAL, "ERI", "girl", "children"] == 1
    assert t.nationality[NATIONAL, "VNM", "boy", "children"] == 1
    # The table the aggregate returns cannot give.
    assert (t.linked_children, t.missing_from_more_than_one) == (1, 1)
    assert dict(t.also_missing_elsewhere) == {CROYDON: 1, KENT: 1}


def test_an_authoritys_row_is_its_own_foi_return(two_registers):
    submit_both()
    t = tables.compute(P_START, P_END)
    for authority in (croydon(), kent()):
        own = foi.count_return([authority], P_START, P_END)
        for group in tables.GROUP_CODES:
            for measure in tables.MEASURE_CODES:
                assert t.count(authority.code, group, measure) == own.count(group, measure), (
                    authority.code,
                    group,
                    measure,
                )


def test_a_resubmission_replaces_and_never_adds(two_registers, sw_a, fake):
    submit_both()
    before = tables.compute(P_START, P_END).numbers()
    children, episodes = PseudoChild.objects.count(), PseudoEpisode.objects.count()
    actions.submit(Viewer.system("test"), croydon(), P_START, P_END, key=KEY)
    assert tables.compute(P_START, P_END).numbers() == before
    assert (PseudoChild.objects.count(), PseudoEpisode.objects.count()) == (children, episodes)
    versions = list(
        Submission.objects.filter(authority=croydon())
        .order_by("version")
        .values_list("version", "is_current")
    )
    assert versions == [(1, False), (2, True)]
    # A child added since: one more, not the whole register again.
    add_child(
        sw_a,
        fake,
        "Faisal",
        "Synthetic",
        looked_after_from=dt.date(2023, 1, 1),
        flags=[("uasc", dt.date(2023, 1, 1))],
    )
    actions.submit(Viewer.system("test"), croydon(), P_START, P_END, key=KEY)
    after = tables.compute(P_START, P_END)
    assert after.count(CROYDON, "any", "children") == 4
    assert after.count(NATIONAL, "any", "children") == 6
    assert PseudoChild.objects.count() == children + 1


def test_submissions_under_different_keys_are_not_linked(two_registers):
    actions.submit(Viewer.system("test"), croydon(), P_START, P_END, key=KEY)
    actions.submit(Viewer.system("test"), kent(), P_START, P_END, key=OTHER_KEY)
    with pytest.raises(ValueError, match="different keys"):
        tables.tables_for(Viewer.system("test"), P_START, P_END)


def test_only_a_national_body_analyst_reads_the_tables(
    two_registers, national_analyst, national_body, manager_a, analyst_a
):
    from tests.factories import make_user
    from visible.agencies.models import Role

    submit_both()
    result = tables.tables_for(as_viewer(national_analyst), P_START, P_END)
    assert result.count(NATIONAL, "any", "children") == 5
    assert (
        AuditEvent.objects.filter(
            object_type="pseudo_tables", action="count", actor_username="analyst.national"
        ).count()
        == 1
    )
    clerk = make_user("clerk.national", national_body, Role.SOCIAL_WORKER)
    for user in (manager_a, analyst_a, clerk):
        with pytest.raises(PermissionDenied):
            tables.tables_for(as_viewer(user), P_START, P_END)
        assert (
            AuditEvent.objects.filter(
                object_type="pseudo_tables", action="denied", actor_username=user.username
            ).count()
            == 1
        )


def test_only_the_authoritys_own_council_submits(two_registers, sw_a, manager_b):
    with pytest.raises(PermissionDenied):
        actions.submit(as_viewer(sw_a), croydon(), P_START, P_END, key=KEY)  # a social worker
    with pytest.raises(PermissionDenied):
        actions.submit(as_viewer(manager_b), croydon(), P_START, P_END, key=KEY)  # another council
    assert not Submission.objects.exists()
    assert AuditEvent.objects.filter(object_type="pseudo_submission", action="denied").count() == 2


def test_the_command_line_submits_and_prints_the_tables(two_registers, settings):
    settings.VISIBLE_PSEUDO_KEY = KEY.decode()
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert (
            visible(
                [
                    "pseudo",
                    "submit",
                    "--authority",
                    CROYDON,
                    "--from",
                    "2024-04-01",
                    "--to",
                    "2025-03-31",
                ]
            )
            == 0
        )
        assert (
            visible(
                [
                    "pseudo",
                    "submit",
                    "--authority",
                    KENT,
                    "--from",
                    "2024-04-01",
                    "--to",
                    "2025-03-31",
                ]
            )
            == 0
        )
        assert visible(["pseudo", "tables"]) == 0
    text = out.getvalue()
    assert (
        "Submitted Croydon (E09000008), 01/04/2024 to 31/03/2025, version 1: 3 children, 3 episodes."
        in text
    )
    assert "Children who went missing or away from more than one authority: 1" in text
    assert "development key" not in err.getvalue()
    with redirect_stdout(out), redirect_stderr(err):
        assert visible(["pseudo", "tables", "--from", "2020-04-01", "--to", "2021-03-31"]) == 2
    assert (
        "no authority has submitted child-level records for 01/04/2020 to 31/03/2021"
        in err.getvalue()
    )


def test_suppressed_tables_show_small_counts_as_c_and_none_can_be_worked_out(two_registers):
    submit_both()
    result = tables.compute(P_START, P_END)
    text = tables.render_text(result, suppress=True)
    lines = text.splitlines()
    assert "(disclosure control applied)" in lines[0]
    national = next(li for li in lines if li.startswith("Children in care in the period"))
    assert national.split()[-8:] == [
        "c",
        "c",
        "c",
        "c",
        "c",
        "0",
        "c",
        "c",
    ]  # 2, 2, 4, 1, 1, 0, 2, 5: zero is shown
    croydon_row = next(li for li in lines if li.startswith("Croydon (E09000008)"))
    assert croydon_row.split()[-8:] == ["c", "c", "c", "c", "0", "0", "c", "c"]
    for table in tables.text_tables(result):
        if table.counts:
            published = disclosure.protect(table.values, table.relations, rounded=table.rounded)
            assert not disclosure.recoverable_by_subtraction(published, table.relations), (
                table.title
            )
    unsuppressed = tables.render_text(result)
    assert "(unsuppressed: not for publication)" in unsuppressed
    assert next(
        li for li in unsuppressed.splitlines() if li.startswith("Croydon (E09000008)")
    ).split()[-8:] == ["1", "1", "2", "1", "0", "0", "1", "3"]


# --- a generated data set: the SQL against plain Python, and against DuckDB -----------------------


def expected_numbers(data: synthetic.Dataset) -> dict:
    """Every number of the tables, worked out from the generated rows without SQL."""
    code = {pk: c for pk, (c, _) in data.authorities.items()}
    episodes = defaultdict(list)
    for e in data.episodes:
        episodes[e[2]].append(e)

    def groups_of(row):
        return [g for g, on in zip(tables.GROUP_CODES, row[10:18], strict=True) if on]

    def counted_in(groups, eps) -> set:
        """(group, measure) a record with these groups and episodes counts one child in."""
        went_m, went_a = any(e[3] == "M" for e in eps), any(e[3] == "A" for e in eps)
        still, t18 = any(e[7] for e in eps), any(e[7] and e[8] for e in eps)
        return {
            (g, measure)
            for g in groups
            for measure, on in (
                ("children", True),
                ("children_missing_or_away", went_m or went_a),
                ("children_missing", went_m),
                ("children_away", went_a),
                ("children_still_missing", still),
                ("children_still_missing_turned_18", t18),
            )
            if on
        }

    out: Counter = Counter()
    people = defaultdict(list)
    for row in data.children:
        scope, groups, eps = code[row[2]], groups_of(row), episodes[row[0]]
        people[row[3]].append((scope, row, eps))
        for key in counted_in(groups, eps):
            out["groups", scope, *key] += 1
        out["nationality", scope, row[7], row[6], "children"] += 1
        out["bases", scope, row[4]] += 1
        if eps:
            out["nationality", scope, row[7], row[6], "children_missing_or_away"] += 1
            out["per_child", scope, len(eps)] += 1
        for e in eps:
            for g in groups:
                for s in (scope, NATIONAL):
                    for m in (
                        "incidents",
                        "incidents_missing" if e[3] == "M" else "incidents_away",
                        f"incidents_{e[6]}",
                    ) + (("incidents_started_before",) if e[9] else ()):
                        out["groups", s, g, m] += 1
    linked = missing_twice = 0
    for records in people.values():
        # Nationally one child, counted wherever any of their records counts; identified
        # anywhere beats suspected.
        counted = set().union(*(counted_in(groups_of(row), es) for _, row, es in records))
        if any(row[10] for _, row, _ in records):
            counted = {k for k in counted if k[0] != "trafficked_suspected"}
        for key in counted:
            out["groups", NATIONAL, *key] += 1
        eps = [e for _, _, es in records for e in es]
        first = min(records, key=lambda r: r[0])[1]
        out["nationality", NATIONAL, first[7], first[6], "children"] += 1
        (basis,) = {row[4] for _, row, _ in records}  # one basis per person
        out["bases", NATIONAL, basis] += 1
        if eps:
            out["nationality", NATIONAL, first[7], first[6], "children_missing_or_away"] += 1
            out["per_child", NATIONAL, len(eps)] += 1
        if len(records) > 1:
            linked += 1
            went_in = {scope for scope, _, es in records if es}
            if len(went_in) > 1:
                missing_twice += 1
                for scope in went_in:
                    out["also_missing_elsewhere", scope] += 1
    numbers = {k: v for k, v in out.items() if v}
    numbers["linked_children"] = linked
    numbers["missing_from_more_than_one"] = missing_twice
    return numbers


@pytest.fixture
def generated(db):
    authorities = {
        a.pk: (a.code, a.name)
        for a in Authority.objects.filter(
            code__in=(CROYDON, KENT, "E06000001", "W06000015", "S12000036")
        )
    }
    data = synthetic.generate(
        authorities,
        children=2500,
        episodes=6000,
        seed=7,
        start=P_START,
        end=P_END,
        linked_share=0.08,
    )
    synthetic.load_database(data)
    return data


def test_every_number_on_a_generated_data_set_matches_plain_python(generated):
    result = tables.compute(P_START, P_END)
    expected = expected_numbers(generated)
    assert (
        expected["linked_children"] > 50 and expected["missing_from_more_than_one"] > 5
    )  # the data exercises linkage
    assert result.numbers() == expected


def test_duckdb_and_the_database_give_the_same_tables(generated, tmp_path):
    con = duckdb.connect()
    synthetic.load_duckdb(generated, con, tmp_path)
    on_duckdb = tables.compute(
        P_START,
        P_END,
        run=lambda sql, params: con.execute(sql.replace("%s", "?"), list(params)).fetchall(),
        authorities=generated.authorities,
    )
    on_database = tables.compute_on_database(P_START, P_END)
    assert on_duckdb.numbers() == on_database.numbers()
    assert on_database.count(NATIONAL, "any", "incidents") == 6000


def test_links_follow_resubmissions(two_registers, sw_b, council_b):
    from visible.children import actions as register
    from visible.children.models import Flag

    submit_both()
    assert PseudoChild.objects.filter(linked=True).count() == 2  # Amara, in each authority
    # Kent's record of Amara turns out to be wrong: her flags there are ended before the period.
    for flag in Flag.objects.filter(
        child__given_names="Amara", child__responsible_organisation=council_b
    ):
        register.end_flag(
            as_viewer(sw_b), flag, dt.date(2024, 2, 1), "Recorded in error (synthetic)"
        )
    actions.submit(Viewer.system("test"), kent(), P_START, P_END, key=KEY)
    assert not PseudoChild.objects.filter(linked=True).exists()
    t = tables.compute(P_START, P_END)
    assert (t.linked_children, t.missing_from_more_than_one) == (0, 0)
    assert (
        t.count(CROYDON, "any", "children"),
        t.count(KENT, "any", "children"),
        t.count(NATIONAL, "any", "children"),
    ) == (3, 2, 5)
    # Croydon resubmitting changes nothing.
    actions.submit(Viewer.system("test"), croydon(), P_START, P_END, key=KEY)
    assert not PseudoChild.objects.filter(linked=True).exists()


def test_relinking_from_scratch_gives_the_links_the_loader_wrote(generated):
    linked = set(PseudoChild.objects.filter(linked=True).values_list("pk", flat=True))
    assert len(linked) > 100
    PseudoChild.objects.update(linked=False)
    actions.relink(P_START, P_END, set(PseudoChild.objects.values_list("pseudo_id", flat=True)))
    assert set(PseudoChild.objects.filter(linked=True).values_list("pk", flat=True)) == linked


def test_a_failed_resubmission_leaves_the_earlier_one_in_place(two_registers, monkeypatch):
    submit_both()
    before = tables.compute(P_START, P_END).numbers()
    rows = PseudoChild.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away (synthetic)")

    monkeypatch.setattr(PseudoEpisode.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        actions.submit(Viewer.system("test"), croydon(), P_START, P_END, key=KEY)
    assert list(
        Submission.objects.filter(authority=croydon()).values_list("version", "is_current")
    ) == [(1, True)]
    assert PseudoChild.objects.count() == rows
    assert tables.compute(P_START, P_END).numbers() == before
