"""Who may see and act on missing episodes, safety plans and alerts. Builds on the register's
policy (access/register.py): the same organisations see the same children; the multi-agency
issue extends these functions for police forces and guardians."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from visible.agencies.models import Role
from visible.agencies.viewer import Viewer
from visible.children.models import Child
from visible.risk import Grade
from visible.sharing.models import GrabPackShare

from . import register as register_policy

# Council roles that report, grade, search for and record the return of a missing child.
ROLES_THAT_ACT = {Role.SOCIAL_WORKER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
# Roles that may change an authority's risk settings (the rulebook's local thresholds).
ROLES_THAT_SET_RULES = {Role.SENIOR_MANAGER}


def can_act(viewer: Viewer, child: Child) -> bool:
    """Report missing, grade, log the search, record the return and the interview."""
    return (
        register_policy.access_to(viewer, child) == register_policy.Access.FULL
        and viewer.role in ROLES_THAT_ACT
    )


def require_act(viewer: Viewer, child: Child) -> None:
    if not can_act(viewer, child):
        raise PermissionDenied("You cannot act on this child's missing episodes")


def can_view_episodes(viewer: Viewer, child: Child) -> bool:
    """The responsible council sees every episode; the host council sees the open ones."""
    return register_policy.access_to(viewer, child) != register_policy.Access.NONE


def can_set_rules(viewer: Viewer) -> bool:
    org = viewer.organisation
    return bool(org and org.is_responsible_body and viewer.role in ROLES_THAT_SET_RULES)


# Roles that may set a council's own acknowledgement deadlines (within the national ones) and
# keep its on-call rota: those who run the service, not only those who see the children.
ROLES_THAT_RUN_THE_SERVICE = {Role.SENIOR_MANAGER, Role.ORGANISATION_ADMIN}


def can_set_deadlines(viewer: Viewer) -> bool:
    org = viewer.organisation
    return bool(
        org
        and org.is_active
        and org.is_responsible_body
        and viewer.role in ROLES_THAT_RUN_THE_SERVICE
    )


# --- police, and every organisation's view of one episode -------------------------------------


def _police_here(viewer: Viewer, episode) -> bool:
    org = viewer.organisation
    return bool(
        org and viewer.role in register_policy.POLICE_ROLES and episode.police_force_id == org.pk
    )


def episode_view(viewer: Viewer, episode) -> str:
    """'full', 'limited' or 'none': the responsible council (and read-only readers) see every
    episode in full. The police force an episode was reported to, while it may see the child:
    the open episode in full (its gradings, search log and police report); the force's past
    episodes of the child only in outline (no gradings, no search log), except that the force's
    trafficking SPOC sees them in full for a child within the SPOC's rules (in scope, missing to
    the force now or back within SPOC_FOLLOW_UP_DAYS). A host council or guardian sees open
    episodes in outline. Other forces' episodes: none."""
    grant = register_policy.grant_for(viewer, episode.child)
    if grant.access >= register_policy.Access.READ:
        return "full"
    if grant.basis in ("police_missing", "spoc") and _police_here(viewer, episode):
        if episode.is_open or _spoc_follows_up(viewer, episode.child):
            return "full"
        return "limited"
    if grant.access == register_policy.Access.LIMITED and episode.is_open:
        return "limited"
    return "none"


def _spoc_follows_up(viewer: Viewer, child) -> bool:
    """The force's trafficking SPOC, for a child within the SPOC's rules (access/register.py)."""
    return (
        viewer.role == Role.TRAFFICKING_SPOC
        and register_policy._spoc_children(viewer).filter(child_id=child.pk).exists()
    )


def can_act_on_episode(viewer: Viewer, episode) -> bool:
    """Grade, log the search, record the police report and the return: the responsible
    council's staff, and the police of the force an open episode was reported to."""
    if can_act(viewer, episode.child):
        return True
    return episode.is_open and _police_here(viewer, episode)


def require_act_on_episode(viewer: Viewer, episode) -> None:
    if not can_act_on_episode(viewer, episode):
        raise PermissionDenied("You cannot act on this missing episode")


def can_record_police_grade(viewer: Viewer, episode) -> bool:
    """The grade the police gave (R-POLICE-GRADE): whoever acts on the episode (the council's
    staff; the force's officers while it is open), and the force's officers and SPOC wherever
    they see the episode in full (a SPOC following up a child back within the follow-up days)."""
    if can_act_on_episode(viewer, episode):
        return True
    return _police_here(viewer, episode) and episode_view(viewer, episode) == "full"


def require_record_police_grade(viewer: Viewer, episode) -> None:
    if not can_record_police_grade(viewer, episode):
        raise PermissionDenied("You cannot record the police grade of this missing episode")


def can_answer_challenge(viewer: Viewer, challenge) -> bool:
    """A challenge to a police grade is answered by the trafficking SPOC of the force it is
    addressed to, and nobody else."""
    org = viewer.organisation
    return bool(
        org
        and org.is_active
        and viewer.role == Role.TRAFFICKING_SPOC
        and challenge.force_id == org.pk
    )


def require_answer_challenge(viewer: Viewer, challenge) -> None:
    if not can_answer_challenge(viewer, challenge):
        raise PermissionDenied(
            "Only the trafficking single point of contact of the force it is addressed to can "
            "answer this challenge"
        )


def can_see_challenge(viewer: Viewer, challenge) -> bool:
    """The force's SPOC it is addressed to, and whoever sees the episode in full."""
    return can_answer_challenge(viewer, challenge) or (
        episode_view(viewer, challenge.episode) == "full"
    )


def can_see_grab_pack(viewer: Viewer, child: Child, episode=None) -> bool:
    """The grab pack: the responsible council (and readers) always; the host council for the
    child and their open episodes; a police force only for an open episode reported to it, and
    only where the council has shared the pack with that force in advance (Philomena Protocol)."""
    grant = register_policy.grant_for(viewer, child)
    if grant.access >= register_policy.Access.READ:
        return True
    if grant.basis == "host":
        return episode is None or episode.is_open
    if (
        grant.basis in ("police_missing", "spoc")
        and episode is not None
        and episode.is_open
        and _police_here(viewer, episode)
    ):
        return GrabPackShare.objects.filter(
            child=child, force=viewer.organisation, ended_at__isnull=True
        ).exists()
    return False


# Alerts that tell an organisation something (rather than ask it to act on a child's record):
# whoever's inbox they are in may acknowledge and resolve them.
NOTICE_CODES = {
    "placed_in_your_area",
    "break_glass",
    "transferred_in",
    "nts_packet_sent",
    "nts_transfer_withdrawn",
}
# Notices to a police force about a child who is not its to act on (a referral into its area
# withdrawn, transfers.actions.withdraw): in the force's inbox, for its officers and SPOCs.
FORCE_NOTICE_CODES = {"nts_transfer_withdrawn"}
# Alerts about the organisation's own staff rather than its children (a person's second
# break-glass use in a day, sharing.actions.STAFF_BREAK_GLASS): for its senior managers. They
# reach any organisation whose staff may break the glass, police forces too, and never name the
# child, whom the organisation cannot see.
STAFF_NOTICE_CODES = {"break_glass_by_staff"}
# Alerts to a police force's trafficking SPOC (a challenge to the force's grade of a child in
# scope, R-POLICE-GRADE): in the force's inbox, for its SPOCs only.
SPOC_CODES = {"police_grade_challenge"}


def can_handle_alert(viewer: Viewer, alert) -> bool:
    if alert.organisation_id != viewer.organisation_id:
        return False
    if alert.code in STAFF_NOTICE_CODES:
        return viewer.role == Role.SENIOR_MANAGER
    if alert.code in SPOC_CODES:
        return viewer.role == Role.TRAFFICKING_SPOC
    if alert.code in FORCE_NOTICE_CODES and viewer.role in register_policy.POLICE_ROLES:
        return True
    if alert.code in NOTICE_CODES:
        return viewer.role in ROLES_THAT_ACT
    return can_act(viewer, alert.child)


def require_handle_alert(viewer: Viewer, alert) -> None:
    if not can_handle_alert(viewer, alert):
        raise PermissionDenied("You cannot act on this alert")


def most_urgent_first(episodes) -> list:
    """Open episodes as the API lists them: highest grade first, then missing longest (an
    ungraded episode after every graded one). The pages order by the most urgent open alert
    first (missing/triage.py, docs/alerts.md)."""

    def rank(episode) -> int:
        try:
            return Grade.parse(episode.grade).rank
        except ValueError:
            return -1

    return sorted(episodes, key=lambda e: (-rank(e), e.last_seen_at, e.pk))
