"""A register file is read within the upload limits (visible/uploads.py), as the other uploads
are: a workbook that would unpack to gigabytes, or declares a million rows, is refused before a
row is read, and a CSV past the row limit before it is parsed; each refusal names the file and
the limit, and nothing is imported."""

from __future__ import annotations

import zipfile

import pytest
from django.test import override_settings

from tests.factories import CROYDON
from tests.workbooks import row, text_cell, workbook
from visible.children.models import Child
from visible.register.importer import import_register

pytestmark = pytest.mark.django_db

HEADINGS = row(
    1,
    text_cell("A1", "CHILD"),
    text_cell("B1", "Given names"),
    text_cell("C1", "Date of birth"),
)


def refused(name: str, raw: bytes):
    outcome = import_register(name, raw, CROYDON)
    assert not outcome.imported
    (error,) = outcome.report.errors
    return error


def test_a_workbook_declaring_a_million_rows_is_refused_before_a_row_is_read(council_a):
    raw = workbook({"Register": HEADINGS}, dimension={"Register": "A1:C1048576"})
    error = refused("register.xlsx", raw)
    assert error.file == "register.xlsx sheet Register"
    assert "declares 1,048,576 rows" in error.rule and "at most 50,000" in error.rule
    assert not Child.objects.exists()


def test_a_workbook_that_unpacks_far_beyond_its_size_is_refused(council_a):
    padding = b"<!--" + b" " * (30 * 1024 * 1024) + b"-->"  # 30 MB of nothing, squeezed to KB
    raw = workbook(
        {"Register": HEADINGS},
        extra_parts={"xl/padding.xml": padding},
        compression=zipfile.ZIP_DEFLATED,
    )
    assert len(raw) < 100_000
    error = refused("register.xlsx", raw)
    assert error.file == "register.xlsx"
    assert "unpacks to" in error.rule


@override_settings(VISIBLE_RETURN_MAX_ROWS=10)
def test_a_csv_past_the_row_limit_is_refused_unparsed(council_a):
    raw = ("CHILD,Given names,Date of birth\n" + "C1,Sam,01/01/2012\n" * 20).encode()
    error = refused("register.csv", raw)
    assert "The file has 21 rows; a register file has at most 10" == error.rule


def test_an_empty_file_and_a_file_that_is_not_a_workbook_say_so(council_a):
    assert refused("register.csv", b"").rule == "The file is empty"
    error = refused("register.xlsx", b"PK\x03\x04 not really a zip")
    assert error.rule == "The file could not be read as an Excel workbook (.xlsx)"
