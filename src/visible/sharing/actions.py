"""Sharing actions, each in one transaction with its audit event: share a grab pack with a
police force in advance (and end the share), break-glass access with a reason (the responsible
organisation alerted) and its review, and the transfer of a child between authorities."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record, record_for
from visible.audit.models import AuditAction
from visible.children import policy
from visible.children.models import Child

from .disclosures import disclose
from .models import LEGAL_BASIS, Basis, BreakGlass, Disclosure, GrabPackShare, Transfer

BREAK_GLASS_HOURS = 4
READ_ONLY_DAYS = 90  # the sending authority's read-only view after a transfer
# Who may break the glass: staff of councils and police forces acting on a child in front of them.
BREAK_GLASS_ROLES = {Role.SOCIAL_WORKER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER, Role.POLICE_OFFICER,
                     Role.TRAFFICKING_SPOC}
SHARE_ROLES = {Role.SOCIAL_WORKER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
TRANSFER_ROLES = {Role.SENIOR_MANAGER}


def _alert(organisation: Organisation, child: Child, code: str, key: str, text: str, source: str):
    from visible.missing.models import Alert

    now = timezone.now()
    alert, _ = Alert.objects.get_or_create(key=key, defaults={
        "organisation": organisation, "child": child, "code": code, "text": text, "source": source,
        "due_at": now, "raised_at": now})
    return alert


# --- grab pack shared in advance -------------------------------------------------------------------

def share_grab_pack(viewer: Viewer, child: Child, force: Organisation) -> GrabPackShare:
    if not (policy.access_to(viewer, child) == policy.Access.FULL and viewer.role in SHARE_ROLES):
        record(viewer, AuditAction.DENIED, object_type="grabpackshare", child_id=child.pk,
               summary="Tried to share a grab pack without permission")
        raise PermissionDenied("Only the child's own council can share their grab pack")
    if force.kind != OrganisationKind.POLICE:
        raise ValidationError({"force": ["Choose a police force"]})
    with transaction.atomic():
        share = GrabPackShare.objects.filter(child=child, force=force, ended_at__isnull=True).first()
        if share is None:
            share = GrabPackShare.objects.create(child=child, force=force, shared_by_name=viewer.username)
            record_for(viewer, AuditAction.CREATE, share, child.pk, f"Grab pack shared in advance with {force.name}", {
                "record": "grab pack share", "changes": {"force": [None, force.name]},
                "note": "Opens to the force only while the child is reported missing to it"})
    return share


def end_share(viewer: Viewer, share: GrabPackShare) -> GrabPackShare:
    if not (policy.access_to(viewer, share.child) == policy.Access.FULL and viewer.role in SHARE_ROLES):
        raise PermissionDenied("Only the child's own council can end the share")
    with transaction.atomic():
        if share.ended_at is None:
            share.ended_at, share.ended_by_name = timezone.now(), viewer.username
            share.save(update_fields=["ended_at", "ended_by_name"])
            record_for(viewer, AuditAction.END, share, share.child_id, f"Stopped sharing the grab pack with {share.force.name}",
                       {"record": "grab pack share", "changes": {"ended_at": [None, share.ended_at.isoformat()]}})
    return share


# --- break-glass ---------------------------------------------------------------------------------

def break_glass(viewer: Viewer, child: Child, reason: str) -> BreakGlass:
    """Open a record outside the viewer's scope for BREAK_GLASS_HOURS, for a stated reason. The
    responsible organisation gets an alert; the access is audited and reviewable."""
    reason = (reason or "").strip()
    org = viewer.organisation
    if org is None or viewer.role not in BREAK_GLASS_ROLES or org.kind not in (
            OrganisationKind.COUNCIL, OrganisationKind.HSC_TRUST, OrganisationKind.POLICE):
        record(viewer, AuditAction.DENIED, object_type="breakglass", child_id=child.pk,
               summary="Tried to use break-glass access without a role that may")
        raise PermissionDenied("Your role cannot use break-glass access")
    if len(reason) < 20:
        raise ValidationError({"reason": ["Say why you need this record now, in at least 20 characters: the child's "
                                          "council will read it"]})
    if policy.access_to(viewer, child) >= policy.Access.READ:
        raise ValidationError({"reason": ["You can already read this record: no break-glass access is needed"]})
    with transaction.atomic():
        glass = BreakGlass.objects.create(child=child, user_id=viewer.user_id, username=viewer.username, organisation=org,
                                          reason=reason, expires_at=timezone.now() + dt.timedelta(hours=BREAK_GLASS_HOURS))
        record_for(viewer, AuditAction.CREATE, glass, child.pk, f"Break-glass access by {viewer.username} ({org.name})",
                   {"record": "break-glass", "reason": reason, "expires_at": glass.expires_at.isoformat()})
        _alert(child.responsible_organisation, child, "break_glass", f"{child.pk}/break_glass/{glass.pk}",
               f"{viewer.username} of {org.name} used break-glass access to {child.full_name}'s record: \u201c{reason}\u201d. "
               "Review it.", "Visible access policy (docs/access.md): break-glass")
        disclose(viewer, child, "Whole record (break-glass, read-only)", reason, basis=Basis.BREAK_GLASS)
    return glass


def review_break_glass(viewer: Viewer, glass: BreakGlass, note: str) -> BreakGlass:
    if not (policy.access_to(viewer, glass.child) == policy.Access.FULL and viewer.role in
            {Role.SENIOR_MANAGER, Role.MISSING_COORDINATOR}):
        raise PermissionDenied("Only the child's council's senior manager or coordinator reviews break-glass access")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Say whether the access was justified"]})
    with transaction.atomic():
        glass.reviewed_at, glass.reviewed_by_name, glass.review_note = timezone.now(), viewer.username, note
        glass.save(update_fields=["reviewed_at", "reviewed_by_name", "review_note"])
        record_for(viewer, AuditAction.CHANGE, glass, glass.child_id, "Reviewed break-glass access",
                   {"record": "break-glass", "review": note})
    return glass


# --- transfers -----------------------------------------------------------------------------------

def transfer(viewer: Viewer, child: Child, to: Organisation, reason: str, read_only_days: int = READ_ONLY_DAYS) -> Transfer:
    """Move responsibility for the child to another authority in one transaction: the record
    and its history stay one record, its open alerts move to the receiving authority, both
    sides are told, and the sending authority can read it for ``read_only_days``. Interrupted
    at any point, nothing has moved."""
    if not (policy.access_to(viewer, child) == policy.Access.FULL and viewer.role in TRANSFER_ROLES):
        record(viewer, AuditAction.DENIED, object_type="transfer", child_id=child.pk,
               summary="Tried to transfer a child without permission")
        raise PermissionDenied("Only a senior manager of the child's council can transfer them")
    reason = (reason or "").strip()
    problems = {}
    if not to.is_responsible_body:
        problems["to"] = ["Choose a council or HSC Trust to transfer to"]
    elif to.pk == child.responsible_organisation_id:
        problems["to"] = ["The child is already with this authority"]
    if not reason:
        problems["reason"] = ["Say why, for example 'National Transfer Protocol: accepted by Leeds on 3 March'"]
    if problems:
        raise ValidationError(problems)
    from visible.missing.models import Alert

    sender = child.responsible_organisation
    with transaction.atomic():
        locked = Child.objects.select_for_update().get(pk=child.pk)
        if locked.responsible_organisation_id != sender.pk:
            raise ValidationError({"to": ["The child has already been transferred: reload the page"]})
        moved_alerts = Alert.objects.filter(child=locked, organisation=sender, resolved_at__isnull=True)
        moved = {"open_alerts": moved_alerts.count(), "open_episodes": locked.episodes.filter(returned_at__isnull=True).count(),
                 "episodes": locked.episodes.count(), "flags": locked.flags.count(), "placements": locked.placements.count()}
        moved_alerts.update(organisation=to, assigned_to=None)
        locked.responsible_organisation = to
        locked.version = locked.version + 1
        locked.save(update_fields=["responsible_organisation", "version"])
        done = Transfer.objects.create(child=locked, from_organisation=sender, to_organisation=to, reason=reason,
                                       transferred_by_name=viewer.username, moved=moved,
                                       read_only_until=timezone.localdate() + dt.timedelta(days=read_only_days))
        record(viewer, AuditAction.CHANGE, object_type="child", object_id=locked.pk, child_id=locked.pk,
               summary=f"Transferred from {sender.name} to {to.name}",
               detail={"changes": {"responsible_organisation": [sender.name, to.name]}, "reason": reason, "moved": moved,
                       "read_only_until": done.read_only_until.isoformat()})
        _alert(to, locked, "transferred_in", f"{locked.pk}/transferred_in/{done.pk}",
               f"{locked.full_name} has been transferred to you by {sender.name}: \u201c{reason}\u201d. "
               f"{moved['open_alerts']} open alert(s) and {moved['open_episodes']} open episode(s) came with them.",
               "Visible transfers (docs/access.md)")
        Disclosure.objects.create(child=locked, organisation=to, by_user_id=viewer.user_id, by_name=viewer.username,
                                  what=f"Whole record and history, on transfer from {sender.name}", basis=Basis.TRANSFER,
                                  legal_basis=LEGAL_BASIS[Basis.TRANSFER], purpose=reason[:300])
    return done

