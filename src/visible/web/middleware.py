"""Security headers Django does not set itself."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Pages work without JavaScript; the only scripts are our own and GOV.UK Frontend's, served
# from this origin. No inline script or style is allowed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Case records must not linger in shared or browser caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class SessionTimeoutMiddleware:
    """Ends a signed-in session after the idle timeout or the absolute timeout
    (security/sessions.py). The next request goes to the sign-in page, which says why, and
    returns to the page afterwards."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from visible.security import sessions

        from .live import is_poll

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A live page's poll checks the timeouts but is not activity: an open board left
            # alone still signs its person out (web/live.py).
            reason = sessions.expired(request.session, touch=not is_poll(request))
            if reason:
                return self._signed_out(request, reason)
        return self.get_response(request)

    @staticmethod
    def _signed_out(request: HttpRequest, reason: str) -> HttpResponse:
        from urllib.parse import urlsplit

        from django.contrib.auth.models import AnonymousUser
        from django.contrib.auth.views import redirect_to_login
        from django.urls import reverse

        from visible.agencies.viewer import viewer_for
        from visible.audit.log import record
        from visible.audit.models import AuditAction
        from visible.security import sessions

        if request.method in ("GET", "HEAD"):
            back = request.get_full_path()
        else:  # a form sent after the timeout: come back to the page it was on
            referer = urlsplit(request.META.get("HTTP_REFERER", ""))
            back = (
                referer.path + (f"?{referer.query}" if referer.query else "")
                if referer.netloc == request.get_host()
                else ""
            )
        back = sessions.safe_next(request, back)
        viewer = viewer_for(request.user)
        request.session.flush()
        request.user = AnonymousUser()
        record(
            viewer,
            AuditAction.SIGN_OUT,
            object_type="user",
            object_id=viewer.user_id,
            summary=sessions.timed_out_message(reason),
        )
        request.session[sessions.TIMED_OUT] = reason
        sign_in = reverse("web:sign-in")
        if not back or back == "/" or back.startswith(sign_in):
            from django.shortcuts import redirect

            return redirect(sign_in)
        return redirect_to_login(back, sign_in)


class AccessMiddleware:
    """Who the signed-in person acts for on this request, and sessions whose access has ended.

    Sets ``request.viewer`` (web/request.py) from the person's active memberships and the
    organisation they chose (security/sessions.ACTING_FOR), for staff_view and the navigation,
    and ``request.memberships`` (the "Switch organisation" link). Someone with several
    memberships who has not chosen acts for none until they do (staff_view sends them to the
    choice). A session is ended at once, and the person sent to the sign-in page with the
    reason, when its account is no longer active (deactivated: Django no longer signs it in)
    or the organisation it acts for is no longer one the person may act for (their membership
    there was deactivated, or the organisation was). The API has no sessions: not here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.contrib.auth import SESSION_KEY

        from visible.agencies.viewer import Viewer, active_memberships, viewer_from
        from visible.security import sessions

        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or request.path.startswith("/api/"):
            return self.get_response(request)
        if not user.is_authenticated:
            if session.get(SESSION_KEY) is not None:
                return self._ended(request, session.get(SESSION_KEY))
            return self.get_response(request)
        memberships = active_memberships(user)
        chosen = session.get(sessions.ACTING_FOR)
        if chosen is not None and not any(m.organisation_id == chosen for m in memberships):
            return self._ended(request, user.pk)
        setattr(request, "memberships", memberships)  # noqa: B010
        if chosen is None and len(memberships) > 1:
            setattr(request, "organisation_choice_needed", True)  # noqa: B010
            viewer = Viewer(
                user_id=user.pk,
                username=user.get_username(),
                organisation=None,
                role=None,
                name=user.get_full_name().strip(),
            )
        else:
            viewer = viewer_from(user, memberships, chosen)
        setattr(request, "viewer", viewer)  # noqa: B010
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest, user_id) -> HttpResponse:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import AnonymousUser
        from django.shortcuts import redirect

        from visible.agencies.viewer import Viewer
        from visible.audit.log import record
        from visible.audit.models import AuditAction
        from visible.security import sessions

        account = get_user_model().objects.filter(pk=user_id).first()
        viewer = Viewer(
            user_id=account.pk if account else None,
            username=account.get_username() if account else "",
            organisation=None,
            role=None,
        )
        request.session.flush()
        request.user = AnonymousUser()
        record(
            viewer,
            AuditAction.SIGN_OUT,
            object_type="user",
            object_id=viewer.user_id or "",
            summary="Signed out at their next request: their access had ended",
        )
        request.session[sessions.TIMED_OUT] = "ended"
        return redirect("web:sign-in")
