"""The request being answered, for the audit log: which route a denied event came through, and
whether the request has recorded a refusal yet (so that RefusalAuditMiddleware, in
refusals.py, records each refusal once). RefusalAuditMiddleware begins and ends the watch;
log.record_many asks it for the route and tells it what it wrote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from .models import AuditAction, AuditEvent


@dataclass
class Watch:
    """The request being answered, and the denied events recorded for it so far."""

    request: HttpRequest
    denials: list[tuple[dt.datetime, str]] = field(default_factory=list)  # (at, digest)


_watch: ContextVar[Watch | None] = ContextVar("visible_refusal_watch", default=None)


def begin(request: HttpRequest) -> Token:
    return _watch.set(Watch(request))


def end(token: Token) -> None:
    _watch.reset(token)


def route_detail() -> dict[str, Any] | None:
    """What a denied event says about the request it was written in, if one is being answered."""
    watch = _watch.get()
    if watch is None:
        return None
    request = watch.request
    match = getattr(request, "resolver_match", None)
    detail: dict[str, Any] = {"method": request.method, "path": request.path}
    if match is not None:
        detail["route"] = match.view_name
        detail["route_pattern"] = match.route
        if match.kwargs:
            detail["ids"] = {k: str(v) for k, v in match.kwargs.items()}
    return detail


def noted(events: Iterable[dict[str, Any]]) -> None:
    """Called by log.record_many with the values of every event it writes: denials count for
    the request."""
    watch = _watch.get()
    if watch is None:
        return
    watch.denials += [(e["at"], e["digest"]) for e in events if e["action"] == AuditAction.DENIED]


def already_audited() -> bool:
    """Whether a denied event was written for this request and is still there (not rolled back
    with a transaction the view abandoned)."""
    watch = _watch.get()
    if watch is None or not watch.denials:
        return False
    # Found by its time (indexed) and its digest, sealed or not yet.
    return AuditEvent.objects.filter(
        at__in={at for at, _ in watch.denials}, digest__in={d for _, d in watch.denials}
    ).exists()
