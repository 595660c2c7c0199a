"""Provisioning an organisation's people from its own directory: a SCIM-like subset (docs/api.md,
"People"). An API client of the organisation acting as its administrator
(Role.ORGANISATION_ADMIN) lists the organisation's people, creates one (an invitation by
email, as the people page sends), and deactivates or reactivates one. Any other client: 403;
a person of another organisation: 404. Every change goes through the same actions as the web
pages (visible.people) and is audited with the client's name; the list and each read are
audited too. The client sees people, never a child."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from visible.agencies.models import Membership, Organisation, Team
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.people import invitations, members, queries
from visible.people import policy as people_policy
from visible.people.errors import Conflict, MailNotSent
from visible.people.invitations import InviteInput

from .auth import viewer_of
from .errors import ActionRefused
from .schema import errors
from .serializers import PeoplePage, PeopleQuery, PersonCreateInput, PersonOut
from .views import ID, ApiView, _valid


def person_data(person: queries.Person) -> dict[str, Any]:
    m = person.membership
    user = m.user
    return {
        "id": m.pk,
        "username": user.get_username(),
        "email": user.email,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "role": m.role,
        "team": {"id": m.team.pk, "name": m.team.name} if m.team else None,
        "job_title": m.job_title,
        "status": person.status,
        "active": m.is_active,
        "invitation_expires_at": person.invitation.expires_at
        if person.status == "invited" and person.invitation
        else None,
        "last_sign_in_at": user.last_login,
        "deactivated_at": m.deactivated_at,
    }


def _administrator(request: Request) -> Viewer:
    viewer = viewer_of(request)
    if not people_policy.manages_people(viewer) or viewer.organisation is None:
        raise PermissionDenied(
            "Only a client acting as your organisation's administrator (organisation_admin) "
            "can manage its people"
        )
    return viewer


def _organisation(viewer: Viewer) -> Organisation:
    assert viewer.organisation is not None  # _administrator saw to it
    return viewer.organisation


def _membership(viewer: Viewer, pk: int) -> Membership:
    membership = Membership.objects.select_related("organisation").filter(pk=pk).first()
    if membership is None or not people_policy.manages(viewer, membership.organisation):
        raise Http404("There is nobody with that id in your organisation")
    return membership


def _refused(error: ValidationError) -> exceptions.APIException:
    if isinstance(error, MailNotSent):
        return ActionRefused(
            error, 503, "The invitation email could not be sent: nothing was saved."
        )
    if isinstance(error, Conflict):
        return ActionRefused(
            error,
            status.HTTP_409_CONFLICT,
            "Your organisation as it is now does not allow this: see errors.",
        )
    return ActionRefused(error)


def _site(request: Request) -> str:
    return request.build_absolute_uri("/")


def _answer(membership: Membership, code: int = 200) -> Response:
    person = queries.person(membership, timezone.now())
    return Response(person_data(person), status=code)


class PeopleView(ApiView):
    query_serializers = {"get": PeopleQuery}

    @extend_schema(
        operation_id="people_list",
        tags=["people"],
        parameters=[PeopleQuery],
        summary="List your organisation's people",
        description="Everyone who has, had or was offered access to your organisation, by name. "
        "Filter by status, or find one person by email. Audited as a list.",
        responses={200: PeoplePage, **errors(400, 403)},
    )
    def get(self, request: Request) -> Response:
        viewer = _administrator(request)
        organisation = _organisation(viewer)
        query = _valid(PeopleQuery, request.query_params)
        found = queries.people_of(organisation, timezone.now())
        if query.get("status"):
            found = [p for p in found if p.status == query["status"]]
        if query.get("email"):
            email = invitations.normalise_email(query["email"])
            found = [p for p in found if (p.user.email or "").lower() == email]
        record(
            viewer,
            AuditAction.LIST,
            object_type="membership",
            summary=f"Listed the people of {organisation.name} ({len(found)} found)",
            detail={"filters": query, "shown": [p.membership.pk for p in found]},
        )
        return Response({"count": len(found), "results": [person_data(p) for p in found]})

    @extend_schema(
        operation_id="people_create",
        tags=["people"],
        request=PersonCreateInput,
        summary="Invite someone into your organisation",
        description="Makes their account (their username is their email) unless they have one, "
        "and emails them a single-use link, valid for VISIBLE_INVITATION_DAYS days, to choose a "
        "password and set up their second factor. 409 if they already have access, were "
        "deactivated (reactivate them instead) or have a link that still works, or if your "
        "organisation is deactivated. 503 if the email could not be sent (nothing is saved).",
        responses={201: PersonOut, **errors(415, 400, 403, 409, 503)},
    )
    def post(self, request: Request) -> Response:
        viewer = _administrator(request)
        data = _valid(PersonCreateInput, request.data)
        organisation = _organisation(viewer)
        team = None
        if data.get("team"):
            team = Team.objects.filter(organisation=organisation, name__iexact=data["team"]).first()
            if team is None:
                names = ", ".join(
                    Team.objects.filter(organisation=organisation, is_active=True).values_list(
                        "name", flat=True
                    )
                )
                raise ActionRefused(
                    ValidationError(
                        {
                            "team": [
                                f"{organisation.name} has no team called '{data['team']}'; its "
                                f"teams are: {names or 'none yet'}"
                            ]
                        }
                    )
                )
        try:
            sent = invitations.invite(
                viewer,
                organisation,
                InviteInput(
                    email=data["email"],
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    role=data["role"],
                    team=team,
                    job_title=data.get("job_title", ""),
                ),
                site_url=_site(request),
            )
        except ValidationError as error:
            raise _refused(error) from None
        response = _answer(sent.invitation.membership, status.HTTP_201_CREATED)
        response["Location"] = reverse("api:person", args=[sent.invitation.membership.pk])
        return response


class PersonView(ApiView):
    @extend_schema(
        operation_id="people_read",
        tags=["people"],
        parameters=[ID],
        summary="One person",
        responses={200: PersonOut, **errors(403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        viewer = _administrator(request)
        membership = _membership(viewer, pk)
        record(
            viewer,
            AuditAction.VIEW,
            object_type="membership",
            object_id=membership.pk,
            summary=f"Read the access of person {membership.pk} of {membership.organisation.name}",
        )
        response = _answer(membership)
        # What the person's access is now, as a tag (a GET of a record carries its ETag).
        shown = json.dumps(response.data, sort_keys=True, default=str).encode()
        response["ETag"] = f'"person-{membership.pk}-{hashlib.sha256(shown).hexdigest()[:16]}"'
        return response


class PersonDeactivateView(ApiView):
    @extend_schema(
        operation_id="people_deactivate",
        tags=["people"],
        parameters=[ID],
        request=None,
        summary="Deactivate someone (a leaver): at once",
        description="Their access to your organisation ends now: signed-in sessions end at their "
        "next request, an unused invitation link stops working, and the API clients they created "
        "for your organisation are revoked. 409 if already deactivated, or if they are your "
        "organisation's last active administrator.",
        responses={200: PersonOut, **errors(403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = _administrator(request)
        membership = _membership(viewer, pk)
        try:
            members.deactivate(viewer, membership)
        except ValidationError as error:
            raise _refused(error) from None
        return _answer(membership)


class PersonReactivateView(ApiView):
    @extend_schema(
        operation_id="people_reactivate",
        tags=["people"],
        parameters=[ID],
        request=None,
        summary="Reactivate someone (a returner)",
        description="They get their access back with the role and team they had; someone who "
        "never accepted their invitation is sent a new link instead (status invited). 409 if "
        "they are not deactivated, or your organisation is.",
        responses={200: PersonOut, **errors(403, 404, 409, 503)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = _administrator(request)
        membership = _membership(viewer, pk)
        try:
            members.reactivate(viewer, membership, site_url=_site(request))
        except ValidationError as error:
            raise _refused(error) from None
        return _answer(membership)
