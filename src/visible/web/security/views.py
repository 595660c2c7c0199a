"""Signing in (password, then the second factor) and out, recovery codes, password reset and change.

The session is not signed in to anything until both steps are passed: the password step only
records a pending sign-in (security/sessions.py), and Django's ``login`` runs after the code.
Every password or code is checked only after the throttle has let the attempt in and counted
it (security/throttle.py: ``begin``, then ``succeeded`` or ``failed``), so attempts sent all at
once cannot get more guesses than the limit. A refused attempt is answered with the same words
whether or not the account exists.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_noop
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from visible.agencies.viewer import Viewer, viewer_for
from visible.audit.log import record
from visible.security import second_factor, sessions, throttle
from visible.security.models import AttemptStage

PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET_REQUESTED = "password_reset_requested"
PASSWORD_RESET = "password_reset"


def _lockout_page(
    request: HttpRequest, refused: throttle.Refusal, username: str = ""
) -> HttpResponse:
    """The same page and words for every refused attempt, with how long to wait: nothing says
    whether the account exists, nor what was locked or slowed."""
    minutes = refused.wait_minutes()
    response = render(
        request,
        "web/security/sign_in.html",
        {
            "form": AuthenticationForm(request, initial={"username": username}),
            "locked": True,
            "lockout_minutes": minutes,
            "forms_have_errors": True,
            "next": "",
        },
        status=429,
    )
    response["Retry-After"] = str(max(1, int(refused.wait().total_seconds())))
    return response


def _complete_sign_in(request: HttpRequest, pending: sessions.Pending) -> str:
    """Both steps passed: sign in for real (security/sessions.py: complete)."""
    return sessions.complete(request, pending)


@method_decorator(
    [sensitive_post_parameters("password"), csrf_protect, never_cache], name="dispatch"
)
class SignInView(View):
    template_name = "web/security/sign_in.html"

    def _context(
        self, request: HttpRequest, form: AuthenticationForm, next_url: str
    ) -> dict[str, Any]:
        return {
            "form": form,
            "next": next_url,
            "timed_out": sessions.timed_out_message(request.session.pop(sessions.TIMED_OUT, None)),
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        next_url = sessions.safe_next(request, request.GET.get("next"))
        if request.user.is_authenticated:
            return redirect(next_url or "web:home")
        return render(
            request,
            self.template_name,
            self._context(request, AuthenticationForm(request), next_url),
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        next_url = sessions.safe_next(request, request.POST.get("next"))
        if request.user.is_authenticated:
            return redirect(next_url or "web:home")
        username = request.POST.get("username", "")
        ip = throttle.client_ip(request)
        form = AuthenticationForm(request, data=request.POST)
        if not (username.strip() and request.POST.get("password")):
            # Nothing will be checked (the form says what is missing); a refusal still shows.
            refused = throttle.refusal(username, ip)
            if refused:
                return _lockout_page(request, refused, username)
            form.is_valid()
            return render(request, self.template_name, self._context(request, form, next_url))
        attempt = throttle.begin(username, ip, AttemptStage.PASSWORD)
        if attempt.refused:
            return _lockout_page(request, attempt.refused, username)
        if form.is_valid():  # authenticate(): a failure is audited by audit/signals.py
            throttle.succeeded(attempt)  # the right password; the count goes on until the code
            user = form.get_user()
            sessions.start_pending(request, user, next_url)
            if second_factor.confirmed_device(user) is None:
                return redirect("web:second-factor-set-up")
            return redirect("web:second-factor")
        refused = throttle.failed(attempt)
        if refused:
            return _lockout_page(request, refused, username)
        return render(request, self.template_name, self._context(request, form, next_url))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view(next_page=reverse("web:sign-in"))(request)


class _SecondStep(View):
    """Shared by the code, set-up and recovery-code pages: a pending sign-in is needed, and
    every wrong code counts towards the lockout."""

    template_name = ""
    field = "code"
    # Marked for translation here, translated when shown (docs/welsh.md).
    wrong = gettext_noop(
        "The code is not right or has run out. Enter the 6-digit code your app shows now"
    )
    empty = gettext_noop("Enter the 6-digit code from your authenticator app")

    @method_decorator([never_cache, csrf_protect, sensitive_post_parameters()])
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("web:home")
        self.pending = sessions.pending(request)
        if self.pending is None:
            return redirect("web:sign-in")
        return super().dispatch(request, *args, **kwargs)

    def context(self) -> dict[str, Any]:
        return {"pending_user": self.pending.user}

    def render(self, request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
        context = self.context()
        context.update({"error": error, "forms_have_errors": bool(error)})
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(request)

    def check(self, request: HttpRequest, code: str) -> str | None:
        """Return where to go next if the code is right, else None."""
        raise NotImplementedError

    def post(self, request: HttpRequest) -> HttpResponse:
        user = self.pending.user
        ip = throttle.client_ip(request)
        code = request.POST.get(self.field, "").strip()
        if code:
            attempt = throttle.begin(user.get_username(), ip, AttemptStage.CODE)
            refused = attempt.refused
        else:
            refused = throttle.refusal(user.get_username(), ip)
        if refused:
            sessions.clear_pending(request)
            return _lockout_page(request, refused)
        if not code:
            return self.render(request, gettext(self.empty))
        destination = self.check(request, code)
        if destination:  # both steps passed: this address becomes one they have signed in from
            throttle.succeeded(attempt, signed_in=user)
            return redirect(destination)
        second_factor.record_failure(
            user, "recovery code" if self.field == "recovery_code" else "code"
        )
        refused = throttle.failed(attempt)
        if refused:
            sessions.clear_pending(request)
            return _lockout_page(request, refused)
        return self.render(request, gettext(self.wrong))


class SecondFactorView(_SecondStep):
    template_name = "web/security/code.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if second_factor.confirmed_device(self.pending.user) is None:
            return redirect("web:second-factor-set-up")
        return super().get(request)

    def check(self, request: HttpRequest, code: str) -> str | None:
        device = second_factor.confirmed_device(self.pending.user)
        if device is None or not second_factor.verify(device, code):
            return None
        return _complete_sign_in(request, self.pending)


class SetUpView(_SecondStep):
    template_name = "web/security/set_up.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if second_factor.confirmed_device(self.pending.user) is not None:
            return redirect("web:second-factor")
        return super().get(request)

    def context(self) -> dict[str, Any]:
        device = second_factor.device_for_enrolment(self.pending.user)
        return {
            "pending_user": self.pending.user,
            "secret": second_factor.grouped(device.secret),
            "qr_svg": second_factor.qr_svg(device),
            "issuer": second_factor.issuer(),
        }

    def check(self, request: HttpRequest, code: str) -> str | None:
        device = second_factor.device_for_enrolment(self.pending.user)
        if device.is_confirmed:
            return None
        codes = second_factor.confirm(device, code)
        if codes is None:
            return None
        destination = _complete_sign_in(request, self.pending)
        request.session[sessions.RECOVERY_CODES] = {"codes": codes, "next": destination}
        return reverse("web:recovery-codes")


class RecoveryCodeView(_SecondStep):
    template_name = "web/security/recovery_code.html"
    field = "recovery_code"
    wrong = (
        "That recovery code is not right or has been used. Check it and try again, or use another"
    )
    empty = "Enter one of your recovery codes"

    def check(self, request: HttpRequest, code: str) -> str | None:
        left = second_factor.use_recovery_code(self.pending.user, code)
        if left is None:
            return None
        destination = _complete_sign_in(request, self.pending)
        messages.info(
            request,
            f"You signed in with a recovery code. You have {left} recovery code{'s' if left != 1 else ''} left."
            + (" Ask your administrator to set up your authenticator again." if left <= 2 else ""),
        )
        return destination


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once, straight after setting up the authenticator."""
    issued = request.session.pop(sessions.RECOVERY_CODES, None)
    if not issued:
        return redirect("web:home")
    return render(
        request,
        "web/security/recovery_codes.html",
        {"codes": issued["codes"], "next": issued["next"]},
    )


# --- passwords -----------------------------------------------------------------------------


def _reset_minutes() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


class _ResetMinutes:
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "reset_minutes": _reset_minutes()}


class PasswordResetView(_ResetMinutes, auth_views.PasswordResetView):
    """The same page afterwards whether or not the address belongs to anyone."""

    template_name = "web/security/password_reset.html"
    email_template_name = "web/security/password_reset_email.txt"
    subject_template_name = "web/security/password_reset_subject.txt"
    success_url = reverse_lazy("web:password-reset-sent")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.extra_email_context = {"reset_minutes": _reset_minutes()}
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        known = [u.pk for u in form.get_users(email)]
        someone = Viewer(
            user_id=known[0] if known else None, username="", organisation=None, role=None
        )
        if _too_many_resets(self.request, email):
            # Not sent, and the page is the same: no flood of mail to one address, and nothing
            # said about whether it has an account.
            record(
                someone,
                PASSWORD_RESET_REQUESTED,
                object_type="user",
                object_id=known[0] if known else "",
                summary="Asked for a password reset link too often in an hour: none sent",
            )
            return redirect(self.success_url)
        record(
            someone,
            PASSWORD_RESET_REQUESTED,
            object_type="user",
            object_id=known[0] if known else "",
            summary="Asked for a password reset link"
            + ("" if known else " for an address no account has"),
        )
        return super().form_valid(form)


def _too_many_resets(request: HttpRequest, email: str) -> bool:
    """Count this request against the address and the client; True once either is over the
    hourly limit (settings.VISIBLE_PASSWORD_RESETS_PER_HOUR)."""
    from django.conf import settings
    from django.core.cache import cache

    from visible.security.throttle import client_ip

    limit = settings.VISIBLE_PASSWORD_RESETS_PER_HOUR
    over = False
    for key in (
        f"visible:reset:email:{email.strip().lower()}",
        f"visible:reset:ip:{client_ip(request)}",
    ):
        cache.add(key, 0, timeout=60 * 60)
        over = cache.incr(key) > limit or over
    return over


class PasswordResetSentView(_ResetMinutes, auth_views.PasswordResetDoneView):
    template_name = "web/security/password_reset_sent.html"


class PasswordResetConfirmView(_ResetMinutes, auth_views.PasswordResetConfirmView):
    template_name = "web/security/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            viewer_for(form.user),
            PASSWORD_RESET,
            object_type="user",
            object_id=form.user.pk,
            summary="Set a new password with a reset link",
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/security/password_reset_complete.html"


@method_decorator(login_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/security/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form):
        response = super().form_valid(
            form
        )  # keeps this session signed in (update_session_auth_hash)
        record(
            viewer_for(form.user),
            PASSWORD_CHANGED,
            object_type="user",
            object_id=form.user.pk,
            summary="Changed their password",
        )
        messages.success(self.request, "Your password has been changed")
        return response
