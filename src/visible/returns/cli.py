"""The `visible foi-return` and `visible partnership-report` commands."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Top-level subcommands of `visible`."""
