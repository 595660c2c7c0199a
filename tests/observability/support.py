"""Helpers for the log tests: a person's browser, a form with a child's name where it does not
belong, and the forms in which a name could slip into a log."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote, quote_plus

from django.test import Client
from django.utils import timezone


def signed_in(user) -> Client:
    """A browser signed in as `user` that gets the error page, as a person would, rather than
    the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def report_form(child_name: str) -> dict[str, str]:
    """The report-missing form, as filled in by someone who also typed the child's name
    where it does not belong."""
    seen = timezone.localtime(timezone.now() - dt.timedelta(hours=3))
    return {
        "category": "M",
        "last_seen_date_0": str(seen.day),
        "last_seen_date_1": str(seen.month),
        "last_seen_date_2": str(seen.year),
        "last_seen_time": f"{seen:%H:%M}",
        "last_seen_place": "East Croydon station",
        "with_whom": f"Friends of {child_name}",
        "clothing": "Black puffer jacket",
        "circumstances": f"{child_name} left after a phone call",
        "reported_by_name": "Sam Carer (synthetic)",
        "reported_by_role": "carer",
        "police_force": "",
        "police_reference": "",
    }


def forms_of(text: str) -> set[str]:
    """A piece of personal data as it could appear in a log: as is, in lower case, escaped
    for JSON and encoded for a URL."""
    return {
        text,
        text.lower(),
        json.dumps(text)[1:-1],
        quote(text),
        quote_plus(text),
    }
