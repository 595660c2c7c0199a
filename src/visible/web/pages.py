"""The site's own pages, outside any area: home, which sends each viewer to where their work
starts, and the error pages (config/urls.py names them as Django's handlers)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader

from visible.access import register as policy
from visible.agencies.models import ADMINISTRATOR_ROLES
from visible.national.policy import is_national_analyst
from visible.observability.context import request_id
from visible.organisations.policy import is_national_admin

from .common import staff_view
from .request import ViewerRequest


@staff_view
def home(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    if is_national_admin(viewer):  # manages organisations and people, never children
        return redirect("web:organisations")
    if is_national_analyst(viewer):  # the national body sees no child: its home is the monitoring
        return redirect("web:national-home")
    if viewer.role in ADMINISTRATOR_ROLES:  # administrators manage people and see no child
        return redirect("web:people")
    organisation = viewer.organisation
    if organisation and organisation.kind == "police" and viewer.role in policy.POLICE_ROLES:
        return redirect("web:force-missing")
    return redirect("web:children")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request, "web/403.html", {"reason": str(exception) if exception else ""}, status=403
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The page for an error nobody expected, with the request's reference (its X-Request-ID,
    on every log line of the request) for the person to quote to support. Rendered without the
    request's context processors: they read the database, which may be what failed."""
    page = loader.render_to_string("web/500.html", {"reference": request_id()})
    return HttpResponse(page, status=500)
