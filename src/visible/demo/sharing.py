"""Multi-agency demo data: the demo council shares the grab packs of its children in scope with
its police force in advance, and its Independent Child Trafficking Guardian assignments are
with the demo guardian service, so the police and guardian demo users have something to see."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from visible.access.register import SPOC_FOLLOW_UP_DAYS
from visible.agencies.models import Organisation
from visible.children.models import Child, Flag, GuardianAssignment, GuardianKind
from visible.missing.models import Episode
from visible.sharing.models import GrabPackShare

IN_SCOPE = ("trafficked_identified", "trafficked_suspected", "uasc", "separated", "unaccompanied")


def staff_name(council: Organisation) -> str:
    """Who shares a demo child's grab pack: by name, as a page shows a person (the council's
    social worker, or whoever the council has), never "demo set-up"."""
    from visible.agencies.models import Membership, Role

    members = Membership.objects.filter(organisation=council, is_active=True).select_related("user")
    member = members.filter(role=Role.SOCIAL_WORKER).order_by("pk").first() or members.first()
    return (member.user.get_full_name() or member.user.get_username()) if member else council.name


@transaction.atomic
def set_up_sharing_demo(
    council: Organisation, force_name: str, guardians_name: str, out: TextIO
) -> None:
    force = Organisation.objects.get(name=force_name)
    guardians = Organisation.objects.get(name=guardians_name)
    today = timezone.localdate()
    in_scope = (
        Flag.objects.filter(kind__in=IN_SCOPE, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("child_id")
    )
    children = Child.objects.filter(responsible_organisation=council, pk__in=in_scope)
    shared = [
        GrabPackShare(child=child, force=force, shared_by_name=staff_name(council))
        for child in children.exclude(grab_pack_shares__force=force)
    ]
    # A council reporting a child missing hands the force the grab pack: every child missing now
    # and reported to a force has theirs shared with it (whichever demo council holds them).
    reported = (
        Episode.objects.filter(returned_at__isnull=True, police_force__isnull=False)
        .exclude(child__grab_pack_shares__force_id=F("police_force_id"))
        .values_list("child_id", "police_force_id")
        .distinct()
    )
    ahead = {share.child_id for share in shared}
    sharers = {
        child.pk: staff_name(child.responsible_organisation)
        for child in Child.objects.filter(pk__in={c for c, _ in reported}).select_related(
            "responsible_organisation"
        )
    }
    on_report = [
        GrabPackShare(child_id=child_id, force_id=force_id, shared_by_name=sharers[child_id])
        for child_id, force_id in reported
        if not (force_id == force.pk and child_id in ahead)
    ]
    GrabPackShare.objects.bulk_create(shared + on_report)
    linked = (
        GuardianAssignment.objects.filter(
            child__responsible_organisation=council, kind=GuardianKind.ICTG
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .update(organisation=guardians, service=guardians.name)
    )
    out.write(
        f"Multi-agency: {len(shared)} grab packs shared with {force.name} in advance, "
        f"{len(on_report)} with the force a missing child was reported to; "
        f"{linked} guardian assignments with {guardians.name}.\n"
    )


def set_up_police_grades_demo(
    council: Organisation, social_worker, spoc, force_name: str, out: TextIO
) -> None:
    """The force's grades beside Visible's (R-POLICE-GRADE): on three episodes of the council's
    children in scope reported to the force, the force's grade as it gave it, through the
    actions as the social worker: "Medium risk" (challenged, waiting for the SPOC), "High",
    and "Absent" (challenged, answered by the SPOC: kept, with reasons). Once only. The
    episodes are missing now or back recently, so the force's SPOC sees them in full."""
    from visible.missing import actions
    from visible.missing.models import PoliceGrading

    force = Organisation.objects.get(name=force_name)
    if PoliceGrading.objects.filter(force=force).exists():
        return
    today = timezone.localdate()
    in_scope = (
        Flag.objects.filter(kind__in=IN_SCOPE, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("child_id")
    )
    # Missing now, or back within the days the force's SPOC follows a child in scope up.
    since = timezone.now() - dt.timedelta(days=SPOC_FOLLOW_UP_DAYS - 30)
    episodes = list(
        Episode.objects.filter(
            child__responsible_organisation=council, child_id__in=in_scope, police_force=force
        )
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=since))
        .order_by(F("returned_at").desc(nulls_first=True), "-last_seen_at", "pk")[:3]
    )
    words = ["Medium risk", "High", "Absent"]
    for episode, said in zip(episodes, words, strict=False):
        grading = actions.record_police_grade(social_worker, episode, said)
        challenge = grading.challenges.first()
        if said == "Absent" and challenge is not None:
            actions.answer_police_challenge(
                spoc,
                challenge,
                "kept",
                "Seen by an officer at a friend's address; the friend's family agreed to bring "
                "her back this evening (synthetic)",
            )
    out.write(
        f"Police grades: {len(episodes)} grades from {force.name} recorded beside Visible's, "
        f"{sum(1 for w in words[: len(episodes)] if w != 'High')} challenged.\n"
    )
