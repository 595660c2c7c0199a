"""Every PDF Visible makes goes through here: the grab pack (missing/grabpack.py), the
partnership's annual report (returns/partnership.py) and the national tables
(web/national/views.py). Each renders its own template, which extends ``BASE_TEMPLATE``, and
hands the HTML to ``document``:

- one stylesheet, ``STYLESHEET`` (web/static/css/print.css), given to WeasyPrint with every
  document: each document names its page in it through its body class;
- one URL fetcher, ``StaticFilesOnly``: WeasyPrint may read ``data:`` URIs and Visible's own
  static files, from disk, and nothing else. No http(s), no ``file:``, no other host.

Why the fetcher: the HTML holds what people typed (a child's names, places, notes, a report's
written sections). The templates escape it; if a template ever failed to, an
``<img src="http://10.0.0.1/...">`` would otherwise make the server request an address
inside its own network, and ``<img src="file:///...">`` would put a file from the server's
disk into the PDF. Refused URLs are logged (``visible.pdf``) and left out of the document.

Relative URLs are resolved against ``BASE_URL``, a host that cannot exist (RFC 2606), so a
link or a ``{% static %}`` path means the same whichever host the request came to.

WeasyPrint is imported when a PDF is made, not when Django starts (it is slow to import).
This module imports nothing of the web layer: domain code uses it.
"""

from __future__ import annotations

import logging
import mimetypes
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation

if TYPE_CHECKING:
    from weasyprint import CSS, Document

log = logging.getLogger(__name__)

BASE_URL = "https://visible.invalid/"
BASE_TEMPLATE = "web/pdf_base.html"
STYLESHEET = "css/print.css"


class RefusedURL(ValueError):
    """A URL the PDF's HTML named that is not a data: URI nor one of Visible's static files."""


def static_url() -> str:
    """Where the static files are, as the PDF's HTML sees them."""
    return urljoin(BASE_URL, settings.STATIC_URL)


def static_file(url: str) -> Path | None:
    """The file on disk that ``url`` names, if it names one of Visible's static files (under
    ``static_url()``, found by the staticfiles finders or in the collected files); else None.
    A name that climbs out of its folder ("..", encoded or not) is never a static file."""
    parts, prefix = urlsplit(url), urlsplit(static_url())
    if (parts.scheme, parts.netloc) != (prefix.scheme, prefix.netloc):
        return None
    if not parts.path.startswith(prefix.path):
        return None
    name = unquote(parts.path[len(prefix.path) :])
    segments = name.replace("\\", "/").split("/")
    if not name or name.startswith("/") or any(s in ("", ".", "..") for s in segments):
        return None
    try:
        found = finders.find(name)
        if not found and settings.STATIC_ROOT:
            found = staticfiles_storage.path(name)  # collected (hashed) names in production
    except (SuspiciousFileOperation, ImproperlyConfigured, NotImplementedError, ValueError):
        return None
    path = Path(found) if found else None
    return path if path and path.is_file() else None


@cache
def fetcher_class() -> type:
    """``StaticFilesOnly``: WeasyPrint's fetcher allowed data: URIs only, with Visible's static
    files read from disk in front of it; any other URL is refused and logged. (Made on first
    use, as its base class is WeasyPrint's.)"""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False)

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            path = static_file(url)
            if path is None:
                log.warning("PDF: refused to fetch %.200s", url)
                raise RefusedURL(f"A PDF reads only data: URIs and Visible's static files: {url}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return StaticFilesOnly


def fetcher():
    """A new restricted fetcher, for one document."""
    return fetcher_class()()


@cache
def stylesheet() -> CSS:
    """The print stylesheet, read once from the static files."""
    from weasyprint import CSS

    path = static_file(urljoin(static_url(), STYLESHEET))
    if path is None:  # pragma: no cover - the file is part of the package
        raise FileNotFoundError(f"The print stylesheet static/{STYLESHEET} is missing")
    return CSS(
        string=path.read_text(encoding="utf-8"),
        base_url=urljoin(static_url(), STYLESHEET),
        url_fetcher=fetcher(),
    )


def document(html: str) -> Document:
    """WeasyPrint's laid-out document (its pages and boxes): for the PDF, and for tests."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher()).render(
        stylesheets=[stylesheet()]
    )


def render(html: str) -> bytes:
    """The HTML as an A4 PDF."""
    return document(html).write_pdf()
