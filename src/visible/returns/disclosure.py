"""Disclosure control for published counts (rulebook section 8; the DfE's convention for
children's social care statistics).

- A count from 1 to 5 is shown as ``c`` (primary suppression). Zero is shown: "none" is not
  identifying.
- Secondary suppression: wherever a total is published, no sum relation (total = sum of its
  parts) may hold exactly one suppressed cell, or that cell would be recovered by subtraction.
  So another cell in the relation is suppressed too: the smallest non-zero part not already
  suppressed, else the total, else a zero part. This repeats until no relation holds exactly
  one suppressed cell (each step suppresses one more cell, so it ends); a work list revisits
  only the relations of a newly hidden cell.
- Markers: ``c`` confidential, ``z`` not applicable, ``:`` not available, ``k`` a non-zero
  figure that rounds to zero.
- Totals rounded to the nearest 10 where asked (national and regional totals), after
  suppression; a rounded total of a non-zero count that comes to 0 is shown as ``k``.

The module knows nothing of Django or of the FOI return: a table is a dict of cells (any
hashable key) and a list of sum relations between them, so the national monitoring work
(issue 5) reuses it for every table it publishes. ``crosstab`` builds the keys and relations
of the common case, a two-way table with row and column totals.

What it promises, and the property test checks: no suppressed value can be recovered by
subtraction from any one published row or column total. It does not attempt the harder
guarantee against solving several totals together as equations (the DfE's own practice
stops at the same point); totals rounded to 10 blunt that attack where they are used.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CONFIDENTIAL = "c"
NOT_APPLICABLE = "z"
NOT_AVAILABLE = ":"
ROUNDS_TO_ZERO = "k"
MARKERS = {
    CONFIDENTIAL: "confidential: a count from 1 to 5, or a cell suppressed so that one cannot be worked out",
    NOT_APPLICABLE: "not applicable",
    NOT_AVAILABLE: "not available",
    ROUNDS_TO_ZERO: "a non-zero figure that rounds to zero",
}

SMALLEST_SHOWN = 6  # counts 1..5 are suppressed
ROUNDING_BASE = 10

Published = int | float | str


@dataclass(frozen=True)
class SumRelation:
    """``total`` is the sum of ``parts`` (all keys of cells in the same table)."""

    total: Hashable
    parts: tuple[Hashable, ...]

    def cells(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)


@dataclass
class ProtectedTable:
    """The published cells, and which were suppressed and why."""

    published: dict[Hashable, Published]
    primary: set[Hashable] = field(default_factory=set)
    secondary: set[Hashable] = field(default_factory=set)

    @property
    def suppressed(self) -> set[Hashable]:
        return self.primary | self.secondary

    def __getitem__(self, key: Hashable) -> Published:
        return self.published[key]


def is_primary(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALLEST_SHOWN


def _count(values: Mapping[Hashable, object], key: Hashable) -> int | None:
    value = values.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _secondary_choice(
    relation: SumRelation, values: Mapping[Hashable, object], hidden: set[Hashable]
) -> Hashable | None:
    """The cell to suppress alongside the one suppressed cell of this relation."""
    open_parts = [k for k in relation.parts if k not in hidden and _count(values, k) is not None]
    nonzero = sorted(
        (_count(values, k), i, k) for i, k in enumerate(open_parts) if _count(values, k) > 0
    )
    if nonzero:
        return nonzero[0][2]
    if relation.total not in hidden and _count(values, relation.total) is not None:
        return relation.total
    return open_parts[0] if open_parts else None


def protect(
    values: Mapping[Hashable, int | str | None],
    relations: Iterable[SumRelation] = (),
    *,
    round_totals: bool = False,
    rounded: Iterable[Hashable] = (),
) -> ProtectedTable:
    """Suppress a table's cells for publication.

    ``values``: each cell's count, or a marker (``z``, ``:``) or None (shown ``:``).
    ``relations``: the sum relations the published table shows.
    ``round_totals``: round every relation's total (and any key in ``rounded``) to the
    nearest 10 after suppression.
    """
    relations = list(relations)
    hidden_primary = {k for k, v in values.items() if is_primary(v)}
    hidden = set(hidden_primary)
    secondary: set[Hashable] = set()
    # A work list rather than repeated passes: when a cell is hidden, only the relations it
    # is in need looking at again.
    relations_of: dict[Hashable, list[int]] = defaultdict(list)
    for index, relation in enumerate(relations):
        for key in relation.cells():
            relations_of[key].append(index)
    queue = deque(range(len(relations)))
    while queue:
        relation = relations[queue.popleft()]
        if sum(1 for k in relation.cells() if k in hidden) != 1:
            continue
        choice = _secondary_choice(relation, values, hidden)
        if choice is None:
            continue
        hidden.add(choice)
        secondary.add(choice)
        queue.extend(relations_of[choice])
    to_round = set(rounded) | ({r.total for r in relations} if round_totals else set())
    published: dict[Hashable, Published] = {}
    for key, value in values.items():
        if key in hidden:
            published[key] = CONFIDENTIAL
        elif value is None:
            published[key] = NOT_AVAILABLE
        elif isinstance(value, str):
            published[key] = value
        elif key in to_round:
            published[key] = round_to_base(value)
        else:
            published[key] = value
    return ProtectedTable(published, hidden_primary, secondary)


def round_to_base(value: int, base: int = ROUNDING_BASE) -> int | str:
    """Nearest multiple of ``base``, halves up (15 -> 20); a non-zero count that rounds to 0
    is ``k``."""
    rounded = ((value + base // 2) // base) * base
    if rounded == 0 and value != 0:
        return ROUNDS_TO_ZERO
    return rounded


def percentage(numerator: Published, denominator: Published, places: int = 1) -> Published:
    """A percentage of two published figures: ``z`` when there is nothing to divide by, ``c``
    when either figure is suppressed, ``k`` when a non-zero share rounds to zero."""
    if denominator in (0, NOT_APPLICABLE):
        return NOT_APPLICABLE
    if CONFIDENTIAL in (numerator, denominator):
        return CONFIDENTIAL
    if not isinstance(numerator, int | float) or not isinstance(denominator, int | float):
        return NOT_AVAILABLE
    share = round(100 * numerator / denominator, places)
    if share == 0 and numerator != 0:
        return ROUNDS_TO_ZERO
    return share


# --- two-way tables --------------------------------------------------------------------------

TOTAL = "total"


def crosstab_relations(
    row_keys: Sequence[Hashable],
    col_keys: Sequence[Hashable],
    *,
    row_totals: bool = True,
    col_totals: bool = True,
) -> list[SumRelation]:
    """Relations of a table whose cells are keyed ``(row, col)``, with a ``TOTAL`` column
    (each row's total), a ``TOTAL`` row (each column's total) and ``(TOTAL, TOTAL)``."""
    relations = []
    if row_totals:
        for r in row_keys:
            relations.append(SumRelation((r, TOTAL), tuple((r, c) for c in col_keys)))
        if col_totals:
            relations.append(SumRelation((TOTAL, TOTAL), tuple((r, TOTAL) for r in row_keys)))
    if col_totals:
        for c in col_keys:
            relations.append(SumRelation((TOTAL, c), tuple((r, c) for r in row_keys)))
        if row_totals:
            relations.append(SumRelation((TOTAL, TOTAL), tuple((TOTAL, c) for c in col_keys)))
    return relations


def crosstab_values(
    counts: Mapping[tuple[Hashable, Hashable], int],
    row_keys: Sequence[Hashable],
    col_keys: Sequence[Hashable],
) -> dict[tuple[Hashable, Hashable], int]:
    """Every cell of the table, totals included, from the inner counts (missing cells are 0)."""
    values: dict[tuple[Hashable, Hashable], int] = {}
    for r in row_keys:
        for c in col_keys:
            values[(r, c)] = counts.get((r, c), 0)
        values[(r, TOTAL)] = sum(values[(r, c)] for c in col_keys)
    for c in col_keys:
        values[(TOTAL, c)] = sum(values[(r, c)] for r in row_keys)
    values[(TOTAL, TOTAL)] = sum(values[(r, TOTAL)] for r in row_keys)
    return values


def protect_crosstab(
    counts: Mapping[tuple[Hashable, Hashable], int],
    row_keys: Sequence[Hashable],
    col_keys: Sequence[Hashable],
    *,
    round_totals: bool = False,
) -> ProtectedTable:
    values = crosstab_values(counts, row_keys, col_keys)
    return protect(values, crosstab_relations(row_keys, col_keys), round_totals=round_totals)


def recoverable_by_subtraction(
    table: ProtectedTable, relations: Iterable[SumRelation]
) -> list[tuple[Hashable, SumRelation]]:
    """Suppressed cells that one relation gives away (the check the tests make): a relation
    with every cell published but one. Empty when the table is safe."""
    leaks = []
    for relation in relations:
        hidden = [k for k in relation.cells() if table.published.get(k) == CONFIDENTIAL]
        if len(hidden) == 1:
            leaks.append((hidden[0], relation))
    return leaks
