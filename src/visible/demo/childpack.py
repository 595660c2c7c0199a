"""The child's pack in the demo (docs/child-pack.md): a Croydon child who speaks Tigrinya (or
Arabic) has the contacts their pack shows, and the council has an out-of-hours number, so
"Information for the child" opens filled in. Saved through the actions, as people would."""

from __future__ import annotations

from typing import TextIO

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.childpack import actions
from visible.childpack.models import ChildContacts, CouncilContacts, PhoneSafety
from visible.children.models import Child

# Ofcom's numbers for drama: they look right and reach nobody.
OUT_OF_HOURS = "020 7946 0999"
SOCIAL_WORKER = "020 7946 0123"
GUARDIAN = "07700 900321"
CARER = "07700 900654"
CHILD = "07700 900982"


def pack_child(council: Organisation) -> Child | None:
    """The council's first child whose language is Tigrinya, else Arabic."""
    children = Child.objects.filter(responsible_organisation=council).order_by("pk")
    for code in ("tir", "ara"):
        found = children.filter(first_language=code).first()
        if found:
            return found
    return None


def set_up_child_packs(
    council: Organisation, social_worker: Viewer, administrator: Viewer, out: TextIO
) -> Child | None:
    if (
        not CouncilContacts.objects.filter(organisation=council)
        .exclude(out_of_hours_phone="")
        .exists()
    ):
        actions.save_out_of_hours(administrator, OUT_OF_HOURS)
    child = pack_child(council)
    if child is None:
        out.write(f"Child's pack: no child of {council.name} speaks Tigrinya or Arabic.\n")
        return None
    if not ChildContacts.objects.filter(child=child).exists():
        actions.save_child_contacts(
            social_worker,
            child,
            actions.ChildContactsInput(
                phone=CHILD,
                phone_safety=PhoneSafety.NOT_SAFE,
                phone_safety_reason="Someone else pays for the phone (synthetic)",
                social_worker_phone=SOCIAL_WORKER,
                guardian_phone=GUARDIAN,
                carer_name="Ruth and Kwame Mensah (synthetic foster carers)",
                carer_phone=CARER,
            ),
        )
    out.write(
        f"Child's pack: {child.full_name} (child {child.pk}) has theirs in "
        f"{'Tigrinya' if child.first_language == 'tir' else 'Arabic'}, contacts filled in.\n"
    )
    return child
