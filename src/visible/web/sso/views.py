"""Signing in with the organisation's own identity provider, and its administrator's page.

Signing in: the person gives their work email; its domain names the organisation whose
provider serves it. A page then says which organisation's sign-in they are going to, with a
button to go there (a form cannot redirect to another site: the pages' Content-Security-Policy
allows forms to go only to Visible itself). ``sso-continue`` starts the authorization request
(sso/signing_in.py: PKCE, state, nonce, kept in the session) and sends the browser to the
provider; ``sso-callback`` takes the answer, swaps the code for an ID token, checks it and
finds the account. Then, as after a password: Visible's own code, unless the administrator
says the provider enforces MFA, in which case the sign-in completes there. Every refusal is
audited (sign_in_failed, with the reason) and counted by the sign-in throttle for the address.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from visible.security import second_factor, sessions, throttle
from visible.security.models import AttemptStage
from visible.sso import actions, signing_in
from visible.sso.discovery import discovery_url
from visible.sso.fetch import FetchError
from visible.sso.inputs import ProviderInput
from visible.sso.models import IdentityProvider, LinkedIdentity
from visible.sso.signing_in import Flow
from visible.sso.tokens import Refused

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from .forms import ProviderForm, WorkEmailForm

CHOSEN = "visible.sso.chosen"
FLOW = "visible.sso.flow"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("web:sso-callback"))


def _locked(request: HttpRequest, refused: throttle.Refusal) -> HttpResponse:
    response = render(
        request,
        "web/sso/sign_in.html",
        {
            "form": WorkEmailForm(),
            "locked": True,
            "lockout_minutes": refused.wait_minutes(),
            "forms_have_errors": True,
        },
        status=429,
    )
    response["Retry-After"] = str(max(1, int(refused.wait().total_seconds())))
    return response


def _refused_page(
    request: HttpRequest, reason: str, provider: IdentityProvider | None, status: int = 403
) -> HttpResponse:
    if reason in signing_in.NO_ACCOUNT:
        kind = "no_account"
    elif reason in (signing_in.PROVIDER_DISABLED, signing_in.ORGANISATION_DEACTIVATED):
        kind = "unavailable"
    elif reason in (signing_in.STATE_MISMATCH, signing_in.FLOW_EXPIRED):
        kind = "start_again"
    elif reason == signing_in.PROVIDER_ERROR:
        kind = "not_signed_in"
    else:
        kind = "not_accepted"
    return render(
        request,
        "web/sso/refused.html",
        {
            "kind": kind,
            "organisation": provider.organisation if provider else None,
            "when": timezone.localtime(),
        },
        status=status,
    )


@never_cache
@csrf_protect
def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in with your organisation's account: the work email, then which organisation."""
    next_url = sessions.safe_next(request, request.GET.get("next") or request.POST.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url or "web:home")
    if request.method != "POST":
        return render(request, "web/sso/sign_in.html", {"form": WorkEmailForm(), "next": next_url})
    form = WorkEmailForm(request.POST)
    context: dict[str, Any] = {"form": form, "next": next_url}
    if not form.is_valid():
        return render(request, "web/sso/sign_in.html", context)
    email = form.cleaned_data["email"].strip()
    refused = throttle.refusal(email, throttle.client_ip(request))
    if refused:
        return _locked(request, refused)
    provider = signing_in.provider_for_email(email)
    if provider is None:
        form.add_error(
            "email",
            f"No organisation signs in to Visible with addresses at "
            f"{signing_in.email_domain(email)}. Sign in with your username and password instead",
        )
        return render(request, "web/sso/sign_in.html", context)
    problem = signing_in.usable(provider)
    if problem:
        signing_in.refuse(provider, problem, email=email, ip=throttle.client_ip(request))
        return _refused_page(request, problem, provider)
    request.session[CHOSEN] = {"provider_id": provider.pk, "email": email, "next": next_url}
    return render(
        request,
        "web/sso/continue.html",
        {"organisation": provider.organisation, "email": email},
    )


@never_cache
def go(request: HttpRequest) -> HttpResponse:
    """Start the authorization request with the provider chosen, and go there."""
    if request.user.is_authenticated:
        return redirect("web:home")
    chosen = request.session.get(CHOSEN)
    if not isinstance(chosen, dict):
        return redirect("web:sso-sign-in")
    provider = (
        IdentityProvider.objects.select_related("organisation")
        .filter(pk=chosen.get("provider_id") or 0)
        .first()
    )
    if provider is None:
        return redirect("web:sso-sign-in")
    ip = throttle.client_ip(request)
    problem = signing_in.usable(provider)
    if problem:
        signing_in.refuse(provider, problem, email=chosen["email"], ip=ip)
        return _refused_page(request, problem, provider)
    try:
        url, flow = signing_in.start(
            provider, redirect_uri(request), chosen["email"], chosen.get("next", ""), timezone.now()
        )
    except FetchError as error:
        signing_in.refuse(
            provider,
            signing_in.PROVIDER_UNREACHABLE,
            email=chosen["email"],
            ip=ip,
            extra={"problem": str(error)[:300]},
        )
        return _refused_page(request, signing_in.PROVIDER_UNREACHABLE, provider, status=502)
    request.session[FLOW] = flow.as_session()
    return redirect(url)


@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: check it, find the account, then the second step (or not)."""
    now = timezone.now()
    ip = throttle.client_ip(request)
    flow = Flow.from_session(request.session.pop(FLOW, None) or {})
    provider = (
        IdentityProvider.objects.select_related("organisation").filter(pk=flow.provider_id).first()
        if flow
        else None
    )
    state = request.GET.get("state", "")
    if flow is None or provider is None or not state or state != flow.state:
        signing_in.refuse(provider, signing_in.STATE_MISMATCH, ip=ip)
        return _refused_page(request, signing_in.STATE_MISMATCH, provider, status=400)
    request.session.pop(CHOSEN, None)
    if flow.expired(now):
        signing_in.refuse(provider, signing_in.FLOW_EXPIRED, email=flow.email, ip=ip)
        return _refused_page(request, signing_in.FLOW_EXPIRED, provider, status=400)
    problem = signing_in.usable(provider)
    if problem:
        signing_in.refuse(provider, problem, email=flow.email, ip=ip)
        return _refused_page(request, problem, provider)
    code = request.GET.get("code", "")
    if request.GET.get("error") or not code:
        signing_in.refuse(
            provider,
            signing_in.PROVIDER_ERROR,
            email=flow.email,
            ip=ip,
            extra={"error": request.GET.get("error", "no code")[:100]},
        )
        return _refused_page(request, signing_in.PROVIDER_ERROR, provider)
    attempt = throttle.begin(flow.email, ip, AttemptStage.SSO)
    if attempt.refused:
        return _locked(request, attempt.refused)
    try:
        identity = signing_in.exchange(provider, flow, code, redirect_uri(request), now)
        user = signing_in.account_for(provider, identity)
    except Refused as refusal:
        signing_in.refuse(provider, refusal.reason, email=refusal.email, ip=ip, extra=refusal.extra)
        locked = throttle.failed(attempt)
        if locked:
            return _locked(request, locked)
        return _refused_page(request, refusal.reason, provider)
    # The account's own lockout from this address (wrong passwords or codes) holds here too.
    locked = throttle.refusal(user.get_username(), ip)
    if locked:
        throttle.succeeded(attempt)
        return _locked(request, locked)
    try:
        signing_in.link(provider, user, identity, now)
    except Refused as refusal:
        signing_in.refuse(provider, refusal.reason, email=refusal.email, ip=ip)
        throttle.failed(attempt)
        return _refused_page(request, refusal.reason, provider)
    user.backend = BACKEND
    if provider.enforces_mfa:
        via = signing_in.signed_in_detail(
            provider,
            identity,
            "the organisation's identity provider (its administrator says it enforces MFA)",
        )
        sessions.start_pending(request, user, flow.next, via=via)
        pending = sessions.pending(request)
        assert pending is not None
        throttle.succeeded(attempt, signed_in=user)
        return redirect(sessions.complete(request, pending))
    via = signing_in.signed_in_detail(provider, identity, "Visible's own code")
    sessions.start_pending(request, user, flow.next, via=via)
    throttle.succeeded(attempt)  # the count goes on until the code, as after a password
    if second_factor.confirmed_device(user) is None:
        return redirect("web:second-factor-set-up")
    return redirect("web:second-factor")


# --- the administrator's page --------------------------------------------------------------


def _managing(request: ViewerRequest):
    organisation = request.viewer.organisation
    if not actions.may_manage(request.viewer, organisation):
        raise PermissionDenied("Only an organisation administrator can set up single sign-on")
    return organisation


def _initial(provider: IdentityProvider | None) -> dict[str, Any]:
    if provider is None:
        return {}
    return {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "email_domains": "\n".join(provider.domain_names),
        "scopes": provider.scopes,
        "enforces_mfa": "yes" if provider.enforces_mfa else "no",
    }


def _settings_page(
    request: ViewerRequest,
    provider: IdentityProvider | None,
    form: ProviderForm,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    links = (
        LinkedIdentity.objects.filter(provider=provider)
        .select_related("user")
        .order_by("user__username")
        if provider
        else []
    )
    return render(
        request,
        "web/sso/settings.html",
        {
            "provider": provider,
            "form": form,
            "redirect_uri": redirect_uri(request),
            "discovery_url": discovery_url(provider.issuer) if provider else "",
            "links": links,
            **extra,
        },
        status=status,
    )


@staff_view
@sensitive_post_parameters("client_secret")
@never_cache
def settings_page(request: ViewerRequest) -> HttpResponse:
    organisation = _managing(request)
    provider = actions.provider_of(organisation)
    if request.method != "POST":
        return _settings_page(request, provider, ProviderForm(initial=_initial(provider)))
    form = ProviderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.configure(
                request.viewer,
                organisation,
                ProviderInput(
                    issuer=data["issuer"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"],
                    email_domains=form.domains(),
                    scopes=data["scopes"],
                    enforces_mfa=data["enforces_mfa"] == "yes",
                ),
                timezone.now(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Single sign-on settings saved")
            return redirect("web:sso-settings")
    return _settings_page(request, provider, form, forms_have_errors=True)


@staff_view
@require_POST
def check_issuer(request: ViewerRequest) -> HttpResponse:
    organisation = _managing(request)
    provider = actions.provider_of(organisation)
    if provider is None:
        return redirect("web:sso-settings")
    try:
        found = actions.check(request.viewer, provider, timezone.now())
    except FetchError as error:
        provider.refresh_from_db()
        return _settings_page(
            request,
            provider,
            ProviderForm(initial=_initial(provider)),
            check_problem=str(error),
        )
    return _settings_page(request, provider, ProviderForm(initial=_initial(provider)), found=found)


@staff_view
@require_POST
def turn_on_or_off(request: ViewerRequest) -> HttpResponse:
    organisation = _managing(request)
    provider = actions.provider_of(organisation)
    if provider is None:
        return redirect("web:sso-settings")
    enable = request.POST.get("enabled") == "on"
    try:
        actions.set_enabled(request.viewer, provider, enable, timezone.now())
    except ValidationError as error:
        return _settings_page(
            request,
            provider,
            ProviderForm(initial=_initial(provider)),
            status=400,
            enable_problem=" ".join(error.messages),
        )
    messages.success(
        request,
        "Single sign-on is on: your people can sign in with their organisation account"
        if enable
        else "Single sign-on is off: your people sign in with their Visible password",
    )
    return redirect("web:sso-settings")


@staff_view
@require_POST
def forget_link(request: ViewerRequest) -> HttpResponse:
    organisation = _managing(request)
    provider = actions.provider_of(organisation)
    try:
        user_id = int(request.POST.get("user", ""))
    except ValueError:
        user_id = 0
    if provider is not None and actions.forget_link(request.viewer, provider, user_id):
        messages.success(
            request, "Link removed: their next sign-in links them to the provider afresh"
        )
    return redirect("web:sso-settings")
