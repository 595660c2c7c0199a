"""The `visible import 903`, `visible import factors` and `visible export 903` commands."""

from __future__ import annotations

import argparse


def add_import_commands(import_sub: argparse._SubParsersAction) -> None:
    """Subcommands of `visible import`."""


def add_export_commands(export_sub: argparse._SubParsersAction) -> None:
    """Subcommands of `visible export`."""
