"""Reading the register: finding children, opening one, counting them.

Every function takes the viewer and returns only what that viewer may see, and records the
read in the audit log. Counts and the lists behind them come from the same filter, so the
number on the counts page is always the number of children its link shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from visible.access import register as policy
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.dates import years_before

from .models import SCOPE_FLAGS, Child, ChildName, Flag, FlagKind, NameKind, Placement
from .names import fold, search_text_for, skeleton

# Age bands used by the report's data request and by the list filter.
AGE_BANDS = {
    "under_10": ("Under 10", 0, 9),
    "10_13": ("10 to 13", 10, 13),
    "14_15": ("14 to 15", 14, 15),
    "16_17": ("16 to 17", 16, 17),
    "18_plus": ("18 and over", 18, 200),
}
NAME_MATCH_THRESHOLD = 0.86  # Jaro-Winkler similarity of folded name tokens
SKELETON_MIN_LENGTH = 3  # shorter consonant outlines (Ali, Ella) match too much to be useful
SKELETON_SCORE = 0.9
PAGE_SIZE = 50


@dataclass
class ChildFilters:
    q: str = ""
    flag: str = ""  # a FlagKind value, or "in_scope" for any of the four groups
    nationality: str = ""
    gender: str = ""
    place_code: str = ""
    out_of_area: str = ""  # "yes" / "no" / ""
    age_band: str = ""
    active_from: dt.date | None = None  # flag active at some time in this period
    active_to: dt.date | None = None
    own_only: bool = False  # only children the viewer's organisation is responsible for
    allocated_to: int | None = None  # a user's id: "My children" (the allocated social worker)
    team_id: int | None = None  # a team's id: "My team's children" (the allocated team)
    extra: dict = field(default_factory=dict)

    def as_audit(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value not in ("", None, False, {}):
                out[f.name] = value.isoformat() if isinstance(value, dt.date) else value
        return out

    @property
    def is_empty(self) -> bool:
        return not self.as_audit()


def children_with_flags(kinds: list[str], start: dt.date, end: dt.date) -> QuerySet[Flag]:
    """Ids of children with any of these flags in force on some day in [start, end].

    Filters are uncorrelated IN subqueries (computed once), not EXISTS per child: combined
    EXISTS filters made SQLite's planner take seconds on a 10,000-child table."""
    return Flag.objects.filter(kind__in=kinds).active_between(start, end).values("child_id")


def apply_filters(
    children: QuerySet[Child], filters: ChildFilters, today: dt.date
) -> QuerySet[Child]:
    if filters.flag:
        kinds = list(SCOPE_FLAGS) if filters.flag == "in_scope" else [filters.flag]
        start = filters.active_from or today
        end = filters.active_to or today
        children = children.filter(pk__in=children_with_flags(kinds, start, end))
    if filters.allocated_to is not None:
        children = children.filter(allocated_worker_id=filters.allocated_to)
    if filters.team_id is not None:
        children = children.filter(allocated_team_id=filters.team_id)
    if filters.nationality:
        children = children.filter(nationality=filters.nationality)
    if filters.gender:
        children = children.filter(gender=filters.gender)
    current = Placement.objects.current_on(today)
    if filters.place_code:
        children = children.filter(
            pk__in=current.filter(place_code=filters.place_code).values("child_id")
        )
    if filters.out_of_area in ("yes", "no"):
        away = current.exclude(
            authority_id=F("child__responsible_organisation__authority_id")
        ).values("child_id")
        children = (
            children.filter(pk__in=away)
            if filters.out_of_area == "yes"
            else children.exclude(pk__in=away)
        )
    if filters.age_band in AGE_BANDS:
        _, youngest, oldest = AGE_BANDS[filters.age_band]
        # Age in whole years between youngest and oldest on `today`.
        born_after = years_before(today, oldest + 1)
        born_on_or_before = years_before(today, youngest)
        children = children.filter(
            date_of_birth__gt=born_after, date_of_birth__lte=born_on_or_before
        )
    return children


# How a query token met a name token, best first: the same token, the start of it, or a
# tolerant match (a misspelling or another transliteration: Jaro-Winkler, or the same
# consonant outline). Children are ranked by these tiers before the similarity score, so an
# exact "Muhamad" comes before a "Muhammad" that is only similar, however close.
EXACT, PREFIX, TOLERANT = 3, 2, 1


@dataclass(frozen=True)
class NameMatch:
    """A child whose names match every query token: the sum of the tiers of the best match of
    each query token (EXACT, PREFIX, TOLERANT), the sum of their scores, and the child's
    folded name tokens that made those matches (to say which name matched)."""

    pk: int
    tier: int
    score: float
    tokens: frozenset[str]


def _meet(meets: dict[str, tuple[int, float]], token: str, tier: int, score: float) -> None:
    if (tier, score) > meets.get(token, (0, 0.0)):
        meets[token] = (tier, score)


def name_matches(rows: list[tuple[int, str]], query: str) -> list[NameMatch]:
    """The children of ``rows`` (pk, folded names) whose names match every query token
    (exactly, by its start, or tolerantly), best first: exact before prefix before tolerant,
    then by similarity, then by pk."""
    query_tokens = fold(query).split()
    if not query_tokens:
        return []
    holders: dict[str, set[int]] = defaultdict(set)
    for pk, text in rows:
        for token in text.split():
            holders[token].add(pk)
    vocabulary = list(holders)
    outlines: dict[str, list[str]] = defaultdict(list)
    for token in vocabulary:
        outline = skeleton(token)
        if len(outline) >= SKELETON_MIN_LENGTH:
            outlines[outline].append(token)
    tiers: dict[int, int] = defaultdict(int)
    scores: dict[int, float] = defaultdict(float)
    tokens: dict[int, set[str]] = defaultdict(set)
    matched_all: set[int] | None = None
    for qt in query_tokens:
        # For each token of the vocabulary that meets qt: (tier, score).
        meets: dict[str, tuple[int, float]] = {}
        for token, score, _ in process.extract(
            qt,
            vocabulary,
            scorer=JaroWinkler.normalized_similarity,
            score_cutoff=NAME_MATCH_THRESHOLD,
            limit=None,
        ):
            _meet(meets, token, TOLERANT, score)
        for token in outlines.get(skeleton(qt), ()):
            _meet(meets, token, TOLERANT, SKELETON_SCORE)
        if qt in holders:
            _meet(meets, qt, EXACT, 1.0)
        if len(qt) >= 2:
            for token in vocabulary:
                if token != qt and token.startswith(qt):
                    _meet(meets, token, PREFIX, 0.95)
        best: dict[int, tuple[int, float, str]] = {}
        for token, (tier, score) in meets.items():
            for pk in holders[token]:
                if (tier, score) > best.get(pk, (0, 0.0, ""))[:2]:
                    best[pk] = (tier, score, token)
        matched_all = set(best) if matched_all is None else matched_all & set(best)
        for pk, (tier, score, token) in best.items():
            tiers[pk] += tier
            scores[pk] += score
            tokens[pk].add(token)
    return [
        NameMatch(pk, tiers[pk], scores[pk], frozenset(tokens[pk]))
        for pk in sorted(matched_all or (), key=lambda pk: (-tiers[pk], -scores[pk], pk))
    ]


def _name_matches(rows: list[tuple[int, str]], query: str) -> list[int]:
    """Ids whose names match every query token, best first (name_matches)."""
    return [m.pk for m in name_matches(rows, query)]


IDENTIFIER_FIELDS = policy.IDENTIFIER_FIELDS
IDENTIFIER_LABELS = {
    "council_id": "council case ID",
    "child_903_id": "SSDA903 CHILD",
    "home_office_ref": "Home Office reference",
    "police_ref": "police reference",
    "nrm_ref": "NRM reference",
}


@dataclass(frozen=True)
class MatchedName:
    """What a search matched for one child, to show on the row: the child's name (as the list
    writes it, "FAMILY, Given"), another name (its kind: alias, other spelling...), or an
    identifier; ``parts`` are its pieces, True for those that matched (shown in <mark>)."""

    kind: str
    text: str
    parts: tuple[tuple[str, bool], ...]
    on_main_name: bool


@dataclass
class SearchResult:
    children: list[Child]
    total: int
    page: int
    pages: int
    matched_identifier: bool = False
    matches: dict[int, MatchedName] = field(default_factory=dict)


_PIECES = re.compile(r"[^\W_]+|[\W_]+")


def list_name(child: Child) -> str:
    """The name as the list of children writes it: "FAMILY, Given"."""
    family = child.family_name.upper()
    return f"{family}, {child.given_names}" if family else child.given_names


def mark_parts(text: str, tokens: frozenset[str] | set[str]) -> tuple[tuple[str, bool], ...]:
    """``text`` in pieces, each word True if it folds to one of ``tokens``; neighbours alike
    are joined ("Muhamad Rahimi" with {"muhamad"}: ("Muhamad", True), (" Rahimi", False))."""
    parts: list[tuple[str, bool]] = []
    for piece in _PIECES.findall(text):
        folded = fold(piece).split()
        marked = bool(folded) and any(t in tokens for t in folded)
        if parts and parts[-1][1] == marked:
            parts[-1] = (parts[-1][0] + piece, marked)
        else:
            parts.append((piece, marked))
    return tuple(parts)


def _matched_name(
    child: Child, tokens: frozenset[str], other_names: list[tuple[str, str]]
) -> MatchedName | None:
    """The name of the child (among those the viewer's view shows) with the most words that
    matched, the child's own name first on a tie."""
    candidates = [("name", list_name(child), True)]
    if child.preferred_name:
        candidates.append(("preferred name", child.preferred_name, False))
    candidates += [(kind, text, False) for text, kind in other_names]
    best: MatchedName | None = None
    best_count = 0
    for kind, text, main in candidates:
        parts = mark_parts(text, tokens)
        count = sum(len(fold(p).split()) for p, marked in parts if marked)
        if count > best_count:
            best, best_count = MatchedName(kind, text, parts, main), count
    return best


def _identifier_matched(child: Child, q: str) -> MatchedName | None:
    for name in IDENTIFIER_FIELDS:
        value = getattr(child, name)
        if value and value.lower() == q.lower():
            return MatchedName(IDENTIFIER_LABELS[name], value, ((value, True),), False)
    return None


def _matches_for(
    viewer: Viewer, shown: list[Child], by_id: set[int], names: dict[int, NameMatch], q: str
) -> dict[int, MatchedName]:
    """What matched, for each child shown: an identifier, or the best-matching name among those
    the viewer's view of the child shows (other names only with the whole record)."""
    whole = set(
        policy.whole_record_children(viewer)
        .filter(pk__in=[c.pk for c in shown])
        .values_list("pk", flat=True)
    )
    others: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for child_id, text, kind in ChildName.objects.filter(child_id__in=whole).values_list(
        "child_id", "name", "kind"
    ):
        others[child_id].append((text, NameKind(kind).label.lower()))
    found: dict[int, MatchedName] = {}
    for child in shown:
        matched = _identifier_matched(child, q) if child.pk in by_id else None
        if matched is None and child.pk in names:
            matched = _matched_name(child, names[child.pk].tokens, others.get(child.pk, []))
        if matched is not None:
            found[child.pk] = matched
    return found


def _with_list_details(children: QuerySet[Child], today: dt.date) -> QuerySet[Child]:
    return children.select_related("responsible_organisation__authority").prefetch_related(
        Prefetch(
            "flags", queryset=Flag.objects.active_on(today).order_by("kind"), to_attr="active_flags"
        ),
        Prefetch(
            "placements",
            queryset=Placement.objects.current_on(today).select_related("authority"),
            to_attr="current_placements",
        ),
    )


def _searchable_rows(
    viewer: Viewer, children: QuerySet[Child], q: str
) -> tuple[list[int], list[tuple[int, str]]]:
    """Children whose identifiers match q exactly, and (pk, folded names) to match q against,
    each child searched only over what the viewer's view of them shows (policy.searchable):
    the whole record's identifiers and other names for the children the viewer sees whole; for
    those seen in a limited view (placed in the area, missing to the force, assigned to the
    service) only the names the limited view shows. So a search cannot confirm, letter by
    letter, an identifier or an alias the viewer cannot read."""
    whole_ids = policy.whole_record_children(viewer).values("pk")
    groups = [
        (children.filter(pk__in=whole_ids), policy.searchable(policy.Grant(policy.Access.READ))),
        (children.exclude(pk__in=whole_ids), policy.searchable(policy.limited_grant(viewer))),
    ]
    by_id: list[int] = []
    rows: list[tuple[int, str]] = []
    for group, shown in groups:
        if shown.identifiers:
            id_q = Q()
            for f in shown.identifiers:
                id_q |= Q(**{f"{f}__iexact": q})
            by_id += group.filter(id_q).values_list("pk", flat=True)
        if shown.other_names:
            rows += group.values_list("pk", "search_text")
        else:
            rows += [
                (pk, search_text_for([given, family, preferred]))
                for pk, given, family, preferred in group.values_list(
                    "pk", "given_names", "family_name", "preferred_name"
                )
            ]
    return sorted(set(by_id)), rows


def find_children(
    viewer: Viewer, filters: ChildFilters, page: int = 1, audit: bool = True
) -> SearchResult:
    today = timezone.localdate()
    base = (
        policy.full_access_children(viewer) if filters.own_only else policy.visible_children(viewer)
    )
    children = apply_filters(base, filters, today)
    matched_identifier = False
    matches: dict[int, MatchedName] = {}
    q = filters.q.strip()
    if q:
        by_id, rows = _searchable_rows(viewer, children, q)
        named = {m.pk: m for m in name_matches(rows, q)}
        ranked = by_id + [pk for pk in named if pk not in set(by_id)]
        matched_identifier = bool(by_id)
        total = len(ranked)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        page_ids = ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        found = {c.pk: c for c in _with_list_details(Child.objects.filter(pk__in=page_ids), today)}
        shown = [found[pk] for pk in page_ids if pk in found]
        matches = _matches_for(viewer, shown, set(by_id), named, q)
    else:
        total = children.count()
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        shown = list(
            _with_list_details(children, today).order_by("family_name", "given_names", "pk")[
                (page - 1) * PAGE_SIZE : page * PAGE_SIZE
            ]
        )
    if audit:
        record(
            viewer,
            AuditAction.SEARCH if q else AuditAction.LIST,
            object_type="child",
            summary=f"{'Searched' if q else 'Listed'} children: {total} found",
            detail={
                "filters": filters.as_audit(),
                "total": total,
                "page": page,
                "shown": [c.pk for c in shown],
            },
        )
    return SearchResult(shown, total, page, pages, matched_identifier, matches)


# --- counts --------------------------------------------------------------------------------


@dataclass
class Counts:
    start: dt.date
    end: dt.date
    total_in_scope: int
    by_flag: list[tuple[str, str, int]]  # (kind, label, count)
    by_nationality: list[tuple[str, dict[str, int], int]]  # (nationality, {gender: n}, total)
    genders: list[tuple[str, str]]
    by_gender: dict[str, int]


def count_children(viewer: Viewer, start: dt.date, end: dt.date) -> Counts:
    """Live counts of the viewer organisation's children with each flag at some time in
    [start, end], and of children in scope by nationality and gender."""
    from .models import Gender

    if not policy.can_see_counts(viewer):
        raise policy.PermissionDenied("Your role cannot see the counts page")
    own = policy.full_access_children(viewer)
    per_flag = dict(
        Flag.objects.filter(child__in=own)
        .active_between(start, end)
        .values_list("kind")
        .annotate(n=Count("child", distinct=True))
        .values_list("kind", "n")
    )
    by_flag = [(kind.value, kind.label, per_flag.get(kind.value, 0)) for kind in FlagKind]
    in_scope = own.filter(pk__in=children_with_flags(list(SCOPE_FLAGS), start, end))
    grid: dict[str, dict[str, int]] = defaultdict(dict)
    by_gender: dict[str, int] = defaultdict(int)
    for nationality, gender, n in (
        in_scope.values_list("nationality", "gender")
        .annotate(n=Count("pk"))
        .values_list("nationality", "gender", "n")
    ):
        grid[nationality][gender] = n
        by_gender[gender] += n
    by_nationality = sorted(
        ((nat, row, sum(row.values())) for nat, row in grid.items()), key=lambda r: (-r[2], r[0])
    )
    total = sum(by_gender.values())
    record(
        viewer,
        AuditAction.COUNT,
        object_type="child",
        summary=f"Counted children in scope {start:%d/%m/%Y} to {end:%d/%m/%Y}: {total}",
        detail={"start": start.isoformat(), "end": end.isoformat(), "total": total},
    )
    return Counts(start, end, total, by_flag, by_nationality, list(Gender.choices), dict(by_gender))
