"""`make bench`: every benchmark in bench/, on SQLite and on PostgreSQL, each appending its
results to bench/results/. Long (the national ones build 100,000-child registers)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "bench_register",
    "bench_generate",
    "bench_grabpack",
    "bench_missing",
    "bench_pseudo",
    "bench_foi",
    "bench_national",
    "bench_903",
    "bench_audit_append",
    "bench_903_national",
    "bench_people",
]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            print(f"(no bench/{name}.py yet)")
            continue
        for extra in ([], ["--postgres"]):
            print(f"== {name} {' '.join(extra) or '(SQLite)'} ==", flush=True)
            # Each benchmark sets up Django for one database, so each runs in its own process.
            import subprocess

            code = subprocess.call([sys.executable, "-m", f"bench.{name}", *extra])
            if code:
                failed.append(f"{name} {' '.join(extra)}".strip())
        del module
    if failed:
        print("Over target or failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
