"""Sending an authority's pseudonymised records to the national body, and storing them.

``submit`` is the one use case: check the viewer may, pseudonymise the register, store it and
audit, in one transaction. ``store`` replaces the authority's current submission for the
period: the earlier Submission row is kept (superseded, with its counts and digest) and its
child-level rows deleted, so a resubmission replaces and never adds.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.reference.models import Authority
from visible.returns import foi

from . import policy
from .models import PseudoChild, PseudoEpisode, Submission
from .pseudonymise import Export, NoNationalKey, groups_mask, pseudonymise, usable_key

BATCH = 2000


def submit(
    viewer: Viewer, authority: Authority, start: dt.date, end: dt.date, key: bytes | None = None
) -> Submission:
    """Refused (NoNationalKey, audited) without the national body's real key: see
    pseudonymise.usable_key."""
    foi.check_period(start, end)
    if not policy.can_submit(viewer, authority):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="pseudo_submission",
            object_id=authority.code,
            summary=f"Tried to submit pseudonymised records for {authority.name}",
        )
        raise PermissionDenied(
            "Only a senior manager, missing coordinator or analyst of the authority's own "
            "council can submit its child-level records"
        )
    try:
        key = usable_key(key)
    except NoNationalKey:
        record(
            viewer,
            AuditAction.DENIED,
            object_type="pseudo_submission",
            object_id=authority.code,
            summary=f"Refused to pseudonymise {authority.name}'s records without the national body's key "
            "(VISIBLE_PSEUDO_KEY)",
        )
        raise
    with transaction.atomic():
        export = pseudonymise(authority, start, end, key)
        return store(viewer, export)


def store(viewer: Viewer, export: Export) -> Submission:
    """Store an export as the authority's current submission for its period."""
    authority, start, end = export.authority, export.start, export.end
    now = timezone.now()
    with transaction.atomic():
        # Lock the authority's row so two uploads for it queue rather than race for a version.
        Authority.objects.select_for_update().filter(pk=authority.pk).first()
        earlier = Submission.objects.filter(authority=authority, period_start=start, period_end=end)
        version = (earlier.aggregate(v=Max("version"))["v"] or 0) + 1
        replaced = list(earlier.filter(is_current=True).values_list("pk", flat=True))
        removed = set(
            PseudoChild.objects.filter(submission_id__in=replaced, linked=True).values_list(
                "pseudo_id", flat=True
            )
        )
        if replaced:
            PseudoEpisode.objects.filter(submission_id__in=replaced)._raw_delete(
                PseudoEpisode.objects.db
            )
            PseudoChild.objects.filter(submission_id__in=replaced)._raw_delete(
                PseudoChild.objects.db
            )
            Submission.objects.filter(pk__in=replaced).update(is_current=False, superseded_at=now)
        submission = Submission.objects.create(
            authority=authority,
            period_start=start,
            period_end=end,
            version=version,
            is_current=True,
            submitted_at=now,
            submitted_by=viewer.display_name,
            submitted_by_organisation=viewer.organisation.name if viewer.organisation else "",
            key_id=export.key_id,
            children=len(export.children),
            episodes=export.episodes,
            records_merged=export.records_merged,
            digest=export.digest(),
            linkage_rule=export.linkage_rule,
        )
        rows = [
            PseudoChild(
                submission=submission,
                authority=authority,
                pseudo_id=c.pseudo_id,
                key_basis=c.key_basis,
                birth_month=c.birth_month,
                gender=c.gender,
                nationality=c.nationality,
                district=c.district,
                placed_in=c.placed_in,
                incidents_missing=c.incidents_missing,
                incidents_away=c.incidents_away,
                still_missing=c.still_missing,
                turned_18_missing=c.turned_18_missing,
                **{f"in_{g.code}": g.code in c.groups for g in foi.GROUPS},
            )
            for c in export.children
        ]
        PseudoChild.objects.bulk_create(rows, batch_size=BATCH)
        episodes = [
            PseudoEpisode(
                submission=submission,
                child=row,
                category=e.category,
                start_month=e.start_month,
                hours=e.hours,
                band=e.band,
                still_missing=e.still_missing,
                turned_18=e.turned_18,
                started_before=e.started_before,
                groups=groups_mask(c.groups),
            )
            for row, c in zip(rows, export.children, strict=True)
            for e in c.episodes
        ]
        PseudoEpisode.objects.bulk_create(episodes, batch_size=BATCH)
        relink(start, end, removed | {c.pseudo_id for c in export.children})
        record(
            viewer,
            AuditAction.CREATE,
            object_type="pseudo_submission",
            object_id=submission.pk,
            summary=f"Submitted pseudonymised records for {authority.name}, {start:%d/%m/%Y} to {end:%d/%m/%Y} "
            f"(version {version}): {submission.children} children, {submission.episodes} episodes",
            detail={
                "authority": authority.code,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "version": version,
                "replaces": replaced,
                "children": submission.children,
                "episodes": submission.episodes,
                "key_id": export.key_id,
                "digest": submission.digest,
                "linkage_rule": export.linkage_rule,
                "not_linkable": dict(sorted(export.not_linkable.items())),
            },
        )
    return submission


def relink(start: dt.date, end: dt.date, pseudo_ids: set[str]) -> None:
    """Set ``linked`` on every current record of the period with one of these pseudo ids: true
    when another authority's current submission holds the same id."""
    current = Submission.objects.filter(is_current=True, period_start=start, period_end=end).values(
        "pk"
    )
    elsewhere = PseudoChild.objects.filter(
        pseudo_id=OuterRef("pseudo_id"), submission__in=current
    ).exclude(submission=OuterRef("submission"))
    ids = sorted(pseudo_ids)
    for first in range(0, len(ids), BATCH):
        (
            PseudoChild.objects.filter(
                submission__in=current, pseudo_id__in=ids[first : first + BATCH]
            ).update(linked=Exists(elsewhere))
        )
