"""Benchmark for the live pages' polls (issue 14, docs/alerts.md): a poll that finds nothing
changed must be cheap, since every open board, inbox and page with the banner makes one every
15 seconds.

A council of 5,000 generated children (Croydon) with a mature register: the national sweep
raises every alert due in their history (thousands open, most of them older backlog), and a few
dozen children are missing now. A missing-children coordinator, signed in, through Django's
test client (the whole middleware stack, in process, no network):

- the pages: the alerts inbox (page 1 of Open) and the missing-now board, as first shown;
- the polls when nothing changed (204): the inbox's, the board's and the banner's;
- baseline in the same run: the home page for the same person, a signed-in request that does
  nothing but redirect (the fixed cost of the session, the user and the membership).

Target: each unchanged poll under 3 x the baseline, and no more than 2 queries beyond the
baseline's. Medians of repeated requests; the queries are counted once.

    .venv/bin/python -m bench.bench_live              # SQLite
    .venv/bin/python -m bench.bench_live --postgres   # PostgreSQL
"""

from __future__ import annotations

import argparse
import re
import time

from bench._harness import append_result, fresh_database, load_average, median_ms

AUTHORITY = "E09000008"  # Croydon
RATIO_TARGET = 3.0
EXTRA_QUERIES_TARGET = 2


def _database() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (file, WAL)"


def _live_query(html: str) -> str:
    found = re.search(r'data-live-url="([^"]*)" data-live-fingerprint="([^"]*)"', html)
    assert found, "no live region on the page"
    url, fingerprint = found.groups()
    url = url.replace("&amp;", "&")
    return f"{url}{'&' if '?' in url else '?'}seen={fingerprint}"


def run(engine: str, children: int, runs: int) -> bool:
    load_before = load_average()
    with fresh_database(engine, "visible_bench_live"):
        from django.contrib.auth import get_user_model
        from django.db import connection, reset_queries
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from visible.agencies.councils import council_for
        from visible.agencies.models import Membership, Role
        from visible.demo.synthetic.generate import generate
        from visible.missing.models import Alert, Episode
        from visible.missing.sweep import sweep_all
        from visible.reference.models import Authority

        started = time.perf_counter()
        generate(authorities=[AUTHORITY], national=False, children=children, seed=1)
        sweep_all(timezone.now())
        council = council_for(Authority.objects.get(code=AUTHORITY))
        user = get_user_model().objects.create_user("bench.live", password="bench-password-1")
        Membership.objects.create(user=user, organisation=council, role=Role.MISSING_COORDINATOR)
        setup_seconds = time.perf_counter() - started
        open_alerts = Alert.objects.filter(organisation=council, resolved_at__isnull=True).count()
        missing_now = Episode.objects.filter(
            child__responsible_organisation=council, returned_at__isnull=True
        ).count()

        client = Client()
        client.force_login(user)
        poll = {"HTTP_X_VISIBLE_POLL": "1"}
        inbox_poll = _live_query(client.get("/alerts/").content.decode())
        board_poll = _live_query(client.get("/missing-now/").content.decode())
        banner = client.get("/alerts/banner?seen=", **poll)
        shown = banner.get("X-Visible-Fingerprint", "") if banner.status_code == 200 else ""
        banner_poll = f"/alerts/banner?seen={shown}"

        requests = [
            ("baseline: home (signed in, redirects)", "/", {}, 302),
            ("alerts inbox, page 1 of Open", "/alerts/", {}, 200),
            ("missing-now board", "/missing-now/", {}, 200),
            ("inbox poll, nothing changed", inbox_poll, poll, 204),
            ("board poll, nothing changed", board_poll, poll, 204),
            ("banner poll, nothing changed", banner_poll, poll, 204),
        ]
        results = []
        for label, url, headers, expected in requests:
            # Django empties the query log as each request starts: count from an empty log.
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, **headers)
            # Counted now: the log is emptied again as the timed requests start.
            count = len(queries.captured_queries)
            assert response.status_code == expected, (label, response.status_code)
            ms = median_ms(lambda url=url, headers=headers: client.get(url, **headers), runs)
            results.append((label, ms, count))

        base_ms, base_queries = results[0][1], results[0][2]
        passed = True
        lines = [
            f"- machine load average {load_before} before, {load_average()} after; database {_database()}",
            f"- council of {children:,} generated children, swept: {open_alerts:,} alerts open, "
            f"{missing_now} children missing now; setup {setup_seconds:.0f} s",
            f"- median of {runs} requests each, Django's test client, whole middleware stack",
            "",
            "| request | median ms | x baseline | queries | target |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for label, ms, count in results:
            verdict = ""
            if "poll" in label:
                ok = ms < RATIO_TARGET * base_ms and count - base_queries <= EXTRA_QUERIES_TARGET
                verdict = "pass" if ok else "FAIL"
                passed &= ok
            lines.append(f"| {label} | **{ms:.1f}** | {ms / base_ms:.2f} | {count} | {verdict} |")
        lines.append(
            f"\nTarget: each unchanged poll under {RATIO_TARGET:.0f} x the baseline and at most "
            f"{EXTRA_QUERIES_TARGET} queries beyond its {base_queries}: **{'PASS' if passed else 'FAIL'}**."
        )
        append_result("live.md", f"Live pages' polls, {engine}", lines)
        return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432 instead of SQLite"
    )
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    return 0 if run("postgresql" if args.postgres else "sqlite", args.children, args.runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
