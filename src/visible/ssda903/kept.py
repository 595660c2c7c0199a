"""Copies of an import's rows kept beside the register, and taking a child's rows out of them.

An SSDA903 import keeps the tables Visible reads no data from (``KeptFile``: Reviews, OC2...)
as they came, and a refused or warned upload keeps its problem report (``ProblemReport``) for
the CSV download. Both hold children's rows, so both go when their child goes and are
themselves kept only for a fixed period (security/retention.py, docs/security.md):

- ``without_children(raw, ids)``: a kept CSV file without the rows whose CHILD is one of
  ``ids``, in the encoding it came in; the other rows are written back as Visible writes CSV.
- ``report_without(csv_text, ids)``: a problem report without the problems that name one of
  ``ids`` (the child's CHILD id or council case ID, as the return gave it) and the other
  problems on the same row of the same file.
"""

from __future__ import annotations

import codecs
import csv
import io

from .formats import decode


def _encode(text: str, encoding: str) -> bytes:
    """Back into the encoding formats.decode found."""
    if encoding == "UTF-8 with byte order mark":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if encoding == "UTF-16":
        return text.encode("utf-16")
    if encoding == "Windows-1252":
        return text.encode("cp1252", errors="replace")
    return text.encode("utf-8")


def _rewrite(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def without_children(raw: bytes, ids: set[str]) -> tuple[bytes, int]:
    """The file without the rows whose CHILD column is one of ``ids``, and how many went. A file
    that cannot be read, or has no CHILD column, comes back as it was (0 removed): the
    import accepted only files it could read, so this is for safety, not a case expected."""
    wanted = {i.strip().upper() for i in ids if i and i.strip()}
    if not wanted or not raw.strip():
        return raw, 0
    try:
        text, encoding = decode(raw)
    except UnicodeDecodeError:
        return raw, 0
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return raw, 0
    columns = [h.strip().upper() for h in rows[0]]
    if "CHILD" not in columns:
        return raw, 0
    at = columns.index("CHILD")
    kept = [rows[0]] + [
        r for r in rows[1:] if not (len(r) > at and r[at].strip().upper() in wanted)
    ]
    removed = len(rows) - len(kept)
    if not removed:
        return raw, 0
    return _encode(_rewrite(kept), encoding), removed


def report_without(csv_text: str, ids: set[str]) -> tuple[str, int, int]:
    """The problem report without the problems that name one of ``ids`` (in any cell) and the
    other problems on the same row of the same file (the same child's row, e.g. its dates):
    the new text, how many problems went and how many are left. A problem on a row that never
    names the child cannot be told from another child's without the upload, which is not kept;
    it holds no identifier, and the whole report goes after VISIBLE_SSDA903_PROBLEM_REPORT_DAYS."""
    wanted = {i.strip().upper() for i in ids if i and i.strip()}
    rows = list(csv.reader(io.StringIO(csv_text, newline="")))
    if not rows or not wanted:
        return csv_text, 0, max(0, len(rows) - 1)
    header, problems = rows[0], rows[1:]
    file_at = header.index("file") if "file" in header else None
    row_at = header.index("row") if "row" in header else None

    def names(problem: list[str]) -> bool:
        return any(cell.strip().upper() in wanted for cell in problem)

    def where(problem: list[str]) -> tuple[str, str] | None:
        if (
            file_at is None
            or row_at is None
            or len(problem) <= max(file_at, row_at)
            or not problem[row_at].strip()
        ):
            return None
        return problem[file_at], problem[row_at].strip()

    childs_rows = {where(p) for p in problems if names(p)} - {None}
    kept = [p for p in problems if not (names(p) or where(p) in childs_rows)]
    removed = len(problems) - len(kept)
    if not removed:
        return csv_text, 0, len(problems)
    return _rewrite([header, *kept]), removed, len(kept)
