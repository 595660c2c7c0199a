"""The people and teams pages of an organisation's administrators, the invitation link's page,
and the choice of organisation for someone in two. Each page asks the people actions
(visible/people) and shows what they answer: no view writes a model.

Only an organisation's administrators reach its people and teams (anyone else: 403, audited);
a person or team of another organisation is "not found" (404, audited), whether or not it
exists. Holding an administrator role opens no child's record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from visible.agencies.models import Membership, Organisation, Role, Team
from visible.agencies.viewer import Viewer, active_memberships
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.audit.names import name_actors
from visible.people import invitations, members, queries, teams
from visible.people import policy as people_policy
from visible.people.invitations import InviteInput
from visible.people.roles import role_label
from visible.security import second_factor, sessions

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from . import forms


def _site(request: HttpRequest) -> str:
    """Where the invitation link points: the address this page was asked at."""
    return request.build_absolute_uri("/")


def _require_administrator(viewer: Viewer) -> Organisation:
    """The organisation whose people the viewer manages, or 403."""
    if not people_policy.manages_people(viewer) or viewer.organisation is None:
        raise PermissionDenied(
            "Only your organisation's Visible administrators can manage its people and teams"
        )
    return viewer.organisation


def _membership(viewer: Viewer, pk: int) -> Membership:
    _require_administrator(viewer)
    membership = (
        Membership.objects.select_related("user", "organisation", "team").filter(pk=pk).first()
    )
    if membership is None or not people_policy.manages_membership(viewer, membership):
        raise Http404("There is nobody with that number in your organisation")
    return membership


def _team(viewer: Viewer, pk: int) -> Team:
    _require_administrator(viewer)
    team = Team.objects.select_related("organisation").filter(pk=pk).first()
    if team is None or team.organisation_id != viewer.organisation_id:
        raise Http404("Your organisation has no team with that number")
    return team


def _name(membership: Membership) -> str:
    return membership.user.get_full_name() or membership.user.get_username()


# --- who has access ----------------------------------------------------------------------------


@staff_view
def people_list(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    organisation = _require_administrator(viewer)
    everyone = queries.people_of(organisation, timezone.now())
    counts = {key: 0 for key in queries.STATUSES}
    for p in everyone:
        counts[p.status] += 1
    show = request.GET.get("status", "")
    shown = [p for p in everyone if p.status == show] if show in queries.STATUSES else everyone
    record(
        viewer,
        AuditAction.LIST,
        object_type="membership",
        summary=f"Viewed who has access to {organisation.name} ({len(shown)} shown)",
        detail={"status": show, "shown": [p.membership.pk for p in shown]},
    )
    return render(
        request,
        "web/people/people.html",
        {
            "organisation": organisation,
            "people": shown,
            "counts": [(k, label, counts[k]) for k, label in queries.STATUSES.items() if counts[k]],
            "show": show if show in queries.STATUSES else "",
            "total": len(everyone),
            "is_national_administrator": people_policy.is_national_administrator(viewer),
        },
    )


@staff_view
def invite(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    organisation = _require_administrator(viewer)
    form = forms.InviteForm(organisation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sent = invitations.invite(
                viewer,
                organisation,
                InviteInput(
                    email=data["email"],
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    role=data["role"],
                    team=forms.team_from(organisation, data["team"]),
                    job_title=data["job_title"],
                ),
                site_url=_site(request),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            membership = sent.invitation.membership
            messages.success(
                request,
                f"Invitation sent to {sent.invitation.email}. The link works until "
                f"{timezone.localtime(sent.invitation.expires_at):%-d %B %Y}",
            )
            return redirect("web:person", pk=membership.pk)
    return render(
        request,
        "web/people/invite.html",
        {"form": form, "organisation": organisation, "title": "Invite someone"},
    )


@staff_view
def invite_administrator(request: ViewerRequest) -> HttpResponse:
    """A national administrator puts an organisation's first (or another) administrator in."""
    viewer = request.viewer
    if not people_policy.is_national_administrator(viewer):
        raise PermissionDenied(
            "Only national administrators can invite another organisation's administrators"
        )
    initial = {"organisation": request.GET.get("organisation", "")}
    form = forms.InviteAdministratorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = Organisation.objects.get(pk=data["organisation"])
        try:
            sent = invitations.invite(
                viewer,
                organisation,
                InviteInput(
                    email=data["email"],
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    role=Role.ORGANISATION_ADMIN,
                ),
                site_url=_site(request),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Invitation sent to {sent.invitation.email} as an administrator of "
                f"{organisation.name}",
            )
            return redirect("web:invite-administrator")
    pending = queries.pending_administrators(timezone.now())
    return render(
        request,
        "web/people/invite_administrator.html",
        {"form": form, "pending": pending},
    )


# --- one person --------------------------------------------------------------------------------


def _person_page(
    request: ViewerRequest, membership: Membership, error: ValidationError | None = None
) -> HttpResponse:
    viewer = request.viewer
    person = queries.person(membership, timezone.now())
    record(
        viewer,
        AuditAction.VIEW,
        object_type="membership",
        object_id=membership.pk,
        summary=f"Viewed the access of {_name(membership)} to {membership.organisation.name}",
    )
    problems = []
    if error is not None:
        problems = [m for messages_ in _messages(error) for m in messages_]
    return render(
        request,
        "web/people/person.html",
        {
            "person": person,
            "membership": membership,
            "history": name_actors(queries.access_history(membership)),
            "manages": people_policy.manages(viewer, membership.organisation),
            "problems": problems,
            "forms_have_errors": bool(problems),
            "is_self": membership.user_id == viewer.user_id,
        },
        status=409 if error is not None else 200,
    )


def _messages(error: ValidationError) -> list[list[str]]:
    if hasattr(error, "error_dict"):
        return [[m for e in errors for m in e.messages] for errors in error.error_dict.values()]
    return [error.messages]


@staff_view
def person(request: ViewerRequest, pk: int) -> HttpResponse:
    return _person_page(request, _membership(request.viewer, pk))


@staff_view
def person_role(request: ViewerRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    membership = _membership(viewer, pk)
    people_policy.require(
        people_policy.manages(viewer, membership.organisation),
        "Only this person's organisation's administrators can change their role",
    )
    form = forms.RoleForm(
        membership.organisation, request.POST or None, initial={"role": membership.role}
    )
    if request.method == "POST" and form.is_valid():
        try:
            members.change_role(viewer, membership, form.cleaned_data["role"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{_name(membership)} is now {role_label(form.cleaned_data['role'])}",
            )
            return redirect("web:person", pk=membership.pk)
    return render(
        request,
        "web/people/person_form.html",
        {
            "form": form,
            "membership": membership,
            "title": f"Change the role of {_name(membership)}",
            "button": "Change role",
        },
    )


@staff_view
def person_team(request: ViewerRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    membership = _membership(viewer, pk)
    people_policy.require(
        people_policy.manages(viewer, membership.organisation),
        "Only this person's organisation's administrators can move them between teams",
    )
    form = forms.MoveTeamForm(
        membership.organisation,
        request.POST or None,
        current=membership.team,
        initial={"team": str(membership.team_id or "")},
    )
    if request.method == "POST" and form.is_valid():
        team = forms.team_from(membership.organisation, form.cleaned_data["team"])
        try:
            members.move_team(viewer, membership, team)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            where = f"the {team.name} team" if team else "no team"
            messages.success(request, f"{_name(membership)} is now in {where}")
            return redirect("web:person", pk=membership.pk)
    return render(
        request,
        "web/people/person_form.html",
        {
            "form": form,
            "membership": membership,
            "title": f"Move {_name(membership)} to another team",
            "button": "Move",
        },
    )


@staff_view
def person_deactivate(request: ViewerRequest, pk: int) -> HttpResponse:
    """A confirmation page, then the deactivation (at once)."""
    viewer = request.viewer
    membership = _membership(viewer, pk)
    if request.method == "POST":
        try:
            done = members.deactivate(viewer, membership)
        except ValidationError as error:
            return _person_page(request, membership, error)
        extra = f" Also ended: {', '.join(done.also_ended)}." if done.also_ended else ""
        messages.success(
            request,
            f"{_name(membership)} has been deactivated: they can no longer use Visible for "
            f"{membership.organisation.name}.{extra}",
        )
        return redirect("web:person", pk=membership.pk)
    return render(
        request,
        "web/people/deactivate.html",
        {"membership": membership, "is_self": membership.user_id == viewer.user_id},
    )


@require_POST
@staff_view
def person_reactivate(request: ViewerRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    membership = _membership(viewer, pk)
    try:
        done = members.reactivate(viewer, membership, site_url=_site(request))
    except ValidationError as error:
        return _person_page(request, membership, error)
    if done.sent is not None:
        messages.success(
            request,
            f"{_name(membership)} had never accepted their invitation: a new link has been sent "
            f"to {done.sent.invitation.email}",
        )
    else:
        messages.success(
            request,
            f"{_name(membership)} has access again, as {membership.get_role_display()}",
        )
    return redirect("web:person", pk=membership.pk)


@require_POST
@staff_view
def person_resend(request: ViewerRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    membership = _membership(viewer, pk)
    try:
        sent = invitations.resend(viewer, membership, site_url=_site(request))
    except ValidationError as error:
        return _person_page(request, membership, error)
    messages.success(
        request,
        f"A new invitation link has been sent to {sent.invitation.email}; the earlier link no "
        "longer works",
    )
    return redirect("web:person", pk=membership.pk)


@require_POST
@staff_view
def person_withdraw(request: ViewerRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    membership = _membership(viewer, pk)
    try:
        invitations.withdraw(viewer, membership)
    except ValidationError as error:
        return _person_page(request, membership, error)
    messages.success(
        request,
        f"The invitation of {_name(membership)} has been withdrawn: the link no longer works",
    )
    return redirect("web:person", pk=membership.pk)


# --- teams -------------------------------------------------------------------------------------


@staff_view
def teams_page(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    organisation = _require_administrator(viewer)
    form = forms.TeamNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = teams.create_team(viewer, organisation, form.cleaned_data["name"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"The {team.name} team has been created")
            return redirect("web:teams")
    return render(
        request,
        "web/people/teams.html",
        {"form": form, "teams": queries.teams_of(organisation), "organisation": organisation},
        status=200 if not form.errors else 400,
    )


@staff_view
def team_rename(request: ViewerRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    team = _team(viewer, pk)
    form = forms.TeamNameForm(request.POST or None, initial={"name": team.name})
    if request.method == "POST" and form.is_valid():
        try:
            renamed = teams.rename_team(viewer, team, form.cleaned_data["name"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"The team is now called {renamed.name}")
            return redirect("web:teams")
    return render(
        request,
        "web/people/team_form.html",
        {"form": form, "team": team, "title": f"Rename the {team.name} team", "button": "Rename"},
    )


def _team_change(request: ViewerRequest, pk: int, change) -> HttpResponse:
    viewer = request.viewer
    team = _team(viewer, pk)
    try:
        message = change(viewer, team)
    except ValidationError as error:
        return render(
            request,
            "web/people/teams.html",
            {
                "form": forms.TeamNameForm(),
                "teams": queries.teams_of(team.organisation),
                "organisation": team.organisation,
                "problems": [m for ms in _messages(error) for m in ms],
                "forms_have_errors": True,
            },
            status=409,
        )
    messages.success(request, message)
    return redirect("web:teams")


@require_POST
@staff_view
def team_close(request: ViewerRequest, pk: int) -> HttpResponse:
    def close(viewer: Viewer, team: Team) -> str:
        closed = teams.close_team(viewer, team)
        left = closed.children_still_allocated
        return f"The {team.name} team has been closed" + (
            f". {left} {'child is' if left == 1 else 'children are'} still allocated to it: "
            "their social workers or managers can allocate them to another team"
            if left
            else ""
        )

    return _team_change(request, pk, close)


@require_POST
@staff_view
def team_reopen(request: ViewerRequest, pk: int) -> HttpResponse:
    def reopen(viewer: Viewer, team: Team) -> str:
        teams.reopen_team(viewer, team)
        return f"The {team.name} team is open again"

    return _team_change(request, pk, reopen)


# --- the invitation link -------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password", "password_again")
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link (it is the credential): nothing changes on opening it (mail
    scanners open links), only when the person chooses a password or accepts."""
    opened = invitations.open_link(token)
    if opened.state == "unknown":
        record(
            Viewer(
                user_id=request.user.pk if request.user.is_authenticated else None,
                username=request.user.get_username() if request.user.is_authenticated else "",
                organisation=None,
                role=None,
            ),
            AuditAction.DENIED,
            object_type="invitation",
            summary="Followed an invitation link that does not exist",
        )
        return render(
            request, "web/people/invitation_unusable.html", {"state": "unknown"}, status=404
        )
    if opened.state != "open":
        return render(
            request,
            "web/people/invitation_unusable.html",
            {"state": opened.state, "invitation": opened.invitation},
            status=410,
        )
    invited = opened.invitation
    assert invited is not None  # an open link has its invitation
    membership = invited.membership
    account = membership.user
    signed_in = request.user.is_authenticated
    context = {"invitation": invited, "membership": membership, "account": account}
    if signed_in and request.user.pk != account.pk:
        return render(request, "web/people/invitation_other_account.html", context, status=403)
    if not opened.needs_password:
        return _accept_existing(request, token, context)
    form = forms.SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accepted = invitations.accept(token, password=form.cleaned_data["password"])
        except invitations.LinkUnusable as unusable:
            return render(
                request,
                "web/people/invitation_unusable.html",
                {"state": unusable.state},
                status=410,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            user = accepted.user
            user.backend = "django.contrib.auth.backends.ModelBackend"
            sessions.start_pending(request, user, "")
            if second_factor.confirmed_device(user) is None:
                return redirect("web:second-factor-set-up")
            return redirect("web:second-factor")
    return render(request, "web/people/invitation.html", {**context, "form": form})


def _accept_existing(request: HttpRequest, token: str, context: dict) -> HttpResponse:
    """Someone who already has an account signs in as themselves, then accepts."""
    if not request.user.is_authenticated:
        context["sign_in"] = (
            reverse("web:sign-in") + "?next=" + reverse("web:invitation", args=[token])
        )
        return render(request, "web/people/invitation_existing.html", context)
    if request.method == "POST":
        try:
            accepted = invitations.accept(token, user=request.user)
        except invitations.LinkUnusable as unusable:
            return render(
                request,
                "web/people/invitation_unusable.html",
                {"state": unusable.state},
                status=410,
            )
        request.session[sessions.ACTING_FOR] = accepted.organisation_id
        members.choose_organisation(request.user, accepted.organisation_id)
        messages.success(
            request,
            f"You now have access to {accepted.organisation.name} as "
            f"{accepted.get_role_display()}, and are working for it now. Use Switch "
            "organisation to change",
        )
        return redirect("web:home")
    return render(request, "web/people/invitation_existing.html", context)


# --- which organisation ------------------------------------------------------------------------


@never_cache
@login_required
def choose_organisation(request: HttpRequest) -> HttpResponse:
    memberships = getattr(request, "memberships", None)
    if memberships is None:
        memberships = active_memberships(request.user)
    next_url = sessions.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    chosen = request.session.get(sessions.ACTING_FOR)
    form = forms.ChooseOrganisationForm(
        memberships,
        request.POST or None,
        initial={"organisation": str(chosen) if chosen else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = members.choose_organisation(
                request.user, int(form.cleaned_data["organisation"])
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            request.session[sessions.ACTING_FOR] = membership.organisation_id
            messages.success(
                request,
                f"You are working for {membership.organisation.name} as "
                f"{membership.get_role_display()}",
            )
            return redirect(next_url or "web:home")
    return render(
        request,
        "web/people/choose_organisation.html",
        {"form": form, "memberships": memberships, "next": next_url},
    )
