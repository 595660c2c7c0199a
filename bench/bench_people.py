"""Benchmark: the who-has-access page (/people/) of an organisation with 500 people and an audit
log of 200,000 events, measured server-side (full Django request, its own audit event
included) with the test client, median of repeated requests; and the number of queries it
makes, which must not grow with the number of people (each person's last action is one index
lookup: the audit index audit_actor_latest).

Target: under 500 ms, and the same number of queries for 50 people as for 500. The sign-in
page (no database work) is timed in the same run as a baseline.

    .venv/bin/python -m bench.bench_people            # SQLite
    .venv/bin/python -m bench.bench_people --postgres
"""

from __future__ import annotations

import argparse

from bench._harness import append_result, fresh_database, load_average, median_ms

AUTHORITY = "E09000008"  # Croydon
TARGET_MS = 500


def run(engine: str, people: int, events: int, runs: int) -> None:
    with fresh_database(engine, "visible_bench_people"):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from visible.agencies.councils import council_for
        from visible.agencies.models import Membership, Role
        from visible.agencies.viewer import Viewer
        from visible.audit.log import Entry, record_many, write_rows
        from visible.audit.models import AuditAction
        from visible.reference.models import Authority

        User = get_user_model()
        council = council_for(Authority.objects.get(code=AUTHORITY))
        admin = User.objects.create_user("bench.admin", password="bench-password-1")
        Membership.objects.create(user=admin, organisation=council, role=Role.ORGANISATION_ADMIN)
        client = Client()
        client.force_login(admin)
        anonymous = Client()

        def add_people(count: int, start: int) -> None:
            users = User.objects.bulk_create(
                [
                    User(
                        username=f"person{n}@croydon.example",
                        email=f"person{n}@croydon.example",
                        first_name="Person",
                        last_name=f"{n:05d}",
                        password="!",
                    )
                    for n in range(start, start + count)
                ]
            )
            Membership.objects.bulk_create(
                [Membership(user=u, organisation=council, role=Role.SOCIAL_WORKER) for u in users]
            )
            per_person = events // max(1, people)
            for user in users:
                viewer = Viewer(
                    user_id=user.pk,
                    username=user.username,
                    organisation=council,
                    role=Role.SOCIAL_WORKER,
                )
                record_many(
                    viewer,
                    [
                        Entry(AuditAction.VIEW, "child", n, None, "Viewed a record (bench)")
                        for n in range(per_person)
                    ],
                    writer=write_rows,
                )

        def queries_for_page() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/people/").status_code == 200
            return len(captured)

        add_people(people // 10, 0)
        few = queries_for_page()
        add_people(people - people // 10, people // 10)
        many = queries_for_page()

        def get(c, url):
            def fetch():
                response = c.get(url)
                assert response.status_code == 200, (url, response.status_code)

            return fetch

        baseline = median_ms(get(anonymous, "/sign-in"), runs)
        page = median_ms(get(client, "/people/"), runs)
        total_events = connection.cursor()
        total_events.execute("SELECT COUNT(*) FROM audit_auditevent")
        logged = total_events.fetchone()[0]
        verdict = "pass" if page < TARGET_MS and few == many else "FAIL"
        lines = [
            f"Database: {engine}; {people + 1:,} people in one council, {logged:,} audit events; "
            f"median of {runs} requests; load {load_average()}.",
            "",
            "| request | median ms | x baseline | target ms | result |",
            "| --- | ---: | ---: | ---: | --- |",
            f"| baseline: sign-in page | {baseline:.1f} | 1.0 |  |  |",
            f"| who has access (/people/) | {page:.1f} | {page / baseline:.1f} | {TARGET_MS} | "
            f"{'pass' if page < TARGET_MS else 'FAIL'} |",
            "",
            f"Queries for the page: {few} with {people // 10 + 1} people, {many} with "
            f"{people + 1} ({'the same' if few == many else 'NOT the same'}).",
        ]
        append_result("people.md", f"Who has access, {engine}", lines)
        if verdict == "FAIL":
            raise SystemExit("over target, or the queries grow with the people")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    run("postgresql" if args.postgres else "sqlite", args.people, args.events, args.runs)


if __name__ == "__main__":
    main()
