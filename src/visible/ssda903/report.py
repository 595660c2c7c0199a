"""The import report: every problem with the file, row, column and value, the rule it breaks
and how to put it right; errors (nothing is imported) apart from warnings (imported anyway).

Ten thousand bad rows make one readable report: problems that break the same rule in the same
column of the same file are grouped, with a count and the first few rows; the CSV form lists
every one of them."""

from __future__ import annotations

import csv
import io
from collections import OrderedDict
from dataclasses import dataclass, field

from visible.spreadsheets import csv_writer, starts_formula
from visible.uploads import shown  # a value's NUL characters as the symbol: the report is stored

ERROR = "error"
WARNING = "warning"
EXAMPLES_PER_GROUP = 5


@dataclass(frozen=True)
class Problem:
    severity: str
    file: str
    row: int | None  # line number in the file (the header row is line 1); None for the whole file
    column: str
    value: str
    rule: str
    fix: str

    @property
    def where(self) -> str:
        parts = [self.file or "the return"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


@dataclass
class ProblemGroup:
    severity: str
    file: str
    column: str
    rule: str
    fix: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.problems)

    @property
    def examples(self) -> list[Problem]:
        return self.problems[:EXAMPLES_PER_GROUP]

    @property
    def more(self) -> int:
        return max(0, self.count - EXAMPLES_PER_GROUP)


CSV_COLUMNS = ("severity", "file", "row", "column", "value", "rule", "how to fix")


class ImportReport:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def copy(self) -> ImportReport:
        """A report holding the same problems, to which more can be added apart."""
        other = ImportReport()
        other.problems = list(self.problems)
        return other

    @classmethod
    def from_csv(cls, text: str) -> ImportReport:
        """The report written by ``as_csv``, read back (a kept report, shown again)."""
        report = cls()
        rows = csv.reader(io.StringIO(text))
        next(rows, None)
        for row in rows:
            if len(row) < len(CSV_COLUMNS):
                continue
            severity, file, line, column, value, rule, fix = (
                # as_csv gave text a spreadsheet would run a leading apostrophe: taken off again
                v[1:] if v[:1] == "'" and starts_formula(v[1:]) else v
                for v in row[: len(CSV_COLUMNS)]
            )
            report.problems.append(
                Problem(
                    severity, file, int(line) if line.isdigit() else None, column, value, rule, fix
                )
            )
        return report

    def error(
        self, file: str, row: int | None, column: str, value: str, rule: str, fix: str
    ) -> None:
        self.problems.append(Problem(ERROR, file, row, column, shown(value), rule, fix))

    def warning(
        self, file: str, row: int | None, column: str, value: str, rule: str, fix: str
    ) -> None:
        self.problems.append(Problem(WARNING, file, row, column, shown(value), rule, fix))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)

    def groups(self, severity: str) -> list[ProblemGroup]:
        grouped: OrderedDict[tuple, ProblemGroup] = OrderedDict()
        for p in self.problems:
            if p.severity != severity:
                continue
            key = (p.file, p.column, p.rule)
            if key not in grouped:
                grouped[key] = ProblemGroup(severity, p.file, p.column, p.rule, p.fix)
            grouped[key].problems.append(p)
        return list(grouped.values())

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv_writer(out)  # values are the uploaded file's own: never written as formulas
        writer.writerow(CSV_COLUMNS)
        for p in self.problems:
            writer.writerow(
                [
                    p.severity,
                    p.file,
                    "" if p.row is None else p.row,
                    p.column,
                    p.value,
                    p.rule,
                    p.fix,
                ]
            )
        return out.getvalue()

    def as_text(self) -> str:
        lines = []
        errors, warnings = self.errors, self.warnings
        if errors:
            lines.append(
                f"{len(errors):,} error{'s' if len(errors) != 1 else ''}: nothing has been imported. "
                "Put these right in the files and import them again."
            )
            lines += self._group_lines(ERROR)
        if warnings:
            lines.append(
                f"{len(warnings):,} warning{'s' if len(warnings) != 1 else ''} (not blocking):"
            )
            lines += self._group_lines(WARNING)
        if not self.problems:
            lines.append("No problems found.")
        return "\n".join(lines)

    def _group_lines(self, severity: str) -> list[str]:
        lines = []
        for group in self.groups(severity):
            where = group.file or "the return"
            if group.column:
                where += f", column {group.column}"
            lines.append(
                f"- {where}: {group.rule} ({group.count:,} row{'s' if group.count != 1 else ''})"
            )
            lines.append(f"    How to fix: {group.fix}")
            for p in group.examples:
                at = f"row {p.row}" if p.row is not None else "whole file"
                lines.append(f"    {at}: '{p.value}'" if p.value != "" else f"    {at}")
            if group.more:
                lines.append(
                    f"    ... and {group.more:,} more (every one is in the CSV of problems)"
                )
        return lines
