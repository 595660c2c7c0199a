"""A transfer killed half-way (the process dies with the transaction open, after the alerts
have moved and before the child has) leaves the record wholly with the sending authority:
nothing moved, nothing duplicated. Then the same transfer, run again, moves everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import as_viewer, report_missing
from visible.missing.models import Alert
from visible.sharing import actions
from visible.sharing.models import Transfer

# The transfer, run in another process that this test kills half-way. The pause is the test's
# own: the script wraps Child.save so that, when the transfer comes to move the child (after the
# open alerts have moved, inside the transaction), it leaves a marker and waits to be killed.
# Production code has no hook for it.
SCRIPT = """
import time
import django
django.setup()
from django.contrib.auth import get_user_model
from visible.agencies.models import Organisation
from visible.agencies.viewer import viewer_for
from visible.children.models import Child
from visible.sharing import actions

real_save = Child.save

def save_after_a_pause(self, *args, **kwargs):
    if "responsible_organisation" in (kwargs.get("update_fields") or ()):
        open({marker!r}, "w").close()
        time.sleep(60)
    return real_save(self, *args, **kwargs)

Child.save = save_after_a_pause
user = get_user_model().objects.get(username="manager.a")
actions.transfer(viewer_for(user), Child.objects.get(pk={child}), Organisation.objects.get(pk={to}), "Killed half-way")
"""


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transfer_killed_half_way_leaves_the_child_wholly_with_the_sender(
    sw_a, manager_a, uasc_child, council_a, council_b
):
    report_missing(sw_a, uasc_child)
    alerts_before = set(
        Alert.objects.filter(child=uasc_child, resolved_at__isnull=True).values_list(
            "pk", "organisation_id"
        )
    )
    assert alerts_before
    marker = Path(tempfile.mkdtemp()) / "half-way"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "visible.config.settings.test",
    }
    script = SCRIPT.format(child=uasc_child.pk, to=council_b.pk, marker=str(marker))
    process = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, process.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "the transfer never reached the half-way point"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)  # the open alerts have moved; the child has not
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    uasc_child.refresh_from_db()
    assert uasc_child.responsible_organisation == council_a
    assert (
        set(
            Alert.objects.filter(child=uasc_child, resolved_at__isnull=True).values_list(
                "pk", "organisation_id"
            )
        )
        == alerts_before
    )
    assert not Transfer.objects.exists()

    actions.transfer(as_viewer(manager_a), uasc_child, council_b, "Run again, to the end")
    uasc_child.refresh_from_db()
    assert uasc_child.responsible_organisation == council_b
    assert set(
        Alert.objects.filter(child=uasc_child, resolved_at__isnull=True)
        .exclude(code="transferred_in")
        .values_list("organisation_id", flat=True)
    ) == {council_b.pk}
    assert Transfer.objects.count() == 1


@pytest.mark.django_db
def test_the_environment_cannot_pause_a_transfer(
    monkeypatch, tmp_path, sw_a, manager_a, uasc_child, council_b
):
    """The pause above belongs to the test. Production code once read VISIBLE_TEST_PAUSE_IN_TRANSFER
    and slept inside the transfer's transaction (holding the child's row lock) for as long as the
    variable said: anyone who could set the server's environment could stall transfers."""
    marker = tmp_path / "half-way"
    monkeypatch.setenv("VISIBLE_TEST_PAUSE_IN_TRANSFER", "5")
    monkeypatch.setenv("VISIBLE_TEST_PAUSE_MARKER", str(marker))
    started = time.monotonic()
    actions.transfer(as_viewer(manager_a), uasc_child, council_b, "Accepted by Kent (synthetic)")
    assert time.monotonic() - started < 4
    assert not marker.exists()
    uasc_child.refresh_from_db()
    assert uasc_child.responsible_organisation == council_b


def test_no_production_code_reads_a_test_only_setting():
    import visible

    source = Path(visible.__file__).parent
    readers = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if "VISIBLE_TEST_" in path.read_text()
    ]
    assert readers == []
