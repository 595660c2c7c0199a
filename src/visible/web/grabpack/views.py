"""The Philomena Protocol grab pack: the printable page and the PDF, for an episode (parts 1
and 2) and for a child before any episode (part 1, prepared in advance).

Who may see a pack: anyone who may see the child's episodes (access/missing.py), which
includes the council the child is placed in (the host), because the police will ask them for
it; the host's limited view covers open episodes only, as for the episode pages. Everyone
else gets the same 404 as for a record that does not exist, and the attempt is audited.
Every page view is audited as a view with the purpose "grab pack", every PDF as an export.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from visible.access import opening
from visible.access.disclosures import disclose
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.missing import grabpack
from visible.missing.grabpack import GrabPack
from visible.missing.models import Episode

from ..common import staff_view
from ..request import ViewerRequest

PURPOSE = "grab pack"


def _episode_for(viewer: Viewer, pk: int) -> Episode:
    return opening.episode_for_grab_pack(viewer, pk)


def _child_for(viewer: Viewer, pk: int) -> Child:
    return opening.child_for_grab_pack(viewer, pk)


def _audit(
    viewer: Viewer, action: str, pack: GrabPack, summary: str, detail: dict | None = None
) -> None:
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
        purpose=PURPOSE,
        detail=detail,
    )
    child = Child.objects.get(pk=pack.child_id)
    if viewer.organisation_id != child.responsible_organisation_id:  # seen by another organisation
        disclose(viewer, child, f"Grab pack: {summary[0].lower()}{summary[1:]}", PURPOSE)


def _page(request: ViewerRequest, pack: GrabPack, pdf_url: str) -> HttpResponse:
    photo_src = reverse("web:child-photo", args=[pack.child_id]) if pack.photo_name else ""
    parts = "parts 1 and 2" if pack.episode else "part 1"
    _audit(request.viewer, AuditAction.VIEW, pack, f"Viewed the grab pack ({parts})")
    return render(
        request,
        grabpack.TEMPLATE,
        grabpack.page_context(pack, pdf=False, photo_src=photo_src, pdf_url=pdf_url),
    )


def _pdf(request: ViewerRequest, pack: GrabPack) -> HttpResponse:
    content = grabpack.grab_pack_pdf(pack)
    filename = grabpack.pdf_filename(pack)
    parts = "parts 1 and 2" if pack.episode else "part 1"
    _audit(
        request.viewer,
        AuditAction.EXPORT,
        pack,
        f"Downloaded the grab pack as a PDF ({parts})",
        {"format": "pdf", "filename": filename, "bytes": len(content)},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view
@require_GET
def episode_grab_pack(request: ViewerRequest, pk: int) -> HttpResponse:
    episode = _episode_for(request.viewer, pk)
    pack = grabpack.grab_pack_for(request.viewer, episode)
    return _page(request, pack, reverse("web:grab-pack-pdf", args=[episode.pk]))


@staff_view
@require_GET
def episode_grab_pack_pdf(request: ViewerRequest, pk: int) -> HttpResponse:
    episode = _episode_for(request.viewer, pk)
    return _pdf(request, grabpack.grab_pack_for(request.viewer, episode))


@staff_view
@require_GET
def child_grab_pack(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _child_for(request.viewer, pk)
    pack = grabpack.child_grab_pack_for(request.viewer, child)
    return _page(request, pack, reverse("web:child-grab-pack-pdf", args=[child.pk]))


@staff_view
@require_GET
def child_grab_pack_pdf(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _child_for(request.viewer, pk)
    return _pdf(request, grabpack.child_grab_pack_for(request.viewer, child))
