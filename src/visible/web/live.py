"""Pages that update without reloading (docs/alerts.md, "Live pages").

Short polling, not server-sent events (docs/decisions/0013-live-pages-by-short-polling.md):
gunicorn serves Visible from a fixed pool of worker threads (3 x 4 on two cores), and an open
event stream holds one of them for as long as the page is open, so a dozen open boards would
take every thread; a poll is an ordinary request of a few milliseconds. Every
``VISIBLE_LIVE_POLL_SECONDS`` (15 by default) the page's script (static/js/live.js) asks the
page's ``live`` address with the fingerprint of what it shows. The view works out the
fingerprint of what it would show now in a query or two: the same, and it answers 204 No
Content (nothing rendered, sent or audited); different, and it answers with the new part of
the page, audited as the page itself is. Without JavaScript nothing polls: the page works as
before and has a "Refresh" link.

Polls carry the header ``X-Visible-Poll``: the session's idle timeout does not count them as
activity (web/middleware.py), so an open board left alone still signs its person out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

POLL_HEADER = "X-Visible-Poll"
FINGERPRINT_HEADER = "X-Visible-Fingerprint"


def is_poll(request: HttpRequest) -> bool:
    return request.headers.get(POLL_HEADER) == "1"


def poll_seconds() -> float:
    return float(getattr(settings, "VISIBLE_LIVE_POLL_SECONDS", 15))


def since_from(request: HttpRequest) -> dt.datetime | None:
    """The previous look the page was first shown with (the poll sends it back), so that what
    was "New" then stays new while the page is open. A value that is not an aware ISO 8601
    time is ignored: it only decides which rows are tagged "New"."""
    text = request.GET.get("since", "")
    try:
        found = dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return found if found is not None and found.tzinfo is not None else None


def unchanged(request: HttpRequest, fingerprint: str) -> bool:
    return request.GET.get("seen", "") == fingerprint


def no_change() -> HttpResponse:
    return HttpResponse(status=204)


def fragment(
    request: HttpRequest, template: str, context: dict[str, Any], fingerprint: str
) -> HttpResponse:
    """The changed part of the page, with its new fingerprint."""
    response = HttpResponse(render_to_string(template, context, request=request))
    response[FINGERPRINT_HEADER] = fingerprint
    return response


def region(url: str, fingerprint: str, since: dt.datetime | None) -> dict[str, Any]:
    """What the page's live region carries for the script."""
    return {
        "url": url,
        "fingerprint": fingerprint,
        "since": since.isoformat() if since else "",
        "interval": poll_seconds(),
    }
