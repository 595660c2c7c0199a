"""Pages for missing and away episodes: reporting, the episode (grade and why, the search log,
the police report, the return and the return interview), the missing-now board, the alerts
inbox, the safety plan and the authority's risk settings.

Every write goes through one function in missing/actions.py; every read is checked against
access/missing.py and access/register.py and recorded in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from visible.access import missing as missing_policy
from visible.access import opening
from visible.access import register as register_policy
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.dates import eighteenth_birthday, measured_length
from visible.missing import actions as missing_actions
from visible.missing import severity, triage
from visible.missing.models import (
    Alert,
    AlertDismissal,
    AuthorityRiskSettings,
    Category,
    Episode,
    ExploitationIndicator,
    GradingKind,
    SafetyPlan,
)
from visible.missing.severity import Severity
from visible.notifications import notify
from visible.reference.nationalities import language_name
from visible.risk import RULES, Grade
from visible.security.sessions import safe_next

from .. import live
from ..common import staff_view
from ..request import ViewerRequest
from . import forms

# Returns this recent are swept by "Check for new alerts now": long enough for the return
# interview clock (72 hours by default) and the week after it.
RECENT_RETURN_DAYS = 14

MARKER_LABELS = {
    "potential_trafficking_victim": "Potential trafficking victim",
    "repeat_missing": "Repeat missing",
    "turned_18_while_missing": "Turned 18 while missing",
    "long_missing": "Long missing",
}


# --- small helpers -------------------------------------------------------------------------


def _duration(delta: dt.timedelta) -> str:
    """'3 days 4 hours', '5 hours 10 minutes', '20 minutes'."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute")


def _grade_label(code: str) -> str:
    try:
        return Grade.parse(code).label
    except ValueError:
        return "Not graded"


def _category_word(category: str) -> str:
    # The same word whatever the person's age: a young person who turns 18 while missing is
    # still missing (Heading back to harm, Rec 5.iii).
    return (
        gettext_noop("Missing")
        if category == Category.MISSING
        else gettext_noop("Away from placement")
    )


def _apply_action_errors(form: Any, error: ValidationError) -> None:
    """Put an action's errors on the form field they are about (a date and time pair's
    errors go on its date), or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for e in errors:
                for message in e.messages:
                    target = (
                        form.error_field_for(field, message)
                        if hasattr(form, "error_field_for")
                        else (field if field in form.fields else None)
                    )
                    form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _optional_reverse(name: str, *args: Any) -> str:
    """A link to a page another part of Visible may not have yet (the grab pack)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


_deny = opening.deny


# --- opening things ------------------------------------------------------------------------


def _open_episode(request: ViewerRequest, pk: int, purpose: str = "") -> tuple[Episode, str]:
    return opening.open_episode(request.viewer, pk, purpose)


def _episode_to_act_on(request: ViewerRequest, pk: int, purpose: str) -> Episode:
    return opening.episode_to_act_on(request.viewer, pk, purpose)


def _child_to_act_on(request: ViewerRequest, pk: int, purpose: str) -> Child:
    return opening.child_to_act_on(request.viewer, pk, purpose)


# --- reporting -----------------------------------------------------------------------------


@staff_view
def report_missing(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _child_to_act_on(request, pk, "report missing")
    open_episode = child.episodes.filter(returned_at__isnull=True).first()
    form = forms.ReportMissingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            episode, grading = notify.report_missing(request.viewer, child, form.action_values())
        except ValidationError as error:
            _apply_action_errors(form, error)
        else:
            messages.success(
                request,
                f"{child.full_name} has been reported {_category_word(episode.category).lower()}. "
                f"Visible proposes the grade {_grade_label(grading.proposed_grade)}: "
                "confirm or change it on the Risk grade page",
            )
            return redirect("web:episode", pk=episode.pk)
    return render(
        request,
        "web/missing/report.html",
        {
            "form": form,
            "child": child,
            "open_episode": open_episode if request.method == "GET" else None,
            "record_factors": forms.RECORD_FACTORS,
        },
    )


# --- the episode page ----------------------------------------------------------------------


def reasons_by_source(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reasons grouped by the source they rest on, in the order they first appear: a page
    names each source once, above its reasons, not once a reason."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for r in reasons:
        key = (r.get("citation", ""), r.get("source", ""))
        group = groups.setdefault(key, {"citation": key[0], "source": key[1], "reasons": []})
        group["reasons"].append(r)
    return list(groups.values())


def rule_references(reasons: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each rule behind the reasons once, by its id and title: for the "Rule references"
    details element, for those who look a rule up in the rulebook; never a heading."""
    seen: dict[str, dict[str, str]] = {}
    for r in reasons:
        rule_id = r.get("rule_id") or ""
        if rule_id and rule_id not in seen:
            title = RULES[rule_id].title if rule_id in RULES else ""
            seen[rule_id] = {"rule_id": rule_id, "title": title}
    return list(seen.values())


def _assessment_view(assessment: dict[str, Any]) -> dict[str, Any]:
    """The engine's stored output, ready to show: every reason with its source."""
    alerts = []
    for alert in assessment.get("alerts", []):
        due = alert.get("due_at")
        alerts.append({**alert, "due_at": dt.datetime.fromisoformat(due) if due else None})
    reasons = [
        {
            **r,
            "title": RULES[r["rule_id"]].title if r.get("rule_id") in RULES else "",
            "floor_label": _grade_label(r.get("floor") or ""),
        }
        for r in assessment.get("reasons", [])
    ]
    return {
        "grade": assessment.get("grade", ""),
        "grade_label": _grade_label(assessment.get("grade", "")),
        "floor_label": _grade_label(assessment.get("floor", "")),
        "headline": assessment.get("headline", ""),
        "score": assessment.get("score", 0),
        "reasons": reasons,
        "reason_groups": reasons_by_source(reasons),
        "rule_references": rule_references(reasons),
        "markers": [
            MARKER_LABELS.get(m, m.replace("_", " ").capitalize())
            for m in assessment.get("markers", [])
        ],
        "prompts": assessment.get("prompts", []),
        "alerts": alerts,
    }


# The episode is split into the case-work pattern: a short summary with a sub-navigation, and
# one task per page, each form returning to the summary with a success banner. Each task is
# (page, url name, label in the sub-navigation, template).
EPISODE_PAGES = {
    # The labels are translated where they are shown (docs/welsh.md).
    "summary": ("web:episode", gettext_noop("Summary"), "web/missing/episode.html"),
    "grade": ("web:episode-grade", gettext_noop("Risk grade"), "web/missing/episode_grade.html"),
    "log": ("web:episode-log", gettext_noop("Search log"), "web/missing/episode_log.html"),
    "police": (
        "web:episode-police",
        gettext_noop("Police report"),
        "web/missing/episode_police.html",
    ),
    "return": ("web:episode-return", gettext_noop("Return"), "web/missing/episode_return.html"),
    "interview": (
        "web:episode-interview",
        gettext_noop("Return interview"),
        "web/missing/episode_interview.html",
    ),
}
LATEST_LOG_ON_SUMMARY = 3
# The severities' words (missing/severity.py), for the catalogue: the pages translate them where
# they show them (includes/severity_tag.html, includes/alert_banner.html).
SEVERITY_WORDS = [
    pgettext_lazy("alert severity", "Critical"),
    pgettext_lazy("alert severity", "High"),
    pgettext_lazy("alert severity", "Medium"),
    pgettext_lazy("alert severity", "Low"),
]


def _sub_navigation(episode: Episode, current: str) -> list[dict[str, Any]]:
    pages = ["summary", "grade", "log", "police", "return"]
    if not episode.is_open:
        pages.append("interview")
    return [
        {
            "label": gettext(EPISODE_PAGES[p][1]),
            "url": reverse(EPISODE_PAGES[p][0], args=[episode.pk]),
            "current": p == current,
        }
        for p in pages
    ]


def _interview_initial(episode: Episode) -> dict[str, Any]:
    interview = getattr(episode, "return_interview", None)
    if interview is None:
        return {}
    initial: dict[str, Any] = {
        f: getattr(interview, f)
        for f in (
            "outcome",
            "interviewer_name",
            "interviewer_organisation",
            "independent",
            "language",
            "interpreter_used",
            "where_been",
            "who_with",
            "indicators",
            "notes",
        )
    }
    initial |= forms.instant_initial(interview.offered_at, "offered_date", "offered_time")
    initial |= forms.instant_initial(interview.done_at, "done_date", "done_time")
    return initial


def _fresh_form(page: str, episode: Episode, now: dt.datetime) -> Any:
    """The task page's form as it first shows. No date or time is filled in with "now": these
    are statutory times, typed from what happened, not from when someone records it."""
    if page == "grade":
        return forms.GradeForm(
            prefix="grade",
            initial={"grade": episode.grade},
            assessment=missing_actions.assessment_now(episode, now),
        )
    if page == "log":
        return forms.LogEntryForm(prefix="log")
    if page == "police":
        return forms.PoliceReportForm(
            prefix="police",
            initial={
                "police_force": episode.police_force_id,
                "police_reference": episode.police_reference,
                **forms.instant_initial(
                    episode.police_reported_at, "police_reported_date", "police_reported_time"
                ),
            },
        )
    if page == "return" and episode.is_open:
        return forms.ReturnForm(prefix="return")
    if page == "interview" and not episode.is_open:
        return forms.ReturnInterviewForm(prefix="interview", initial=_interview_initial(episode))
    return None


def _next_steps(episode: Episode, latest: Any, interview: Any) -> list[dict[str, str]]:
    """What still needs doing on this episode, each a link to its task page."""
    steps = []

    def step(page: str, words: str) -> None:
        steps.append({"words": words, "url": reverse(EPISODE_PAGES[page][0], args=[episode.pk])})

    if latest is not None and latest.kind == GradingKind.INITIAL:
        step("grade", "Confirm or change the grade Visible proposed")
    if episode.is_open:
        if episode.police_reported_at is None:
            step("police", "Record the police report")
        step("log", "Add a sighting, call or search to the log")
        step("return", "Record the return")
    elif interview is None:
        step("interview", "Record the return interview")
    return steps


def _police_grade_context(
    viewer: Viewer, episode: Episode, full: bool, page: str
) -> dict[str, Any]:
    """The force's grades beside Visible's, and the challenges to them (R-POLICE-GRADE): on the
    summary and the police page, for whoever sees the episode in full."""
    if not full:
        return {"police_gradings": [], "latest_police_grade": None, "police_challenges": []}
    gradings = list(episode.police_gradings.all())
    challenges: list[dict[str, Any]] = [
        {
            "challenge": c,
            "police_grade": c.police_grading.get_category_display(),
            "as_written": c.police_grading.as_written,
            "regraded_to": c.get_regraded_to_display(),
            "can_answer": c.is_open and missing_policy.can_answer_challenge(viewer, c),
            "url": reverse("web:police-challenge", args=[c.pk]),
        }
        for c in episode.police_challenges.select_related("police_grading", "force")
    ]
    return {
        "police_gradings": [
            {"grading": g, "visible_grade_label": _grade_label(g.visible_grade)} for g in gradings
        ],
        "latest_police_grade": gradings[0] if gradings else None,
        "police_challenges": challenges,
        "open_police_challenge": next((c for c in challenges if c["challenge"].is_open), None),
        "can_record_police_grade": missing_policy.can_record_police_grade(viewer, episode),
    }


def _render_episode(
    request: ViewerRequest,
    episode: Episode,
    view: str,
    page: str = "summary",
    form: Any = None,
    grade_form: Any = None,
) -> HttpResponse:
    viewer: Viewer = request.viewer
    child = episode.child
    now = timezone.now()
    full = view == "full"
    own = (
        missing_policy.can_act(viewer, child)
        or register_policy.access_to(viewer, child) >= register_policy.Access.READ
    )
    can_act = missing_policy.can_act_on_episode(viewer, episode)
    grab_pack = missing_policy.can_see_grab_pack(viewer, child, episode)
    gradings = list(episode.gradings.all())
    latest = gradings[0] if gradings else None
    interview = getattr(episode, "return_interview", None) if own else None
    ended = episode.returned_at or now
    # Live, not only from the last grading: the birthday may have passed since.
    start_day = timezone.localtime(episode.last_seen_at).date()
    last_day = timezone.localtime(ended).date()
    eighteenth = eighteenth_birthday(child.date_of_birth)
    risk_review = (
        next((g for g in gradings if g.kind == GradingKind.RETURN), None) if full else None
    )
    log = list(episode.log.all()) if full else []
    context: dict[str, Any] = {
        "episode": episode,
        "child": child,
        "page": page,
        "page_label": gettext(EPISODE_PAGES[page][1]),
        "full": full,
        "limited": not full,
        "can_act": can_act,
        "category_word": gettext(_category_word(episode.category)),
        "grade_label": _grade_label(episode.grade),
        "duration": _duration(
            measured_length(episode.last_seen_at, ended, episode.day_only)
            if episode.returned_at is not None
            else ended - episode.last_seen_at
        ),
        "latest": latest,
        "proposal": _assessment_view(latest.assessment) if latest else None,
        "gradings": [
            {
                "grading": g,
                "proposed_label": _grade_label(g.proposed_grade),
                "grade_label": _grade_label(g.grade),
            }
            for g in gradings
        ]
        if full
        else [],
        "risk_review": risk_review,
        "risk_review_proposed": _grade_label(risk_review.proposed_grade) if risk_review else "",
        "turned_18": start_day < eighteenth <= last_day,
        "eighteenth": eighteenth,
        "log": log,
        "latest_log": log[:LATEST_LOG_ON_SUMMARY],
        "interview": interview,
        "interview_indicators": [
            ExploitationIndicator(i).label
            for i in interview.indicators
            if i in ExploitationIndicator.values
        ]
        if interview
        else [],
        "interview_language": language_name(interview.language)
        if interview and interview.language
        else "",
        "open_alerts": list(episode.alerts.filter(resolved_at__isnull=True).order_by("due_at"))
        if own
        else [],
        "grab_pack_url": _optional_reverse("web:grab-pack", episode.pk) if grab_pack else "",
        "grab_pack_pdf_url": _optional_reverse("web:grab-pack-pdf", episode.pk)
        if grab_pack
        else "",
        "own": own,
        "police_view": full and not own,
        "police_history": not full
        and bool(episode.police_force_id)
        and episode.police_force_id == viewer.organisation_id,
        "sub_navigation": _sub_navigation(episode, page) if full else [],
        "next_steps": _next_steps(episode, latest, interview) if can_act and full else [],
        "now": now,
    }
    context |= _police_grade_context(viewer, episode, full, page)
    if page == "police" and context["can_record_police_grade"]:
        context["grade_form"] = grade_form or forms.PoliceGradeForm(prefix="policegrade")
        context["forms_have_errors"] = bool(grade_form is not None and grade_form.errors)
    if can_act and page != "summary":
        context["form"] = form if form is not None else _fresh_form(page, episode, now)
        context["grade_review_kind"] = (
            GradingKind.CONFIRMED if episode.is_open else GradingKind.RETURN
        )
    return render(request, EPISODE_PAGES[page][2], context)


@staff_view
def episode(request: ViewerRequest, pk: int) -> HttpResponse:
    found, view = _open_episode(request, pk)
    return _render_episode(request, found, view)


def _episode_task(
    request: ViewerRequest,
    pk: int,
    *,
    page: str,
    purpose: str,
    form_class: type,
    prefix: str,
    save: Callable[[Episode, Any], Any],
    done: str,
) -> HttpResponse:
    """One task page of the episode: its form (GET), or save through its action and go back
    to the summary with a success banner, or show the task page again with the errors."""
    if request.method != "POST":
        found, view = _open_episode(request, pk, purpose)
        if view != "full":
            # The outline is all this viewer sees: it is on the summary.
            return redirect("web:episode", pk=found.pk)
        return _render_episode(request, found, view, page)
    found = _episode_to_act_on(request, pk, purpose)
    extra = (
        {"assessment": missing_actions.assessment_now(found, timezone.now())}
        if form_class is forms.GradeForm
        else {}
    )
    form = form_class(request.POST, prefix=prefix, **extra)
    if form.is_valid():
        try:
            save(found, form)
        except ValidationError as error:
            _apply_action_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("web:episode", pk=found.pk)
    found.refresh_from_db()
    return _render_episode(request, found, "full", page, form)


@staff_view
@require_http_methods(["GET", "POST"])
def episode_grade(request: ViewerRequest, pk: int) -> HttpResponse:
    def save(found: Episode, form: forms.GradeForm) -> None:
        kind = GradingKind.CONFIRMED if found.is_open else GradingKind.RETURN
        missing_actions.grade_episode(
            request.viewer,
            found,
            form.cleaned_data["grade"],
            form.cleaned_data.get("reason", ""),
            kind=kind,
        )

    return _episode_task(
        request,
        pk,
        page="grade",
        purpose="grade episode",
        form_class=forms.GradeForm,
        prefix="grade",
        save=save,
        done="The grade has been recorded",
    )


@staff_view
@require_http_methods(["GET", "POST"])
def episode_log(request: ViewerRequest, pk: int) -> HttpResponse:
    def save(found: Episode, form: forms.LogEntryForm) -> None:
        data = form.cleaned_data
        missing_actions.add_log_entry(
            request.viewer, found, data["kind"], data["occurred_at"], data["text"]
        )

    return _episode_task(
        request,
        pk,
        page="log",
        purpose="log the search",
        form_class=forms.LogEntryForm,
        prefix="log",
        save=save,
        done="The entry has been added to the search log",
    )


@staff_view
@require_http_methods(["GET", "POST"])
def episode_police(request: ViewerRequest, pk: int) -> HttpResponse:
    def save(found: Episode, form: forms.PoliceReportForm) -> None:
        data = form.cleaned_data
        missing_actions.record_police_report(
            request.viewer,
            found,
            data["police_force"],
            data["police_reported_at"],
            data["police_reference"],
        )

    return _episode_task(
        request,
        pk,
        page="police",
        purpose="record police report",
        form_class=forms.PoliceReportForm,
        prefix="police",
        save=save,
        done="The police report has been recorded",
    )


@staff_view
@require_POST
def episode_police_grade(request: ViewerRequest, pk: int) -> HttpResponse:
    """Record the force's grade (the second form on the police page)."""
    found, view = opening.episode_to_grade(request.viewer, pk, "record the police grade")
    form = forms.PoliceGradeForm(request.POST, prefix="policegrade")
    if form.is_valid():
        data = form.cleaned_data
        try:
            grading = missing_actions.record_police_grade(
                request.viewer,
                found,
                data["as_written"],
                data["category"],
                data["graded_at"],
            )
        except ValidationError as error:
            _apply_action_errors(form, error)
        else:
            challenged = grading.challenges.exists()
            messages.success(
                request,
                "The force's grade has been recorded"
                + (
                    ": it is below high for a child in scope, so Visible has challenged it with "
                    "the force's trafficking single point of contact"
                    if challenged
                    else ""
                ),
            )
            return redirect("web:episode", pk=found.pk)
    found.refresh_from_db()
    return _render_episode(request, found, view, "police", grade_form=form)


@staff_view
@require_http_methods(["GET", "POST"])
def episode_return(request: ViewerRequest, pk: int) -> HttpResponse:
    def save(found: Episode, form: forms.ReturnForm) -> None:
        missing_actions.record_return(
            request.viewer, found, form.action_values(), expected_version=found.version
        )

    return _episode_task(
        request,
        pk,
        page="return",
        purpose="record return",
        form_class=forms.ReturnForm,
        prefix="return",
        save=save,
        done="The return has been recorded and the episode closed. Offer an independent return "
        "interview within 72 hours",
    )


@staff_view
@require_http_methods(["GET", "POST"])
def episode_interview(request: ViewerRequest, pk: int) -> HttpResponse:
    def save(found: Episode, form: forms.ReturnInterviewForm) -> None:
        missing_actions.record_return_interview(
            request.viewer,
            found,
            form.action_values(),
            flags_to_raise=list(form.cleaned_data["raise_flags"]),
        )

    return _episode_task(
        request,
        pk,
        page="interview",
        purpose="record return interview",
        form_class=forms.ReturnInterviewForm,
        prefix="interview",
        save=save,
        done="The return interview has been recorded",
    )


# --- missing now ---------------------------------------------------------------------------


def _board_episodes(viewer: Viewer):
    """Every open episode of the council's own children and of children placed in its area.
    The children the viewer may see are narrowed to those missing now first: the access rules'
    subqueries then run over a few hundred children rather than the whole register."""
    still_open = Episode.objects.filter(returned_at__isnull=True)
    seen = register_policy.visible_children(viewer).filter(pk__in=still_open.values("child_id"))
    return still_open.filter(child__in=seen)


def _board(viewer: Viewer):
    """The board, most urgent first (missing/triage.py: the most urgent open alert, then the
    grade, then the newest report)."""
    return triage.episodes_urgent_first(_board_episodes(viewer))


def episode_rows(
    viewer: Viewer, episodes, now: dt.datetime, since: dt.datetime | None
) -> list[dict]:
    """Rows for the board and the force's list: each episode with its most urgent alert (for the
    child's own council only: a host council or a police force sees the order, not the
    council's alerts) and whether it is new since the person last looked."""
    rows = []
    for e in episodes:
        own = e.child.responsible_organisation_id == viewer.organisation_id
        level = Severity(e.top_severity) if e.top_severity else None
        rows.append(
            {
                "episode": e,
                "child": e.child,
                "limited": not own,
                "grade_label": _grade_label(e.grade),
                "category_word": gettext(_category_word(e.category)),
                "missing_for": _duration(now - e.last_seen_at),
                "new": triage.is_new(e.reported_at, since),
                "alert_level": level if own else None,
                "alert_label": severity.label_of(e.top_code) if own and e.top_code else "",
                "alert_overdue": own and triage.overdue(e.top_acknowledged_at, e.top_deadline, now),
                "alert_deadline": e.top_deadline if own else None,
                "alert_acknowledged": own and e.top_acknowledged_at is not None,
                "announce": f"{e.child.full_name}, {_category_word(e.category).lower()}, "
                f"{_grade_label(e.grade).lower()} risk",
            }
        )
    return rows


def _board_context(request: ViewerRequest, since: dt.datetime | None, now: dt.datetime) -> dict:
    viewer: Viewer = request.viewer
    episodes = list(
        _board(viewer).select_related("child__responsible_organisation", "police_force")
    )
    rows = episode_rows(viewer, episodes, now, since)
    fingerprint = triage.episodes_fingerprint(_board_episodes(viewer), now)
    return {
        "rows": rows,
        "episodes": episodes,
        "new_count": sum(1 for r in rows if r["new"]),
        "since": since,
        "now": now,
        "live": live.region(reverse("web:missing-now-live"), fingerprint, since or now),
        "fingerprint": fingerprint,
    }


def _audit_board(viewer: Viewer, episodes: list[Episode], how: str = "") -> None:
    n = len(episodes)
    record(
        viewer,
        AuditAction.LIST,
        object_type="episode",
        summary=f"Viewed the missing-now board{how} ({n} open episode{'s' if n != 1 else ''})",
        detail={"episodes": [e.pk for e in episodes]},
    )


@staff_view
def missing_now(request: ViewerRequest) -> HttpResponse:
    viewer: Viewer = request.viewer
    now = timezone.now()
    since = triage.last_look(viewer.user_id, triage.BOARD_PAGE)
    context = _board_context(request, since, now)
    _audit_board(viewer, context["episodes"])
    triage.look(viewer.user_id, triage.BOARD_PAGE, now)
    return render(request, "web/missing/missing_now.html", context)


@staff_view
@require_GET
def missing_now_live(request: ViewerRequest) -> HttpResponse:
    """The board's poll: 204 if nothing it shows has changed (two queries), else the new
    table, audited as the board is."""
    viewer: Viewer = request.viewer
    now = timezone.now()
    if live.unchanged(request, triage.episodes_fingerprint(_board_episodes(viewer), now)):
        return live.no_change()
    context = _board_context(request, live.since_from(request), now)
    _audit_board(viewer, context["episodes"], " (live update)")
    triage.look(viewer.user_id, triage.BOARD_PAGE, now)
    return live.fragment(
        request, "web/missing/includes/missing_now_live.html", context, context["fingerprint"]
    )


# --- alerts --------------------------------------------------------------------------------

ALERT_TABS = {
    "open": gettext_noop("Open"),
    "mine": gettext_noop("My alerts"),
    "backlog": gettext_noop("Older backlog"),
    "resolved": gettext_noop("Resolved"),
}
ALERT_KINDS = {code: kind.label for code, kind in severity.KINDS.items()}
ALERTS_PER_PAGE = 50

# Kept for the pages and tests that named them here.
inbox = triage.inbox


def alert_label(alert: Alert) -> str:
    """What the inbox calls an alert: the child's name, except for an alert about the
    organisation's own staff, whose child the organisation cannot see."""
    if alert.code in missing_policy.STAFF_NOTICE_CODES:
        return "Break-glass use by your staff"
    return alert.child.full_name


def _tab(alerts, show: str, viewer: Viewer, now: dt.datetime):
    """One tab of the inbox, in its order: most urgent first (the resolved, latest first)."""
    alerts = triage.with_escalation(alerts)
    if show == "resolved":
        return alerts.filter(resolved_at__isnull=False).order_by("-resolved_at", "-pk")
    still_open = alerts.filter(resolved_at__isnull=True)
    if show == "mine":
        return triage.urgent_first(still_open.filter(assigned_to_id=viewer.user_id))
    if show == "backlog":
        return triage.urgent_first(still_open.filter(triage.backlog(now)))
    return triage.urgent_first(still_open.exclude(triage.backlog(now)))


def _alert_params(source) -> tuple[str, str, int]:
    show = source.get("show", "open")
    if show not in ALERT_TABS:
        show = "open"
    kind = source.get("kind", "")
    if kind and kind not in ALERT_KINDS:
        kind = ""
    page = source.get("page", "")
    return show, kind, int(page) if page.isdigit() and int(page) > 0 else 1


def _alert_parts(rows, counts: dict, show: str, kind: str, number: int, now: dt.datetime):
    """What a page of the inbox shows that can change, for its fingerprint: the counts on the
    tabs and, for each alert on the page, whether it is acknowledged, overdue, whose it is and
    whether it is resolved, and how far it has been escalated."""
    return [
        show,
        kind,
        number,
        sorted(counts.items()),
        [
            (
                pk,
                level,
                ack is not None,
                triage.overdue(ack, by, now),
                assigned,
                resolved is not None,
                steps,
            )
            for pk, level, ack, by, assigned, resolved, steps in rows
        ],
    ]


_ALERT_PARTS = (
    "pk",
    "severity",
    "acknowledged_at",
    "acknowledge_by",
    "assigned_to_id",
    "resolved_at",
    "escalation_steps",
)


def _alerts_context(
    request: ViewerRequest,
    params: tuple[str, str, int],
    since: dt.datetime | None,
    now: dt.datetime,
    bound: dict[int, forms.ResolveAlertForm] | None = None,
) -> dict[str, Any]:
    viewer: Viewer = request.viewer
    show, kind, number = params
    alerts = triage.inbox(viewer)
    counts = triage.inbox_counts(alerts, viewer.user_id, now, since)
    shown = _tab(alerts, show, viewer, now)
    # The kinds present in this tab, with how many of each, to narrow a long inbox.
    kinds = dict(
        shown.order_by().values_list("code").annotate(n=Count("pk")).values_list("code", "n")
    )
    if kind:
        shown = shown.filter(code=kind)
    kind_options = [
        (code, label, kinds[code]) for code, label in ALERT_KINDS.items() if code in kinds
    ]
    paginator = Paginator(shown.select_related("child", "episode", "assigned_to"), ALERTS_PER_PAGE)
    page = paginator.get_page(number)
    bound = bound or {}
    rows = [
        {
            "alert": a,
            "level": a.level,
            "kind_label": severity.label_of(a.code),
            "new": triage.is_new(a.raised_at, since),
            # An alert is raised once it falls due, so an open one is overdue from its due time.
            "overdue": a.resolved_at is None and a.due_at <= now,
            "late": a.resolved_at is None
            and triage.overdue(a.acknowledged_at, a.acknowledge_by, now),
            "label": alert_label(a),
            "escalated": a.escalation_steps,
            "about_staff": a.code in missing_policy.STAFF_NOTICE_CODES,
            "form": bound.get(a.pk) or forms.ResolveAlertForm(prefix=f"alert-{a.pk}"),
        }
        for a in page.object_list
    ]
    fingerprint = triage.fingerprint(
        _alert_parts(
            [tuple(getattr(r["alert"], f) for f in _ALERT_PARTS) for r in rows],
            counts,
            show,
            kind,
            page.number,
            now,
        )
    )
    query = urlencode(
        {k: v for k, v in (("show", show if show != "open" else ""), ("kind", kind)) if v}
    )
    live_query = urlencode(
        {k: v for k, v in (("show", show), ("kind", kind), ("page", page.number)) if v}
    )
    return {
        "rows": rows,
        "show": show,
        "tabs": {key: gettext(label) for key, label in ALERT_TABS.items()},
        "counts": counts,
        "can_act": viewer.role in missing_policy.ROLES_THAT_ACT,
        "kind": kind,
        "kind_options": kind_options,
        "page": page,
        "pages": pagination(page),
        "query": query,
        "since": since,
        "now": now,
        "backlog_days": triage.BACKLOG_DAYS,
        "new_count": sum(1 for r in rows if r["new"]),
        # Not live on the resolved tab, nor while a form shows its errors (an update would
        # take the errors away).
        "live": live.region(
            reverse("web:alerts-live") + f"?{live_query}", fingerprint, since or now
        )
        if show != "resolved" and not bound
        else None,
        "fingerprint": fingerprint,
        "error_form": next((f for f in bound.values() if f.errors), None),
        "forms_have_errors": any(f.errors for f in bound.values()),
    }


def _audit_alerts(viewer: Viewer, context: dict[str, Any], how: str = "") -> None:
    show, kind, page = context["show"], context["kind"], context["page"]
    shown = [r["alert"] for r in context["rows"]]
    record(
        viewer,
        AuditAction.LIST,
        object_type="alert",
        summary=f"Viewed the alerts inbox{how} ({ALERT_TABS[show].lower()}"
        f"{', ' + ALERT_KINDS[kind].lower() if kind else ''}, page {page.number}, {len(shown)} shown)",
        detail={"alerts": [a.pk for a in shown]},
    )


def _alerts_page(
    request: ViewerRequest, bound: dict[int, forms.ResolveAlertForm] | None = None
) -> HttpResponse:
    viewer: Viewer = request.viewer
    now = timezone.now()
    since = triage.last_look(viewer.user_id, triage.ALERTS_PAGE)
    context = _alerts_context(request, _alert_params(request.GET), since, now, bound)
    _audit_alerts(viewer, context)
    triage.look(viewer.user_id, triage.ALERTS_PAGE, now)
    return render(request, "web/missing/alerts.html", context)


@staff_view
def alerts(request: ViewerRequest) -> HttpResponse:
    return _alerts_page(request)


@staff_view
@require_GET
def alerts_live(request: ViewerRequest) -> HttpResponse:
    """The inbox's poll: 204 if the tab's counts and the page's alerts are as the page shows
    them (two queries), else the new inbox, audited as the page is."""
    viewer: Viewer = request.viewer
    now = timezone.now()
    since = live.since_from(request)
    show, kind, number = params = _alert_params(request.GET)
    alerts = triage.inbox(viewer)
    counts = triage.inbox_counts(alerts, viewer.user_id, now, since)
    shown = _tab(alerts, show, viewer, now)
    if kind:
        shown = shown.filter(code=kind)
    start = (number - 1) * ALERTS_PER_PAGE
    rows = shown.values_list(*_ALERT_PARTS)[start : start + ALERTS_PER_PAGE]
    if live.unchanged(
        request, triage.fingerprint(_alert_parts(rows, counts, show, kind, number, now))
    ):
        return live.no_change()
    context = _alerts_context(request, params, since, now)
    _audit_alerts(viewer, context, " (live update)")
    triage.look(viewer.user_id, triage.ALERTS_PAGE, now)
    return live.fragment(
        request, "web/missing/includes/alerts_live.html", context, context["fingerprint"]
    )


def pagination(page) -> list[dict[str, Any]]:
    """The GOV.UK pagination component's numbered items: the first and last pages, the current
    one and its neighbours, and an ellipsis for each gap."""
    last = page.paginator.num_pages
    wanted = sorted(
        {1, last, page.number - 1, page.number, page.number + 1} & set(range(1, last + 1))
    )
    items: list[dict[str, Any]] = []
    previous = 0
    for n in wanted:
        if n - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "current": n == page.number})
        previous = n
    return items


def _inbox_alert(request: ViewerRequest, pk: int, purpose: str) -> Alert:
    """An alert in the viewer's inbox, or 404 (the attempt audited), whoever may act on it."""
    viewer: Viewer = request.viewer
    alert = triage.inbox(viewer).select_related("child", "episode").filter(pk=pk).first()
    if alert is None:
        other = Alert.objects.select_related("child").filter(pk=pk).first()
        _deny(
            viewer,
            "alert",
            pk,
            other.child if other else None,
            "Tried to open an alert outside their access",
            purpose,
        )
        raise Http404("No alert with that number is available to you")
    return alert


@staff_view
@require_GET
def alert_goto(request: ViewerRequest, pk: int) -> HttpResponse:
    """One alert, where it is in the inbox: the tab and page that hold it, at its card (the
    banner's "View the alert" link)."""
    viewer: Viewer = request.viewer
    alert = _inbox_alert(request, pk, "open alert")
    now = timezone.now()
    alerts = triage.inbox(viewer)
    if alert.resolved_at is not None:
        show = "resolved"
    elif alerts.filter(pk=alert.pk).filter(triage.backlog(now)).exists():
        show = "backlog"
    else:
        show = "open"
    order = list(_tab(alerts, show, viewer, now).values_list("pk", flat=True))
    number = order.index(alert.pk) // ALERTS_PER_PAGE + 1 if alert.pk in order else 1
    query = urlencode(
        {
            k: v
            for k, v in (
                ("show", show if show != "open" else ""),
                ("page", number if number > 1 else ""),
            )
            if v
        }
    )
    return redirect(reverse("web:alerts") + (f"?{query}" if query else "") + f"#alert-{alert.pk}")


def _banner_context(request: ViewerRequest, found: list[Alert], back: str) -> dict[str, Any]:
    first = found[0] if found else None
    return {
        "banner": {
            "alert": first,
            "level": first.level,
            "label": severity.label_of(first.code),
            "more": len(found) - 1,
            "more_capped": len(found) >= triage.BANNER_READ,
            "back": back,
        }
        if first
        else None
    }


def banner_for(request: ViewerRequest) -> dict[str, Any] | None:
    """The banner a page shows (web/context.py puts it on every page): the most urgent
    critical or high alert raised in the last day that nobody has acknowledged, for the people
    who act on the inbox that holds it. It names the kind of alert and its times, never the
    child, so showing it discloses nothing and is not audited; its link opens the inbox."""
    found = triage.banner_alerts(request.viewer, timezone.now())
    return _banner_context(request, found, request.get_full_path())["banner"]


@staff_view
@require_GET
def alert_banner(request: ViewerRequest) -> HttpResponse:
    """The banner's poll, from every page: 204 if the page shows the banner it would show now
    (one query), else the banner (or nothing, to take it away)."""
    found = triage.banner_alerts(request.viewer, timezone.now())
    shown = f"{found[0].pk}:{len(found)}" if found else ""
    if live.unchanged(request, shown):
        return live.no_change()
    back = safe_next(request, request.GET.get("next", "")) or reverse("web:home")
    return live.fragment(
        request, "web/includes/alert_banner.html", _banner_context(request, found, back), shown
    )


@staff_view
@require_POST
def alert_dismiss(request: ViewerRequest, pk: int) -> HttpResponse:
    """Put the banner for one alert away, for this person; the alert stays in the inbox."""
    alert = _inbox_alert(request, pk, "dismiss alert banner")
    AlertDismissal.objects.get_or_create(
        user=request.user, alert=alert, defaults={"at": timezone.now()}
    )
    if request.headers.get("X-Requested-With") == "fetch":  # the banner's script
        return HttpResponse(status=204)
    return redirect(safe_next(request, request.POST.get("next", "")) or reverse("web:home"))


def _own_alert(request: ViewerRequest, pk: int, purpose: str) -> Alert:
    viewer: Viewer = request.viewer
    alert = Alert.objects.select_related("child__responsible_organisation").filter(pk=pk).first()
    if alert is None or alert.organisation_id != viewer.organisation_id:
        _deny(
            viewer,
            "alert",
            pk,
            alert.child if alert else None,
            "Tried to open an alert outside their access",
            purpose,
        )
        raise Http404("No alert with that number is available to you")
    if not missing_policy.can_handle_alert(viewer, alert):
        _deny(viewer, "alert", pk, alert.child, f"Tried to {purpose} without permission", purpose)
        raise PermissionDenied("You cannot act on this alert")
    return alert


def _back_to_alerts(request: ViewerRequest) -> HttpResponse:
    """Back to the tab, kind and page the person acted from."""
    show, kind, page = (request.POST.get(k, "") for k in ("show", "kind", "page"))
    query = urlencode(
        {
            k: v
            for k, v in (
                ("show", show if show in ALERT_TABS and show != "open" else ""),
                ("kind", kind if kind in ALERT_KINDS else ""),
                ("page", page if page.isdigit() and page != "1" else ""),
            )
            if v
        }
    )
    return redirect(reverse("web:alerts") + (f"?{query}" if query else ""))


@staff_view
@require_POST
def alert_acknowledge(request: ViewerRequest, pk: int) -> HttpResponse:
    alert = _own_alert(request, pk, "acknowledge alert")
    missing_actions.acknowledge_alert(request.viewer, alert)
    messages.success(request, f"Alert acknowledged: {alert_label(alert)}")
    if request.POST.get("from") == "alert":  # the alert's own page
        return redirect("web:alert-detail", alert.pk)
    return _back_to_alerts(request)


@staff_view
@require_POST
def alert_resolve(request: ViewerRequest, pk: int) -> HttpResponse:
    alert = _own_alert(request, pk, "resolve alert")
    form = forms.ResolveAlertForm(request.POST, prefix=f"alert-{alert.pk}")
    if form.is_valid():
        try:
            missing_actions.resolve_alert(request.viewer, alert, form.cleaned_data["resolution"])
        except missing_actions.AlertAlreadyResolved as already:
            # Nothing on the form to correct: say who got there first, and go back to the inbox.
            messages.info(request, " ".join(already.messages))
            return _back_to_alerts(request)
        except ValidationError as error:
            _apply_action_errors(form, error)
        else:
            messages.success(request, f"Alert resolved: {alert_label(alert)}")
            return _back_to_alerts(request)
    return _alerts_page(request, {alert.pk: form})


@staff_view
@require_POST
def alerts_sweep(request: ViewerRequest) -> HttpResponse:
    """Raise any time-based alerts now due for the council's children who are missing or came
    back recently (and close those whose condition has gone). The scheduled national sweep
    covers everyone else."""
    viewer: Viewer = request.viewer
    if (
        viewer.role not in missing_policy.ROLES_THAT_ACT
        or not viewer.organisation.is_responsible_body
    ):
        _deny(
            viewer,
            "alert",
            "",
            None,
            "Tried to check for new alerts without permission",
            "check for alerts",
        )
        raise PermissionDenied("Your role cannot check for new alerts")
    since = timezone.now() - dt.timedelta(days=RECENT_RETURN_DAYS)
    active = Episode.objects.filter(Q(returned_at__isnull=True) | Q(returned_at__gte=since)).values(
        "child_id"
    )
    with_alerts = Alert.objects.filter(
        organisation=viewer.organisation, resolved_at__isnull=True
    ).values("child_id")
    children = (
        register_policy.full_access_children(viewer)
        .filter(Q(pk__in=active) | Q(pk__in=with_alerts))
        .select_related("responsible_organisation__authority")
    )
    open_before = set(
        Alert.objects.filter(
            organisation=viewer.organisation, resolved_at__isnull=True
        ).values_list("pk", flat=True)
    )
    raised = closed = 0
    for child in children:
        new, gone = missing_actions.sweep_child(child)
        raised += sum(1 for a in new if a.pk not in open_before)
        closed += len(gone)
    messages.success(
        request,
        f"Checked {len(children)} {'child' if len(children) == 1 else 'children'}: "
        f"{raised} new alert{'s' if raised != 1 else ''}, {closed} closed",
    )
    return redirect("web:alerts")


# --- safety plan ---------------------------------------------------------------------------


def _plan_child(request: ViewerRequest, pk: int, purpose: str) -> Child:
    """Only the responsible council sees the safety plan (it is not part of the host's
    limited view)."""
    child, access = opening.open_child(request.viewer, pk, purpose=purpose)
    if access != register_policy.Access.FULL:
        _deny(
            request.viewer,
            "safetyplan",
            child.pk,
            child,
            "Tried to open a safety plan outside their access",
            purpose,
        )
        raise Http404("No safety plan available to you")
    return child


@staff_view
def safety_plan(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _plan_child(request, pk, "safety plan")
    plan = SafetyPlan.objects.filter(child=child).first()
    record(
        request.viewer,
        AuditAction.VIEW,
        object_type="safetyplan",
        object_id=plan.pk if plan else "",
        child_id=child.pk,
        summary="Viewed safety plan" if plan else "Viewed safety plan (none yet)",
    )
    return render(
        request,
        "web/missing/safety_plan.html",
        {
            "child": child,
            "plan": plan,
            "can_act": missing_policy.can_act(request.viewer, child),
        },
    )


@staff_view
def safety_plan_edit(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _plan_child(request, pk, "change safety plan")
    if not missing_policy.can_act(request.viewer, child):
        _deny(
            request.viewer,
            "safetyplan",
            child.pk,
            child,
            "Tried to change a safety plan without permission",
        )
        raise PermissionDenied("You cannot change this child's safety plan")
    plan = SafetyPlan.objects.filter(child=child).first()
    # Version 0 means "there was no plan when I opened the form": a plan someone else
    # creates meanwhile is then a stale edit, not silently overwritten.
    initial = (
        {f: getattr(plan, f) for f in missing_actions.SAFETY_PLAN_FIELDS}
        | {"version": plan.version}
        if plan
        else {"version": 0}
    )
    form = forms.SafetyPlanForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            missing_actions.save_safety_plan(
                request.viewer,
                child,
                form.action_values(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as error:
            _apply_action_errors(form, error)
        else:
            messages.success(request, "The safety plan has been saved")
            return redirect("web:safety-plan", pk=child.pk)
    return render(
        request, "web/missing/safety_plan_form.html", {"form": form, "child": child, "plan": plan}
    )


# --- risk settings -------------------------------------------------------------------------


@staff_view
def risk_settings(request: ViewerRequest) -> HttpResponse:
    viewer: Viewer = request.viewer
    if not missing_policy.can_set_rules(viewer):
        _deny(
            viewer,
            "authorityrisksettings",
            "",
            None,
            "Tried to open the risk settings without permission",
        )
        raise PermissionDenied("Only a senior manager can change the authority's risk settings")
    current = missing_actions.settings_for(viewer.organisation)
    form = forms.RiskSettingsForm(
        request.POST if request.method == "POST" else None, current=current
    )
    if request.method == "POST" and form.is_valid():
        try:
            missing_actions.save_risk_settings(viewer, form.setting_values())
        except ValidationError as error:
            prefix = "Invalid risk settings: "
            for message in error.messages:
                for problem in (
                    message[len(prefix) :] if message.startswith(prefix) else message
                ).split("; "):
                    field = form.field_for_problem(problem)
                    form.add_error(field, form.problem_in_words(field, problem))
        else:
            messages.success(
                request,
                "The risk settings have been saved. They apply to gradings and alerts from now on",
            )
            return redirect("web:risk-settings")
    stored = AuthorityRiskSettings.objects.filter(organisation=viewer.organisation).first()
    return render(
        request,
        "web/missing/risk_settings.html",
        {
            "form": form,
            "stored": stored,
            "setting_fields": [form[name] for name in form.fields if name not in form.weights],
            "weight_fields": [form[name] for name in form.weights],
        },
    )
