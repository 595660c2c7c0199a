"""Opening the records a request names: the one gate the web pages and the REST API both pass
through, so they open the same records for the same people with the same audit events and
disclosures. What a viewer may see or change is decided by access/register.py and
access/missing.py and nowhere else; these functions call them, record the view or the refusal
(``denied``), and raise 404 (not found and not allowed look the same) or 403 (seen, but the
role may not act)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child, Flag, Placement
from visible.missing.models import Episode, PoliceGradeChallenge

from . import missing as missing_policy
from . import register as register_policy
from .disclosures import disclose

GRAB_PACK = "grab pack"


def deny(
    viewer: Viewer,
    object_type: str,
    object_id,
    child: Child | None,
    summary: str,
    purpose: str = "",
) -> None:
    record(
        viewer,
        AuditAction.DENIED,
        object_type=object_type,
        object_id=object_id,
        child_id=child.pk if child else None,
        summary=summary,
        purpose=purpose,
    )


def open_child_grant(
    viewer: Viewer, pk: int, purpose: str = ""
) -> tuple[Child, register_policy.Grant]:
    """The child, if the viewer may see them, with the grant that lets them (and why);
    otherwise 404 (never revealing that the record exists), with the refusal audited. Seen by
    another organisation: a disclosure is recorded (access/disclosures.py)."""
    child = (
        Child.objects.select_related("responsible_organisation__authority").filter(pk=pk).first()
    )
    grant = register_policy.grant_for(viewer, child) if child else register_policy.NO_GRANT
    if grant.access == register_policy.Access.NONE:
        deny(
            viewer, "child", pk, child, "Tried to open a child record outside their access", purpose
        )
        raise Http404("No child record with that number is available to you")
    view = (
        "full"
        if grant.access == register_policy.Access.FULL
        else "read-only"
        if grant.access == register_policy.Access.READ
        else "limited"
    )
    record(
        viewer,
        AuditAction.VIEW,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        summary=f"Viewed record ({view} view)",
        purpose=purpose,
    )
    if not grant.is_own:
        disclose(
            viewer,
            child,
            f"Child's record ({view} view{', ' + purpose if purpose else ''})",
            purpose or "record",
        )
    return child, grant


def open_child(viewer: Viewer, pk: int, purpose: str = "") -> tuple[Child, register_policy.Access]:
    """open_child_grant, for callers that need only the level of access."""
    child, grant = open_child_grant(viewer, pk, purpose)
    return child, grant.access


def child_to_edit(viewer: Viewer, pk: int, purpose: str) -> Child:
    """Seen (else 404), then register.can_edit (else 403)."""
    child, _ = open_child(viewer, pk, purpose=purpose)
    if not register_policy.can_edit(viewer, child):
        deny(viewer, "child", child.pk, child, f"Tried to {purpose} without permission")
        raise PermissionDenied("Your organisation or role cannot change this child's record")
    return child


def part_of(viewer: Viewer, child: Child, model: type, pk: int, purpose: str):
    """A row of the child's record (a flag, a placement, an NRM referral...) by its id, only
    if it is this child's; otherwise 404, with the refusal audited."""
    found = model.objects.filter(pk=pk, child=child).select_related("child").first()
    if found is None:
        name = model._meta.verbose_name
        deny(
            viewer,
            model._meta.model_name,
            pk,
            child,
            f"Tried to open a {name} that is not this child's",
            purpose,
        )
        raise Http404(f"This child has no {name} with that number")
    return found


def flag_of(viewer: Viewer, child: Child, flag_pk: int, purpose: str) -> Flag:
    return part_of(viewer, child, Flag, flag_pk, purpose)


def placement_of(viewer: Viewer, child: Child, placement_pk: int, purpose: str) -> Placement:
    return part_of(viewer, child, Placement, placement_pk, purpose)


def child_to_act_on(viewer: Viewer, pk: int, purpose: str) -> Child:
    """Seen (else 404), then access.missing.can_act (else 403)."""
    child, _ = open_child(viewer, pk, purpose=purpose)
    if not missing_policy.can_act(viewer, child):
        deny(viewer, "child", child.pk, child, f"Tried to {purpose} without permission", purpose)
        raise PermissionDenied(
            "Your organisation or role cannot act on this child's missing episodes"
        )
    return child


def _episode(pk: int) -> Episode | None:
    return (
        Episode.objects.select_related(
            "child__responsible_organisation__authority", "police_force", "found_in_authority"
        )
        .filter(pk=pk)
        .first()
    )


def is_full(level) -> bool:
    """Whether a level of register.Access shows the whole record (not the limited view)."""
    return level not in (register_policy.Access.NONE, register_policy.Access.LIMITED)


def open_episode(viewer: Viewer, pk: int, purpose: str = "") -> tuple[Episode, str]:
    """The episode and how it is seen ('full' or 'limited': access.missing.episode_view), the
    view audited and, seen by another organisation, a disclosure recorded."""
    episode = _episode(pk)
    view = missing_policy.episode_view(viewer, episode) if episode else "none"
    if view == "none":
        deny(
            viewer,
            "episode",
            pk,
            episode.child if episode else None,
            "Tried to open a missing episode outside their access",
            purpose,
        )
        raise Http404("No missing episode with that number is available to you")
    record(
        viewer,
        AuditAction.VIEW,
        object_type="episode",
        object_id=episode.pk,
        child_id=episode.child_id,
        summary=f"Viewed missing episode ({view} view)",
        purpose=purpose,
    )
    disclose(viewer, episode.child, f"Missing episode ({view} view)", purpose or "missing episode")
    return episode, view


def episode_to_act_on(viewer: Viewer, pk: int, purpose: str) -> Episode:
    """Seen (else 404), then access.missing.can_act_on_episode (else 403)."""
    episode, _ = open_episode(viewer, pk, purpose)
    if not missing_policy.can_act_on_episode(viewer, episode):
        deny(
            viewer,
            "episode",
            episode.pk,
            episode.child,
            f"Tried to {purpose} without permission",
            purpose,
        )
        raise PermissionDenied(
            "Your organisation or role cannot act on this child's missing episodes"
        )
    return episode


def episode_to_grade(viewer: Viewer, pk: int, purpose: str) -> tuple[Episode, str]:
    """Seen (else 404), then access.missing.can_record_police_grade (else 403, audited): the
    episode and the viewer's view of it, for recording the grade the police gave."""
    episode, view = open_episode(viewer, pk, purpose)
    if not missing_policy.can_record_police_grade(viewer, episode):
        deny(
            viewer,
            "episode",
            episode.pk,
            episode.child,
            "Tried to record a police grade without permission",
            purpose,
        )
        raise PermissionDenied("You cannot record the police grade of this missing episode")
    return episode, view


def episode_for_grab_pack(viewer: Viewer, pk: int) -> Episode:
    """An episode whose grab pack the viewer may see (access.missing.can_see_grab_pack), else 404."""
    episode = _episode(pk)
    if episode is None or not missing_policy.can_see_grab_pack(viewer, episode.child, episode):
        deny(
            viewer,
            "episode",
            pk,
            episode.child if episode else None,
            "Tried to open a grab pack for an episode outside their access",
            GRAB_PACK,
        )
        raise Http404("No missing episode with that number is available to you")
    return episode


def child_for_grab_pack(viewer: Viewer, pk: int) -> Child:
    """A child whose grab pack prepared in advance the viewer may see, else 404."""
    child = (
        Child.objects.select_related("responsible_organisation__authority").filter(pk=pk).first()
    )
    if child is None or not missing_policy.can_see_grab_pack(viewer, child):
        deny(
            viewer,
            "child",
            pk,
            child,
            "Tried to open a grab pack for a child outside their access",
            GRAB_PACK,
        )
        raise Http404("No child record with that number is available to you")
    return child


def open_police_challenge(viewer: Viewer, pk: int, purpose: str = "") -> PoliceGradeChallenge:
    """A challenge to a police grade (R-POLICE-GRADE), if the viewer is the trafficking SPOC of
    the force it is addressed to or sees the episode in full (access.missing.can_see_challenge);
    otherwise 404, the attempt audited. The view is audited."""
    challenge = (
        PoliceGradeChallenge.objects.select_related(
            "episode__child", "police_grading", "force", "episode__police_force"
        )
        .filter(pk=pk)
        .first()
    )
    if challenge is None or not missing_policy.can_see_challenge(viewer, challenge):
        deny(
            viewer,
            "policegradechallenge",
            pk,
            challenge.episode.child if challenge else None,
            "Tried to open a challenge to a police grade outside their access",
            purpose,
        )
        raise Http404("No challenge with that number is available to you")
    record(
        viewer,
        AuditAction.VIEW,
        object_type="policegradechallenge",
        object_id=challenge.pk,
        child_id=challenge.episode.child_id,
        summary="Viewed a challenge to a police grade",
        purpose=purpose,
    )
    return challenge


def challenge_to_answer(viewer: Viewer, pk: int, purpose: str) -> PoliceGradeChallenge:
    """Seen (open_police_challenge, else 404), then access.missing.can_answer_challenge (else
    403, audited): only the trafficking SPOC of the force it is addressed to answers."""
    challenge = open_police_challenge(viewer, pk, purpose)
    if not missing_policy.can_answer_challenge(viewer, challenge):
        deny(
            viewer,
            "policegradechallenge",
            challenge.pk,
            challenge.episode.child,
            f"Tried to {purpose} without permission",
            purpose,
        )
        raise PermissionDenied(
            "Only the trafficking single point of contact of the force it is addressed to can "
            "answer this challenge"
        )
    return challenge


def visible_open_episodes(viewer: Viewer):
    """As the web's missing-now board: open episodes of the children the viewer may find."""
    return Episode.objects.filter(
        returned_at__isnull=True, child__in=register_policy.visible_children(viewer)
    )
