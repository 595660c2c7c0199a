"""How the people actions refuse: a ValidationError naming the field (the pages put it on the
form, the API lists it, the CLI prints it), or a Conflict when the request is understood but
the organisation as it is now does not allow it (a duplicate, the last administrator, an
organisation that is no longer active): nothing is changed either way."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """Refused because of how things are now, not because of a mistake in what was asked."""


class MailNotSent(ValidationError):
    """The invitation email could not be handed to the mail server: nothing was saved."""


def refuse(field: str, message: str) -> Conflict:
    return Conflict({field: [message]})
