"""The task queue: one Huey instance made from the settings, and the pattern for a job.

Where the jobs wait (the broker) is a setting (config/settings/base.py): a SQLite file beside
the database by default (no server to run, one machine), Redis in production, or Huey's own
PostgreSQL storage. Results are not kept: a job that has something to show (an import's
progress, its outcome) writes it to Visible's own tables, where the pages read it.

A long job (an import, a batch of notifications) is a function decorated with ``job``, in
worker/jobs.py (the worker sits above the services in the layers, so it may call them; the
worker imports every installed app's ``jobs`` module), and asked for with ``after_commit``, so
the worker never looks for rows the asking transaction has not yet committed::

    # visible/worker/jobs.py
    from visible.ssda903 import imports
    from .queue import job

    @job(retries=0)  # an import is all or nothing: a failure is reported, not retried
    def import_upload(job_id: int) -> None:
        imports.run(job_id)

    # in the view, inside its transaction:
    after_commit(import_upload, upload.pk)

A job's arguments are pickled into the broker: pass ids, never model instances or anything
personal. A job that raises is logged with its traceback (logger ``huey``) and retried
``retries`` times, ``retry_delay`` seconds apart; then it is dropped, so a job that matters
records its own failure for the person who asked for it.

An app's routine task (one that must run every so often whatever anyone asks for, such as
sending the notifications that have fallen due) is declared in its ``jobs.py`` with
``routine``: the worker's scheduler queues it with the sweep and the heartbeat, every
VISIBLE_SWEEP_EVERY_SECONDS, and drops it if no thread has started it by the next round.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import close_old_connections, transaction
from huey import Huey
from huey.api import TaskWrapper
from huey.storage import PostgresStorage, RedisStorage, SqliteStorage

from visible.observability.context import enter, leave


def make_huey() -> Huey:
    common = {
        "name": settings.VISIBLE_TASK_QUEUE,
        "results": False,
        "utc": True,
        "immediate": settings.VISIBLE_TASKS_IMMEDIATE,
    }
    broker = settings.VISIBLE_TASK_BROKER
    if broker == "redis":
        return Huey(storage_class=RedisStorage, url=settings.VISIBLE_REDIS_URL, **common)
    if broker == "postgres":
        return Huey(storage_class=PostgresStorage, **_postgres_parameters(), **common)
    return Huey(storage_class=SqliteStorage, filename=settings.VISIBLE_TASK_FILE, **common)


def _postgres_parameters() -> dict[str, str]:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ValueError(
            "VISIBLE_TASK_BROKER=postgres keeps the jobs in Visible's database, which must then be "
            "PostgreSQL: set DATABASE_URL to a postgres:// address, or choose another broker"
        )
    found = {
        "dbname": database["NAME"],
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": str(database.get("PORT") or ""),
    }
    return {key: value for key, value in found.items() if value}


def describe_broker() -> str:
    """Where the jobs wait, for people: never a password."""
    broker = settings.VISIBLE_TASK_BROKER
    if broker == "redis":
        url = urlsplit(settings.VISIBLE_REDIS_URL)
        return f"Redis at {url.hostname}:{url.port or 6379}{url.path or '/0'}"
    if broker == "postgres":
        return "PostgreSQL (Visible's database)"
    return f"SQLite file {settings.VISIBLE_TASK_FILE}"


huey = make_huey()


# Every log line a job writes carries its id and name (visible.observability), as a request's
# lines carry the request's reference.
@huey.pre_execute()
def _open_job_log_scope(task: Any) -> None:
    task.log_scope = enter(job_id=task.id, job=task.name)


@huey.post_execute()
def _close_job_log_scope(task: Any, task_value: Any, exc: BaseException | None) -> None:
    if getattr(task, "log_scope", None) is not None:
        leave(task.log_scope)


def fresh_connections(fn: Callable) -> Callable:
    """Run ``fn`` with database connections that are usable: one left broken or past its age
    by the last task on this thread is closed first, and closed again after. (In immediate mode
    the caller's own connection, in its transaction, is left alone.)"""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        if huey.immediate:
            return fn(*args, **kwargs)
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return run


def job(*, retries: int = 2, retry_delay: int = 60, name: str | None = None):
    """Declare a long piece of work to run in the worker (see this module's docstring)."""

    def decorate(fn: Callable) -> TaskWrapper:
        return huey.task(
            retries=retries,
            retry_delay=retry_delay,
            name=name or f"{fn.__module__}.{fn.__qualname__}",
        )(fresh_connections(fn))

    return decorate


# The routine tasks apps declare (``routine``), queued by the worker's scheduler with its own
# (tasks.ROUTINE); filled as the worker imports each app's jobs.py.
APP_ROUTINES: list[TaskWrapper] = []


def routine(name: str):
    """Declare an app's routine task (see this module's docstring): a function of no
    arguments, run every VISIBLE_SWEEP_EVERY_SECONDS by a worker."""

    def decorate(fn: Callable) -> TaskWrapper:
        task = huey.task(name=name, expires=settings.VISIBLE_SWEEP_EVERY_SECONDS)(
            fresh_connections(fn)
        )
        if all(known.name != task.name for known in APP_ROUTINES):
            APP_ROUTINES.append(task)
        return task

    return decorate


def after_commit(task: TaskWrapper, *args, **kwargs) -> None:
    """Queue ``task(*args, **kwargs)`` once the current transaction commits (at once outside
    one); nothing is queued if it rolls back."""
    transaction.on_commit(lambda: task(*args, **kwargs))
