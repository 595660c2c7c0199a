"""`visible worker` and `visible status`."""

from __future__ import annotations

import argparse


def cmd_worker(args: argparse.Namespace) -> int:
    from django.conf import settings

    from .consumer import run

    return run(
        threads=args.threads or settings.VISIBLE_WORKER_THREADS, scheduler=not args.no_scheduler
    )


def cmd_status(args: argparse.Namespace) -> int:
    from django.db import DatabaseError
    from django.utils import timezone

    from .health import readiness
    from .models import WorkerProcess

    checks = readiness()
    ready = all(check.ok for check in checks)
    print(f"Visible is {'ready' if ready else 'NOT READY'}.")
    width = max(len(check.name) for check in checks)
    for check in checks:
        print(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name:<{width}}  {check.detail}")
    if checks[0].ok:
        try:
            workers = list(WorkerProcess.objects.filter(stopped_at=None)[:10])
        except DatabaseError:
            workers = []
        if workers:
            print("Workers not stopped:")
        for worker in workers:
            seen = (
                f"last seen {timezone.localtime(worker.seen_at):%Y-%m-%d %H:%M:%S}"
                if worker.seen_at
                else "not yet seen taking work"
            )
            print(
                f"  {worker.name}: started {timezone.localtime(worker.started_at):%Y-%m-%d %H:%M:%S}, "
                f"{seen}; {worker.threads} threads, jobs from {worker.broker}"
                f"{', runs the scheduler' if worker.runs_scheduler else ''}"
            )
    return 0 if ready else 1


def add_commands(sub) -> None:
    p = sub.add_parser(
        "worker",
        help="run the background worker and its scheduler: the sweep every minute, and jobs",
    )
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="jobs run at once (default VISIBLE_WORKER_THREADS, 4)",
    )
    p.add_argument(
        "--no-scheduler",
        action="store_true",
        help="take jobs only, for a second worker machine: one worker queues the sweep",
    )
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser(
        "status",
        help="is Visible ready? the database, migrations, worker and sweep (exit 1 if not)",
    )
    p.set_defaults(func=cmd_status)
