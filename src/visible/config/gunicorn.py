"""Gunicorn's settings for Visible (docs/decisions/0009-production-server.md).

`visible serve` starts gunicorn with this module (`--config python:visible.config.gunicorn`);
a systemd unit or container may run `gunicorn --config python:visible.config.gunicorn` itself.
Every value can be set from the environment; `visible serve --workers/--threads` and
gunicorn's own GUNICORN_CMD_ARGS override them.

This module must not import Django: gunicorn's master reads it before any worker loads the
application, and the master never opens a database connection (the workers open their own
after they fork, so no connection is ever shared between processes).
"""

from __future__ import annotations

import os

from visible.observability.formatting import gunicorn_logging


def _int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SystemExit(f"{name}={text} is not a whole number") from None
    if value < 0:
        raise SystemExit(f"{name}={text} must not be negative")
    return value


def cpu_count() -> int:
    """The CPUs this process may run on (a container's or a cgroup's limit shows here,
    unlike os.cpu_count())."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(cpus: int) -> int:
    """One worker process per CPU, plus one to cover a worker that is restarting (recycled)
    or waiting on the database: each worker also runs THREADS requests at once."""
    return cpus + 1


wsgi_app = "visible.config.wsgi:application"
bind = [os.environ.get("VISIBLE_WEB_BIND", "127.0.0.1:8000")]

# Threads share a process: a request waiting on the database releases the CPU to the next.
# Each thread holds at most one database connection (Django's are per thread), so a server
# holds at most workers x threads connections to the database, and during a graceful restart
# (SIGHUP) up to twice that for a moment while old workers finish.
worker_class = "gthread"
workers = _int("VISIBLE_WEB_WORKERS", _int("WEB_CONCURRENCY", default_workers(cpu_count())))
threads = _int("VISIBLE_WEB_THREADS", 4)

# Requests wait in the kernel's queue while every thread is busy; runserver's queue of 10
# reset new connections under load. (The kernel caps it at net.core.somaxconn.)
backlog = _int("VISIBLE_WEB_BACKLOG", 2048)

# Recycling: each worker is replaced after about this many requests (plus up to the jitter,
# so workers do not all restart together), which bounds any slow growth in memory.
max_requests = _int("VISIBLE_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = _int("VISIBLE_WEB_MAX_REQUESTS_JITTER", max(max_requests // 10, 1))

# A worker whose main loop is silent this long is killed and replaced (a gthread worker's
# main loop keeps beating while its threads run long requests; the reverse proxy limits how
# long a request may take). On SIGTERM or SIGHUP a worker stops accepting and has
# graceful_timeout seconds to finish the requests it holds.
timeout = _int("VISIBLE_WEB_TIMEOUT", 60)
graceful_timeout = _int("VISIBLE_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _int("VISIBLE_WEB_KEEPALIVE", 5)

# The application is loaded in each worker after it forks, not in the master: SIGHUP then
# loads new code as well as new settings, and nothing opened in the master (a database
# connection, a file) is inherited by workers.
preload_app = False

# The heartbeat file in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Gunicorn's control socket defaults to one path per user: two servers on one machine (or
# one per port in the tests) would fight over it. Signals do the same work (docs/deployment).
control_socket_disable = True

proc_name = "visible"
# Gunicorn's own lines (starting, workers booted, a worker killed for its timeout) go to
# standard error in the application's format (observability/formatting.py): JSON lines, or text
# for the demo. Its access log is off: the application writes each request's line, with its
# reference and route and without the query string (a search for a child is their name), which
# gunicorn's would carry.
errorlog = "-"
loglevel = os.environ.get("VISIBLE_WEB_LOG_LEVEL", "info")
accesslog = None
logconfig_dict = gunicorn_logging(os.environ, loglevel)


def when_ready(server) -> None:
    cfg = server.cfg
    server.log.info(
        "Visible is serving with %s workers x %s threads: at most %s database connections "
        "(twice that for a moment during a graceful restart)",
        cfg.workers,
        cfg.threads,
        cfg.workers * cfg.threads,
    )
