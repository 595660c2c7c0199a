"""What every area's views share: ``staff_view``, the door to every staff page, and
``apply_errors``, which puts an action's field errors on the form that sent them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from visible.agencies.viewer import viewer_for
from visible.audit import refusals
from visible.observability import context as log_context
from visible.security import sessions

from .request import ViewerRequest

View = Callable[..., HttpResponse]


def staff_view(view: View) -> View:
    """Signed in (password and second factor), and acting for an organisation. Someone who has
    passed only the password step is sent to the code page. The view is given the request
    with its ``viewer`` set (web/request.py)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        viewing = cast(ViewerRequest, request)
        if getattr(viewing, "viewer", None) is None:
            viewing.viewer = viewer_for(request.user)
        log_context.bind(organisation_id=viewing.viewer.organisation_id)
        if viewing.viewer.organisation is None:
            refusals.audit(
                viewing.viewer, request, 403, "Signed in, but not acting for any organisation"
            )
            return render(request, "web/no_organisation.html", status=403)
        return view(viewing, *args, **kwargs)

    @wraps(view)
    def second_step_first(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated and sessions.has_pending(request):
            return redirect("web:second-factor")
        return wrapper(request, *args, **kwargs)

    return second_step_first


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put an action's field errors on the form, so the page shows them in place."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                for message in e.messages:
                    form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
