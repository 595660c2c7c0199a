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

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = sessions.expired(request.session)
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
