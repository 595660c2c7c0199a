"""The API's endpoints. Each one opens the record through visible/access/opening.py (the same
policy calls as the web pages), calls one function in children/actions.py, missing/actions.py or
sharing/actions.py for a write (with its typed input, built from the serializer's validated
data), and answers with the representation policy allows. No view writes a model.

Conditional requests: a child's ETag is its version (bumped by every change to the record or
its flags, placements and the rest), an episode's its version with its gradings and search log.
PATCH requires If-Match (428 without it, 412 if stale); the POST actions take it optionally.
"""

from __future__ import annotations

import dataclasses
import io
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from visible.access import missing as missing_policy
from visible.access import opening as access
from visible.access import register as register_policy
from visible.agencies.models import Organisation, OrganisationKind
from visible.children import actions as register_actions
from visible.children import photographs, queries
from visible.children.duplicates import NewChild, PossibleDuplicate
from visible.children.inputs import ChildInput, PlacementInput
from visible.children.models import Child, Flag
from visible.children.validation import Conflict
from visible.missing import actions as missing_actions
from visible.missing.inputs import ReportMissingInput, ReturnInput
from visible.missing.models import Episode, GradingKind
from visible.notifications import notify
from visible.reference.models import Authority
from visible.sharing import actions as sharing_actions

from . import serializers as s
from .auth import viewer_of
from .errors import ActionRefused, PreconditionFailed, PreconditionRequired
from .schema import IF_MATCH_OPTIONAL, IF_MATCH_REQUIRED, errors

ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The record's number"
)


class JsonOnly(BaseContentNegotiation):
    """Always JSON (the PDF views return their file directly): no 406 for an odd Accept."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ApiView(APIView):
    content_negotiation_class = JsonOnly
    query_serializers: dict[str, type] = {}  # method -> the serializer of its query parameters

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not hasattr(self, request.method.lower()):
            return  # the method is not allowed: 405 says so
        declared = self.query_serializers.get(request.method.lower())
        known = set(declared().fields) if declared else set()
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise exceptions.ValidationError(
                {
                    name or "(empty name)": [
                        f"Unknown parameter; this endpoint takes {', '.join(sorted(known)) or 'no query parameters'}"
                    ]
                    for name in unknown
                }
            )


# --- conditional requests ------------------------------------------------------------------


def child_etag(child: Child, full: bool) -> str:
    return f'"child-{child.pk}-v{child.version}{"" if full else "-limited"}"'


def episode_etag(episode: Episode) -> str:
    counts = Episode.objects.filter(pk=episode.pk).aggregate(
        g=Count("gradings", distinct=True),
        latest=Max("gradings__pk"),
        log=Count("log", distinct=True),
    )
    return f'"episode-{episode.pk}-v{episode.version}-g{counts["g"]}.{counts["latest"] or 0}-l{counts["log"]}"'


def check_if_match(request: Request, current: str, required: bool) -> None:
    sent = request.headers.get("If-Match", "").strip()
    if not sent or sent == "*":
        if required:
            raise PreconditionRequired()
        return
    if current not in [tag.strip() for tag in sent.split(",")]:
        raise PreconditionFailed()


def _refused(error: ValidationError, conflict: bool) -> ActionRefused:
    if conflict or isinstance(error, Conflict):
        return ActionRefused(
            error,
            status.HTTP_409_CONFLICT,
            "The record as it is now does not allow this: see errors.",
        )
    return ActionRefused(error)


def _valid(serializer_class, data) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if hasattr(
        data, "getlist"
    ):  # a query string: an empty or repeated parameter is a mistake, not "no filter"
        problems = {}
        for name in serializer.fields:
            values = data.getlist(name)
            if values == [""] or "" in values:
                problems[name] = ["Leave this parameter out rather than sending it empty"]
            elif len(values) > 1:
                problems[name] = ["Send this parameter once"]
        if problems:
            raise exceptions.ValidationError(problems)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _page_urls(request: Request, page: int, pages: int) -> tuple[str | None, str | None]:
    def url(n: int) -> str:
        query = request.query_params.copy()
        query["page"] = str(n)
        return request.build_absolute_uri(request.path) + "?" + urlencode(query, doseq=True)

    return (url(page + 1) if page < pages else None), (url(page - 1) if page > 1 else None)


# --- children ------------------------------------------------------------------------------


class ChildrenView(ApiView):
    query_serializers = {"get": s.ChildSearchQuery}

    @extend_schema(
        operation_id="children_list",
        tags=["children"],
        parameters=[s.ChildSearchQuery],
        summary="Find children (list or search)",
        description="The children your organisation may find: its own, and those placed in its area (limited "
        "view). The same filters and tolerant name search as the web list, best match first "
        "(exact, then a name's start, then tolerant), each result saying which name or "
        "identifier matched; 50 a page. Audited as a "
        "list or a search, with the ids returned.",
        responses={200: s.ChildPage, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        viewer = viewer_of(request)
        query = _valid(s.ChildSearchQuery, request.query_params)
        filters = queries.ChildFilters(
            q=query.get("q", ""),
            flag=query.get("flag", ""),
            nationality=query.get("nationality", ""),
            gender=query.get("gender", ""),
            place_code=query.get("place_code", ""),
            out_of_area=query.get("out_of_area", ""),
            age_band=query.get("age_band", ""),
            active_from=query.get("active_from"),
            active_to=query.get("active_to"),
            own_only=query["own"],
        )
        result = queries.find_children(viewer, filters, page=query["page"])
        next_url, previous_url = _page_urls(request, result.page, result.pages)
        return Response(
            {
                "count": result.total,
                "page": result.page,
                "pages": result.pages,
                "page_size": queries.PAGE_SIZE,
                "next": next_url,
                "previous": previous_url,
                "matched_identifier": result.matched_identifier,
                "results": [
                    s.summary_data(c, viewer.organisation_id, result.matches.get(c.pk))
                    for c in result.children
                ],
            }
        )

    @extend_schema(
        operation_id="children_create",
        tags=["children"],
        request=s.ChildCreateInput,
        summary="Add a child to the register",
        description="The child becomes your organisation's (the responsible council). Validated as on the web "
        "page: dates and codes; 409 naming the field if another child in your organisation already has "
        "the council case ID, SSDA903 CHILD identifier, Home Office or NRM reference.",
        responses={201: s.ChildFull, **errors(415, 400, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        viewer = viewer_of(request)
        data = _valid(s.ChildCreateInput, request.data)
        other_names = [(n["name"], n["kind"]) for n in data.pop("other_names", [])]
        answer = NewChild(
            reason=data.pop("new_child_reason", ""),
            seen=tuple(data.pop("likely_matches_seen", ())),
        )
        if not register_policy.can_create(viewer):
            access.deny(
                viewer, "child", "", None, "Tried to add a child to the register without permission"
            )
            raise exceptions.PermissionDenied(
                "Your organisation or role cannot add children to the register"
            )
        try:
            child = register_actions.create_child(
                viewer, ChildInput.from_mapping(data), other_names, new_child=answer
            )
        except PossibleDuplicate as possible:
            refused = ActionRefused(
                possible,
                status.HTTP_409_CONFLICT,
                "The register may already hold this child: see likely_matches. Use that record, "
                "or send the request again with new_child_reason and likely_matches_seen.",
            )
            refused.extra = {
                "likely_matches": [
                    {
                        "id": m.child.pk,
                        "url": reverse("api:child", args=[m.child.pk]),
                        "given_names": m.child.given_names,
                        "family_name": m.child.family_name,
                        "date_of_birth": m.child.date_of_birth.isoformat(),
                        "nationality": m.child.nationality,
                        "why": m.why,
                    }
                    for m in possible.matches
                ]
            }
            raise refused from possible
        except ValidationError as error:
            raise _refused(error, conflict=False) from error
        response = Response(s.child_data(child, full=True), status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:child", args=[child.pk])
        response["ETag"] = child_etag(child, True)
        return response


class ChildView(ApiView):
    @extend_schema(
        operation_id="children_read",
        tags=["children"],
        parameters=[ID],
        summary="Read a child's record",
        description="The full record for your own children; the limited view (identity, photograph, flags, "
        "current placement) for a child placed in your area. Audited as a view.",
        responses={
            200: OpenApiResponse(
                s.ChildFull,
                description="access is 'full' or 'limited' (then only the "
                "limited fields are present)",
            ),
            **errors(404),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        child, grant = access.open_child_grant(viewer_of(request), pk)
        full = access.is_full(grant.access)
        response = Response(s.child_data(child, full, register_policy.sections_for(grant)))
        response["ETag"] = child_etag(child, full)
        return response

    @extend_schema(
        operation_id="children_update",
        tags=["children"],
        parameters=[ID, IF_MATCH_REQUIRED],
        request=s.ChildUpdateInput,
        summary="Change a child's core details",
        description="Send only the fields to change, with If-Match: the ETag from your GET. If someone changed the "
        "record since, 412 and nothing is saved. A field that cannot be changed (id, version, "
        "responsible_organisation...) or that does not exist is a 400 naming it. 409 naming the field if "
        "another child in your organisation already has that identifier.",
        responses={200: s.ChildFull, **errors(415, 400, 403, 404, 409, 412, 428)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        child = access.child_to_edit(viewer, pk, "edit details")
        data = _valid(s.ChildUpdateInput, request.data)
        check_if_match(request, child_etag(child, True), required=True)
        if not data:
            raise exceptions.ValidationError(
                {"non_field_errors": ["Send at least one field to change"]}
            )
        # The fields sent, over the record as it was read: if it changed since, the version
        # check in update_child refuses the write (412), so nothing read here is stale.
        details = dataclasses.replace(ChildInput.of(child), **data)
        try:
            child = register_actions.update_child(
                viewer, child, details, expected_version=child.version
            )
        except register_actions.StaleRecord as error:
            raise PreconditionFailed() from error
        except ValidationError as error:
            raise _refused(error, conflict=False) from error
        child = Child.objects.select_related("responsible_organisation").get(pk=child.pk)
        response = Response(s.child_data(child, True))
        response["ETag"] = child_etag(child, True)
        return response


class ChildPhotoView(ApiView):
    @extend_schema(
        operation_id="children_photo",
        tags=["children"],
        parameters=[ID],
        summary="The child's photograph",
        description="As on the web page: anyone who may open the record sees the photograph (it is part of the "
        "limited view too). Audited as a view with the purpose 'photograph'. 404 if there is none.",
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The photograph"),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            **errors(404),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        child, _ = access.open_child(viewer_of(request), pk, purpose="photograph")
        # By content, as on the web page: a stored file that is not a JPEG or PNG is not sent,
        # and one stored with its metadata (GPS) is sent without it.
        showing = photographs.for_showing(child.photo) if child.photo else None
        if showing is None:
            raise exceptions.NotFound("There is no photograph of this child on Visible")
        response = FileResponse(io.BytesIO(showing[0]), content_type=showing[1])
        response["Cache-Control"] = "private, no-store"
        return response


class FlagsView(ApiView):
    @extend_schema(
        operation_id="flags_create",
        tags=["children"],
        parameters=[ID, IF_MATCH_OPTIONAL],
        request=s.FlagInput,
        summary="Record a flag on a child",
        description="A dated flag with its evidence. 409 if the child already has an open flag of that kind.",
        responses={201: s.FlagFull, **errors(415, 400, 403, 404, 409, 412)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        child = access.child_to_edit(viewer, pk, "record a flag")
        data = _valid(s.FlagInput, request.data)
        check_if_match(request, child_etag(child, True), required=False)
        try:
            flag = register_actions.record_flag(
                viewer,
                child,
                data["kind"],
                data["start_date"],
                data["evidence"],
                stage=data.get("stage", ""),
                source="api",
            )
        except ValidationError as error:
            open_already = Flag.objects.filter(
                child=child, kind=data["kind"], end_date__isnull=True
            ).exists()
            raise _refused(error, conflict=open_already) from error
        return Response(s.FlagFull(flag).data, status=status.HTTP_201_CREATED)


class EndFlagView(ApiView):
    @extend_schema(
        operation_id="flags_end",
        tags=["children"],
        request=s.EndFlagInput,
        parameters=[
            ID,
            OpenApiParameter("flag_id", OpenApiTypes.INT, OpenApiParameter.PATH),
            IF_MATCH_OPTIONAL,
        ],
        summary="End a flag",
        description="409 if the flag has already ended.",
        responses={200: s.FlagFull, **errors(415, 400, 403, 404, 409, 412)},
    )
    def post(self, request: Request, pk: int, flag_id: int) -> Response:
        viewer = viewer_of(request)
        child = access.child_to_edit(viewer, pk, "end a flag")
        flag = access.flag_of(viewer, child, flag_id, "end a flag")
        data = _valid(s.EndFlagInput, request.data)
        check_if_match(request, child_etag(child, True), required=False)
        try:
            flag = register_actions.end_flag(viewer, flag, data["end_date"], data["reason"])
        except ValidationError as error:
            flag.refresh_from_db()
            raise _refused(error, conflict=flag.end_date is not None) from error
        return Response(s.FlagFull(flag).data)


class PlacementsView(ApiView):
    @extend_schema(
        operation_id="placements_create",
        tags=["children"],
        parameters=[ID, IF_MATCH_OPTIONAL],
        request=s.PlacementInput,
        summary="Record a placement",
        description="Where the child lives, from when. Must not overlap another placement; the placement type "
        "must be in use on its start date. The council of the area is told if it is not yours.",
        responses={201: s.PlacementOut, **errors(415, 400, 403, 404, 412)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        child = access.child_to_edit(viewer, pk, "record a placement")
        data = _valid(s.PlacementInput, request.data)
        check_if_match(request, child_etag(child, True), required=False)
        code = data["authority"]
        data["authority"] = Authority.objects.filter(code=code).first()
        if data["authority"] is None:
            raise exceptions.ValidationError(
                {"authority": [f"'{code}' is not an authority's GSS code Visible knows"]}
            )
        try:
            placement = sharing_actions.record_placement(
                viewer, child, PlacementInput.from_mapping(data)
            )
        except ValidationError as error:
            raise _refused(error, conflict=False) from error
        return Response(s.PlacementOut(placement).data, status=status.HTTP_201_CREATED)


class EndPlacementView(ApiView):
    @extend_schema(
        operation_id="placements_end",
        tags=["children"],
        request=s.EndPlacementInput,
        parameters=[
            ID,
            OpenApiParameter("placement_id", OpenApiTypes.INT, OpenApiParameter.PATH),
            IF_MATCH_OPTIONAL,
        ],
        summary="End a placement",
        description="409 if the placement has already ended.",
        responses={200: s.PlacementOut, **errors(415, 400, 403, 404, 409, 412)},
    )
    def post(self, request: Request, pk: int, placement_id: int) -> Response:
        viewer = viewer_of(request)
        child = access.child_to_edit(viewer, pk, "end a placement")
        placement = access.placement_of(viewer, child, placement_id, "end a placement")
        data = _valid(s.EndPlacementInput, request.data)
        check_if_match(request, child_etag(child, True), required=False)
        try:
            placement = register_actions.end_placement(viewer, placement, data["end_date"])
        except ValidationError as error:
            placement.refresh_from_db()
            raise _refused(error, conflict=placement.end_date is not None) from error
        return Response(s.PlacementOut(placement).data)


# --- missing episodes ----------------------------------------------------------------------


def _police_force(viewer, name: str | None, field: str) -> Organisation | None:
    if not name:
        own = viewer.organisation
        return own if own and own.kind == OrganisationKind.POLICE else None
    force = Organisation.objects.filter(kind=OrganisationKind.POLICE, name=name).first()
    if force is None:
        raise exceptions.ValidationError(
            {
                field: [
                    f"Visible knows no police force called '{name}': use the force's "
                    "full name, for example 'Kent Police' or 'Police Scotland'"
                ]
            }
        )
    return force


def _episode_response(episode: Episode, full: bool, status_code: int = 200) -> Response:
    episode = Episode.objects.select_related(
        "child__responsible_organisation", "police_force", "found_in_authority"
    ).get(pk=episode.pk)
    response = Response(s.episode_data(episode, full), status=status_code)
    response["ETag"] = episode_etag(episode)
    return response


class ChildEpisodesView(ApiView):
    @extend_schema(
        operation_id="episodes_report",
        tags=["missing"],
        parameters=[ID],
        request=s.ReportMissingInput,
        summary="Report a child missing or away",
        description="Opens an episode on the child's record and grades it (the risk engine's proposal, to be "
        "confirmed). 409 if the child already has an open episode.",
        responses={201: s.EpisodeOut, **errors(415, 400, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        child = access.child_to_act_on(viewer, pk, "report missing")
        data = _valid(s.ReportMissingInput, request.data)
        data["police_force"] = _police_force(viewer, data.get("police_force"), "police_force")
        try:
            episode, _ = notify.report_missing(viewer, child, ReportMissingInput.from_mapping(data))
        except ValidationError as error:
            already = Episode.objects.filter(child=child, returned_at__isnull=True).exists()
            raise _refused(error, conflict=already) from error
        response = _episode_response(episode, True, status.HTTP_201_CREATED)
        response["Location"] = reverse("api:episode", args=[episode.pk])
        return response


class EpisodesView(ApiView):
    query_serializers = {"get": s.PageQuery}

    @extend_schema(
        operation_id="episodes_list",
        tags=["missing"],
        parameters=[s.PageQuery],
        summary="Open episodes you may see",
        description="Every open episode of your organisation's children and of children placed in its area, "
        "highest grade first, then longest missing. Audited as a list.",
        responses={200: s.EpisodePage, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        from visible.audit.log import record
        from visible.audit.models import AuditAction

        viewer = viewer_of(request)
        query = _valid(s.PageQuery, request.query_params)
        candidates = access.visible_open_episodes(viewer).select_related(
            "child__responsible_organisation", "police_force"
        )
        views = {
            e.pk: missing_policy.episode_view(viewer, e) for e in candidates
        }  # each row as its page would be
        episodes = missing_policy.most_urgent_first(e for e in candidates if views[e.pk] != "none")
        size = query["page_size"]
        pages = max(1, -(-len(episodes) // size))
        page = min(query["page"], pages)
        shown = episodes[(page - 1) * size : page * size]
        record(
            viewer,
            AuditAction.LIST,
            object_type="episode",
            summary=f"Listed open episodes through the API ({len(episodes)} open, {len(shown)} shown)",
            detail={"episodes": [e.pk for e in shown], "page": page},
        )
        next_url, previous_url = _page_urls(request, page, pages)
        return Response(
            {
                "count": len(episodes),
                "page": page,
                "pages": pages,
                "page_size": size,
                "next": next_url,
                "previous": previous_url,
                "results": [
                    s.EpisodeSummary(
                        s.episode_summary(e, viewer.organisation_id) | {"access": views[e.pk]}
                    ).data
                    for e in shown
                ],
            }
        )


class EpisodeView(ApiView):
    @extend_schema(
        operation_id="episodes_read",
        tags=["missing"],
        parameters=[ID],
        summary="Read a missing episode",
        description="The full episode (gradings and the search log) for your own child's; the limited view of an "
        "open episode for a child placed in your area. Audited as a view.",
        responses={200: s.EpisodeOut, **errors(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        episode, view = access.open_episode(viewer_of(request), pk)
        return _episode_response(episode, view == "full")


class GradingsView(ApiView):
    @extend_schema(
        operation_id="episodes_grade",
        tags=["missing"],
        parameters=[ID, IF_MATCH_OPTIONAL],
        request=s.GradeInput,
        summary="Confirm or change the episode's grade",
        description="Confirm the risk engine's proposal, or choose another grade: upward freely, downward only "
        "with a reason and never below the floor the rules set.",
        responses={201: s.GradingOut, **errors(415, 400, 403, 404, 412)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        episode = access.episode_to_act_on(viewer, pk, "grade episode")
        data = _valid(s.GradeInput, request.data)
        check_if_match(request, episode_etag(episode), required=False)
        kind = GradingKind.CONFIRMED if episode.is_open else GradingKind.RETURN
        try:
            grading = missing_actions.grade_episode(
                viewer, episode, data["grade"], data.get("reason", ""), kind=kind
            )
        except ValidationError as error:
            raise _refused(error, conflict=False) from error
        return Response(s.GradingOut(grading).data, status=status.HTTP_201_CREATED)


class LogView(ApiView):
    @extend_schema(
        operation_id="episodes_log",
        tags=["missing"],
        parameters=[ID],
        request=s.LogEntryInput,
        summary="Add to the search log",
        description="A sighting, a call, an action, contact with the child, a note.",
        responses={201: s.LogEntryOut, **errors(415, 400, 403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        episode = access.episode_to_act_on(viewer, pk, "log the search")
        data = _valid(s.LogEntryInput, request.data)
        try:
            entry = missing_actions.add_log_entry(
                viewer, episode, data["kind"], data["occurred_at"], data["text"]
            )
        except ValidationError as error:
            raise _refused(error, conflict=False) from error
        return Response(s.LogEntryOut(entry).data, status=status.HTTP_201_CREATED)


class PoliceReportView(ApiView):
    @extend_schema(
        operation_id="episodes_police_report",
        tags=["missing"],
        parameters=[ID, IF_MATCH_OPTIONAL],
        request=s.PoliceReportInput,
        summary="Record the report to the police",
        description="Which force, when, and its reference. A police client's own force is the default.",
        responses={200: s.EpisodeOut, **errors(415, 400, 403, 404, 412)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        episode = access.episode_to_act_on(viewer, pk, "record police report")
        data = _valid(s.PoliceReportInput, request.data)
        check_if_match(request, episode_etag(episode), required=False)
        force = _police_force(viewer, data.get("police_force"), "police_force")
        if force is None:
            raise exceptions.ValidationError(
                {"police_force": ["Give the police force the child was reported to"]}
            )
        try:
            episode = missing_actions.record_police_report(
                viewer, episode, force, data["reported_at"], data.get("reference", "")
            )
        except ValidationError as error:
            raise _refused(error, conflict=False) from error
        return _episode_response(episode, True)


class PoliceGradesView(ApiView):
    @extend_schema(
        operation_id="episodes_police_grades",
        tags=["missing"],
        parameters=[ID],
        summary="The police's grades and Visible's challenges",
        description="The grades the force gave the episode, exactly as received, newest first (each "
        "with Visible's grade at the time), and Visible's challenges to them (R-POLICE-GRADE): the "
        "risk engine's reasons for high, the state, the force's answer and the outcome. Empty "
        "in the limited view. Audited as a view of the episode.",
        responses={200: s.PoliceGradesOut, **errors(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        episode, view = access.open_episode(viewer_of(request), pk, "police grades")
        return Response(s.police_grades_data(episode, view == "full"))

    @extend_schema(
        operation_id="episodes_police_grade",
        tags=["missing"],
        parameters=[ID],
        request=s.PoliceGradeInput,
        summary="Record the grade the police gave",
        description="The force's grade exactly as given: its words (as_written) and which of the "
        "College of Policing APP grades it is (category; optional when the words name exactly "
        "one). The same action as the episode's police page: a grade below high for a child in "
        "scope opens a challenge to the force's trafficking SPOC (unless one is open), and a "
        "grade of high closes an open challenge as regraded high. Answers with the history.",
        responses={201: s.PoliceGradesOut, **errors(415, 400, 403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        episode, _ = access.episode_to_grade(viewer, pk, "record the police grade")
        data = _valid(s.PoliceGradeInput, request.data)
        try:
            missing_actions.record_police_grade(
                viewer,
                episode,
                data.get("as_written", ""),
                data.get("category", ""),
                data.get("graded_at"),
            )
        except ValidationError as error:
            raise _refused(error, conflict=False) from error
        return Response(s.police_grades_data(episode, True), status=status.HTTP_201_CREATED)


class ChallengeAnswerView(ApiView):
    @extend_schema(
        operation_id="police_challenges_answer",
        tags=["missing"],
        parameters=[ID],
        request=s.ChallengeAnswerInput,
        summary="Answer a challenge to the force's grade",
        description="For the trafficking SPOC of the force the challenge is put to (403 for its "
        "officers; 404 for anyone who cannot see it): the force changed its grade (regraded, "
        "with regraded_to, recorded as the force's new grade) or kept it, with reasons either "
        "way. Kept below high for a child in scope, the child's council is alerted. 409 if the "
        "challenge is already answered.",
        responses={200: s.PoliceChallengeOut, **errors(415, 400, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        challenge = access.challenge_to_answer(viewer, pk, "answer a challenge to a police grade")
        data = _valid(s.ChallengeAnswerInput, request.data)
        try:
            challenge = missing_actions.answer_police_challenge(
                viewer,
                challenge,
                data["answer"],
                data["answer_reasons"],
                data.get("regraded_to", ""),
            )
        except ValidationError as error:
            raise _refused(error, conflict=not challenge.is_open) from error
        return Response(s.police_challenge_data(challenge))


class ReturnView(ApiView):
    @extend_schema(
        operation_id="episodes_return",
        tags=["missing"],
        parameters=[ID, IF_MATCH_OPTIONAL],
        request=s.ReturnInput,
        summary="Record the child's return",
        description="Closes the episode. 409 if the return is already recorded.",
        responses={200: s.EpisodeOut, **errors(415, 400, 403, 404, 409, 412)},
    )
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        episode = access.episode_to_act_on(viewer, pk, "record return")
        data = _valid(s.ReturnInput, request.data)
        check_if_match(request, episode_etag(episode), required=False)
        if "found_in_authority" in data:
            code = data["found_in_authority"]
            data["found_in_authority"] = Authority.objects.filter(code=code).first()
            if data["found_in_authority"] is None:
                raise exceptions.ValidationError(
                    {
                        "found_in_authority": [
                            f"'{code}' is not an authority's GSS code Visible knows"
                        ]
                    }
                )
        try:
            episode = missing_actions.record_return(
                viewer, episode, ReturnInput.from_mapping(data), expected_version=episode.version
            )
        except missing_actions.StaleEpisode as error:
            raise PreconditionFailed() from error
        except ValidationError as error:
            closed = Episode.objects.filter(pk=episode.pk, returned_at__isnull=False).exists()
            raise _refused(error, conflict=closed) from error
        return _episode_response(episode, True)
