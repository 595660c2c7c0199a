"""Each request's reference and its one line in the log (docs/operations.md, "Logs").

Two middlewares, because the duration is measured from the top of the stack and the user is
known only below authentication:

- ``RequestLogMiddleware``, first in MIDDLEWARE: gives the request its reference (the incoming
  X-Request-ID when it is a sane token, else a new one), opens the log scope that every line
  written while it is answered carries, sends the reference back in X-Request-ID, and writes
  the request's line at INFO once the response is made: method, the route's name and pattern,
  status, duration, user and organisation by number, the client's address.
- ``RequestUserMiddleware``, after authentication and the session timeout: adds the person
  signed in (by number) to the scope, and the route once the URL is resolved.

The line never has the path (a mistyped URL is whatever was typed), the query string (a search
is a child's name) or anything from the form or the headers. The organisation comes from the
request's Viewer where the page made one (web/common.staff_view binds it when it does, as the
API's authentication binds its client), so logging costs no query of its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils.functional import SimpleLazyObject, empty

from visible.observability import context
from visible.security.throttle import client_ip

logger = logging.getLogger("visible.request")

# A method outside these is written as OTHER: the method is the client's to choose.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        reference = (
            context.accepted_request_id(request.headers.get("X-Request-ID"))
            or context.new_request_id()
        )
        scope = context.enter(request_id=reference)
        response = None
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = reference
            return response
        finally:
            try:
                write_line(request, response, started)
            except Exception:  # the log must never cost the person their page
                logger.exception("The request's line could not be written")
            finally:
                context.leave(scope)


class RequestUserMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.bind(user_id=user.pk)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None:
            context.bind(route=match.route, view=match.view_name)
        return None


def write_line(request: HttpRequest, response: HttpResponse | None, started: float) -> None:
    fields = context.current()
    match = _match(request)
    route = fields.get("route") or (match.route if match else None)
    view = fields.get("view") or (match.view_name if match else None)
    method = request.method if request.method in METHODS else "OTHER"
    status = response.status_code if response is not None else 500
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    viewer = getattr(request, "viewer", None)
    logger.info(
        "%s %s %s in %.0f ms",
        method,
        view or route or "(no route)",
        status,
        duration_ms,
        extra={
            "method": method,
            "route": route,
            "view": view,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": fields.get("user_id") or _signed_in_user_id(request),
            "organisation_id": fields.get("organisation_id")
            or getattr(viewer, "organisation_id", None),
            "client_ip": client_ip(request),
        },
    )


def _match(request: HttpRequest) -> ResolverMatch | None:
    """The route the request's URL matches, also for a request answered before its view was
    reached (a redirect to sign in, a refusal). None for a URL that matches none."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


def _signed_in_user_id(request: HttpRequest) -> int | None:
    """The user by the end of the request (someone who has just signed in), without a query:
    a user still waiting to be read from the session is left unread."""
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None
