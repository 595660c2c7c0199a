"""Forms for the people and teams pages. They ask for the values in the person's words; the
rules (a role the organisation has, an open team, no duplicate, not the last administrator)
are the actions' (visible/people), whose field errors come back onto these forms."""

from __future__ import annotations

from django import forms

from visible.agencies.models import Organisation, Team
from visible.people.roles import roles_for

NO_TEAM = ""


def set_choices(form: forms.Form, name: str, choices: list) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _team_choices(organisation: Organisation, current: Team | None = None) -> list[tuple]:
    teams = Team.objects.filter(organisation=organisation, is_active=True).order_by("name")
    choices = [(NO_TEAM, "No team")] + [(str(t.pk), t.name) for t in teams]
    if current is not None and not current.is_active:
        choices.append((str(current.pk), f"{current.name} (closed)"))
    return choices


def team_from(organisation: Organisation, value: str) -> Team | None:
    """The chosen team (any of the organisation's, for the action to judge), or None."""
    if not value:
        return None
    return Team.objects.filter(organisation=organisation, pk=value).first()


class InviteForm(forms.Form):
    email = forms.CharField(
        label="Email address",
        max_length=254,
        help_text="Their work email: the invitation goes there, and it becomes their username",
        error_messages={"required": "Enter their email address"},
    )
    given_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter their first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter their last name"}
    )
    role = forms.ChoiceField(
        label="Role",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the role they will have"},
    )
    team = forms.ChoiceField(label="Team (optional)", required=False)
    job_title = forms.CharField(label="Job title (optional)", max_length=200, required=False)

    def __init__(self, organisation: Organisation, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        set_choices(self, "role", [(r.value, r.label) for r in (roles or roles_for(organisation))])
        set_choices(self, "team", _team_choices(organisation))


class InviteAdministratorForm(forms.Form):
    organisation = forms.ChoiceField(
        label="Organisation", error_messages={"required": "Choose the organisation"}
    )
    email = InviteForm.base_fields["email"]
    given_name = InviteForm.base_fields["given_name"]
    family_name = InviteForm.base_fields["family_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "organisation",
            [("", "Choose an organisation")]
            + [(str(o.pk), o.name) for o in Organisation.objects.filter(is_active=True)],
        )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role", widget=forms.RadioSelect, error_messages={"required": "Choose a role"}
    )

    def __init__(self, organisation: Organisation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "role", [(r.value, r.label) for r in roles_for(organisation)])


class MoveTeamForm(forms.Form):
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, organisation: Organisation, *args, current: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "team", _team_choices(organisation, current))


class TeamNameForm(forms.Form):
    name = forms.CharField(
        label="Team name",
        max_length=200,
        help_text="For example UASC team, or Out of hours",
        error_messages={"required": "Enter the team's name, for example UASC team"},
    )


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, and not a common password",
        error_messages={"required": "Choose a password"},
    )
    password_again = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the password again"},
    )

    def clean(self):
        data = super().clean() or {}
        if (
            data.get("password")
            and data.get("password_again")
            and data["password"] != data["password_again"]
        ):
            self.add_error("password_again", "The two passwords are not the same: type them again")
        return data


class ChooseOrganisationForm(forms.Form):
    organisation = forms.ChoiceField(
        label="Which organisation are you working for now?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the organisation you are working for now"},
    )

    def __init__(self, memberships, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "organisation",
            [
                (str(m.organisation_id), f"{m.organisation.name}, as {m.get_role_display()}")
                for m in memberships
            ],
        )


class AllocationForm(forms.Form):
    worker = forms.ChoiceField(label="Allocated social worker", required=False)
    team = forms.ChoiceField(label="Allocated team", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, organisation: Organisation, *args, current_team: Team | None = None, **kwargs
    ):
        from visible.agencies.models import ROLES_THAT_EDIT_REGISTER, Membership

        super().__init__(*args, **kwargs)
        workers = (
            Membership.objects.filter(
                organisation=organisation,
                is_active=True,
                user__is_active=True,
                role__in=ROLES_THAT_EDIT_REGISTER,
            )
            .select_related("user", "team")
            .order_by("user__last_name", "user__first_name", "user__username")
        )
        set_choices(
            self,
            "worker",
            [("", "Nobody")]
            + [
                (
                    str(m.user_id),
                    f"{m.user.get_full_name() or m.user.get_username()} ({m.get_role_display()}"
                    + (f", {m.team.name}" if m.team else "")
                    + ")",
                )
                for m in workers
            ],
        )
        set_choices(self, "team", _team_choices(organisation, current_team))
