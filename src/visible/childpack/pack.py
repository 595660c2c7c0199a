"""The child's pack: the words in the child's language (texts.py, or the council's own checked
translation) with the child's contacts filled in from the record, as a page and an A4 PDF.

``pack_for`` reads everything into a plain dataclass; the page and the PDF render it with the
same blocks (web/childpack/_pack.html), the PDF through visible/pdf.py. The callers (the views)
decide who may see it and audit it; ``pack_for`` refuses a viewer who may not see the child.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone

import visible.pdf
from visible.access import register as register_policy
from visible.agencies.viewer import Viewer
from visible.children.models import Child, GuardianAssignment, Placement
from visible.reference.nationalities import language_name

from . import texts
from .actions import contacts_of
from .models import CouncilContacts, CouncilTranslation

TEMPLATE = "web/childpack/pack.html"
PDF_TEMPLATE = "web/childpack/pack_pdf.html"

HELPLINE = "116 000"  # Missing People: free, confidential, call or text, 24 hours
HELPLINE_TEL = "116000"
HELPLINE_WEB = "missingpeople.org.uk"
POLICE = "999"

# Left-to-right isolates (Unicode bidi LRI ... PDI) keep "116 000" and "020 7946 0000" in
# their own order inside right-to-left text: without them the groups swap ("000 116").
LRI, PDI = "\u2066", "\u2069"
_NUMBER = re.compile(r"\+?\d[\d ]*\d|\d")


def isolate_numbers(text: str) -> str:
    return _NUMBER.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", text)


@dataclass(frozen=True)
class Contact:
    role: str  # the block that labels it: social_worker, guardian, carer, out_of_hours
    name: str
    detail: str  # team or service
    phone: str


@dataclass(frozen=True)
class Side:
    """One side of the pack: the words in one language, with how they were checked."""

    language: texts.Language
    blocks: dict[str, str]
    needs_check: bool
    checked_by: str
    checked_on: dt.date | None
    council_translation: bool

    @property
    def is_source(self) -> bool:
        """The shipped English, which every translation is made from."""
        return self.language.code == texts.SOURCE and not self.council_translation

    @property
    def checked_line(self) -> str:
        """Who checked this translation, or the notice that no fluent speaker has yet; nothing
        for the English source."""
        if self.is_source:
            return ""
        if self.needs_check:
            return self.blocks["needs_check"]
        day = self.checked_on
        date = f"{day.day}/{day.month}/{day.year}" if day else ""
        line = self.blocks["checked"].format(name=self.checked_by, date=date)
        return isolate_numbers(line) if self.language.rtl else line


@dataclass(frozen=True)
class ChildPack:
    child_id: int
    name: str  # the name the child is called by
    organisation: str
    generated_at: dt.datetime
    side: Side  # in the child's language
    english: Side | None  # the English on the back, for the adults around the child
    contacts: list[Contact]
    helpline: str = HELPLINE
    helpline_tel: str = HELPLINE_TEL
    helpline_web: str = HELPLINE_WEB
    police: str = POLICE

    @property
    def sides(self) -> list[Side]:
        return [self.side, *([self.english] if self.english else [])]


def default_language(child: Child) -> str:
    """The child's first language if the pack has it, else the first of their other languages
    that it has, else English."""
    for code in [child.first_language, *(child.other_languages or [])]:
        if code in texts.LANGUAGES:
            return code
    return texts.SOURCE


def record_languages(child: Child) -> list[str]:
    """The languages on the child's record, by name, for the person choosing."""
    codes = [c for c in [child.first_language, *(child.other_languages or [])] if c]
    return [language_name(c) for c in codes]


def side_for(organisation_id: int | None, code: str) -> Side:
    """The council's own checked translation if it has one, else the shipped one."""
    lang = texts.language(code)
    own = (
        CouncilTranslation.objects.filter(organisation_id=organisation_id, language=code).first()
        if organisation_id
        else None
    )
    checked_on: dt.date | None
    if own is not None:
        # a block added to the pack after the council's translation: the shipped words
        blocks = dict(texts.shipped()[code].blocks) | dict(own.blocks)
        checked_by, checked_on = own.checked_by, own.checked_on
        needs_check = False
    else:
        shipped = texts.shipped()[code]
        blocks, checked_by = dict(shipped.blocks), shipped.checked_by
        checked_on, needs_check = shipped.checked_on, shipped.needs_check
    if lang.rtl:
        blocks = {k: (v if k == "checked" else isolate_numbers(v)) for k, v in blocks.items()}
    return Side(lang, blocks, needs_check, checked_by, checked_on, own is not None)


def _contacts(child: Child, today: dt.date) -> list[Contact]:
    held = contacts_of(child)
    worker = child.allocated_worker
    guardian = next(
        (
            g
            for g in GuardianAssignment.objects.filter(child=child, start_date__lte=today)
            if g.is_active_on(today)
        ),
        None,
    )
    placement = (
        Placement.objects.filter(child=child).current_on(today).order_by("-start_date").first()
    )
    council = CouncilContacts.objects.filter(organisation=child.responsible_organisation).first()
    return [
        Contact(
            "social_worker",
            (worker.get_full_name() or "") if worker else "",
            child.allocated_team.name if child.allocated_team else "",
            held.social_worker_phone,
        ),
        Contact(
            "guardian",
            guardian.guardian_name if guardian else "",
            guardian.service if guardian else "",
            held.guardian_phone,
        ),
        Contact(
            "carer",
            held.carer_name or (placement.provider if placement else ""),
            placement.provider if placement and held.carer_name else "",
            held.carer_phone,
        ),
        Contact(
            "out_of_hours",
            child.responsible_organisation.name,
            "",
            council.out_of_hours_phone if council else "",
        ),
    ]


def pack_for(
    viewer: Viewer,
    child: Child,
    code: str,
    *,
    english_back: bool = True,
    now: dt.datetime | None = None,
) -> ChildPack:
    if register_policy.access_to(viewer, child) < register_policy.Access.READ:
        raise PermissionDenied("You cannot see this child's pack")
    if code not in texts.LANGUAGES:
        raise ValueError(f"The child's pack has no language {code!r}")
    now = now or timezone.now()
    organisation_id = child.responsible_organisation_id
    side = side_for(organisation_id, code)
    english = (
        side_for(organisation_id, texts.SOURCE) if english_back and code != texts.SOURCE else None
    )
    return ChildPack(
        child_id=child.pk,
        name=child.preferred_name or child.given_names,
        organisation=child.responsible_organisation.name,
        generated_at=now,
        side=side,
        english=english,
        contacts=_contacts(child, timezone.localdate(now)),
    )


# --- rendering -----------------------------------------------------------------------------


def pdf_filename(pack: ChildPack) -> str:
    """By the child's record number and the language, never by the child's name."""
    return f"information-for-child-{pack.child_id}-{pack.side.language.tag.lower()}.pdf"


def render_pdf_html(pack: ChildPack) -> str:
    return render_to_string(PDF_TEMPLATE, {"pack": pack, "pdf": True})


def pdf_document(pack: ChildPack):
    """WeasyPrint's rendered document (pages and boxes), for the PDF and for tests."""
    return visible.pdf.document(render_pdf_html(pack))


def pack_pdf(pack: ChildPack) -> bytes:
    return pdf_document(pack).write_pdf()
