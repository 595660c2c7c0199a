"""The Philomena Protocol grab pack (rulebook section 6): what the police need to look for a
missing child, gathered from the record and the safety plan (part 1, ready in advance) and
from the missing report (part 2, this episode).

``grab_pack_for`` reads everything the pack shows in a handful of queries into a plain
dataclass; the page and the PDF both render it with the same template
(web/grabpack/grab_pack.html), the PDF through visible/pdf.py (WeasyPrint, the print
stylesheet, a fetcher that reads nothing from outside). The
callers (the views) decide who may see a pack and write the audit events; the builders here
refuse a viewer who may not see the child, as a second line of defence.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import mimetypes
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

import visible.pdf
from visible.access import missing as policy
from visible.agencies.viewer import Viewer
from visible.children.models import Child, ChildName, Flag, GuardianAssignment, Placement
from visible.dates import measured_length
from visible.reference.codes import PLACEMENT_TYPES
from visible.reference.nationalities import language_name, nationality_name
from visible.risk import Grade

from .models import Category, Episode, FoundBy, Grading, GradingKind, SafetyPlan

TEMPLATE = "web/grabpack/grab_pack.html"
PAGE_BASE = "web/base.html"
PDF_BASE = visible.pdf.BASE_TEMPLATE
PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE: contains personal data of a child"

HISTORY_ROWS = 20  # previous episodes listed in full; all of them count in the summary
PLACES_FOUND_ROWS = 10
TOP_REASONS = 3
PHOTO_MAX_PX = 600  # larger photographs are scaled down for the PDF (about 5 cm at 300 dpi)


# --- the pack ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementSummary:
    code: str
    label: str
    area: str
    postcode: str
    provider: str
    since: dt.date


@dataclass(frozen=True)
class FlagSummary:
    kind: str
    label: str
    since: dt.date


@dataclass(frozen=True)
class PreviousEpisode:
    category: str  # "M" or "A"
    category_label: str
    last_seen_at: dt.datetime
    last_seen_place: str
    returned_at: dt.datetime
    duration: str
    found_place: str
    found_by: str
    grade: str


@dataclass(frozen=True)
class Reason:
    text: str
    citation: str


@dataclass(frozen=True)
class EpisodePart:
    """Part 2: completed at the time of going missing."""

    episode_id: int
    category: str
    category_label: str
    is_open: bool
    last_seen_at: dt.datetime
    last_seen_place: str
    with_whom: str
    clothing: str
    circumstances: str
    time_missing: str
    returned_at: dt.datetime | None
    reported_by_name: str
    reported_by_role: str
    reported_at: dt.datetime
    police_force: str
    not_reported_words: str  # the words the episode page uses while the police are not told
    police_reported_at: dt.datetime | None
    police_reference: str
    grade: str  # code, e.g. "high"
    grade_label: str
    graded_at: dt.datetime | None
    graded_by: str  # the person's name; empty while Visible's rules only proposed the grade
    grade_confirmed: bool  # False for the rules' proposal on report, not yet confirmed
    graded_by_organisation: str
    override_reason: str
    headline: str
    reasons: list[Reason]
    more_reasons: int


@dataclass(frozen=True)
class GrabPack:
    generated_at: dt.datetime
    generated_by: str
    generated_by_organisation: str
    protective_marking: str

    # Part 1: identity
    child_id: int
    full_name: str
    preferred_name: str
    other_names: list[tuple[str, str]]  # (name, kind label)
    date_of_birth: dt.date
    dob_basis: str
    age: int
    sex: str
    gender: str
    nationality: str
    first_language: str
    other_languages: list[str]
    interpreter_needed: bool
    responsible_organisation: str
    # description and photograph
    description: str
    distinguishing_features: str
    photo_name: str  # path in storage; "" when there is none
    photo_taken_on: dt.date | None
    # identifiers, flags, where the child lives
    council_id: str
    identifiers: list[tuple[str, str]]
    flags: list[FlagSummary]
    placement: PlacementSummary | None
    # from the safety plan
    has_safety_plan: bool
    safety_plan_agreed_on: dt.date | None
    safety_plan_updated_at: dt.datetime | None
    safety_plan_updated_by: str
    phone_numbers: list[str]
    social_media: list[str]
    places: list[str]  # the missing route map: stations, bus stops, cab offices, addresses
    associates: list[str]
    medical_needs: str
    contingency: list[str]  # whom to notify
    guardians: list[str]
    child_views: str
    # missing history
    history: list[PreviousEpisode]
    history_total: int
    history_last_year: int
    history_longest: str
    places_found: list[tuple[str, int]]
    open_episode_id: int | None  # for a part-1 pack: an episode open now
    # Part 2 (None for the pack prepared in advance)
    episode: EpisodePart | None = None

    @property
    def history_more(self) -> int:
        return max(0, self.history_total - len(self.history))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _length(episode: Episode) -> dt.timedelta:
    """A previous episode's length: in days if its source gave days (an SSDA903 return)."""
    return measured_length(
        episode.last_seen_at, episode.returned_at or episode.last_seen_at, episode.day_only
    )


def describe_duration(delta: dt.timedelta) -> str:
    """'3 days 4 hours', '5 hours 20 minutes', '40 minutes': the largest unit, and the next one
    down when it is not zero."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    units = [(days, "day"), (hours, "hour"), (mins, "minute")]
    for i, (n, unit) in enumerate(units):
        if n:
            words = [f"{n} {unit}{'s' if n != 1 else ''}"]
            if i + 1 < len(units) and units[i + 1][0]:
                m, next_unit = units[i + 1]
                words.append(f"{m} {next_unit}{'s' if m != 1 else ''}")
            return " ".join(words)
    return "less than a minute"


def _grade_label(code: str) -> str:
    try:
        return Grade.parse(code).label
    except ValueError:
        return code or "Not graded"


def _top_reasons(reasons: list[dict]) -> list[Reason]:
    """The reasons that hold the grade highest come first (binding before advisory);
    otherwise the engine's order."""

    def weight(reason: dict) -> tuple[int, int]:
        floor = reason.get("floor")
        rank = Grade.parse(floor).rank if floor else -1
        return (-rank, 0 if reason.get("binding") else 1)

    ordered = sorted(reasons, key=weight)
    return [Reason(r.get("text", ""), r.get("citation", "")) for r in ordered]


def _grader_name(grading: Grading) -> str:
    """The person who set the grade, by the name people know them by (not a username)."""
    user = grading.graded_by
    return (user.get_full_name() if user else "") or grading.graded_by_name


def _episode_part(episode: Episode, now: dt.datetime) -> EpisodePart:
    # newest first: the grading in force
    grading = episode.gradings.select_related("graded_by").first()
    reasons = _top_reasons(grading.assessment.get("reasons", [])) if grading else []
    end = episode.returned_at or now
    return EpisodePart(
        episode_id=episode.pk,
        category=episode.category,
        category_label=episode.get_category_display(),
        is_open=episode.is_open,
        last_seen_at=episode.last_seen_at,
        last_seen_place=episode.last_seen_place,
        with_whom=episode.with_whom,
        clothing=episode.clothing,
        circumstances=episode.circumstances,
        time_missing=describe_duration(end - episode.last_seen_at),
        returned_at=episode.returned_at,
        reported_by_name=episode.reported_by_name,
        reported_by_role=episode.get_reported_by_role_display(),
        reported_at=episode.reported_at,
        police_force=episode.police_force.name if episode.police_force_id else "",
        not_reported_words=episode.not_reported_words,
        police_reported_at=episode.police_reported_at,
        police_reference=episode.police_reference,
        grade=grading.grade if grading else episode.grade,
        grade_label=_grade_label(grading.grade if grading else episode.grade),
        graded_at=grading.recorded_at if grading else None,
        graded_by=_grader_name(grading) if grading else "",
        grade_confirmed=grading is not None and grading.kind != GradingKind.INITIAL,
        graded_by_organisation=grading.graded_by_organisation if grading else "",
        override_reason=grading.override_reason if grading else "",
        headline=grading.assessment.get("headline", "") if grading else "",
        reasons=reasons[:TOP_REASONS],
        more_reasons=max(0, len(reasons) - TOP_REASONS),
    )


def _build(viewer: Viewer, child: Child, episode: Episode | None) -> GrabPack:
    if not policy.can_view_episodes(viewer, child):
        raise PermissionDenied("You cannot see this child's grab pack")
    now = timezone.now()
    today = timezone.localdate(now)
    other_names = [(n.name, n.get_kind_display()) for n in ChildName.objects.filter(child=child)]
    flags = [
        FlagSummary(f.kind, f.get_kind_display(), f.start_date)
        for f in Flag.objects.filter(child=child).active_on(today).order_by("start_date", "pk")
    ]
    current = (
        Placement.objects.filter(child=child)
        .current_on(today)
        .select_related("authority")
        .order_by("-start_date", "-pk")
        .first()
    )
    plan = SafetyPlan.objects.filter(child=child).first()
    guardians = [
        f"{g.guardian_name}, {g.service} ({g.get_kind_display()})"
        for g in GuardianAssignment.objects.filter(child=child, start_date__lte=today)
        if g.is_active_on(today)
    ]
    episodes = list(
        Episode.objects.filter(child=child)
        .order_by("-last_seen_at", "-pk")
        .only(
            "pk",
            "category",
            "last_seen_at",
            "last_seen_place",
            "returned_at",
            "found_place",
            "found_by",
            "grade",
            "day_only",
        )
    )

    found_by = dict(FoundBy.choices)
    category_short = {Category.MISSING.value: "Missing", Category.AWAY.value: "Away"}
    previous = [
        e for e in episodes if e.returned_at is not None and (episode is None or e.pk != episode.pk)
    ]
    year_ago = now - dt.timedelta(days=365)
    longest = max(
        (_length(e) for e in previous),
        default=None,
    )
    found_counts = Counter(e.found_place.strip() for e in previous if e.found_place.strip())
    history = [
        PreviousEpisode(
            category=e.category,
            category_label=category_short.get(e.category, e.category),
            last_seen_at=e.last_seen_at,
            last_seen_place=e.last_seen_place,
            returned_at=e.returned_at,
            duration=describe_duration(_length(e)),
            found_place=e.found_place,
            found_by=found_by.get(e.found_by, e.found_by),
            grade=_grade_label(e.grade) if e.grade else "",
        )
        for e in previous[:HISTORY_ROWS]
    ]
    open_now = next((e.pk for e in episodes if e.returned_at is None), None)

    identifiers = [
        ("Council case ID", child.council_id),
        ("SSDA903 CHILD", child.child_903_id),
        ("Home Office reference", child.home_office_ref),
        ("Police reference", child.police_ref),
        ("NRM reference", child.nrm_ref),
    ]
    placement = None
    if current:
        placement = PlacementSummary(
            code=current.place_code,
            label=PLACEMENT_TYPES.label(current.place_code),
            area=current.authority.name,
            postcode=current.postcode,
            provider=current.provider,
            since=current.start_date,
        )
    return GrabPack(
        generated_at=now,
        generated_by=viewer.display_name,
        generated_by_organisation=viewer.organisation.name if viewer.organisation else "",
        protective_marking=PROTECTIVE_MARKING,
        child_id=child.pk,
        full_name=child.full_name,
        preferred_name=child.preferred_name,
        other_names=other_names,
        date_of_birth=child.date_of_birth,
        dob_basis=child.get_dob_basis_display(),
        age=child.age_on(today),
        sex=child.get_sex_display(),
        gender=child.get_gender_display(),
        nationality=nationality_name(child.nationality),
        first_language=language_name(child.first_language) if child.first_language else "",
        other_languages=[language_name(code) for code in child.other_languages or []],
        interpreter_needed=child.interpreter_needed,
        responsible_organisation=child.responsible_organisation.name,
        description=plan.description if plan else "",
        distinguishing_features=plan.distinguishing_features if plan else "",
        photo_name=child.photo.name if child.photo else "",
        photo_taken_on=child.photo_taken_on,
        council_id=child.council_id,
        identifiers=identifiers,
        flags=flags,
        placement=placement,
        has_safety_plan=plan is not None,
        safety_plan_agreed_on=plan.agreed_on if plan else None,
        safety_plan_updated_at=plan.updated_at if plan else None,
        safety_plan_updated_by=plan.updated_by_name if plan else "",
        phone_numbers=_lines(plan.phone_numbers) if plan else [],
        social_media=_lines(plan.social_media) if plan else [],
        places=_lines(plan.places) if plan else [],
        associates=_lines(plan.associates) if plan else [],
        medical_needs=plan.medical_needs if plan else "",
        contingency=_lines(plan.contingency) if plan else [],
        guardians=guardians,
        child_views=plan.child_views if plan else "",
        history=history,
        history_total=len(previous),
        history_last_year=sum(1 for e in previous if e.last_seen_at >= year_ago),
        history_longest=describe_duration(longest) if longest else "",
        places_found=found_counts.most_common(PLACES_FOUND_ROWS),
        open_episode_id=open_now if episode is None else None,
        episode=_episode_part(episode, now) if episode is not None else None,
    )


def grab_pack_for(viewer: Viewer, episode: Episode) -> GrabPack:
    """Parts 1 and 2 for one episode. Load the episode with
    ``select_related("child__responsible_organisation", "police_force")`` to save queries."""
    return _build(viewer, episode.child, episode)


def child_grab_pack_for(viewer: Viewer, child: Child) -> GrabPack:
    """Part 1 only: the pack prepared in advance, before any episode."""
    return _build(viewer, child, None)


# --- rendering -----------------------------------------------------------------------------


def pdf_filename(pack: GrabPack) -> str:
    """Names the file by the council's case ID and the date, never by the child's name (a
    file name shows in download lists, mail attachments and shared folders)."""
    ident = (
        "".join(c if c.isalnum() or c in "-_" else "-" for c in pack.council_id)
        or f"child-{pack.child_id}"
    )
    kind = f"episode-{pack.episode.episode_id}" if pack.episode else "part-1"
    return f"grab-pack-{ident}-{kind}-{timezone.localtime(pack.generated_at):%Y-%m-%d-%H%M}.pdf"


def photo_data_uri(name: str, max_px: int = PHOTO_MAX_PX) -> str:
    """The photograph as a data: URI read straight from storage, so the PDF renderer never
    fetches anything over HTTP. Large or unusual images are scaled to a JPEG; a file that
    cannot be read gives "" (the pack then says there is no photograph to show)."""
    if not name:
        return ""
    from PIL import Image, ImageOps, UnidentifiedImageError

    from visible.children import photographs

    # JPEG or PNG by content, without metadata (a file stored before the photograph rules is
    # checked and cleaned here too); anything else is no photograph.
    showing = photographs.for_showing(name)
    if showing is None:
        return ""
    data = showing[0]
    try:
        with Image.open(io.BytesIO(data), formats=photographs.FORMATS) as image:
            kind = image.format
            if kind in ("JPEG", "PNG") and max(image.size) <= max_px:
                mime = Image.MIME[kind]
            else:
                image.draft("RGB", (max_px, max_px))  # JPEG: decode at a reduced scale
                shown = ImageOps.exif_transpose(image).convert("RGB")
                shown.thumbnail((max_px, max_px))
                buffer = io.BytesIO()
                shown.save(buffer, format="JPEG", quality=85)
                data, mime = buffer.getvalue(), "image/jpeg"
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return ""
    mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def page_context(pack: GrabPack, *, pdf: bool, photo_src: str = "", pdf_url: str = "") -> dict:
    return {
        "pack": pack,
        "pdf": pdf,
        "base_template": PDF_BASE if pdf else PAGE_BASE,
        "photo_src": photo_src,
        "pdf_url": pdf_url,
    }


def render_html(
    pack: GrabPack,
    *,
    pdf: bool,
    photo_src: str = "",
    pdf_url: str = "",
    request: HttpRequest | None = None,
) -> str:
    return render_to_string(
        TEMPLATE, page_context(pack, pdf=pdf, photo_src=photo_src, pdf_url=pdf_url), request=request
    )


def pdf_document(pack: GrabPack):
    """WeasyPrint's rendered document (pages and boxes), for the PDF and for tests."""
    html = render_html(pack, pdf=True, photo_src=photo_data_uri(pack.photo_name))
    return visible.pdf.document(html)


def grab_pack_pdf(pack: GrabPack) -> bytes:
    """The same template as the page, rendered to an A4 PDF."""
    return pdf_document(pack).write_pdf()
