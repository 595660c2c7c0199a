"""The Philomena grab pack through the API: JSON for a system to show or forward, and the same
PDF as the web page. Who may see a pack is decided as on the web (visible/access/opening.py);
every read is audited as a view (JSON) or an export (PDF) with the purpose "grab pack"."""

from __future__ import annotations

import dataclasses

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from visible.access import opening as access
from visible.access.disclosures import disclose
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.missing import grabpack
from visible.missing.grabpack import GrabPack

from .auth import viewer_of
from .fields import UtcDateTimeField
from .schema import errors
from .views import ID, ApiView


class PlacementPart(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    area = serializers.CharField()
    postcode = serializers.CharField()
    provider = serializers.CharField()
    since = serializers.DateField()


class FlagPart(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    since = serializers.DateField()


class PreviousEpisodePart(serializers.Serializer):
    category = serializers.CharField()
    category_label = serializers.CharField()
    last_seen_at = UtcDateTimeField()
    last_seen_place = serializers.CharField()
    returned_at = UtcDateTimeField()
    duration = serializers.CharField()
    found_place = serializers.CharField()
    found_by = serializers.CharField()
    grade = serializers.CharField()


class ReasonPart(serializers.Serializer):
    text = serializers.CharField()
    citation = serializers.CharField()


class EpisodePart(serializers.Serializer):
    episode_id = serializers.IntegerField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    is_open = serializers.BooleanField()
    last_seen_at = UtcDateTimeField()
    last_seen_place = serializers.CharField()
    with_whom = serializers.CharField()
    clothing = serializers.CharField()
    circumstances = serializers.CharField()
    time_missing = serializers.CharField()
    returned_at = UtcDateTimeField(allow_null=True)
    reported_by_name = serializers.CharField()
    reported_by_role = serializers.CharField()
    reported_at = UtcDateTimeField()
    police_force = serializers.CharField()
    police_reported_at = UtcDateTimeField(allow_null=True)
    police_reference = serializers.CharField()
    grade = serializers.CharField()
    grade_label = serializers.CharField()
    graded_at = UtcDateTimeField(allow_null=True)
    graded_by = serializers.CharField()
    graded_by_organisation = serializers.CharField()
    override_reason = serializers.CharField()
    headline = serializers.CharField()
    reasons = ReasonPart(many=True)
    more_reasons = serializers.IntegerField()


class NamedPart(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()


class IdentifierPart(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class PlaceFoundPart(serializers.Serializer):
    place = serializers.CharField()
    times = serializers.IntegerField()


class GrabPackSerializer(serializers.Serializer):
    generated_at = UtcDateTimeField()
    generated_by = serializers.CharField()
    generated_by_organisation = serializers.CharField()
    protective_marking = serializers.CharField()
    child_id = serializers.IntegerField()
    full_name = serializers.CharField()
    preferred_name = serializers.CharField()
    other_names = NamedPart(many=True)
    date_of_birth = serializers.DateField()
    dob_basis = serializers.CharField()
    age = serializers.IntegerField()
    sex = serializers.CharField()
    gender = serializers.CharField()
    nationality = serializers.CharField()
    first_language = serializers.CharField()
    other_languages = serializers.ListField(child=serializers.CharField())
    interpreter_needed = serializers.BooleanField()
    responsible_organisation = serializers.CharField()
    description = serializers.CharField()
    distinguishing_features = serializers.CharField()
    has_photo = serializers.BooleanField(
        help_text="The photograph is in the PDF, and at GET /api/v1/children/{id}/photo"
    )
    photo_taken_on = serializers.DateField(allow_null=True)
    council_id = serializers.CharField()
    identifiers = IdentifierPart(many=True)
    flags = FlagPart(many=True)
    placement = PlacementPart(allow_null=True)
    has_safety_plan = serializers.BooleanField()
    safety_plan_agreed_on = serializers.DateField(allow_null=True)
    safety_plan_updated_at = UtcDateTimeField(allow_null=True)
    safety_plan_updated_by = serializers.CharField()
    phone_numbers = serializers.ListField(child=serializers.CharField())
    social_media = serializers.ListField(child=serializers.CharField())
    places = serializers.ListField(child=serializers.CharField(), help_text="The missing route map")
    associates = serializers.ListField(child=serializers.CharField())
    medical_needs = serializers.CharField()
    contingency = serializers.ListField(child=serializers.CharField(), help_text="Whom to notify")
    guardians = serializers.ListField(child=serializers.CharField())
    child_views = serializers.CharField()
    history = PreviousEpisodePart(many=True)
    history_total = serializers.IntegerField()
    history_last_year = serializers.IntegerField()
    history_longest = serializers.CharField()
    places_found = PlaceFoundPart(many=True)
    open_episode_id = serializers.IntegerField(allow_null=True)
    episode = EpisodePart(
        allow_null=True, help_text="Part 2; null for the pack prepared in advance"
    )


def pack_data(pack: GrabPack) -> dict:
    data = {f.name: getattr(pack, f.name) for f in dataclasses.fields(pack)}
    data["other_names"] = [{"name": n, "kind": k} for n, k in pack.other_names]
    data["identifiers"] = [{"label": label, "value": value} for label, value in pack.identifiers]
    data["places_found"] = [{"place": p, "times": n} for p, n in pack.places_found]
    data["has_photo"] = bool(pack.photo_name)
    data.pop("photo_name")
    return GrabPackSerializer(data).data


def _audit(viewer, action: str, pack: GrabPack, summary: str, detail: dict | None = None) -> None:
    if pack.episode:
        object_type, object_id = "episode", pack.episode.episode_id
    else:
        object_type, object_id = "child", pack.child_id
    record(
        viewer,
        action,
        object_type=object_type,
        object_id=object_id,
        child_id=pack.child_id,
        summary=summary,
        purpose=access.GRAB_PACK,
        detail=detail,
    )
    child = Child.objects.get(pk=pack.child_id)
    if viewer.organisation_id != child.responsible_organisation_id:  # seen by another organisation
        disclose(viewer, child, f"Grab pack: {summary[0].lower()}{summary[1:]}", access.GRAB_PACK)


def _json(request: Request, pack: GrabPack) -> Response:
    parts = "parts 1 and 2" if pack.episode else "part 1"
    _audit(
        viewer_of(request),
        AuditAction.VIEW,
        pack,
        f"Viewed the grab pack ({parts}) through the API",
    )
    return Response(pack_data(pack))


def _pdf(request: Request, pack: GrabPack) -> HttpResponse:
    content = grabpack.grab_pack_pdf(pack)
    filename = grabpack.pdf_filename(pack)
    parts = "parts 1 and 2" if pack.episode else "part 1"
    _audit(
        viewer_of(request),
        AuditAction.EXPORT,
        pack,
        f"Downloaded the grab pack as a PDF ({parts}) through the API",
        {"format": "pdf", "filename": filename, "bytes": len(content)},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


PDF_RESPONSE = {
    (200, "application/pdf"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The grab pack, A4 PDF"
    )
}


class EpisodeGrabPackView(ApiView):
    @extend_schema(
        operation_id="grab_pack_episode",
        tags=["grab pack"],
        parameters=[ID],
        summary="Grab pack for an episode (parts 1 and 2)",
        responses={200: GrabPackSerializer, **errors(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        episode = access.episode_for_grab_pack(viewer, pk)
        return _json(request, grabpack.grab_pack_for(viewer, episode))


class EpisodeGrabPackPdfView(ApiView):
    @extend_schema(
        operation_id="grab_pack_episode_pdf",
        tags=["grab pack"],
        parameters=[ID],
        summary="Grab pack for an episode, as PDF",
        responses={**PDF_RESPONSE, **errors(404)},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        viewer = viewer_of(request)
        episode = access.episode_for_grab_pack(viewer, pk)
        return _pdf(request, grabpack.grab_pack_for(viewer, episode))


class ChildGrabPackView(ApiView):
    @extend_schema(
        operation_id="grab_pack_child",
        tags=["grab pack"],
        parameters=[ID],
        summary="Grab pack prepared in advance (part 1)",
        responses={200: GrabPackSerializer, **errors(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        child = access.child_for_grab_pack(viewer, pk)
        return _json(request, grabpack.child_grab_pack_for(viewer, child))


class ChildGrabPackPdfView(ApiView):
    @extend_schema(
        operation_id="grab_pack_child_pdf",
        tags=["grab pack"],
        parameters=[ID],
        summary="Grab pack prepared in advance (part 1), as PDF",
        responses={**PDF_RESPONSE, **errors(404)},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        viewer = viewer_of(request)
        child = access.child_for_grab_pack(viewer, pk)
        return _pdf(request, grabpack.child_grab_pack_for(viewer, child))
