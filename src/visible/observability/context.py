"""What every log line of one request or one job carries, whichever logger writes it.

The fields live in a context variable: each server thread (and each worker thread) has its
own, so two requests answered at once never see each other's. The request's middleware
(web/request_log.py) opens a scope for each request; a worker opens one for each job with
``log_context(job_id=..., job=...)``; the log handler's filter (formatting.ContextFilter) copies
the fields onto every record written inside.

Only the fields named in FIELDS may be set, and each is a number or a word chosen by the code
(an id, a route's pattern, a job's name): never text a person typed, so a log line cannot carry
a child's name by way of its context.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType

# The fields a scope may set, in the order the log lines show them.
FIELDS = (
    "request_id",  # the request's reference (X-Request-ID), quoted to support from the 500 page
    "job_id",  # a worker's job (Huey's task id) and its name
    "job",
    "route",  # the URL pattern the request matched (children/<int:pk>/), never its path
    "view",  # the pattern's name (web:child)
    "user_id",  # the person signed in, by number
    "organisation_id",  # the organisation they act for, by number
    "api_client",  # the API client, by number
)

_EMPTY: Mapping[str, object] = MappingProxyType({})
_fields: ContextVar[Mapping[str, object]] = ContextVar("visible_log_fields", default=_EMPTY)

# An incoming X-Request-ID is kept only if it looks like what proxies and load balancers make
# (nginx's $request_id is 32 hex digits, most others a UUID): hex digits and hyphens, 16 to 64
# characters. Anything else (a word, a name, a line break that would forge a log line) is
# replaced with a new id.
_INCOMING_REQUEST_ID = re.compile(r"[0-9A-Fa-f][0-9A-Fa-f-]{14,62}[0-9A-Fa-f]")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(incoming: str | None) -> str | None:
    """The incoming X-Request-ID if it is a sane token (see above), else None."""
    if incoming and _INCOMING_REQUEST_ID.fullmatch(incoming):
        return incoming
    return None


def _checked(fields: Mapping[str, object]) -> dict[str, object]:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValueError(
            f"log context fields must be among {', '.join(FIELDS)}; not {', '.join(unknown)}"
        )
    for name, value in fields.items():
        if value is not None and not isinstance(value, int | str):
            raise TypeError(f"log context field {name} must be a number or a word, not {value!r}")
    return {name: value for name, value in fields.items() if value is not None}


def current() -> dict[str, object]:
    """The fields of the scope this code runs in (empty outside any)."""
    return dict(_fields.get())


def request_id() -> str:
    """The reference of the request being answered ('' outside a request)."""
    return str(_fields.get().get("request_id", ""))


def enter(**fields: int | str | None) -> Token:
    """Open a scope with these fields added to the enclosing one's; ``leave`` closes it.
    (``log_context`` does both; these two are for hooks called before and after a job.)"""
    return _fields.set(MappingProxyType({**_fields.get(), **_checked(fields)}))


def leave(token: Token) -> None:
    """Close the scope ``enter`` opened, and any fields bound inside it."""
    _fields.reset(token)


@contextmanager
def log_context(**fields: int | str | None) -> Iterator[None]:
    """Every log line written inside carries these fields, for example a worker's job::

    with log_context(job_id=task.id, job=task.name):
        run(task)
    """
    token = enter(**fields)
    try:
        yield
    finally:
        leave(token)


def bind(**fields: int | str | None) -> None:
    """Add fields to the current scope, for the rest of it: the user once the session is read,
    the route once the URL is resolved. They go when the scope closes. Outside any scope (a
    view called without the middleware, a command) it does nothing, so nothing is left on the
    thread for whatever it runs next."""
    found = _fields.get()
    checked = _checked(fields)
    if found is not _EMPTY:
        _fields.set(MappingProxyType({**found, **checked}))
