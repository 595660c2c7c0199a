"""No pseudonymised record is made without the national body's real key
(docs/pseudonymisation.md, The key): under any settings but the local demo's, a submission with
VISIBLE_PSEUDO_KEY unset, or set to the development key written in the source, is refused (by
the council's page, the command line and pseudo.actions alike) with a message naming the setting
and how to set it; nothing is stored and the refusal is audited. With a real key it goes."""

from __future__ import annotations

import datetime as dt
import io
import re
from contextlib import redirect_stderr, redirect_stdout
from importlib import import_module

import pytest
from django.urls import reverse

from tests.factories import as_viewer
from tests.pseudo.helpers import CROYDON, KEY, P_END, P_START, add_child, add_episode, at
from visible.agencies.viewer import Viewer
from visible.audit.models import AuditEvent
from visible.cli import main as visible
from visible.national import actions as national
from visible.pseudo import actions
from visible.pseudo.models import PseudoChild, PseudoEpisode, Submission
from visible.pseudo.pseudonymise import DEV_KEY, NoNationalKey, key_id, national_key, pseudonymise
from visible.reference.models import Authority

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(sw_a, fake):
    """A Croydon child with a Home Office reference and an episode in period P."""
    child = add_child(
        sw_a,
        fake,
        "Dawit",
        "Tekle",
        flags=[("uasc", dt.date(2023, 1, 1))],
        home_office_ref="T1234567",
        looked_after_from=dt.date(2023, 1, 1),
    )
    add_episode(sw_a, child, "M", at(2024, 6, 3), at(2024, 6, 4))
    return child


@pytest.fixture
def no_key(settings, monkeypatch):
    """The test settings as they are: no key, and not the demo."""
    monkeypatch.delenv("VISIBLE_PSEUDO_KEY", raising=False)
    settings.VISIBLE_PSEUDO_KEY = ""
    assert settings.VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY is False


def nothing_stored() -> bool:
    return not (
        Submission.objects.exists()
        or PseudoChild.objects.exists()
        or PseudoEpisode.objects.exists()
    )


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def croydon() -> Authority:
    return Authority.objects.get(code=CROYDON)


def _submit_on_the_page(client, manager_a, national_analyst):
    collection = national.open_collection(
        as_viewer(national_analyst),
        "Missing children 2024 to 2025",
        P_START,
        P_END,
        dt.date(2025, 6, 30),
    )
    request = collection.requests.get(authority__code=CROYDON)
    client.force_login(manager_a)
    return client.post(
        reverse("web:national-council"), {"request": request.pk, "what": "child-level"}, follow=True
    )


@pytest.mark.parametrize("key", ["", DEV_KEY.decode()], ids=["unset", "the development key"])
def test_the_councils_page_refuses_to_send_records_without_a_real_key(
    client, no_key, settings, key, register, manager_a, national_analyst
):
    settings.VISIBLE_PSEUDO_KEY = key
    response = _submit_on_the_page(client, manager_a, national_analyst)
    page = text_of(response)
    assert response.status_code == 200 and "Child-level records not sent" in page
    assert (
        "Set VISIBLE_PSEUDO_KEY to the national body's key" in page
        and "secrets.token_urlsafe(48)" in page
    )
    assert "Pseudonymised child-level records sent" not in page
    assert nothing_stored()
    refusal = AuditEvent.objects.get(action="denied", object_type="pseudo_submission")
    assert refusal.object_id == CROYDON and "VISIBLE_PSEUDO_KEY" in refusal.summary


@pytest.mark.parametrize("key", ["", DEV_KEY.decode()], ids=["unset", "the development key"])
def test_the_command_line_refuses_to_submit_without_a_real_key(no_key, settings, key, register):
    settings.VISIBLE_PSEUDO_KEY = key
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = visible(
            [
                "pseudo",
                "submit",
                "--authority",
                CROYDON,
                "--from",
                "2024-04-01",
                "--to",
                "2025-03-31",
            ]
        )
    assert status == 2
    assert "nothing submitted" in err.getvalue() and "Set VISIBLE_PSEUDO_KEY" in err.getvalue()
    assert "Submitted" not in out.getvalue()
    assert nothing_stored()
    assert AuditEvent.objects.filter(action="denied", object_type="pseudo_submission").count() == 1


def test_the_development_key_is_refused_however_it_arrives(no_key, register, manager_a):
    with pytest.raises(NoNationalKey, match="development key written in Visible's source code"):
        actions.submit(as_viewer(manager_a), croydon(), P_START, P_END, key=DEV_KEY)
    with pytest.raises(NoNationalKey, match="VISIBLE_PSEUDO_KEY is not set"):
        pseudonymise(croydon(), P_START, P_END)
    with pytest.raises(NoNationalKey, match="development key"):
        pseudonymise(croydon(), P_START, P_END, key=DEV_KEY)
    assert nothing_stored()


def test_with_a_real_key_the_page_and_the_command_line_send(
    client, no_key, settings, register, manager_a, national_analyst
):
    settings.VISIBLE_PSEUDO_KEY = KEY.decode()
    response = _submit_on_the_page(client, manager_a, national_analyst)
    assert "Pseudonymised child-level records sent" in text_of(
        response
    ) and "1 children" in text_of(response)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert (
            visible(
                [
                    "pseudo",
                    "submit",
                    "--authority",
                    CROYDON,
                    "--from",
                    "2024-04-01",
                    "--to",
                    "2025-03-31",
                ]
            )
            == 0
        )
    assert "version 2: 1 children" in out.getvalue() and "development key" not in err.getvalue()
    assert set(Submission.objects.values_list("key_id", flat=True)) == {key_id(KEY)}


def test_only_the_demo_settings_allow_the_development_key(no_key, settings, register):
    settings.VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY = True
    assert national_key() == DEV_KEY
    submission = actions.submit(Viewer.system("demo"), croydon(), P_START, P_END)
    assert submission.key_id == key_id(DEV_KEY)
    assert import_module("visible.config.settings.dev").VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY is True
    assert (
        import_module("visible.config.settings.test").VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY is False
    )
    assert (
        import_module("visible.config.settings.base").VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY is False
    )
