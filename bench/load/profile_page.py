"""Where a page's time goes: pyinstrument over one page, in one process, on the load
benchmark's database (bench/load/run.py --keep leaves it), signed in as one of its accounts.

    PYTHONPATH=src:. .venv/bin/python -m bench.load.profile_page /children/ [--runs 20]

Run with the environment bench/load/run.py gives its servers (production settings)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--user", default="load.000")
    parser.add_argument(
        "--var-dir", required=True, help="the var/ of a kept run (its static files)"
    )
    args = parser.parse_args()
    from bench.load.run import environment

    for name, value in environment(Path(args.var_dir)).items():
        os.environ.setdefault(name, value)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from pyinstrument import Profiler

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=args.user))
    assert client.get(args.path).status_code == 200  # warm
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(args.runs):
            client.get(args.path)
    took = (time.perf_counter() - started) / args.runs * 1000
    print(f"{args.path}: {took:.1f} ms a request over {args.runs} (in one process, no server)")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
