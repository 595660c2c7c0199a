"""Writes for the returns app: defining a partnership area, and saving a section of its
annual report. Each checks who may, validates, writes and audits in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.reference.models import Authority

from . import policy
from .models import PartnershipArea, PartnershipKind, PartnershipSection, SectionKey

MAX_SECTION_CHARACTERS = 20_000


@transaction.atomic
def define_partnership(
    viewer: Viewer,
    name: str,
    authority_codes: list[str],
    kind: str = PartnershipKind.SCP,
    year_start_month: int = 4,
) -> tuple[PartnershipArea, bool]:
    """Create a partnership area, or change the authorities of an existing one (by name).
    Set up by the command line (the system), as reference data is."""
    if not policy.is_system(viewer):
        raise PermissionDenied(
            "Partnership areas are set up from the command line: visible partnership-area"
        )
    name = (name or "").strip()
    if not name:
        raise ValueError(
            "--name: give the partnership's name, e.g. 'Croydon Safeguarding Children Partnership'"
        )
    if kind not in PartnershipKind.values:
        raise ValueError(
            f"--kind: '{kind}' is not a kind of partnership; choose from {', '.join(PartnershipKind.values)}"
        )
    if not 1 <= year_start_month <= 12:
        raise ValueError(
            f"--year-starts: {year_start_month} is not a month; give 1 to 12 (4 is April)"
        )
    codes = [c.strip().upper() for c in authority_codes if c and c.strip()]
    if not codes:
        raise ValueError("--authority: give at least one authority's GSS code")
    authorities = list(Authority.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {a.code for a in authorities})
    if unknown:
        raise ValueError(
            f"--authority: no authority has the GSS code {', '.join(repr(c) for c in unknown)}; "
            "use codes such as E09000008 (Croydon)"
        )
    area, created = PartnershipArea.objects.get_or_create(
        name=name, defaults={"kind": kind, "year_start_month": year_start_month}
    )
    before = sorted(area.authorities.values_list("code", flat=True))
    area.kind, area.year_start_month = kind, year_start_month
    area.save(update_fields=["kind", "year_start_month"])
    area.authorities.set(authorities)
    record(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type="partnership_area",
        object_id=area.pk,
        summary=f"{'Created' if created else 'Updated'} partnership area {area.name}",
        detail={
            "authorities": [before, sorted(codes)],
            "kind": kind,
            "year_start_month": year_start_month,
        },
    )
    return area, created


def save_section(
    viewer: Viewer,
    area: PartnershipArea,
    year: int,
    key: str,
    text: str,
    expected_version: int | None,
) -> PartnershipSection:
    """Save the partnership's own words for one section of a year's report. A save from a
    page opened before someone else's save is refused rather than overwriting it. A refusal is
    audited outside the write's transaction, so the record of it stays."""
    if not policy.can_write_sections(viewer, area):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="partnership_section",
            object_id=area.pk,
            summary=f"Tried to write the {year} report of {area.name}",
        )
        raise PermissionDenied(
            "Only a senior manager of a council in the partnership can write its report"
        )
    with transaction.atomic():
        return _save_section(viewer, area, year, key, text, expected_version)


def _save_section(
    viewer: Viewer,
    area: PartnershipArea,
    year: int,
    key: str,
    text: str,
    expected_version: int | None,
) -> PartnershipSection:
    if key not in SectionKey.values:
        raise ValidationError({"key": [f"'{key}' is not a section of the report"]})
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_SECTION_CHARACTERS:
        raise ValidationError(
            {
                "text": [
                    f"The section must be {MAX_SECTION_CHARACTERS:,} characters or fewer "
                    f"(it has {len(text):,}): shorten it or split it across sections"
                ]
            }
        )
    section, created = PartnershipSection.objects.select_for_update().get_or_create(
        partnership=area, year=year, key=key
    )
    if not created and expected_version is not None and section.version != expected_version:
        raise ValidationError(
            {
                "text": [
                    "Someone else saved this section while you were editing it. Nothing has "
                    "been saved: open the section again to see their words, then make your change"
                ]
            }
        )
    old = section.text
    if not created and old == text:
        return section
    section.text = text
    section.version = section.version + (0 if created else 1)
    section.updated_by_name = viewer.display_name
    section.updated_by_organisation = viewer.organisation.name if viewer.organisation else ""
    section.save()
    record(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type="partnership_section",
        object_id=section.pk,
        summary=f"Wrote '{section.get_key_display()}' for the {year} report of {area.name}",
        detail={
            "partnership": area.pk,
            "year": year,
            "key": key,
            "changes": {"text": [old or None, text]},
        },
    )
    return section
