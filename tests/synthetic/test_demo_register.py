"""The demo register (Croydon and Kent): what a social worker opening it would notice."""

from __future__ import annotations

import collections
import datetime as dt
import unicodedata

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from tests.factories import CROYDON, KENT
from visible.children.models import (
    SCOPE_FLAGS,
    TRAFFICKING_FLAGS,
    AgeAssessment,
    CarePeriod,
    Child,
    ChildName,
    Flag,
    FlagKind,
    GuardianAssignment,
    NameKind,
    NrmReferral,
    Placement,
)
from visible.children.names import fold
from visible.missing.models import Episode, ReturnInterview

RUNS = [dict(authorities=[CROYDON, KENT], national=False, children=1200, seed=11)]

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def test_summary_counts_what_was_written(generated):
    summary = generated[0]
    assert summary.children == Child.objects.count() == 1200
    assert summary.flags == Flag.objects.count()
    assert summary.placements == Placement.objects.count()
    assert summary.nrm_referrals == NrmReferral.objects.count()
    assert summary.other_names == ChildName.objects.count()
    assert summary.guardians == GuardianAssignment.objects.count()
    assert summary.age_assessments == AgeAssessment.objects.count()
    assert summary.episodes == Episode.objects.count() > 0
    assert summary.return_interviews == ReturnInterview.objects.count()
    assert summary.authorities == 2
    assert "Generated 1,200 children in 2 authorities" in summary.describe()


def test_kent_has_more_children_than_croydon_as_in_the_report(generated):
    # Report, Appendix 3: Kent 985 unaccompanied and 31 trafficked children; Croydon 605 and 31.
    by_code = dict(
        Child.objects.values_list("responsible_organisation__authority__code").annotate(
            n=Count("id")
        )
    )
    assert by_code[KENT] > by_code[CROYDON] > 200


def test_every_child_is_in_scope_today(generated, today):
    in_scope = Flag.objects.filter(kind__in=SCOPE_FLAGS).active_on(today).values("child")
    assert Child.objects.exclude(pk__in=in_scope).count() == 0


def test_flags_overlap_realistically(generated, today):
    def children_with(kind):
        return set(
            Flag.objects.filter(kind=kind).active_on(today).values_list("child_id", flat=True)
        )

    uasc, unaccompanied = children_with(FlagKind.UASC), children_with(FlagKind.UNACCOMPANIED)
    trafficked = children_with(FlagKind.TRAFFICKED_SUSPECTED) | children_with(
        FlagKind.TRAFFICKED_IDENTIFIED
    )
    assert len(uasc) > len(Child.objects.all()) / 2  # mostly unaccompanied asylum-seeking children
    assert len(uasc & unaccompanied) / len(uasc) > 0.75  # most UASC are also unaccompanied
    assert 0.03 < len(uasc & trafficked) / len(uasc) < 0.35  # a minority also suspected trafficked
    assert len(trafficked) < len(unaccompanied)  # report: 590 trafficked to 4,744 unaccompanied
    assert (
        Flag.objects.filter(kind=FlagKind.CSE).exists()
        and Flag.objects.filter(kind=FlagKind.CCE).exists()
    )
    criminalised = Flag.objects.filter(kind=FlagKind.CRIMINALISED)
    assert criminalised.exists() and not criminalised.filter(stage="").exists()
    ended = Flag.objects.filter(end_date__isnull=False)
    assert (
        ended.exists()
        and not ended.filter(
            Q(end_reason="") | Q(ended_at__isnull=True) | Q(ended_by_name="")
        ).exists()
    )
    assert not Flag.objects.exclude(source="generated").exists()
    # Recorded by a (synthetic) person, by name, as on a real record: never "generator".
    assert not Flag.objects.filter(recorded_by_name__in=["", "generator"]).exists()
    assert all(
        len(name.split()) >= 2 for name in Flag.objects.values_list("recorded_by_name", flat=True)
    )
    assert not Flag.objects.filter(evidence="").exists()


def test_uasc_are_mostly_boys_aged_16_or_17(generated, today):
    uasc = Child.objects.filter(flags__kind=FlagKind.UASC).distinct()
    sexes = collections.Counter(uasc.values_list("sex", flat=True))
    assert sexes["M"] / sum(sexes.values()) > 0.8  # report Appendix 3: about nine in ten boys
    ages = collections.Counter(c.age_on(today) for c in uasc.only("date_of_birth"))
    assert (ages[16] + ages[17]) / sum(ages.values()) > 0.6
    assert uasc.filter(legal_status="V2").count() / uasc.count() > 0.8
    assert uasc.filter(dob_basis__in=["claimed", "assessed"]).count() / uasc.count() > 0.6


def test_children_come_from_the_reports_countries(generated):
    nationalities = collections.Counter(Child.objects.values_list("nationality", flat=True))
    top = {code for code, _ in nationalities.most_common(8)}
    assert {"ALB", "AFG", "ERI", "GBR", "VNM"} <= top
    languages = dict(Child.objects.values_list("nationality", "first_language").distinct())
    assert languages["VNM"] == "vie" and languages["ALB"] == "sqi" and languages["GBR"] == "eng"
    afghan = set(Child.objects.filter(nationality="AFG").values_list("first_language", flat=True))
    assert afghan <= {"prs", "pus"}
    non_english = Child.objects.exclude(first_language="eng")
    assert non_english.filter(interpreter_needed=True).count() / non_english.count() > 0.6
    assert not Child.objects.filter(first_language="eng", interpreter_needed=True).exists()


def _latin(text: str) -> bool:
    """Latin letters (with any accents), spaces and punctuation such as Hausa's "Asma'u"."""
    return all(
        c == " "
        or unicodedata.category(c).startswith("P")
        or unicodedata.name(c, "").startswith("LATIN")
        for c in text
    )


def test_names_are_recorded_in_latin_script_with_other_names_alongside(generated):
    for given, family in Child.objects.values_list("given_names", "family_name"):
        assert _latin(given) and _latin(family), (given, family)
    with_other_names = Child.objects.filter(other_names__isnull=False).distinct().count()
    assert 0.1 < with_other_names / Child.objects.count() < 0.4
    kinds = set(ChildName.objects.values_list("kind", flat=True))
    assert {NameKind.ALIAS, NameKind.OTHER_SPELLING, NameKind.OWN_SCRIPT} <= kinds
    own_script = ChildName.objects.filter(kind=NameKind.OWN_SCRIPT).values_list("name", flat=True)
    assert any(not _latin(name) for name in own_script)
    assert ChildName.objects.filter(
        kind=NameKind.OTHER_SPELLING,
        child__nationality="VNM",
        name__regex=r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]",
    ).exists()


def test_other_names_are_searchable(generated):
    for other in ChildName.objects.select_related("child")[:200]:
        for token in fold(other.name).split():
            assert token in other.child.search_text.split()


def test_identifiers_are_unique_in_each_organisation(generated):
    for field in ("council_id", "child_903_id", "home_office_ref", "nrm_ref"):
        clashes = (
            Child.objects.exclude(**{field: ""})
            .values("responsible_organisation", field)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not clashes.exists(), field
    assert not Child.objects.filter(Q(council_id="") | Q(child_903_id="")).exists()
    assert max(len(v) for v in Child.objects.values_list("child_903_id", flat=True)) <= 10
    assert Child.objects.exclude(home_office_ref="").count() > 500


def test_croydon_and_kent_place_children_with_each_other(generated, today):
    current = Placement.objects.current_on(today)
    croydon_in_kent = current.filter(
        child__responsible_organisation__authority__code=CROYDON, authority__code=KENT
    )
    kent_in_croydon = current.filter(
        child__responsible_organisation__authority__code=KENT, authority__code=CROYDON
    )
    assert croydon_in_kent.exists() and kent_in_croydon.exists()
    outside = Placement.objects.exclude(authority=F("child__responsible_organisation__authority"))
    assert 0.12 < outside.count() / Placement.objects.count() < 0.3


def test_most_children_have_a_current_placement_and_care_leavers_do_not(generated, today):
    current = set(Placement.objects.current_on(today).values_list("child_id", flat=True))
    # Children under 18 who left care (issue 15): their period of care ended, and with it
    # their last placement; there are some, and only they, under 18, have no placement.
    left = dict(
        CarePeriod.objects.filter(end_date__isnull=False).values_list("child_id", "end_date")
    )
    assert any(Child.objects.get(pk=pk).age_on(ended) < 18 for pk, ended in left.items()), (
        "the generator draws children who left care before 18"
    )
    for child in Child.objects.only("date_of_birth"):
        if child.pk in left and left[child.pk] < today:
            assert child.pk not in current
            continue
        # Care ends on the 18th birthday (SSDA903 DEC): on that day the last placement is
        # still the one in force, and from the next day there is none.
        turns_18_today = (
            child.age_on(today) == 18 and child.age_on(today - dt.timedelta(days=1)) == 17
        )
        assert (child.pk in current) == (child.age_on(today) < 18 or turns_18_today), (
            child.date_of_birth
        )
    details = set(Placement.objects.values_list("detail", flat=True))
    assert {"emergency", "specialist_foster"} <= details


def test_not_every_trafficked_child_has_been_referred_to_the_nrm(generated):
    trafficked = Child.objects.filter(flags__kind__in=TRAFFICKING_FLAGS).distinct()
    referred = trafficked.filter(nrm_referrals__isnull=False).distinct().count()
    # Report: "12 young people have been identified as being trafficked, and 6 have been referred".
    assert 0.5 < referred / trafficked.count() < 0.9
    assert NrmReferral.objects.filter(rg_decision="positive").exists()
    assert NrmReferral.objects.filter(rg_decision="pending").exists()
    responders = collections.Counter(
        NrmReferral.objects.values_list("first_responder_kind", flat=True)
    )
    assert responders.most_common(2)[0][0] in ("local_authority", "police")
    with_ref = Child.objects.exclude(nrm_ref="")
    assert with_ref.count() == Child.objects.filter(nrm_referrals__isnull=False).distinct().count()


def test_age_disputes_follow_the_age_assessments(generated, today):
    uasc = Child.objects.filter(flags__kind=FlagKind.UASC).distinct()
    assessed = uasc.filter(age_assessments__isnull=False).distinct().count()
    assert 0.15 < assessed / uasc.count() < 0.35
    for child in (
        Child.objects.filter(age_assessments__isnull=False)
        .distinct()
        .prefetch_related("age_assessments", "flags")
    ):
        latest = child.age_assessments.all()[0]  # newest first
        open_dispute = any(
            f.kind == FlagKind.AGE_DISPUTED and f.end_date is None for f in child.flags.all()
        )
        assert open_dispute == (latest.status in ("disputed", "challenged")), child.pk


def test_guardians_are_the_right_service_for_the_area(generated):
    kinds = dict(
        GuardianAssignment.objects.values_list(
            "child__responsible_organisation__authority__code", "kind"
        ).distinct()
    )
    assert kinds.get(CROYDON) == "ictg"  # Croydon is an ICTG site
    assert kinds.get(KENT) == "advocate"
    trafficked = Child.objects.filter(flags__kind__in=TRAFFICKING_FLAGS).distinct()
    with_guardian = trafficked.filter(guardians__isnull=False).distinct().count()
    assert 0.25 < with_guardian / trafficked.count() < 0.55
