"""Load benchmark (issue 11): locust, headless, against the production server (`visible serve`,
gunicorn) on PostgreSQL with signed-in sessions, beside the same load on Django's development
server (`visible manage runserver --noreload`, threaded); results appended to
bench/results/load.md.

    PYTHONPATH=src:. .venv/bin/python -m bench.load.run [--users 10,25,50,100] [--seconds 60]
        [--servers gunicorn,runserver] [--children 5000]

Set-up: a fresh PostgreSQL database (visible_deploy_load), migrated; `visible generate` fills
one council (Croydon) with a synthetic register; bench/load/prepare.py makes the accounts (one
per simulated person, each with an authenticator). Both servers run the production settings
(every secret from the environment, HTTPS behind a proxy: locust sends X-Forwarded-Proto),
with `visible worker` beside them sweeping every minute, as in production, and Redis as the
cache and the queue. Each number of users is one locust run: everyone signs in (password and
code), then the steady state is measured for --seconds: requests a second, median, p95 and
p99 over every request but the sign-ins, errors, and connections reset or refused. The
targets (issue 11), on this 2-core machine: 50 users, at least 150 requests a second, p95
under 300 ms, no errors and no resets.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench._harness import PG_SERVER, append_result, load_average

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DATABASE = "visible_deploy_load"
REDIS_URL = "redis://127.0.0.1:6379/0"
NAMES = "visible-deploy-load"
TARGET_USERS, TARGET_RPS, TARGET_P95_MS = 50, 150, 300
RESET_WORDS = ("Reset", "Refused", "RemoteDisconnected", "BrokenPipe", "ConnectionError")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VISIBLE_", "DJANGO_", "GUNICORN")) and k != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "visible.config.settings.production",
            "VISIBLE_SECRET_KEY": "load-benchmark-secret-key-" + "x" * 40,
            "VISIBLE_AUDIT_KEY": "load-benchmark-audit-key-" + "y" * 40,
            "DATABASE_URL": f"{PG_SERVER}/{DATABASE}?application_name=visible-load",
            "VISIBLE_REDIS_URL": REDIS_URL,
            "VISIBLE_TASK_QUEUE": NAMES,
            "VISIBLE_CACHE_KEY_PREFIX": NAMES,
            "VISIBLE_ALLOWED_HOSTS": "127.0.0.1",
            "VISIBLE_BEHIND_TLS_PROXY": "1",
            "VISIBLE_VAR_DIR": str(var_dir),
            "PYTHONPATH": f"{REPO / 'src'}:{REPO}",
        }
    )
    return env


def visible(env, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "visible.cli", *args], env=env, check=True, cwd=REPO, **kwargs
    )


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-X", "-Atq", f"{PG_SERVER}/{database}", "-c", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def set_up(env, children: int, accounts: Path, users: int) -> str:
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DATABASE}"')
    started = time.monotonic()
    visible(env, "manage", "migrate", "--no-input", "--verbosity", "0")
    visible(env, "manage", "collectstatic", "--no-input", "--verbosity", "0")
    visible(env, "generate", "--authority", "E09000008", "--children", str(children), "--quiet")
    subprocess.run(
        [sys.executable, "-m", "bench.load.prepare", str(accounts), "--accounts", str(users)],
        env=env,
        check=True,
        cwd=REPO,
    )
    visible(env, "sweep", "--quiet", capture_output=True)  # what the worker's first sweep does
    counts = psql(
        "SELECT (SELECT count(*) FROM children_child), (SELECT count(*) FROM missing_episode)",
        DATABASE,
    )
    return f"children, episodes: {counts.replace('|', ', ')}; set up in {time.monotonic() - started:.0f} s"


class Process:
    def __init__(self, command: list[str], env, log: Path):
        self.log = log
        self.handle = log.open("wb")
        self.process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=self.handle, stderr=subprocess.STDOUT
        )

    def stop(self, timeout: float = 90) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()


def wait_until_answering(port: int, process: Process, timeout: float = 120) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise SystemExit(f"the server stopped: {process.log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not answer")


@dataclass
class Stage:
    server: str
    users: int
    seconds: float
    requests: int
    rps: float
    median: float
    p95: float
    p99: float
    errors: int
    resets: int
    sign_ins: int
    sign_in_failures: int
    sign_in_p95: float
    connections: int
    lock_waiters: float
    load: str
    by_name: dict[str, tuple[int, float, float]]
    error_examples: list[str]


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def run_stage(server: str, port: int, users: int, seconds: int, stage: int, work: Path, env):
    events = work / f"events-{server}-{users}.jsonl"
    spawn_rate = 5  # a few sign-ins a second, as people arriving at work would
    # Everyone spawned and signed in (a password hash each: argon2 is slow on purpose, and
    # slower on a busy machine), with room; the steady state is measured after the last.
    ramp = users / spawn_rate + 15 + users * 0.3
    stage_env = dict(env)
    stage_env.update(
        {
            "BENCH_LOAD_ACCOUNTS": str(work / "accounts.json"),
            "BENCH_LOAD_EVENTS": str(events),
            "BENCH_LOAD_STAGE": str(stage),
        }
    )
    peak = [0]
    samples: list[tuple[int, int]] = []  # (running a query, waiting for a lock) each second
    done = threading.Event()

    def count_connections() -> None:
        while not done.is_set():
            try:
                held, active, waiting = (
                    int(n)
                    for n in psql(
                        "SELECT count(*), count(*) FILTER (WHERE state = 'active'), "
                        "count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
                        f"WHERE datname = '{DATABASE}' AND application_name = 'visible-load'"
                    ).split("|")
                )
                peak[0] = max(peak[0], held)
                samples.append((active, waiting))
            except (subprocess.CalledProcessError, ValueError):
                pass
            done.wait(0.5)

    counter = threading.Thread(target=count_connections, daemon=True)
    counter.start()
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{int(ramp + seconds)}s",
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--loglevel",
        "ERROR",
    ]
    print(f"== {server}, {users} users: {' '.join(command[1:])}", flush=True)
    started = time.time()
    locust = subprocess.run(command, env=stage_env, cwd=REPO, capture_output=True, text=True)
    done.set()
    counter.join()
    load = load_average()
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    sign_ins = [r for r in rows if r["sign_in"]]
    last_sign_in = max((r["at"] for r in sign_ins), default=started)
    window_start = last_sign_in + 2  # everyone signed in: the steady state from here
    steady = [r for r in rows if not r["sign_in"] and r["at"] >= window_start]
    window = max(r["at"] for r in steady) - window_start if steady else float("nan")
    times = sorted(r["ms"] for r in steady)
    failed = [r for r in steady if not r["ok"]]
    by_name: dict[str, list[float]] = {}
    for r in steady:
        by_name.setdefault(r["name"], []).append(r["ms"])
    signin_codes = sorted(r["ms"] for r in sign_ins if r["name"] == "sign-in: password")
    result = Stage(
        server=server,
        users=users,
        seconds=window,
        requests=len(steady),
        rps=len(steady) / window if steady else 0.0,
        median=statistics.median(times) if times else float("nan"),
        p95=percentile(times, 0.95),
        p99=percentile(times, 0.99),
        errors=len(failed),
        resets=sum(1 for r in failed if any(w in r["error"] for w in RESET_WORDS)),
        sign_ins=sum(1 for r in sign_ins if r["name"] == "sign-in: code" and r["ok"]),
        sign_in_failures=sum(1 for r in sign_ins if not r["ok"]),
        sign_in_p95=percentile(signin_codes, 0.95),
        connections=peak[0],
        lock_waiters=statistics.mean(w for _, w in samples) if samples else float("nan"),
        load=load,
        by_name={
            name: (len(v), statistics.median(v), percentile(sorted(v), 0.95))
            for name, v in sorted(by_name.items())
        },
        error_examples=sorted({r["error"] for r in failed})[:5]
        + sorted({r["error"] for r in sign_ins if not r["ok"]})[:3],
    )
    print(
        f"   {result.rps:.0f} req/s, median {result.median:.0f} ms, p95 {result.p95:.0f} ms, "
        f"errors {result.errors} (resets {result.resets}), sign-ins {result.sign_ins}/{users}, "
        f"connections {result.connections}, waiting for a lock {result.lock_waiters:.1f}; "
        f"load {load}",
        flush=True,
    )
    if locust.returncode not in (0, 1):  # 1: some requests failed, reported above
        print(locust.stdout[-2000:], locust.stderr[-2000:])
    return result


def start_server(server: str, port: int, env, work: Path, size: list[str]) -> Process:
    if server == "gunicorn":
        command = [sys.executable, "-m", "visible.cli", "serve", "--port", str(port), *size]
    else:
        command = [
            sys.executable,
            "-m",
            "visible.cli",
            "manage",
            "runserver",
            "--noreload",
            f"127.0.0.1:{port}",
        ]
    process = Process(command, env, work / f"{server}.log")
    wait_until_answering(port, process)
    return process


def table(stages: list[Stage]) -> list[str]:
    lines = [
        "| server | users | req/s | median ms | p95 ms | p99 ms | errors | resets | signed in | DB connections (peak) | of them waiting for a lock (mean) | load average after |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in stages:
        lines.append(
            f"| {s.server} | {s.users} | **{s.rps:.0f}** | {s.median:.0f} | **{s.p95:.0f}** | "
            f"{s.p99:.0f} | {s.errors} | {s.resets} | {s.sign_ins}/{s.users} "
            f"({s.sign_in_failures} failed) | {s.connections} | {s.lock_waiters:.1f} | {s.load} |"
        )
    return lines


PACING = float(os.environ.get("BENCH_LOAD_PACING", "0.333"))
REQUESTS_PER_TASK = 17 / 14  # the locustfile's weights: report missing 3 requests, a return 2


def offered(users: int) -> float:
    """Requests a second the users ask for when the server keeps up."""
    return users / PACING * REQUESTS_PER_TASK


def verdict(stages: list[Stage]) -> list[str]:
    lines = []
    for server in dict.fromkeys(s.server for s in stages):
        mine = [s for s in stages if s.server == server]
        at_target = next((s for s in mine if s.users == TARGET_USERS), None)
        if at_target:
            passed = (
                at_target.rps >= TARGET_RPS
                and at_target.p95 < TARGET_P95_MS
                and at_target.errors == 0
                and at_target.resets == 0
                and at_target.sign_in_failures == 0
            )
            lines.append(
                f"- {server} at {TARGET_USERS} users: {at_target.rps:.0f} req/s (target >= {TARGET_RPS}), "
                f"p95 {at_target.p95:.0f} ms (target < {TARGET_P95_MS}), {at_target.errors} errors, "
                f"{at_target.resets} resets: **{'PASS' if passed else 'FAIL'}**"
            )
        # Saturated: it no longer keeps up with what the users ask (nine tenths of the
        # offered rate), or p95 passes the target.
        saturated = next(
            (s for s in mine if s.rps < 0.9 * offered(s.users) or s.p95 >= TARGET_P95_MS), None
        )
        lines.append(
            f"- {server} saturates at {saturated.users} users ({saturated.rps:.0f} req/s of "
            f"{offered(saturated.users):.0f} asked for, p95 {saturated.p95:.0f} ms)"
            if saturated
            else f"- {server} kept up with every load up to {mine[-1].users} users"
        )
    gunicorn = {s.users: s for s in stages if s.server == "gunicorn"}
    runserver = {s.users: s for s in stages if s.server == "runserver"}
    for users in sorted(set(gunicorn) & set(runserver)):
        g, r = gunicorn[users], runserver[users]
        lines.append(
            f"- ratio at {users} users, gunicorn / runserver: requests a second "
            f"**{g.rps / r.rps if r.rps else float('inf'):.2f}x**, p95 "
            f"{g.p95 / r.p95 if r.p95 else float('nan'):.2f}x, database connections "
            f"{g.connections} vs {r.connections}, errors {g.errors} vs {r.errors}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description="Load benchmark: gunicorn beside runserver")
    parser.add_argument("--users", default="10,25,50,100")
    parser.add_argument("--seconds", type=int, default=60, help="steady state measured per run")
    parser.add_argument("--servers", default="gunicorn,runserver")
    parser.add_argument(
        "--runserver-users",
        help="numbers of users for runserver, if fewer (it holds a database connection per "
        "client: 100 users take every connection of a default PostgreSQL, others' too)",
    )
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    parser.add_argument("--web-workers", type=int, help="gunicorn's workers (default: its own)")
    parser.add_argument("--web-threads", type=int, help="gunicorn's threads per worker")
    parser.add_argument(
        "--gunicorn-cmd-args", help="GUNICORN_CMD_ARGS for gunicorn, e.g. --reuse-port"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.users.split(",")]
    size = [f"--workers={args.web_workers}"] if args.web_workers else []
    size += [f"--threads={args.web_threads}"] if args.web_threads else []
    work = Path(tempfile.mkdtemp(prefix="visible-load-"))
    env = environment(work / "var")
    if args.gunicorn_cmd_args:
        env["GUNICORN_CMD_ARGS"] = args.gunicorn_cmd_args
    before = load_average()
    print(f"Setting up {DATABASE} ({args.children} children) in {work}", flush=True)
    setup = set_up(env, args.children, work / "accounts.json", max(counts))
    stages: list[Stage] = []
    worker = Process([sys.executable, "-m", "visible.cli", "worker"], env, work / "worker.log")
    try:
        # Each number of users on each server in turn, a fresh server each time: on a
        # machine shared with other work, both servers then meet much the same background.
        stage = 0
        for users in counts:
            for server in args.servers.split(","):
                if server == "runserver" and args.runserver_users:
                    if str(users) not in args.runserver_users.split(","):
                        continue
                port = free_port()
                process = start_server(server, port, env, work, size)
                try:
                    stages.append(run_stage(server, port, users, args.seconds, stage, work, env))
                finally:
                    process.stop()
                stage += 1
    finally:
        worker.stop()
        from redis import Redis

        redis = Redis.from_url(REDIS_URL)
        keys = list(redis.scan_iter(match=f"*{NAMES}*", count=1000))
        if keys:
            redis.delete(*keys)
        if not args.keep:
            psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)
    stages.sort(key=lambda s: (s.server, s.users))
    gunicorn_env = f"GUNICORN_CMD_ARGS={args.gunicorn_cmd_args} " if args.gunicorn_cmd_args else ""
    lines = [
        f"- load average before: {before}; the machine is shared with other work (see each row)",
        f"- {setup}; accounts: {max(counts)} social workers of Croydon, each with an authenticator",
        f"- each simulated person does one task every {PACING:.2f} s "
        "at most (locust constant_pacing): register 3, search 3, Missing now 2, a child's record 4, "
        "report missing 1 (form, send, episode page), record a return 1 (send, episode page): "
        f"{offered(1):.1f} requests a second each while the server keeps up",
        f"- steady state measured for {args.seconds} s after everyone signed in (sign-ins apart); "
        f"gunicorn: `{gunicorn_env}visible serve {' '.join(size)}` ({' '.join(size) or '3 workers x 4 threads'}); runserver: `visible manage runserver "
        "--noreload` (threaded); both on production settings, `visible worker` beside them; "
        "each run on a server started for it, the two servers taking turns at each number of users",
        f"- command: `PYTHONPATH=src:. .venv/bin/python -m bench.load.run --users {args.users} "
        f"--seconds {args.seconds} --servers {args.servers} --children {args.children}"
        + (f" --runserver-users {args.runserver_users}" if args.runserver_users else "")
        + "".join(f" {a}" for a in sys.argv[1:] if a.startswith(("--web-", "--gunicorn-")))
        + "`",
        "",
        *table(stages),
        "",
        *verdict(stages),
        "",
        "Per page (steady state; count, median ms, p95 ms):",
        "",
    ]
    for s in stages:
        pages = "; ".join(
            f"{name} {count} / {median:.0f} / {p95:.0f}"
            for name, (count, median, p95) in s.by_name.items()
        )
        lines.append(f"- {s.server} {s.users} users: {pages}")
        for example in s.error_examples:
            lines.append(f"  - error: `{example}`")
    append_result("load.md", "Load: gunicorn beside runserver, PostgreSQL, signed in", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
