"""`visible worker` with its clock frozen at VISIBLE_WORKER_CLOCK (ticking on), for a suite run
with the clock frozen (tests/conftest.py, VISIBLE_FROZEN_AT): the worker's sweep must see the
same "now" as the test that waits for its alert."""

import os
import sys

import freezegun
from freezegun import freeze_time

if __name__ == "__main__":
    # One clock for the whole process: by default freezegun gives the real time to calls made
    # near a thread's start, so Huey's scheduler thread would mix real and frozen readings.
    freezegun.configure(default_ignore_list=[])
    with freeze_time(os.environ["VISIBLE_WORKER_CLOCK"], tick=True):
        from visible.cli import main

        sys.exit(main(sys.argv[1:]))
