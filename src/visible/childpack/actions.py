"""Every write the child's pack makes, each checked, validated and audited in one transaction
(the house pattern: children/actions.py). Bad input raises ValidationError naming the field
and changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from visible.access import register as register_policy
from visible.agencies.models import Organisation, Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.children.validation import Problems
from visible.notifications.phones import NotAMobileNumber, uk_mobile

from . import texts
from .models import ChildContacts, CouncilContacts, CouncilTranslation, PhoneSafety

# Who may keep a council's own translations and its out-of-hours number.
COUNCIL_PACK_ROLES = (Role.ORGANISATION_ADMIN,)
_PHONE = re.compile(r"[0-9+()\-\s]+")
EARLIEST_CHECK = dt.date(2000, 1, 1)


@dataclass(frozen=True, kw_only=True)
class ChildContactsInput:
    phone: str = ""
    phone_safety: str = PhoneSafety.UNKNOWN
    phone_safety_reason: str = ""
    social_worker_phone: str = ""
    guardian_phone: str = ""
    carer_name: str = ""
    carer_phone: str = ""


@dataclass(frozen=True, kw_only=True)
class TranslationInput:
    language: str
    blocks: dict[str, str]
    checked_by: str
    checked_on: dt.date | None


def check_phone(p: Problems, field: str, text: str, what: str) -> str:
    """A phone number people will dial from the pack: digits, spaces, +, brackets and dashes,
    between 3 digits (999, 111) and 15. Returned as typed, trimmed."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    digits = re.sub(r"\D", "", text)
    if not _PHONE.fullmatch(text) or not 3 <= len(digits) <= 15:
        p.add(field, f"Enter {what} using only numbers, spaces and +, like 020 7946 0000")
    return text


def contacts_of(child: Child) -> ChildContacts:
    """The child's contacts row, or an unsaved empty one (nothing known yet)."""
    found = ChildContacts.objects.filter(child=child).first()
    return found or ChildContacts(child=child)


FIELDS = (
    "phone",
    "phone_safety",
    "phone_safety_reason",
    "social_worker_phone",
    "guardian_phone",
    "carer_name",
    "carer_phone",
)


@transaction.atomic
def save_child_contacts(viewer: Viewer, child: Child, data: ChildContactsInput) -> ChildContacts:
    """The pack's contacts for one child. A number marked safe that is changed for another
    goes back to "not known": whoever said the old one was safe did not say it of the new."""
    register_policy.require_edit(viewer, child)
    p = Problems()
    phone = ""
    if (data.phone or "").strip():
        try:
            phone = uk_mobile(data.phone)
        except NotAMobileNumber as error:
            p.add("phone", str(error))
    if data.phone_safety not in PhoneSafety.values:
        p.add("phone_safety", "Choose whether it is safe to contact the child on this phone")
    elif data.phone_safety == PhoneSafety.SAFE and not (data.phone or "").strip():
        p.add("phone", "Enter the child's mobile number, or do not mark it safe to contact")
    reason = " ".join((data.phone_safety_reason or "").split())
    if len(reason) > 500:
        p.add("phone_safety_reason", "Keep the reason to 500 characters or fewer")
    values = {
        "phone": phone,
        "phone_safety": data.phone_safety,
        "phone_safety_reason": reason,
        "social_worker_phone": check_phone(
            p, "social_worker_phone", data.social_worker_phone, "the social worker's number"
        ),
        "guardian_phone": check_phone(
            p, "guardian_phone", data.guardian_phone, "the guardian's number"
        ),
        "carer_name": " ".join((data.carer_name or "").split())[:200],
        "carer_phone": check_phone(p, "carer_phone", data.carer_phone, "the carer's number"),
    }
    p.raise_if_any()
    contacts = contacts_of(child)
    before = {f: getattr(contacts, f) for f in FIELDS}
    if before["phone"] and phone != before["phone"] and before["phone_safety"] == PhoneSafety.SAFE:
        # "Safe" was said of the old number: a new one starts as not known, to be checked.
        values["phone_safety"] = PhoneSafety.UNKNOWN
    created = contacts.pk is None
    for field, value in values.items():
        setattr(contacts, field, value)
    contacts.save()
    changes = {f: [before[f], values[f]] for f in FIELDS if before[f] != values[f]}
    safety = contacts.get_phone_safety_display().split(":")[0].lower()
    record(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type="childcontacts",
        object_id=contacts.pk,
        child_id=child.pk,
        summary=f"Contacts for the child's pack saved (child's phone: {safety} to contact)",
        detail={"record": "child contacts", "changes": changes},
    )
    return contacts


def require_council_admin(viewer: Viewer) -> Organisation:
    organisation = viewer.organisation
    if not (
        organisation and organisation.is_responsible_body and viewer.has_role(*COUNCIL_PACK_ROLES)
    ):
        raise PermissionDenied(
            "Only a council's organisation administrator can change its child's pack"
        )
    return organisation


@transaction.atomic
def save_out_of_hours(viewer: Viewer, number: str) -> CouncilContacts:
    organisation = require_council_admin(viewer)
    p = Problems()
    value = check_phone(p, "out_of_hours_phone", number, "the out-of-hours number")
    p.raise_if_any()
    contacts, _ = CouncilContacts.objects.get_or_create(organisation=organisation)
    before = contacts.out_of_hours_phone
    contacts.out_of_hours_phone = value
    contacts.save()
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="councilcontacts",
        object_id=contacts.pk,
        summary="Out-of-hours number for children's packs saved",
        detail={"changes": {"out_of_hours_phone": [before, value]}},
    )
    return contacts


@transaction.atomic
def save_council_translation(
    viewer: Viewer, data: TranslationInput, *, today: dt.date
) -> CouncilTranslation:
    """All or nothing: every block present and filled in, its placeholders kept, and the name
    of the fluent speaker who checked it, with the date."""
    organisation = require_council_admin(viewer)
    p = Problems()
    if data.language not in texts.LANGUAGES:
        p.add("language", "Choose one of the pack's languages")
    for key in texts.block_keys():
        text = " ".join(str(data.blocks.get(key) or "").split())
        if not text:
            p.add(f"block_{key}", f"Enter the translation of “{texts.english_block(key)}”")
        elif len(text) > 1000:
            p.add(f"block_{key}", "Keep each block to 1000 characters or fewer")
        else:
            problem = texts.placeholder_problem(key, text)
            if problem:
                p.add(f"block_{key}", problem)
    extra = set(data.blocks) - set(texts.block_keys())
    if extra:
        p.add("language", f"These blocks are not in the pack: {', '.join(sorted(extra))}")
    checked_by = " ".join((data.checked_by or "").split())
    if not checked_by:
        p.add("checked_by", "Enter the name of the fluent speaker who checked the translation")
    elif len(checked_by) > 200:
        p.add("checked_by", "Keep the name to 200 characters or fewer")
    checked_on = data.checked_on
    if checked_on is None:
        p.add("checked_on", "Enter the date the translation was checked")
    elif checked_on > today:
        p.add("checked_on", "The date it was checked must be today or in the past")
    elif checked_on < EARLIEST_CHECK:
        p.add("checked_on", "Check the year of the date it was checked")
    p.raise_if_any()
    assert checked_on is not None  # refused above
    blocks = {key: " ".join(str(data.blocks[key]).split()) for key in texts.block_keys()}
    translation, created = CouncilTranslation.objects.get_or_create(
        organisation=organisation,
        language=data.language,
        defaults={"blocks": blocks, "checked_by": checked_by, "checked_on": checked_on},
    )
    changed_blocks = (
        [] if created else [k for k in blocks if translation.blocks.get(k) != blocks[k]]
    )
    translation.blocks = blocks
    translation.checked_by = checked_by
    translation.checked_on = checked_on
    translation.updated_by_name = viewer.display_name[:200]
    translation.save()
    name = texts.language(data.language).name
    record(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type="counciltranslation",
        object_id=translation.pk,
        summary=f"{'Added' if created else 'Changed'} the council's own {name} child's pack, "
        f"checked by {checked_by}",
        detail={
            "language": data.language,
            "checked_by": checked_by,
            "checked_on": checked_on.isoformat(),
            "changed_blocks": changed_blocks,
        },
    )
    return translation


@transaction.atomic
def remove_council_translation(viewer: Viewer, language: str) -> None:
    organisation = require_council_admin(viewer)
    translation = CouncilTranslation.objects.filter(
        organisation=organisation, language=language
    ).first()
    if translation is None:
        return
    pk = translation.pk
    translation.delete()
    record(
        viewer,
        AuditAction.END,
        object_type="counciltranslation",
        object_id=pk,
        summary=f"Stopped using the council's own {texts.language(language).name} child's pack",
        detail={"language": language},
    )
