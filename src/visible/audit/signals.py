"""Sign-ins, failed sign-ins and sign-outs go into the audit log too."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from visible.agencies.viewer import Viewer, viewer_for

from .log import record
from .models import AuditAction

# Set on the request by whatever signs someone in (security/sessions.py: complete) to say how
# (through the organisation's identity provider, and what stood in for the second factor).
SIGN_IN_DETAIL = "visible_sign_in_detail"


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    detail = getattr(request, SIGN_IN_DETAIL, None) if request is not None else None
    via = detail.get("organisation") if isinstance(detail, dict) else None
    record(
        viewer_for(user),
        AuditAction.SIGN_IN,
        object_type="user",
        object_id=user.pk,
        summary=f"Signed in with {via}'s identity provider" if via else "Signed in",
        detail=detail or None,
    )


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(
            viewer_for(user),
            AuditAction.SIGN_OUT,
            object_type="user",
            object_id=user.pk,
            summary="Signed out",
        )


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record(
        Viewer(user_id=None, username=username, organisation=None, role=None),
        AuditAction.SIGN_IN_FAILED,
        object_type="user",
        summary=f"Failed sign-in for '{username}'",
    )
