"""`visible worker` with its clock frozen at VISIBLE_WORKER_CLOCK (ticking on), for a suite run
with the clock frozen (tests/conftest.py, VISIBLE_FROZEN_AT): the worker's sweep must see the
same "now" as the test that waits for its alert."""

import os
import sys

from freezegun import freeze_time

if __name__ == "__main__":
    with freeze_time(os.environ["VISIBLE_WORKER_CLOCK"], tick=True):
        from visible.cli import main

        sys.exit(main(sys.argv[1:]))
