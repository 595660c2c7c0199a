"""What every area's views share: ``staff_view``, the door to every staff page, and
``apply_errors``, which puts an action's field errors on the form that sent them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from visible.agencies.viewer import viewer_for
from visible.audit import refusals
from visible.observability import context as log_context
from visible.organisations.queries import ended_organisation
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
        if getattr(request, "organisation_choice_needed", False):
            # In two organisations and not yet chosen which to act for (web/middleware.py).
            return redirect_to_login(
                request.get_full_path(), reverse("web:choose-organisation"), "next"
            )
        if viewing.viewer.organisation is None:
            ended = ended_organisation(request.user)
            if ended is not None:
                return _access_ended(viewing, ended)
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


def _access_ended(request: ViewerRequest, organisation) -> HttpResponse:
    """The person's organisation was deactivated (organisations.actions.deactivate) after they
    signed in: this request is refused (audited as ``denied``), their session ends (audited as
    a sign-out), and the sign-in page says why."""
    from django.contrib import messages
    from django.contrib.auth.models import AnonymousUser

    from visible.audit.log import record
    from visible.audit.models import AuditAction

    viewer = request.viewer
    when = (
        f" on {timezone.localtime(organisation.deactivated_at):%-d %B %Y}"
        if organisation.deactivated_at
        else ""
    )
    refusals.audit(
        viewer,
        request,
        403,
        f"{organisation.name} was deactivated{when}: its people have no access",
    )
    request.session.flush()  # the old session is gone from the store; a new, empty one
    request.user = AnonymousUser()
    record(
        viewer,
        AuditAction.SIGN_OUT,
        object_type="user",
        object_id=viewer.user_id,
        summary=f"Signed out: {organisation.name} was deactivated{when}",
    )
    messages.warning(
        request,
        f"You have been signed out: {organisation.name} no longer has access to Visible "
        f"(deactivated{when}). If you work for another organisation on Visible, ask its "
        "administrator for an account.",
    )
    return redirect("web:sign-in")


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
