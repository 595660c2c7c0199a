"""English or Cymraeg (docs/welsh.md, docs/decisions/0021): the footer's language switch, and
what every page needs to show it, with the notice that some of the Welsh is not yet checked.

The switch is a form, not links: choosing a language sets a cookie, which is a change a GET must
not make. It works without JavaScript, as the page's buttons are plain submit buttons."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal, cast
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

# A translator comment on an entry of a catalogue whose translation no fluent speaker of the
# language has yet checked: `# needs-check` (docs/welsh.md). A translator comment, not an
# extracted one (`#.`), as makemessages keeps translator comments when it updates the catalogue.
NEEDS_CHECK = "needs-check"


def catalogue_path(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


@cache
def unchecked_entries(language: str) -> int:
    """How many of the language's translations carry the needs-check comment."""
    path = catalogue_path(language)
    if not path.exists():
        return 0
    return len(re.findall(rf"^# {NEEDS_CHECK}$", path.read_text(encoding="utf-8"), re.M))


def language(request: HttpRequest) -> dict:
    """The switch's choices (the one shown, and the others to choose) and, in a language whose
    catalogue still has unchecked translations, the notice saying so."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "language_choices": [
            {"code": code, "name": name, "current": code == current}
            for code, name in settings.LANGUAGES
        ],
        "translation_unchecked": current != settings.LANGUAGE_CODE
        and unchecked_entries(current) > 0,
    }


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Show Visible in the language chosen, from now on in this browser, and go back to the page
    the switch was on: the form's `next` if it gives one, else the page that sent the form (the
    Referer, which browsers send to the same site under our Referrer-Policy). The page does not
    write its own address into the form: a refusal must look the same whatever address was
    refused (tests/sharing/refusals.py), and a page must not repeat a query string someone
    else wrote. A language Visible does not have, or a page elsewhere, is ignored."""
    back = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("web:home")
    # A Referer is a whole address: keep only this site's path (never starting "//", which a
    # browser would take for another site) and query.
    parts = urlsplit(back)
    path = "/" + parts.path.lstrip("/")
    response = HttpResponseRedirect(urlunsplit(("", "", path, parts.query, "")))
    code = request.POST.get("language", "")
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
        )
    return response
