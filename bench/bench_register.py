"""Benchmark: the children list, search and counts pages for an authority holding 5,000
children, measured server-side (full Django request, audit write included) with the test
client, median of repeated requests.

Targets (issue 2): list and search under 150 ms, counts under 300 ms, on SQLite and
PostgreSQL. The sign-in page (no database work) is timed in the same run as a baseline, so the
ratio shows the cost of the register itself on whatever machine runs this.

    .venv/bin/python -m bench.bench_register            # SQLite
    .venv/bin/python -m bench.bench_register --postgres
"""

from __future__ import annotations

import argparse

from bench._harness import append_result, fresh_database, median_ms

AUTHORITY = "E09000008"  # Croydon
NEIGHBOURS = [
    "E09000033",
    "E09000022",
    "E09000029",
    "E10000016",
]  # Westminster, Lambeth, Sutton, Kent
TARGETS_MS = {"list": 150, "search": 150, "counts": 300}


def run(engine: str, children: int, runs: int) -> None:
    with fresh_database(engine, "visible_bench_register"):
        from django.contrib.auth import get_user_model
        from django.test import Client

        from visible.agencies.councils import council_for
        from visible.agencies.models import Membership, Role
        from visible.demo.synthetic.generate import generate
        from visible.reference.models import Authority

        generate(authorities=[AUTHORITY], national=False, children=children, seed=1, progress=False)
        generate(authorities=NEIGHBOURS, national=False, children=children, seed=2, progress=False)
        council = council_for(Authority.objects.get(code=AUTHORITY))
        held = council.children.count()
        user = get_user_model().objects.create_user("bench.manager", password="bench-password-1")
        Membership.objects.create(user=user, organisation=council, role=Role.SENIOR_MANAGER)
        client = Client()
        client.force_login(user)
        anonymous = Client()
        sample = council.children.order_by("pk")[children // 2]

        def get(c, url):
            def fetch():
                response = c.get(url)
                assert response.status_code == 200, (url, response.status_code)

            return fetch

        cases = [
            ("baseline: sign-in page", "baseline", get(anonymous, "/sign-in")),
            ("list, first page", "list", get(client, "/children/")),
            (
                "list, filtered (UASC, 16-17, out of area)",
                "list",
                get(client, "/children/?flag=uasc&age_band=16_17&out_of_area=yes"),
            ),
            ("search by family name", "search", get(client, f"/children/?q={sample.family_name}")),
            ("search, misspelt (Ngyuen)", "search", get(client, "/children/?q=Ngyuen")),
            ("search by council ID", "search", get(client, f"/children/?q={sample.council_id}")),
            ("counts, current year", "counts", get(client, "/counts/")),
            (
                "counts, five years",
                "counts",
                get(
                    client, "/counts/?start_0=1&start_1=4&start_2=2021&end_0=31&end_1=3&end_2=2026"
                ),
            ),
        ]
        results = [(label, kind, median_ms(fn, runs)) for label, kind, fn in cases]
        baseline = results[0][2]
        lines = [
            f"Database: {engine}; authority holds {held:,} children ({children:,} generated there, "
            f"{children:,} more in {len(NEIGHBOURS)} neighbouring authorities); median of {runs} requests.",
            "",
            "| request | median ms | x baseline | target ms | result |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        failures = 0
        for label, kind, ms in results:
            target = TARGETS_MS.get(kind)
            verdict = "" if target is None else ("pass" if ms < target else "FAIL")
            failures += verdict == "FAIL"
            lines.append(
                f"| {label} | {ms:.1f} | {ms / baseline:.1f} | {target or ''} | {verdict} |"
            )
        append_result("register.md", f"Register pages, {engine}", lines)
        if failures:
            raise SystemExit(f"{failures} request(s) over target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    run("postgresql" if args.postgres else "sqlite", args.children, args.runs)


if __name__ == "__main__":
    main()
