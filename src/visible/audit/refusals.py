"""Every refusal audited, once, in the refusing request.

A page or an API endpoint refuses by raising Http404 (not found and not allowed look the same)
or PermissionDenied (seen, but the role may not act). The gates that know why
(visible/access/opening.py, the policy checks in the views) record a ``denied`` event
themselves, with the record's child; anything that refuses without recording (a
``get_object_or_404``, an action's PermissionDenied, a view's own 404) is recorded here
instead, by RefusalAuditMiddleware for the pages and by the API's exception handler
(api/errors.py) for the API. Never twice: ``record`` notes every denied event written while a
request is watched, and the central layer writes only if there is none.

Every denied event written during a request names the route it came through (``detail``:
route name, pattern, method, path and the ids as given), whoever wrote it.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from visible.agencies.viewer import Viewer, viewer_for

from .log import record
from .models import AuditAction
from .watch import already_audited, begin, end

# The object a route's id names: the id's own name says it (flag_pk, glass_pk...); a bare ``pk``
# is named by the path segment before it. Unknown names fall back to the name itself, so a new
# route still records something readable (and tests/sharing/test_access_matrix.py fails until
# it is taught the route).
ID_TYPES = {
    "name_pk": "childname",
    "flag_pk": "flag",
    "flag_id": "flag",
    "placement_pk": "placement",
    "placement_id": "placement",
    "referral_pk": "nrmreferral",
    "assignment_pk": "guardianassignment",
    "share_pk": "grabpackshare",
    "glass_pk": "breakglass",
    "code": "authority",
}
SEGMENT_TYPES = {
    "children": "child",
    "episodes": "episode",
    "alerts": "alert",
    "collections": "collection",
    "problems": "problemreport",
    "partnerships": "partnershiparea",
    "transfers": "ntstransfer",
}
# Route arguments that are not the id of a record (a format, a year, a section, a reset token,
# an arrival checklist item's code).
NOT_IDS = {"fmt", "year", "key", "rest", "uidb64", "token", "what", "item"}
_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def _arguments(pattern: str) -> list[tuple[str, str]]:
    """Each argument of a route pattern with the literal path segment just before it."""
    found = []
    for match in _ARGUMENT.finditer(pattern):
        before = pattern[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        found.append((match.group(1) or match.group(2), before))
    return found


def asked_for(request: HttpRequest) -> tuple[str, str]:
    """(object type, id as given) of what a request asked for: the last id in its route."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "", ""
    ids = [(name, before) for name, before in _arguments(match.route or "") if name not in NOT_IDS]
    if not ids:
        return (match.url_name or "").replace("-", "_"), ""
    name, before = ids[-1]
    object_type = ID_TYPES.get(name) or (
        SEGMENT_TYPES.get(before, before.rstrip("s")) if name == "pk" else name
    )
    return object_type, str(match.kwargs.get(name, ""))


def is_refusal(exception: BaseException) -> bool:
    from rest_framework import exceptions as api

    return isinstance(exception, Http404 | PermissionDenied | api.NotFound | api.PermissionDenied)


def status_of(exception: BaseException) -> int:
    from rest_framework import exceptions as api

    return 404 if isinstance(exception, Http404 | api.NotFound) else 403


def reason_of(exception: BaseException) -> str:
    detail = getattr(exception, "detail", None)
    return str(detail if detail is not None else exception) or (
        "Not found" if status_of(exception) == 404 else "Not allowed"
    )


def audit(viewer: Viewer, request: HttpRequest, status: int, reason: str) -> None:
    """Record the refusal of this request, unless something already did."""
    if already_audited():
        return
    object_type, object_id = asked_for(request)
    match = getattr(request, "resolver_match", None)
    route = match.view_name if match else request.path
    record(
        viewer,
        AuditAction.DENIED,
        object_type=object_type,
        object_id=object_id,
        summary=f"Refused ({status}) at {route}: {reason}",
    )


def audit_exception(viewer: Viewer, request: HttpRequest, exception: BaseException) -> None:
    if is_refusal(exception):
        audit(viewer, request, status_of(exception), reason_of(exception))


class RefusalAuditMiddleware:
    """Watches every request (pages and API), and records a page's refusal that its view did
    not record. Unknown addresses never reach a view, so they are not refusals."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = begin(request)
        try:
            return self.get_response(request)
        finally:
            end(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if is_refusal(exception):
            audit_exception(viewer_of_request(request), request, exception)
        return None  # Django answers as before (handler404 / handler403)


def viewer_of_request(request: HttpRequest) -> Viewer:
    viewer = getattr(request, "viewer", None)
    if viewer is not None:
        return viewer
    user = getattr(request, "user", None)
    if user is None:
        return Viewer(user_id=None, username="", organisation=None, role=None)
    return viewer_for(user)
