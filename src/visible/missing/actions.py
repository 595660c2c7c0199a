"""Every write about missing episodes, one function per use case: validate, write, ask the
risk engine, raise alerts and write the audit event, in one transaction. Each takes its values
as typed arguments or a typed input (missing/inputs.py), so a caller missing a required field
fails where it calls, naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from visible.access import missing as policy
from visible.access import register as register_policy
from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.audit.log import plain_value as _plain
from visible.audit.log import record, record_for
from visible.audit.models import AuditAction
from visible.children import actions as register
from visible.children.models import Child, Flag
from visible.children.validation import Conflict, Problems
from visible.risk import (
    ALERT_RULES,
    DEFAULTS,
    Assessment,
    ChildFacts,
    Grade,
    RiskSettings,
    assess_episode,
    check_override,
    check_text,
    sweep,
)
from visible.risk.factors import FACTORS

from .facts import facts_for, facts_to_json
from .inputs import ReportMissingInput, ReturnInput, ReturnInterviewInput, SafetyPlanInput
from .models import (
    Alert,
    AuthorityRiskSettings,
    Category,
    Episode,
    Grading,
    GradingKind,
    InterviewOutcome,
    LogEntry,
    LogKind,
    ReporterRole,
    ReturnInterview,
    SafetyPlan,
)

EPISODE_REPORT_FIELDS = (
    "category",
    "last_seen_at",
    "last_seen_place",
    "with_whom",
    "clothing",
    "circumstances",
    "reported_by_name",
    "reported_by_role",
    "police_force",
    "police_reported_at",
    "police_reference",
)
RETURN_FIELDS = ("returned_at", "found_place", "found_by", "return_condition", "found_in_authority")


AUTO_RESOLVER = "Visible"  # the name on alerts closed because their condition went away
# Alerts the time-based sweep re-checks, and so may close when their condition goes away.
# Others (R-EARLY's potential trafficking victim) are raised once, at grading, and stay open
# until a person resolves them.
SWEEP_ALERT_CODES = frozenset(ALERT_RULES) - {"potential_trafficking_victim"}


class StaleEpisode(ValidationError):
    """Someone else saved the episode after this form was opened."""


def _now() -> dt.datetime:
    return timezone.now()


def settings_for(organisation: Organisation | None) -> RiskSettings:
    stored = (
        AuthorityRiskSettings.objects.filter(organisation=organisation).first()
        if organisation
        else None
    )
    return RiskSettings.from_dict(stored.values) if stored and stored.values else DEFAULTS


def _words_problem(p: Problems, field: str, text: str, reject: bool) -> list[str]:
    """Forbidden labels: rejected in fields that categorise a child, flagged in notes."""
    findings = [f for f in check_text(text or "") if f.certain]
    if findings and reject:
        words = ", ".join(sorted({f.word.lower() for f in findings}))
        p.add(
            field,
            f"Do not describe a child in care as {words} (Heading back to harm, Rec 5.iv): "
            "describe what happened instead",
        )
    return sorted({f.word.lower() for f in findings})


# --- alerts --------------------------------------------------------------------------------


def _store_alerts(
    child: Child, alerts, at: dt.datetime, episodes_by_id: dict[str, Episode] | None = None
) -> list[Alert]:
    """Create each alert the engine raised, once (by its key); never duplicate one."""
    stored = []
    existing = {a.key: a for a in Alert.objects.filter(key__in=[x.key for x in alerts])}
    for alert in alerts:
        if alert.key in existing:
            found = existing[alert.key]
            if found.resolved_at is not None and found.resolved_by_name == AUTO_RESOLVER:
                # The condition came back after Visible had closed the alert: open it again.
                found.resolved_at, found.resolved_by_name, found.resolution = None, "", ""
                found.save(update_fields=["resolved_at", "resolved_by_name", "resolution"])
            stored.append(found)
            continue
        episode = None
        if alert.episode_id:
            episode = (episodes_by_id or {}).get(alert.episode_id) or Episode.objects.filter(
                pk=int(alert.episode_id)
            ).first()
        stored.append(
            Alert.objects.create(
                organisation=child.responsible_organisation,
                child=child,
                episode=episode,
                code=alert.code,
                key=alert.key,
                text=alert.text,
                source=f"{alert.citation}",
                due_at=alert.due_at,
                raised_at=at,
            )
        )
    return stored


@transaction.atomic
def sweep_child(
    child: Child,
    at: dt.datetime | None = None,
    facts: ChildFacts | None = None,
    settings: RiskSettings | None = None,
) -> tuple[list[Alert], list[Alert]]:
    """Raise the time-based alerts now due for one child, and close those whose condition has
    gone (the interview was held, the NRM decision arrived). Returns (raised, closed).
    A caller that has just read the child's facts and settings at ``at`` may pass them."""
    at = at or _now()
    before_open = set(
        Alert.objects.filter(child=child, resolved_at__isnull=True).values_list("key", flat=True)
    )
    settings = settings or settings_for(child.responsible_organisation)
    due = sweep(facts or facts_for(child, at), at, settings)
    raised = [a for a in _store_alerts(child, due, at) if a.resolved_at is None]
    still_due = {a.key for a in due}
    closed = []
    for alert in Alert.objects.filter(
        child=child, resolved_at__isnull=True, code__in=SWEEP_ALERT_CODES
    ).exclude(key__in=still_due):
        alert.resolved_at = at
        alert.resolved_by_name = AUTO_RESOLVER
        alert.resolution = "Closed automatically: the condition no longer holds"
        alert.save(update_fields=["resolved_at", "resolved_by_name", "resolution"])
        closed.append(alert)
    newly_raised = [a.key for a in raised if a.key not in before_open]
    if newly_raised or closed:
        record(
            Viewer.system("sweep"),
            AuditAction.CHANGE,
            object_type="alert",
            child_id=child.pk,
            summary=f"Alerts: {len(newly_raised)} raised, {len(closed)} closed automatically",
            detail={
                "raised": newly_raised,
                "closed": [a.key for a in closed],
                "at": at.isoformat(),
            },
        )
    return raised, closed


@transaction.atomic
def acknowledge_alert(viewer: Viewer, alert: Alert) -> Alert:
    policy.require_handle_alert(viewer, alert)
    if alert.acknowledged_at is None:
        # Acknowledging is taking the alert on: it lands in the acknowledger's own inbox.
        alert.acknowledged_at = _now()
        alert.acknowledged_by_name = viewer.username
        if alert.assigned_to_id is None:
            alert.assigned_to_id = viewer.user_id
        alert.save(update_fields=["acknowledged_at", "acknowledged_by_name", "assigned_to"])
        record_for(
            viewer,
            AuditAction.CHANGE,
            alert,
            alert.child.pk,
            f"Acknowledged alert: {alert.text[:120]}",
            {
                "record": "alert",
                "changes": {"acknowledged_at": [None, _plain(alert.acknowledged_at)]},
            },
        )
    return alert


class AlertAlreadyResolved(Conflict):
    """Someone else resolved the alert first (perhaps a moment ago, from another page)."""

    def __init__(self, alert: Alert) -> None:
        self.alert = alert
        when = timezone.localtime(alert.resolved_at)
        super().__init__(
            {
                "resolution": [
                    f"This alert was already resolved by {alert.resolved_by_name or 'someone'} on {when:%-d %B %Y} at "
                    f"{when:%H:%M}"
                    + (f": \u201c{alert.resolution}\u201d" if alert.resolution else "")
                ]
            }
        )


@transaction.atomic
def resolve_alert(viewer: Viewer, alert: Alert, resolution: str) -> Alert:
    policy.require_handle_alert(viewer, alert)
    if alert.resolved_at:
        raise AlertAlreadyResolved(alert)
    if not (resolution or "").strip():
        raise ValidationError({"resolution": ["Enter what was done about the alert"]})
    now = _now()
    # Only the first of several people resolving at once wins: the UPDATE matches the row only
    # while it is unresolved (PostgreSQL makes the others wait for the first, then re-reads the
    # row and matches nothing). The others are told who resolved it; no second audit event.
    won = Alert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by_name=viewer.username, resolution=resolution.strip()
    )
    if not won:
        alert.refresh_from_db()
        raise AlertAlreadyResolved(alert)
    Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by_name=viewer.username
    )
    alert.refresh_from_db()
    record_for(
        viewer,
        AuditAction.END,
        alert,
        alert.child.pk,
        f"Resolved alert: {alert.text[:120]}",
        {"record": "alert", "changes": {"resolution": [None, alert.resolution]}},
    )
    return alert


# --- grading -------------------------------------------------------------------------------


def _assess(
    child: Child, episode: Episode, at: dt.datetime
) -> tuple[Assessment, ChildFacts, RiskSettings]:
    settings = settings_for(child.responsible_organisation)
    facts = facts_for(child, at)
    return assess_episode(facts, str(episode.pk), at, settings), facts, settings


def _save_grading(
    viewer: Viewer,
    episode: Episode,
    kind: str,
    assessment: Assessment,
    facts,
    settings: RiskSettings,
    grade: Grade,
    reason: str,
) -> Grading:
    grading = Grading.objects.create(
        episode=episode,
        kind=kind,
        assessed_at=assessment.at,
        proposed_grade=assessment.grade.value,
        floor=assessment.floor.value,
        grade=grade.value,
        override_reason=reason.strip(),
        assessment=assessment.as_dict(),
        facts=facts_to_json(facts),
        settings=settings.as_dict(),
        graded_by_id=viewer.user_id,
        graded_by_name=viewer.username,
        graded_by_organisation=viewer.organisation.name if viewer.organisation else "",
    )
    episode.grade = grade.value
    episode.save(update_fields=["grade"])
    return grading


def _raise_flags(viewer: Viewer, child: Child, assessment: Assessment) -> list[Flag]:
    """R-EARLY: a UASC or unaccompanied child missing soon after becoming looked after is a
    potential victim of trafficking: the suspected-trafficking flag goes on, pending
    confirmation by a professional."""
    raised = []
    if not register_policy.can_edit(viewer, child):
        return raised  # the police grading: the alert asks the council to confirm the flag
    for kind in assessment.flags_to_raise:
        if not child.flags.filter(kind=kind, end_date__isnull=True).exists():
            reasons = (
                "; ".join(str(r) for r in assessment.reasons if r.rule_id == "R-EARLY")
                or assessment.headline
            )
            flag = _flag_unless_open(
                viewer,
                child,
                kind,
                timezone.localdate(assessment.at),
                f"Raised by the risk engine: {reasons}",
                "risk engine R-EARLY",
            )
            if flag is not None:
                raised.append(flag)
    return raised


def _flag_unless_open(
    viewer: Viewer, child: Child, kind: str, day: dt.date, evidence: str, source: str
) -> Flag | None:
    """Put a flag on that something else has found, unless someone has just put one of that
    kind on (a request racing this one): the flag the finding asks for is then open already."""
    try:
        return register.record_flag(viewer, child, kind, day, evidence, source=source)
    except Conflict:
        return None


@transaction.atomic
def report_missing(
    viewer: Viewer, child: Child, data: ReportMissingInput
) -> tuple[Episode, Grading]:
    policy.require_act(viewer, child)
    now = _now()
    p = Problems()
    if data.reported_by_role not in ReporterRole.values:
        p.add("reported_by_role", "Select who is reporting")
    if data.category not in Category.values:
        p.add(
            "category",
            "Select missing or away from placement (there is no 'absent' category for a child in care)",
        )
    seen = data.last_seen_at
    if seen:
        if seen > now:
            p.add("last_seen_at", "When last seen must be now or in the past")
        local_day = timezone.localtime(seen).date()
        if local_day < child.date_of_birth:
            p.add(
                "last_seen_at",
                f"When last seen must be after the child's date of birth ({child.date_of_birth:%d/%m/%Y})",
            )
        elif local_day < child.looked_after_from:
            p.add(
                "last_seen_at",
                "An episode cannot start before the child became looked after "
                f"({child.looked_after_from:%d/%m/%Y}; SSDA903 rule 581)",
            )
        Child.objects.select_for_update(no_key=True).filter(
            pk=child.pk
        ).first()  # one report at a time per child
        open_episode = Episode.objects.filter(child=child, returned_at__isnull=True).first()
        if open_episode:
            p.add(
                "last_seen_at",
                f"This child is already recorded as missing or away since "
                f"{timezone.localtime(open_episode.last_seen_at):%d/%m/%Y %H:%M}. Record their return "
                "first, or add to that episode (SSDA903 rule 586)",
            )
        # An episode the new one falls inside, or (the new one being open-ended) any later one.
        overlapping = (
            Episode.objects.filter(
                child=child, returned_at__gt=seen, last_seen_at__lte=seen
            ).first()
            or Episode.objects.filter(child=child, last_seen_at__gt=seen)
            .order_by("last_seen_at")
            .first()
        )
        if overlapping:
            ended = (
                f"to {timezone.localtime(overlapping.returned_at):%d/%m/%Y %H:%M}"
                if overlapping.returned_at
                else "still open"
            )
            p.add(
                "last_seen_at",
                f"This overlaps another episode ({timezone.localtime(overlapping.last_seen_at):%d/%m/%Y %H:%M} "
                f"{ended}; SSDA903 rule 574): check the date and time last seen",
            )
    police_at = data.police_reported_at
    if police_at and seen and police_at < seen:
        p.add(
            "police_reported_at",
            "The time reported to the police must be after the child was last seen",
        )
    if police_at and police_at > now:
        p.add("police_reported_at", "The time reported to the police must be now or in the past")
    if police_at and not data.police_force:
        p.add("police_force", "Select the police force the child was reported to")
    if not (data.last_seen_place or "").strip():
        p.add("last_seen_place", "Enter where the child was last seen")
    if not (data.reported_by_name or "").strip():
        p.add("reported_by_name", "Enter who is reporting")
    unknown = sorted(set(data.factors) - set(FACTORS))
    if unknown:
        p.add("factors", f"Unknown risk factor(s): {', '.join(unknown)}")
    flagged = _words_problem(p, "circumstances", data.circumstances, reject=False)
    p.raise_if_any()

    values = data.as_values()
    episode = Episode.objects.create(
        child=child,
        reported_at=now,
        factors=sorted(set(data.factors)),
        **{
            f: values[f] if values[f] is not None else ""
            for f in EPISODE_REPORT_FIELDS
            if f not in ("police_force", "police_reported_at")
        },
        police_force=data.police_force,
        police_reported_at=police_at,
    )
    assessment, facts, settings = _assess(child, episode, now)
    grading = _save_grading(
        viewer, episode, GradingKind.INITIAL, assessment, facts, settings, assessment.grade, ""
    )
    record_for(
        viewer,
        AuditAction.CREATE,
        episode,
        child.pk,
        f"Reported {episode.get_category_display().split(':')[0].lower()}; proposed grade {assessment.grade.label}",
        {
            "record": "episode",
            "changes": {
                f: [None, _plain(getattr(episode, f))]
                for f in EPISODE_REPORT_FIELDS
                if getattr(episode, f) not in ("", None)
            },
            "grade": assessment.grade.value,
            "flagged_words": flagged,
        },
    )
    raised_flags = _raise_flags(viewer, child, assessment)
    _store_alerts(child, assessment.alerts, now, {str(episode.pk): episode})
    # The facts just read still hold unless the engine raised a flag (which can owe a Duty to Notify).
    sweep_child(child, now, facts=None if raised_flags else facts, settings=settings)
    return episode, grading


@transaction.atomic
def grade_episode(
    viewer: Viewer, episode: Episode, chosen: str, reason: str, kind: str = GradingKind.CONFIRMED
) -> Grading:
    """The professional confirms the engine's proposal or chooses another grade: upward
    freely, downward only with a written reason and never below the floor."""
    child = episode.child
    policy.require_act_on_episode(viewer, episode)
    now = _now()
    assessment, facts, settings = _assess(child, episode, now)
    errors = check_override(assessment, chosen, reason)
    if errors:
        raise ValidationError({"grade": errors})
    grade = Grade.parse(chosen)
    grading = _save_grading(viewer, episode, kind, assessment, facts, settings, grade, reason or "")
    record_for(
        viewer,
        AuditAction.CHANGE,
        grading,
        child.pk,
        f"Grade {grade.label} ({'override of' if grade != assessment.grade else 'confirming'} proposed {assessment.grade.label})",
        {
            "record": "grading",
            "changes": {
                "grade": [
                    episode.gradings.exclude(pk=grading.pk).values_list("grade", flat=True).first(),
                    grade.value,
                ]
            },
            "override_reason": reason or "",
        },
    )
    _raise_flags(viewer, child, assessment)
    _store_alerts(child, assessment.alerts, now, {str(episode.pk): episode})
    return grading


# --- the search and the return -------------------------------------------------------------


@transaction.atomic
def add_log_entry(
    viewer: Viewer, episode: Episode, kind: str, occurred_at: dt.datetime, text: str
) -> LogEntry:
    child = episode.child
    policy.require_act_on_episode(viewer, episode)
    p = Problems()
    if kind not in LogKind.values:
        p.add("kind", "Select what kind of entry it is")
    if not (text or "").strip():
        p.add("text", "Enter what happened")
    if occurred_at and occurred_at > _now() + dt.timedelta(minutes=5):
        p.add("occurred_at", "The time must be now or in the past")
    flagged = _words_problem(p, "text", text, reject=False)
    p.raise_if_any()
    entry = LogEntry.objects.create(
        episode=episode,
        kind=kind,
        occurred_at=occurred_at,
        text=text.strip(),
        by_name=viewer.username,
        flagged_words=flagged,
        by_organisation=viewer.organisation.name if viewer.organisation else "",
    )
    record_for(
        viewer,
        AuditAction.CREATE,
        entry,
        child.pk,
        f"{entry.get_kind_display()} logged",
        {
            "record": "log entry",
            "changes": {"kind": [None, kind], "text": [None, entry.text]},
            "flagged_words": flagged,
        },
    )
    if flagged:
        sweep_child(child)
    return entry


@transaction.atomic
def record_police_report(
    viewer: Viewer, episode: Episode, force: Organisation, reported_at: dt.datetime, reference: str
) -> Episode:
    """Locks the episode and changes only the police fields, so a return recorded at the same
    moment by someone else is never overwritten. Row locks here are FOR NO KEY UPDATE: they
    queue behind each other but not behind rows that merely point at the episode (a sighting
    being logged), which with the audit chain's lock would otherwise deadlock."""
    child = episode.child
    policy.require_act_on_episode(viewer, episode)
    locked = Episode.objects.select_for_update(no_key=True).get(pk=episode.pk)
    p = Problems()
    if reported_at < locked.last_seen_at:
        p.add(
            "police_reported_at",
            "The time reported to the police must be after the child was last seen",
        )
    if reported_at > _now():
        p.add("police_reported_at", "The time reported to the police must be now or in the past")
    p.raise_if_any()
    before = {
        "police_force": locked.police_force_id,
        "police_reported_at": _plain(locked.police_reported_at),
        "police_reference": locked.police_reference,
    }
    locked.police_force, locked.police_reported_at, locked.police_reference = (
        force,
        reported_at,
        reference.strip(),
    )
    locked.version += 1
    locked.save(update_fields=["police_force", "police_reported_at", "police_reference", "version"])
    after = {
        "police_force": force.pk,
        "police_reported_at": _plain(reported_at),
        "police_reference": locked.police_reference,
    }
    record_for(
        viewer,
        AuditAction.CHANGE,
        locked,
        child.pk,
        f"Reported to {force.name}",
        {
            "record": "episode",
            "changes": {k: [before[k], after[k]] for k in after if before[k] != after[k]},
        },
    )
    sweep_child(child)
    return locked


@transaction.atomic
def record_return(
    viewer: Viewer, episode: Episode, data: ReturnInput, expected_version: int | None = None
) -> Episode:
    child = episode.child
    policy.require_act_on_episode(viewer, episode)
    locked = Episode.objects.select_for_update(no_key=True).get(pk=episode.pk)
    p = Problems()
    if (
        expected_version is not None
        and locked.version != expected_version
        and locked.returned_at is None
    ):
        raise StaleEpisode(
            {
                "__all__": [
                    "Someone else changed this episode while you were recording the return. "
                    "Nothing has been saved: check the episode page, then record the return again."
                ]
            }
        )
    if locked.returned_at is not None:
        p.add(
            "returned_at",
            f"This episode already ended: the return was recorded for "
            f"{timezone.localtime(locked.returned_at):%d/%m/%Y %H:%M}",
        )
        p.raise_if_any()
    returned = data.returned_at
    if returned:
        if returned < locked.last_seen_at:
            p.add(
                "returned_at",
                f"The return must be after the child was last seen "
                f"({timezone.localtime(locked.last_seen_at):%d/%m/%Y %H:%M}; SSDA903 rule 567)",
            )
        if returned > _now():
            p.add("returned_at", "The return must be now or in the past")
    else:
        p.add("returned_at", "Enter when the child returned or was found")
    if not data.found_by:
        p.add("found_by", "Select who found the child or whether they came back by themselves")
    p.raise_if_any()
    for field in RETURN_FIELDS:
        value = getattr(data, field)
        setattr(
            locked,
            field,
            value if value is not None else ("" if field != "found_in_authority" else None),
        )
    locked.version += 1
    locked.save(update_fields=[*RETURN_FIELDS, "version"])
    record_for(
        viewer,
        AuditAction.END,
        locked,
        child.pk,
        "Returned: episode closed",
        {
            "record": "episode",
            "changes": {
                f: [None, _plain(getattr(locked, f))]
                for f in RETURN_FIELDS
                if getattr(locked, f) not in ("", None)
            },
        },
    )
    sweep_child(child)
    return locked


@transaction.atomic
def record_return_interview(
    viewer: Viewer,
    episode: Episode,
    data: ReturnInterviewInput,
    flags_to_raise: Sequence[str] = (),
) -> ReturnInterview:
    """Offered, accepted, declined or held; what was learnt can raise flags. Then the risk is
    reviewed (a new grading of kind 'return')."""
    child = episode.child
    policy.require_act(viewer, child)
    episode = Episode.objects.select_for_update(no_key=True).get(pk=episode.pk)
    p = Problems()
    if episode.returned_at is None:
        p.add("outcome", "Record the child's return before the return interview")
    values = data.as_values()
    outcome = data.outcome
    if outcome not in InterviewOutcome.values:
        p.add("outcome", "Select whether the interview was offered, accepted, declined or held")
    offered = data.offered_at
    if not offered:
        p.add("offered_at", "Enter when the interview was offered")
    elif episode.returned_at and offered < episode.returned_at:
        p.add("offered_at", "The interview is offered after the child returns")
    done = data.done_at
    if outcome == InterviewOutcome.DONE:
        if not done:
            p.add("done_at", "Enter when the interview was held")
        if not (data.interviewer_name or "").strip():
            p.add("interviewer_name", "Enter who held the interview")
        if not data.independent:
            p.add(
                "independent",
                "A return interview is held by someone independent of the child's care team "
                "(DfE statutory guidance 2014): confirm the interviewer was independent",
            )
    if done and offered and done < offered:
        p.add("done_at", "The interview cannot be held before it was offered")
    if done and done > _now():
        p.add("done_at", "The time held must be now or in the past")
    p.raise_if_any()
    fields = ReturnInterviewInput.field_names()
    values["indicators"] = list(data.indicators)
    interview, created = ReturnInterview.objects.update_or_create(
        episode=episode,
        defaults={
            f: values[f]
            if values[f] is not None
            else (
                {"independent": False, "interpreter_used": False}.get(f, "")
                if f != "done_at"
                else None
            )
            for f in fields
        },
    )
    record_for(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        interview,
        child.pk,
        f"Return interview: {interview.get_outcome_display()}",
        {
            "record": "return interview",
            "changes": {
                f: [None, _plain(getattr(interview, f))]
                for f in fields
                if getattr(interview, f) not in ("", None, [], False)
            },
        },
    )
    today = timezone.localdate()
    for kind in flags_to_raise:
        if not child.flags.filter(kind=kind, end_date__isnull=True).exists():
            _flag_unless_open(
                viewer,
                child,
                kind,
                today,
                f"Learnt at the return interview of {today:%d/%m/%Y}",
                "return interview",
            )
    if outcome == InterviewOutcome.DONE:
        assessment, facts, settings = _assess(child, episode, _now())
        _save_grading(
            viewer, episode, GradingKind.RETURN, assessment, facts, settings, assessment.grade, ""
        )
    sweep_child(child)
    return interview


# --- safety plan and settings --------------------------------------------------------------

SAFETY_PLAN_FIELDS = SafetyPlanInput.field_names()


@transaction.atomic
def save_safety_plan(
    viewer: Viewer, child: Child, data: SafetyPlanInput, expected_version: int | None
) -> SafetyPlan:
    """Replace the child's safety plan with `data` (all of it: a caller changing a part lays
    it over ``SafetyPlanInput.of(plan)``), if the plan is still at `expected_version`."""
    policy.require_act(viewer, child)
    plan, created = SafetyPlan.objects.select_for_update().get_or_create(child=child)
    if not created and expected_version is not None and plan.version != expected_version:
        raise StaleEpisode(
            {
                "__all__": [
                    "Someone else changed this safety plan while you were editing it. "
                    "Your changes have not been saved: reload the page to see theirs."
                ]
            }
        )
    values = data.as_values()
    p = Problems()
    agreed = data.agreed_on
    if agreed and agreed > timezone.localdate():
        p.add("agreed_on", "The date agreed must be today or in the past")
    for field in ("child_views", "description", "associates", "places"):
        _words_problem(p, field, values[field], reject=True)
    p.raise_if_any()
    before = {f: _plain(getattr(plan, f)) for f in SAFETY_PLAN_FIELDS}
    for field in SAFETY_PLAN_FIELDS:
        setattr(
            plan,
            field,
            values[field] if values[field] is not None else ("" if field != "agreed_on" else None),
        )
    if not created:
        plan.version += 1
    plan.updated_by_name = viewer.username
    plan.save()
    after = {f: _plain(getattr(plan, f)) for f in SAFETY_PLAN_FIELDS}
    record_for(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        plan,
        child.pk,
        "Safety plan saved",
        {
            "record": "safety plan",
            "changes": {
                f: [before[f] if not created else None, after[f]]
                for f in after
                if before[f] != after[f] or created and after[f]
            },
        },
    )
    return plan


@transaction.atomic
def save_risk_settings(viewer: Viewer, values: dict[str, Any]) -> AuthorityRiskSettings:
    """An authority's local thresholds, changed only by an authorised role and audited."""
    from django.core.exceptions import PermissionDenied

    if not policy.can_set_rules(viewer):
        raise PermissionDenied("Only a senior manager can change the authority's risk settings")
    try:
        RiskSettings.from_dict(values)
    except (ValueError, TypeError) as error:
        raise ValidationError({"__all__": [str(error)]}) from error
    stored, _ = AuthorityRiskSettings.objects.select_for_update().get_or_create(
        organisation=viewer.organisation
    )
    before = dict(stored.values)
    stored.values = values
    stored.updated_by_name = viewer.username
    stored.save()
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="authorityrisksettings",
        object_id=stored.pk,
        summary="Changed the authority's risk settings",
        detail={
            "record": "risk settings",
            "changes": {
                k: [before.get(k), values.get(k)]
                for k in set(before) | set(values)
                if before.get(k) != values.get(k)
            },
        },
    )
    return stored
