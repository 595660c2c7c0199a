"""Alert latency (issue 11): from a missing episode's alert falling due to the alert existing,
with `visible worker` running at its default settings (the sweep every 60 s) against
PostgreSQL and Redis, nobody running anything. Target: under 90 s. Results appended to
bench/results/alert-latency.md.

    PYTHONPATH=src:. .venv/bin/python -m bench.bench_alert_latency [--samples 6]

A fresh PostgreSQL database (visible_deploy_alerts) with a small synthetic council; the worker
is started as a process of its own (production settings, Redis broker with a queue of its own)
and left to run its first sweep. Then children are reported missing, not yet reported to the
police, so that the rulebook's hour without a police report runs out for each at a different
moment over the next few minutes (spread across the sweep's minute, so the samples fall at
different points of its period). The benchmark only watches: it polls the database every
quarter of a second for each child's no-police-report alert, and records the alert's
raised_at (written by the sweep) minus the moment it fell due.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._harness import PG_SERVER, append_result, load_average

REPO = Path(__file__).resolve().parents[1]
DATABASE = "visible_deploy_alerts"
QUEUE = "visible-deploy-alerts"
TARGET_SECONDS = 90
SPACING = 37  # seconds between samples falling due: prime to the sweep's 60 s period


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="visible-alerts-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "visible.config.settings.production",
        "VISIBLE_SECRET_KEY": "alert-latency-benchmark-secret-key-" + "x" * 30,
        "VISIBLE_AUDIT_KEY": "alert-latency-benchmark-audit-key-" + "y" * 30,
        "DATABASE_URL": f"{PG_SERVER}/{DATABASE}",
        "VISIBLE_REDIS_URL": "redis://127.0.0.1:6379/0",
        "VISIBLE_TASK_QUEUE": QUEUE,
        "VISIBLE_CACHE_KEY_PREFIX": QUEUE,
        "VISIBLE_VAR_DIR": str(work),
    }
    for name in list(os.environ):
        if name.startswith("VISIBLE_") or name in ("DATABASE_URL", "REDIS_URL"):
            del os.environ[name]
    os.environ.update(env)
    os.environ.setdefault("PYTHONPATH", str(REPO / "src"))
    subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            f"{PG_SERVER}/postgres",
            "-c",
            f'DROP DATABASE IF EXISTS "{DATABASE}"',
        ],
        check=True,
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    cli = [sys.executable, "-m", "visible.cli"]
    subprocess.run([*cli, "manage", "migrate", "--no-input", "--verbosity", "0"], check=True)
    subprocess.run(
        [*cli, "generate", "--authority", "E09000008", "--children", "200", "--quiet"], check=True
    )

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from visible.agencies.councils import council_for
    from visible.agencies.models import Membership, Role
    from visible.agencies.viewer import viewer_for
    from visible.children.models import Child
    from visible.missing import actions
    from visible.missing.inputs import ReportMissingInput
    from visible.missing.models import Alert, Episode
    from visible.reference.models import Authority
    from visible.worker.models import Routine

    council = council_for(Authority.objects.get(code="E09000008"))
    user = get_user_model().objects.create_user("alerts.bench", password=None)
    Membership.objects.create(user=user, organisation=council, role=Role.SOCIAL_WORKER)
    viewer = viewer_for(user)
    children = list(
        Child.objects.filter(responsible_organisation=council)
        .exclude(pk__in=Episode.objects.filter(returned_at__isnull=True).values("child_id"))
        .order_by("pk")[: args.samples]
    )

    before = load_average()
    log = (work / "worker.log").open("wb")
    worker = subprocess.Popen([*cli, "worker"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while not Routine.objects.filter(name="sweep", ok=True).exists():
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"the worker did not sweep: {(work / 'worker.log').read_text()}")
            time.sleep(0.5)
        first_sweep = Routine.objects.get(name="sweep").last_ok_at

        start = timezone.now()
        due_at = {}
        for number, child in enumerate(children):
            due = start + dt.timedelta(seconds=20 + number * SPACING)
            actions.report_missing(
                viewer,
                child,
                ReportMissingInput(
                    category="M",
                    last_seen_at=due - dt.timedelta(hours=1),
                    last_seen_place="Bus station (synthetic)",
                    reported_by_name="Carer (synthetic)",
                    reported_by_role="carer",
                ),
            )
            due_at[child.pk] = due
        if Alert.objects.filter(child__in=children, code="no_police_report").exists():
            raise SystemExit("an alert was raised on reporting, before it was due")
        print(
            f"{len(children)} children reported missing; their police reports fall due from "
            f"{timezone.localtime(min(due_at.values())):%H:%M:%S} to "
            f"{timezone.localtime(max(due_at.values())):%H:%M:%S}; waiting for the worker",
            flush=True,
        )
        latencies: dict[int, tuple[dt.datetime, float, float]] = {}
        give_up = max(due_at.values()) + dt.timedelta(seconds=TARGET_SECONDS * 2)
        while len(latencies) < len(children) and timezone.now() < give_up:
            for alert in Alert.objects.filter(
                child__in=[c for c in due_at if c not in latencies], code="no_police_report"
            ):
                due = due_at[alert.child_id]
                seen = (timezone.now() - due).total_seconds()
                latencies[alert.child_id] = (due, (alert.raised_at - due).total_seconds(), seen)
                print(
                    f"  due {timezone.localtime(due):%H:%M:%S}: raised "
                    f"{latencies[alert.child_id][1]:.1f} s after (seen {seen:.1f} s after)",
                    flush=True,
                )
            time.sleep(0.25)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)
        log.close()
        from redis import Redis

        redis = Redis.from_url(env["VISIBLE_REDIS_URL"])
        keys = list(redis.scan_iter(match=f"*{QUEUE}*"))
        if keys:
            redis.delete(*keys)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            subprocess.run(
                ["psql", "-X", "-q", f"{PG_SERVER}/postgres", "-c",
                 f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'],
                check=False,
            )  # fmt: skip

    raised = sorted(value[1] for value in latencies.values())
    missing = len(children) - len(latencies)
    passed = not missing and raised and max(raised) < TARGET_SECONDS
    rows = [
        "| fell due | raised after (s) | seen by the benchmark after (s) |",
        "| --- | ---: | ---: |",
    ]
    for due, after, seen in sorted(latencies.values()):
        rows.append(f"| {timezone.localtime(due):%H:%M:%S} | {after:.1f} | {seen:.1f} |")
    lines = [
        f"- machine load average before: {before}, after: {load_average()} (shared with other work)",
        f"- `visible worker` at its defaults: the sweep every {settings.VISIBLE_SWEEP_EVERY_SECONDS} s, "
        f"{settings.VISIBLE_WORKER_THREADS} threads, Redis broker; PostgreSQL; its first sweep at "
        f"{timezone.localtime(first_sweep):%H:%M:%S}",
        f"- {len(children)} children of a 200-child synthetic council reported missing, not reported "
        f"to the police; each one's hour ran out {SPACING} s after the last one's",
        "- command: `PYTHONPATH=src:. .venv/bin/python -m bench.bench_alert_latency "
        f"--samples {args.samples}`",
        "",
        *rows,
        "",
        f"- raised after falling due: median **{statistics.median(raised):.1f} s**, "
        f"max **{max(raised):.1f} s**"
        if raised
        else "- no alert was raised",
        f"- alerts never raised: {missing}" if missing else "- every alert was raised",
        f"- target under {TARGET_SECONDS} s: **{'PASS' if passed else 'FAIL'}**. The wait is the "
        "time to the worker's next sweep (at most its 60 s period) plus the sweep's own duration.",
    ]
    append_result("alert-latency.md", "Alert latency, worker at its defaults, PostgreSQL", lines)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
