"""Multi-agency demo data: the demo council shares the grab packs of its children in scope with
its police force in advance, and its Independent Child Trafficking Guardian assignments are
with the demo guardian service, so the police and guardian demo users have something to see."""

from __future__ import annotations

from typing import TextIO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from visible.agencies.models import Organisation
from visible.children.models import Child, Flag, GuardianAssignment, GuardianKind
from visible.sharing.models import GrabPackShare

IN_SCOPE = ("trafficked_identified", "trafficked_suspected", "uasc", "separated", "unaccompanied")


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
        GrabPackShare(child=child, force=force, shared_by_name="demo set-up")
        for child in children.exclude(grab_pack_shares__force=force)
    ]
    GrabPackShare.objects.bulk_create(shared)
    linked = (
        GuardianAssignment.objects.filter(
            child__responsible_organisation=council, kind=GuardianKind.ICTG
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .update(organisation=guardians, service=guardians.name)
    )
    out.write(
        f"Multi-agency: {len(shared)} grab packs shared with {force.name} in advance; "
        f"{linked} guardian assignments with {guardians.name}.\n"
    )
