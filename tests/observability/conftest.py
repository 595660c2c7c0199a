"""Fixtures for the log tests: everything the application logs during a test, written as
production writes it (the JSON formatter, with the context filter) and read back."""

from __future__ import annotations

import io
import json
import logging

import pytest

from visible.observability.formatting import ContextFilter, JsonFormatter


class CapturedLogs:
    """What a handler on the root logger received, as production's JSON lines."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.addFilter(ContextFilter())
        self.handler.setFormatter(JsonFormatter())

    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text().splitlines()]

    def requests(self) -> list[dict]:
        return [line for line in self.lines() if line["logger"] == "visible.request"]


@pytest.fixture
def captured_logs():
    """Every record that reaches the root logger at the levels the settings give (Visible's
    own at INFO, libraries' at WARNING, Django's request errors), as a JSON line."""
    captured = CapturedLogs()
    root = logging.getLogger()
    root.addHandler(captured.handler)
    yield captured
    root.removeHandler(captured.handler)
