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
from django.views.decorators.http import require_POST

from visible.access import missing as missing_policy
from visible.access import opening
from visible.access import register as register_policy
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.dates import eighteenth_birthday
from visible.missing import actions as missing_actions
from visible.missing.models import (
    Alert,
    AuthorityRiskSettings,
    Category,
    Episode,
    ExploitationIndicator,
    GradingKind,
    SafetyPlan,
)
from visible.reference.nationalities import language_name
from visible.risk import RULES, Grade

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
    return "Missing" if category == Category.MISSING else "Away from placement"


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
            episode, grading = missing_actions.report_missing(
                request.viewer, child, form.action_values()
            )
        except ValidationError as error:
            _apply_action_errors(form, error)
        else:
            messages.success(
                request,
                f"{child.full_name} has been reported {_category_word(episode.category).lower()}. "
                f"Visible proposes the grade {_grade_label(grading.proposed_grade)}: "
                "confirm or change it below",
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


def _assessment_view(assessment: dict[str, Any]) -> dict[str, Any]:
    """The engine's stored output, ready to show: every reason with its source."""
    alerts = []
    for alert in assessment.get("alerts", []):
        due = alert.get("due_at")
        alerts.append({**alert, "due_at": dt.datetime.fromisoformat(due) if due else None})
    return {
        "grade": assessment.get("grade", ""),
        "grade_label": _grade_label(assessment.get("grade", "")),
        "floor_label": _grade_label(assessment.get("floor", "")),
        "headline": assessment.get("headline", ""),
        "score": assessment.get("score", 0),
        "reasons": [
            {
                **r,
                "title": RULES[r["rule_id"]].title if r.get("rule_id") in RULES else "",
                "floor_label": _grade_label(r.get("floor") or ""),
            }
            for r in assessment.get("reasons", [])
        ],
        "markers": [
            MARKER_LABELS.get(m, m.replace("_", " ").capitalize())
            for m in assessment.get("markers", [])
        ],
        "prompts": assessment.get("prompts", []),
        "alerts": alerts,
    }


def _episode_forms(episode: Episode, bound: dict[str, Any]) -> dict[str, Any]:
    """The episode page's forms: the one just submitted (bound, with its errors), fresh ones
    for the rest."""
    found = {
        "grade_form": forms.GradeForm(prefix="grade", initial={"grade": episode.grade}),
        "log_form": forms.LogEntryForm(
            prefix="log", initial=forms.now_initial("occurred_date", "occurred_time")
        ),
        "police_form": forms.PoliceReportForm(
            prefix="police",
            initial={
                "police_force": episode.police_force_id,
                "police_reference": episode.police_reference,
                **(
                    forms.instant_initial(
                        episode.police_reported_at, "police_reported_date", "police_reported_time"
                    )
                    or forms.now_initial("police_reported_date", "police_reported_time")
                ),
            },
        ),
        "return_form": None,
        "interview_form": None,
    }
    if episode.is_open:
        found["return_form"] = forms.ReturnForm(
            prefix="return", initial=forms.now_initial("returned_date", "returned_time")
        )
    else:
        interview = getattr(episode, "return_interview", None)
        initial: dict[str, Any] = {}
        if interview is not None:
            initial = {
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
        found["interview_form"] = forms.ReturnInterviewForm(prefix="interview", initial=initial)
    found.update(bound)
    return found


def _render_episode(
    request: ViewerRequest, episode: Episode, view: str, **bound: Any
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
    context: dict[str, Any] = {
        "episode": episode,
        "child": child,
        "full": full,
        "limited": not full,
        "can_act": can_act,
        "category_word": _category_word(episode.category),
        "grade_label": _grade_label(episode.grade),
        "duration": _duration(ended - episode.last_seen_at),
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
        "log": list(episode.log.all()) if full else [],
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
        "now": now,
    }
    if can_act:
        context.update(_episode_forms(episode, bound))
        context["forms_have_errors"] = any(
            f is not None and f.is_bound and f.errors for f in bound.values()
        )
        context["grade_review_kind"] = (
            GradingKind.CONFIRMED if episode.is_open else GradingKind.RETURN
        )
    return render(request, "web/missing/episode.html", context)


@staff_view
def episode(request: ViewerRequest, pk: int) -> HttpResponse:
    found, view = _open_episode(request, pk)
    return _render_episode(request, found, view)


def _episode_post(
    request: ViewerRequest,
    pk: int,
    *,
    purpose: str,
    form_key: str,
    form_class: type,
    prefix: str,
    save: Callable[[Episode, Any], Any],
    done: str,
) -> HttpResponse:
    """One form on the episode page: save through its action and go back to the page, or show
    the page again with the errors."""
    found = _episode_to_act_on(request, pk, purpose)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            save(found, form)
        except ValidationError as error:
            _apply_action_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("web:episode", pk=found.pk)
    found.refresh_from_db()
    return _render_episode(request, found, "full", **{form_key: form})


@staff_view
@require_POST
def episode_grade(request: ViewerRequest, pk: int) -> HttpResponse:
    def save(found: Episode, form: forms.GradeForm) -> None:
        kind = GradingKind.CONFIRMED if found.is_open else GradingKind.RETURN
        missing_actions.grade_episode(
            request.viewer,
            found,
            form.cleaned_data["grade"],
            form.cleaned_data["reason"],
            kind=kind,
        )

    return _episode_post(
        request,
        pk,
        purpose="grade episode",
        form_key="grade_form",
        form_class=forms.GradeForm,
        prefix="grade",
        save=save,
        done="The grade has been recorded",
    )


@staff_view
@require_POST
def episode_log(request: ViewerRequest, pk: int) -> HttpResponse:
    def save(found: Episode, form: forms.LogEntryForm) -> None:
        data = form.cleaned_data
        missing_actions.add_log_entry(
            request.viewer, found, data["kind"], data["occurred_at"], data["text"]
        )

    return _episode_post(
        request,
        pk,
        purpose="log the search",
        form_key="log_form",
        form_class=forms.LogEntryForm,
        prefix="log",
        save=save,
        done="The entry has been added to the search log",
    )


@staff_view
@require_POST
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

    return _episode_post(
        request,
        pk,
        purpose="record police report",
        form_key="police_form",
        form_class=forms.PoliceReportForm,
        prefix="police",
        save=save,
        done="The police report has been recorded",
    )


@staff_view
@require_POST
def episode_return(request: ViewerRequest, pk: int) -> HttpResponse:
    def save(found: Episode, form: forms.ReturnForm) -> None:
        missing_actions.record_return(
            request.viewer, found, form.action_values(), expected_version=found.version
        )

    return _episode_post(
        request,
        pk,
        purpose="record return",
        form_key="return_form",
        form_class=forms.ReturnForm,
        prefix="return",
        save=save,
        done="The return has been recorded and the episode closed. Offer an independent return "
        "interview within 72 hours",
    )


@staff_view
@require_POST
def episode_interview(request: ViewerRequest, pk: int) -> HttpResponse:
    def save(found: Episode, form: forms.ReturnInterviewForm) -> None:
        missing_actions.record_return_interview(
            request.viewer,
            found,
            form.action_values(),
            flags_to_raise=list(form.cleaned_data["raise_flags"]),
        )

    return _episode_post(
        request,
        pk,
        purpose="record return interview",
        form_key="interview_form",
        form_class=forms.ReturnInterviewForm,
        prefix="interview",
        save=save,
        done="The return interview has been recorded",
    )


# --- missing now ---------------------------------------------------------------------------


@staff_view
def missing_now(request: ViewerRequest) -> HttpResponse:
    """Every open episode of the council's own children, and of children placed in its area,
    highest grade first, then longest missing first."""
    viewer: Viewer = request.viewer
    now = timezone.now()
    seen = register_policy.visible_children(viewer)
    episodes = missing_policy.most_urgent_first(
        Episode.objects.filter(returned_at__isnull=True, child__in=seen).select_related(
            "child__responsible_organisation", "police_force"
        )
    )
    rows = [
        {
            "episode": e,
            "child": e.child,
            "limited": e.child.responsible_organisation_id != viewer.organisation_id,
            "grade_label": _grade_label(e.grade),
            "category_word": _category_word(e.category),
            "missing_for": _duration(now - e.last_seen_at),
        }
        for e in episodes
    ]
    record(
        viewer,
        AuditAction.LIST,
        object_type="episode",
        summary=f"Viewed the missing-now board ({len(rows)} open episode{'s' if len(rows) != 1 else ''})",
        detail={"episodes": [e.pk for e in episodes]},
    )
    return render(request, "web/missing/missing_now.html", {"rows": rows})


# --- alerts --------------------------------------------------------------------------------

ALERT_TABS = {"open": "Open", "mine": "Assigned to me", "resolved": "Resolved"}
ALERT_KINDS = {
    "potential_trafficking_victim": "Potential trafficking victim",
    "no_police_report": "No police report",
    "long_missing": "Missing a long time",
    "approaching_18": "Approaching 18 while missing",
    "turned_18_while_missing": "Turned 18 while missing",
    "return_interview_overdue": "Return interview overdue",
    "nrm_rg_overdue": "NRM decision overdue",
    "duty_to_notify": "Duty to Notify",
    "forbidden_label": "Forbidden label",
    "placed_in_your_area": "Placed in your area",
    "break_glass": "Break-glass access",
    "break_glass_by_staff": "Break-glass use by your staff",
    "transferred_in": "Transferred to you",
}
ALERTS_PER_PAGE = 50


def inbox(viewer: Viewer):
    """The alerts in the organisation's inbox: a council's (or HSC Trust's) every alert; any other
    organisation's only those about its own staff (missing_policy.STAFF_NOTICE_CODES)."""
    org = viewer.organisation
    if org is None:
        return Alert.objects.none()
    alerts = Alert.objects.filter(organisation=org)
    return (
        alerts
        if org.is_responsible_body
        else alerts.filter(code__in=missing_policy.STAFF_NOTICE_CODES)
    )


def alert_label(alert: Alert) -> str:
    """What the inbox calls an alert: the child's name, except for an alert about the
    organisation's own staff, whose child the organisation cannot see."""
    if alert.code in missing_policy.STAFF_NOTICE_CODES:
        return "Break-glass use by your staff"
    return alert.child.full_name


def _alerts_page(
    request: ViewerRequest, bound: dict[int, forms.ResolveAlertForm] | None = None
) -> HttpResponse:
    viewer: Viewer = request.viewer
    show = request.GET.get("show", "open")
    if show not in ALERT_TABS:
        show = "open"
    alerts = inbox(viewer).select_related("child", "episode", "assigned_to")
    counts = {
        "open": alerts.filter(resolved_at__isnull=True).count(),
        "mine": alerts.filter(resolved_at__isnull=True, assigned_to_id=viewer.user_id).count(),
    }
    if show == "resolved":
        shown = alerts.filter(resolved_at__isnull=False).order_by("-resolved_at", "-pk")
    elif show == "mine":
        shown = alerts.filter(resolved_at__isnull=True, assigned_to_id=viewer.user_id).order_by(
            "due_at", "pk"
        )
    else:
        shown = alerts.filter(resolved_at__isnull=True).order_by("due_at", "pk")
    # The kinds present in this tab, with how many of each, to narrow a long inbox.
    kinds = dict(
        shown.order_by().values_list("code").annotate(n=Count("pk")).values_list("code", "n")
    )
    kind = request.GET.get("kind", "")
    if kind and kind not in ALERT_KINDS:
        kind = ""
    if kind:
        shown = shown.filter(code=kind)
    kind_options = [
        (code, label, kinds[code]) for code, label in ALERT_KINDS.items() if code in kinds
    ]
    paginator = Paginator(shown, ALERTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    shown = page.object_list
    now = timezone.now()
    bound = bound or {}
    can_act_here = viewer.role in missing_policy.ROLES_THAT_ACT
    # An alert is raised once it falls due, so an open one is overdue from its due time.
    rows = [
        {
            "alert": a,
            "overdue": a.resolved_at is None and a.due_at <= now,
            "label": alert_label(a),
            "about_staff": a.code in missing_policy.STAFF_NOTICE_CODES,
            "form": bound.get(a.pk) or forms.ResolveAlertForm(prefix=f"alert-{a.pk}"),
        }
        for a in shown
    ]
    record(
        viewer,
        AuditAction.LIST,
        object_type="alert",
        summary=f"Viewed the alerts inbox ({ALERT_TABS[show].lower()}"
        f"{', ' + ALERT_KINDS[kind].lower() if kind else ''}, page {page.number}, {len(rows)} shown)",
        detail={"alerts": [a.pk for a in shown]},
    )
    query = urlencode(
        {k: v for k, v in (("show", show if show != "open" else ""), ("kind", kind)) if v}
    )
    return render(
        request,
        "web/missing/alerts.html",
        {
            "rows": rows,
            "show": show,
            "tabs": ALERT_TABS,
            "counts": counts,
            "can_act": can_act_here,
            "kind": kind,
            "kind_options": kind_options,
            "page": page,
            "query": query,
            "error_form": next((f for f in bound.values() if f.errors), None),
            "forms_have_errors": any(f.errors for f in bound.values()),
        },
    )


@staff_view
def alerts(request: ViewerRequest) -> HttpResponse:
    return _alerts_page(request)


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
