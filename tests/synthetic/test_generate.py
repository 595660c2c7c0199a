"""`visible generate` as a user runs it: repeatable, adds to what is there, says clearly what
went wrong, and leaves one audit event per run."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from django.db import transaction

from tests.factories import CROYDON, KENT
from visible.audit.log import verify
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.cli import main
from visible.demo.synthetic.generate import generate

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    """Everything a user could see about the generated children, without database ids."""
    rows = []
    children = (
        Child.objects.select_related("responsible_organisation__authority")
        .prefetch_related(
            "flags",
            "placements__authority",
            "other_names",
            "nrm_referrals",
            "age_assessments",
            "guardians",
            "episodes__police_force",
            "episodes__return_interview",
            "episodes__gradings",
        )
        .order_by("responsible_organisation__authority__code", "council_id")
    )
    for c in children:
        rows.append(
            (
                c.responsible_organisation.authority.code,
                c.council_id,
                c.child_903_id,
                c.given_names,
                c.family_name,
                c.preferred_name,
                c.date_of_birth,
                c.dob_basis,
                c.sex,
                c.gender,
                c.nationality,
                c.first_language,
                tuple(c.other_languages),
                c.interpreter_needed,
                c.looked_after_from,
                c.legal_status,
                c.home_office_ref,
                c.police_ref,
                c.nrm_ref,
                c.search_text,
                sorted(
                    (f.kind, f.stage, f.start_date, f.end_date, f.evidence, f.end_reason)
                    for f in c.flags.all()
                ),
                sorted(
                    (
                        p.place_code,
                        p.detail,
                        p.start_date,
                        p.end_date,
                        p.postcode,
                        p.authority.code,
                        p.provider,
                    )
                    for p in c.placements.all()
                ),
                sorted((n.name, n.kind) for n in c.other_names.all()),
                sorted(
                    (
                        r.referred_on,
                        r.first_responder,
                        r.reference,
                        r.rg_decision,
                        r.rg_decided_on,
                        r.cg_decision,
                        r.cg_decided_on,
                        r.stayed,
                        r.stayed_on,
                    )
                    for r in c.nrm_referrals.all()
                ),
                sorted(
                    (a.status, a.status_from, a.concluded_on, a.assessed_date_of_birth)
                    for a in c.age_assessments.all()
                ),
                sorted(
                    (g.kind, g.guardian_name, g.service, g.start_date, g.end_date)
                    for g in c.guardians.all()
                ),
                sorted(
                    (
                        e.category,
                        e.last_seen_at,
                        e.last_seen_place,
                        e.returned_at,
                        e.found_place,
                        e.reported_by_name,
                        e.police_force.name if e.police_force else "",
                        e.police_reported_at,
                        e.police_reference,
                        e.grade,
                        _interview(e),
                        tuple(sorted(g.grade for g in e.gradings.all())),
                    )
                    for e in c.episodes.all()
                ),
            )
        )
    return rows


def _interview(episode) -> tuple:
    interview = getattr(episode, "return_interview", None)
    if interview is None:
        return ()
    return (
        interview.outcome,
        interview.offered_at,
        interview.done_at,
        interview.interviewer_name,
        tuple(interview.indicators),
    )


def generate_and_roll_back(**arguments) -> list[tuple]:
    """Generate into the database as it is now, look, then undo, so the next run starts from
    the same state (as a fresh database would)."""
    with transaction.atomic():
        generate(progress=False, **arguments)
        seen = snapshot()
        transaction.set_rollback(True)
    return seen


def test_same_seed_gives_the_same_register_and_another_seed_another():
    arguments = dict(authorities=[CROYDON, KENT], national=False, children=150)
    first = generate_and_roll_back(seed=5, **arguments)
    second = generate_and_roll_back(seed=5, **arguments)
    other = generate_and_roll_back(seed=6, **arguments)
    assert len(first) == 150
    assert first == second
    names = {(row[3], row[4]) for row in first}
    assert names != {(row[3], row[4]) for row in other}
    assert [row[20] for row in first] != [row[20] for row in other]  # flag sets differ too
    assert any(
        row[26] for row in first
    )  # and the runs include missing episodes, the same each time


def test_one_audit_event_per_run_and_the_chain_still_verifies():
    before = AuditEvent.objects.count()
    summary = generate([CROYDON], national=False, children=60, seed=9)
    events = AuditEvent.objects.order_by("seq")[before:]
    assert len(events) == 1
    event = events[0]
    assert event.action == "generate" and event.object_type == "register"
    assert (
        '"seed":9' in event.detail
        and '"children":60' in event.detail
        and '"authorities":1' in event.detail
    )
    assert "60 children" in event.summary
    assert summary.children == 60
    assert verify().ok


def test_generating_again_adds_children_with_new_identifiers():
    generate([CROYDON], national=False, children=40, seed=1)
    generate([CROYDON], national=False, children=40, seed=2)
    ids = list(Child.objects.values_list("council_id", flat=True))
    assert len(ids) == len(set(ids)) == 80
    assert "CRY000001" in ids and "CRY000080" in ids  # numbering continues after the first run
    assert len(set(Child.objects.values_list("child_903_id", flat=True))) == 80


def test_cli_generate(capsys):
    assert main(["generate", "--authority", CROYDON, "--children", "50", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Generated 50 children in 1 authority" in out
    assert Child.objects.filter(responsible_organisation__authority__code=CROYDON).count() == 50


def test_unknown_authority_code_says_what_to_use_instead(capsys):
    assert main(["generate", "--authority", "E09999999", "--children", "5", "--quiet"]) == 2
    message = capsys.readouterr().err
    assert "Unknown authority code 'E09999999'" in message and "GSS code" in message
    with pytest.raises(ValueError, match=r"Did you mean E09000008 \(Croydon\)"):
        generate(["Croydon"], national=False, children=5, seed=1)
    with pytest.raises(ValueError, match="does not run children's services"):
        generate(["E07000105"], national=False, children=5, seed=1)  # Ashford, a Kent district
    assert not Child.objects.exists()


def test_nonsense_arguments_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        generate([CROYDON], national=False, children=0, seed=1)
    with pytest.raises(ValueError, match="not both"):
        generate([CROYDON], national=True, children=5, seed=1)
    with pytest.raises(ValueError, match="at least one authority"):
        generate(None, national=False, children=5, seed=1)


def test_shared_birthdays_give_many_children_the_birthday_of_another():
    """--shared-birthdays: many children born on the same day, in one authority and across
    two (what pseudonymised linkage must not take for one child), as many children as
    without, the same seed giving the same register."""
    arguments = dict(authorities=[CROYDON, KENT], national=False, children=300, seed=5)
    plain = generate_and_roll_back(shared_birthdays=0, **arguments)
    shared = generate_and_roll_back(shared_birthdays=0.5, **arguments)
    assert shared == generate_and_roll_back(shared_birthdays=0.5, **arguments)
    assert [row[:3] for row in shared] == [row[:3] for row in plain]  # authority, ids

    def born_together(rows) -> tuple[int, int]:
        here, where = Counter((row[0], row[6]) for row in rows), defaultdict(set)
        for code, dob in here:
            where[dob].add(code)
        return (
            sum(n for n in here.values() if n > 1),
            sum(n for (_, dob), n in here.items() if len(where[dob]) > 1),
        )

    (plain_here, plain_across), (shared_here, shared_across) = (
        born_together(plain),
        born_together(shared),
    )
    assert shared_here > plain_here + 50 and shared_across > plain_across + 50
    with pytest.raises(ValueError, match="between 0 and 1"):
        generate([CROYDON], national=False, children=5, seed=1, shared_birthdays=1.5)
    assert (
        main(
            [
                "generate",
                "--authority",
                CROYDON,
                "--children",
                "20",
                "--quiet",
                "--shared-birthdays",
                "0.9",
            ]
        )
        == 0
    )
    assert Child.objects.values("date_of_birth").distinct().count() < 10


def test_by_default_some_children_share_a_birthday_with_another():
    """Issue 15: every register the suite and the demo generate has children born on the same
    day as another, beyond what chance gives, so that linkage, duplicate checks and search meet
    them everywhere; still one child each."""
    arguments = dict(authorities=[CROYDON, KENT], national=False, children=300, seed=5)
    with transaction.atomic():
        summary = generate(progress=False, **arguments)
        by_default = snapshot()
        transaction.set_rollback(True)
    drawn = generate_and_roll_back(shared_birthdays=0, **arguments)
    assert len(by_default) == len(drawn) == 300

    # About 1 in 20 given an earlier child's date of birth (300 x 0.05 = 15 on average), and
    # said so in the summary `visible generate` prints.
    assert 5 <= summary.shared_birthdays <= 30
    assert f"{summary.shared_birthdays} children born on the same day as" in summary.describe()

    # Far more children share a birthday than chance alone gives (a few hundred children born
    # within eight years share days by chance too): each given one adds itself, and often the
    # child it was given it from.
    def sharing(rows) -> int:
        born = Counter(row[6] for row in rows)
        return sum(n for n in born.values() if n > 1)

    assert sharing(by_default) >= sharing(drawn) + summary.shared_birthdays // 2
