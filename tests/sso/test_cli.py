"""`visible sso show|check|disable`: the server operator sees an organisation's single sign-on
(never the secret), checks its issuer, and can turn it off at once; never set it up or on."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.sso.journey import kent_admin, set_up_provider
from visible.agencies.viewer import Viewer
from visible.audit.models import AuditEvent
from visible.cli import main as visible
from visible.sso import actions
from visible.sso.models import IdentityProvider

pytestmark = pytest.mark.django_db


def test_the_operator_shows_checks_and_turns_off_an_organisations_single_sign_on(
    oidc, council_b, capsys
):
    set_up_provider(kent_admin(council_b), oidc, enforces_mfa=True)
    assert visible(["sso", "show", "E10000016"]) == 0
    out = capsys.readouterr().out
    assert "Single sign-on:  on" in out and f"Issuer:          {oidc.issuer}" in out
    assert "Client secret:   stored (encrypted)" in out and oidc.client_secret not in out
    assert "the provider's MFA stands in" in out

    assert visible(["sso", "check", council_b.name]) == 0
    assert f"{oidc.issuer}: usable" in capsys.readouterr().out

    assert visible(["sso", "disable", council_b.name]) == 0
    assert "is off" in capsys.readouterr().out
    assert not IdentityProvider.objects.get().enabled
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.summary.startswith(
        "Turned off single sign-on"
    ) and event.actor_username.startswith("<cli:")


def test_the_operator_may_not_turn_it_on_or_set_it_up(oidc, council_b):
    provider = set_up_provider(kent_admin(council_b), oidc)
    operator = Viewer.system("cli:root")
    actions.set_enabled(operator, provider, False, timezone.now())
    with pytest.raises(PermissionDenied):
        actions.set_enabled(operator, provider, True, timezone.now())


def test_an_unknown_organisation_or_one_without_single_sign_on_is_one_line(council_b, capsys):
    assert visible(["sso", "show", "Nowhere council"]) == 2
    assert "there is no organisation 'Nowhere council'" in capsys.readouterr().err
    assert visible(["sso", "show", "E10000016"]) == 2
    assert "has not set up single sign-on" in capsys.readouterr().err
