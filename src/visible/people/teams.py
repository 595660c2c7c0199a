"""Teams within an organisation (the UASC team, out-of-hours...): an administrator creates,
renames, closes and reopens them. People belong to at most one team of each organisation
(Membership.team); a council's children are allocated to one (Child.allocated_team). Every
change is audited in the writing transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from visible.agencies.models import Organisation, Team
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child

from . import policy
from .errors import refuse


def _require(viewer: Viewer, organisation: Organisation) -> None:
    policy.require(
        policy.manages(viewer, organisation),
        "Only the organisation's administrators can manage its teams",
    )


def _clean_name(organisation: Organisation, name: str, exclude: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": ["Enter the team's name, for example UASC team"]})
    if len(name) > 200:
        raise ValidationError({"name": ["The team's name must be 200 characters or fewer"]})
    clash = Team.objects.filter(organisation=organisation, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    same = clash.first()
    if same is not None:
        raise refuse(
            "name",
            f"{organisation.name} already has a team called {same.name}"
            + ("" if same.is_active else " (closed): reopen it instead"),
        )
    return name


@transaction.atomic
def create_team(viewer: Viewer, organisation: Organisation, name: str) -> Team:
    _require(viewer, organisation)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    name = _clean_name(organisation, name)
    team = Team.objects.create(organisation=organisation, name=name)
    record(
        viewer,
        AuditAction.CREATE,
        object_type="team",
        object_id=team.pk,
        summary=f"Created the {name} team in {organisation.name}",
        detail={"changes": {"name": [None, name]}, "organisation": organisation.pk},
    )
    return team


def _locked(team: Team) -> Team:
    Organisation.objects.select_for_update().filter(pk=team.organisation_id).first()
    return Team.objects.select_for_update().select_related("organisation").get(pk=team.pk)


@transaction.atomic
def rename_team(viewer: Viewer, team: Team, name: str) -> Team:
    team = _locked(team)
    _require(viewer, team.organisation)
    new = _clean_name(team.organisation, name, exclude=team.pk)
    old = team.name
    if new == old:
        raise ValidationError({"name": [f"The team is already called {old}"]})
    team.name = new
    team.save(update_fields=["name"])
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="team",
        object_id=team.pk,
        summary=f"Renamed the {old} team of {team.organisation.name} to {new}",
        detail={"changes": {"name": [old, new]}},
    )
    return team


@dataclass(frozen=True)
class Closed:
    team: Team
    children_still_allocated: int  # they keep the team until someone allocates them again


@transaction.atomic
def close_team(viewer: Viewer, team: Team) -> Closed:
    """Closed teams cannot be chosen for people or children any more. Its people must be moved
    first (the administrator can); children still allocated to it keep it, shown as closed,
    until a social worker or manager allocates them again (an administrator sees no child)."""
    team = _locked(team)
    _require(viewer, team.organisation)
    if not team.is_active:
        raise refuse("__all__", f"The {team.name} team is already closed")
    members = team.memberships.filter(is_active=True).count()
    if members:
        raise refuse(
            "__all__",
            f"{members} {'person is' if members == 1 else 'people are'} still in the {team.name} "
            "team: move them to another team (or none) first",
        )
    children = Child.objects.filter(allocated_team=team).count()
    team.is_active = False
    team.save(update_fields=["is_active"])
    record(
        viewer,
        AuditAction.END,
        object_type="team",
        object_id=team.pk,
        summary=f"Closed the {team.name} team of {team.organisation.name}"
        + (f"; {children} children are still allocated to it" if children else ""),
        detail={"changes": {"is_active": [True, False]}, "children_still_allocated": children},
    )
    return Closed(team, children)


@transaction.atomic
def reopen_team(viewer: Viewer, team: Team) -> Team:
    team = _locked(team)
    _require(viewer, team.organisation)
    if team.is_active:
        raise refuse("__all__", f"The {team.name} team is open")
    team.is_active = True
    team.save(update_fields=["is_active"])
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="team",
        object_id=team.pk,
        summary=f"Reopened the {team.name} team of {team.organisation.name}",
        detail={"changes": {"is_active": [False, True]}},
    )
    return team
