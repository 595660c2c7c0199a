"""How an import tells how it is going: the steps it goes through, and a hook in its
transaction. The importers (importer.py, factors.py) call a `Progress`; this one tells no
one. The command line's prints to the terminal (cli.py), an upload's job writes it down for
the upload's page to show (imports.py)."""

from __future__ import annotations

import time
from typing import Any

# The steps, in order (an upload's states, ImportState, use the same words).
READING = "reading"  # done / total: files
CHECKING = "checking"  # done / total: rows checked
COMPARING = "comparing"  # done / total: parts of the register compared
WRITING = "writing"


class Progress:
    def step(self, step: str, done: int = 0, total: int = 0) -> None:
        """The import is at ``step``, ``done`` of ``total`` through it (0 of 0: no count)."""

    def before_commit(self, outcome: Any) -> None:
        """Everything is written and about to be committed (``outcome`` says what): called
        inside the import's transaction, so what is written here is committed with it, and
        raising rolls it all back."""


class TerminalProgress(Progress):
    """`visible import` prints each step on the terminal (stderr, so that the summary on stdout
    stays one line): on a terminal, the count of rows checked rewritten in place every half
    second; to a file or pipe, one line per step."""

    WORDS = {
        READING: "Reading the files",
        CHECKING: "Checking the rows",
        COMPARING: "Comparing with the register",
        WRITING: "Writing to the register",
    }
    EVERY_SECONDS = 0.5

    def __init__(self, out):
        self.out = out
        self.live = bool(getattr(out, "isatty", lambda: False)())
        self.step_now, self.shown_at, self.open_line = "", 0.0, False

    def step(self, step: str, done: int = 0, total: int = 0) -> None:
        words = self.WORDS.get(step, step)
        if step != self.step_now:
            self._end_line()
            self.step_now = step
            if not self.live or step != CHECKING:
                print(f"{words}...", file=self.out, flush=True)
                return
        if self.live and step == CHECKING and total:
            moment = time.monotonic()
            if done < total and moment - self.shown_at < self.EVERY_SECONDS:
                return
            self.shown_at = moment
            print(f"\r{words}: {done:,} of {total:,}", end="", file=self.out, flush=True)
            self.open_line = True

    def before_commit(self, outcome: Any) -> None:
        self._end_line()

    def _end_line(self) -> None:
        if self.open_line:
            print(file=self.out, flush=True)
            self.open_line = False
