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
from visible.risk.police import PoliceGrade, category_of, challenge_for, in_scope_reasons
from visible.risk.rules import RULES

from . import severity
from .facts import facts_for, facts_to_json
from .inputs import ReportMissingInput, ReturnInput, ReturnInterviewInput, SafetyPlanInput
from .models import (
    AcknowledgementDeadlines,
    Alert,
    AuthorityRiskSettings,
    Category,
    ChallengeAnswer,
    ChallengeOutcome,
    Episode,
    Grading,
    GradingKind,
    InterviewOutcome,
    LogEntry,
    LogKind,
    PoliceGradeChallenge,
    PoliceGrading,
    ReporterRole,
    ReturnInterview,
    SafetyPlan,
)
from .severity import HIGH_RISK_MISSING, POLICE_GRADE_CHALLENGE, POLICE_GRADE_KEPT, Severity

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
        alert.acknowledged_by_name = viewer.display_name
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
        resolved_at=now, resolved_by_name=viewer.display_name, resolution=resolution.strip()
    )
    if not won:
        alert.refresh_from_db()
        raise AlertAlreadyResolved(alert)
    Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by_name=viewer.display_name
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


def assessment_now(episode: Episode, at: dt.datetime) -> Assessment:
    """What the engine makes of the episode at `at`, saving nothing: the grade form offers
    only the grades grade_episode would accept against it (none below its floor)."""
    return _assess(episode.child, episode, at)[0]


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
        graded_by_name=viewer.display_name,
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
    if data.police_force and not police_at:
        # One state everywhere: a force without the time it was told would be remembered
        # while the page, the alert and the grab pack say the police have not been told.
        p.add(
            "police_reported_at",
            "Enter the date and time the police were told, or choose 'Not told yet' if nobody "
            "has told them",
        )
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
    _raise_high_risk_missing(child, episode, assessment.grade, now)
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
    _raise_high_risk_missing(child, episode, grade, now)
    return grading


def _raise_high_risk_missing(child: Child, episode: Episode, grade: Grade, at: dt.datetime) -> None:
    """A child graded high risk while missing or away: one critical alert for the episode
    (missing/severity.py: acknowledge within 15 minutes), raised when the episode is reported
    at high or first graded high, and closed when the child comes back. It names no one: the
    banner on every page shows its text."""
    if grade != Grade.HIGH or episode.returned_at is not None:
        return
    key = f"{child.pk}/{HIGH_RISK_MISSING}/{episode.pk}"
    if Alert.objects.filter(key=key).exists():
        return
    since = timezone.localtime(episode.last_seen_at)
    where = "Missing" if episode.category == Category.MISSING else "Away from placement"
    Alert.objects.create(
        organisation=child.responsible_organisation,
        child=child,
        episode=episode,
        code=HIGH_RISK_MISSING,
        key=key,
        text=f"{where} since {since:%H:%M} on {since.day} {since:%B %Y} and graded high risk: "
        "check the search, the police report and who has been told",
        source="Heading back to harm (2016): most go missing within a week of arriving, many "
        "within 48 hours; the first hours matter most",
        due_at=at,
        raised_at=at,
    )


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
        by_name=viewer.display_name,
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
    _close_high_risk_missing(child, locked)
    sweep_child(child)
    return locked


def _close_episode_alerts(
    viewer: Viewer, episode: Episode, code: str, because: str, now: dt.datetime
) -> None:
    """Close the episode's open alerts of one kind whose condition no longer holds, as the
    sweep closes alerts, with the same audit event (``because`` says why, in plain words)."""
    closing = list(
        Alert.objects.filter(episode=episode, code=code, resolved_at__isnull=True).values_list(
            "pk", "key"
        )
    )
    if not closing:
        return
    Alert.objects.filter(pk__in=[pk for pk, _ in closing]).update(
        resolved_at=now,
        resolved_by_name=AUTO_RESOLVER,
        resolution=f"Closed automatically: {because}",
    )
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="alert",
        child_id=episode.child_id,
        summary=f"Alerts: 0 raised, {len(closing)} closed automatically ({because})",
        detail={"raised": [], "closed": [key for _, key in closing], "at": now.isoformat()},
    )


def _close_high_risk_missing(child: Child, episode: Episode) -> None:
    """The child is back: "a high-risk child is missing" no longer holds."""
    _close_episode_alerts(
        Viewer.system("sweep"), episode, HIGH_RISK_MISSING, "the child came back", _now()
    )


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
    plan.updated_by_name = viewer.display_name
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
    stored.updated_by_name = viewer.display_name
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


@transaction.atomic
def save_deadlines(viewer: Viewer, minutes: dict[str, int | None]) -> AcknowledgementDeadlines:
    """The organisation's own acknowledgement deadline for each severity, in minutes (None: the
    national one), never longer than the national deadline; changed by a senior manager or an
    organisation administrator, audited. Alerts already raised keep their deadlines."""
    from django.core.exceptions import PermissionDenied

    if not policy.can_set_deadlines(viewer):
        raise PermissionDenied(
            "Only a senior manager or an organisation administrator of a council can change its "
            "acknowledgement deadlines"
        )
    p = Problems()
    chosen: dict[str, int] = {}
    for name, value in minutes.items():
        try:
            level = Severity.parse(name)
        except ValueError as error:
            p.add("__all__", str(error))
            continue
        if value is None:
            continue
        problem = severity.deadline_problem(level, value)
        if problem:
            p.add(level.key, f"{level.label} deadline: {problem}")
        elif value != severity.DEADLINES[level].default.total_seconds() // 60:
            chosen[level.key] = value
    p.raise_if_any()
    stored, created = AcknowledgementDeadlines.objects.select_for_update().get_or_create(
        organisation=viewer.organisation
    )
    before = dict(stored.minutes)
    stored.minutes = chosen
    stored.updated_by_name = viewer.display_name
    stored.save()
    record(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type="acknowledgement deadlines",
        object_id=stored.pk,
        summary="Changed the organisation's acknowledgement deadlines",
        detail={
            "record": "acknowledgement deadlines",
            "changes": {
                k: [before.get(k), chosen.get(k)]
                for k in sorted(set(before) | set(chosen))
                if before.get(k) != chosen.get(k)
            },
        },
    )
    return stored


# --- the police's grade and Visible's challenge (R-POLICE-GRADE) ---------------------------


def _police_grade_category(p: Problems, as_written: str, category: str) -> PoliceGrade | None:
    """The APP category: the one chosen, else the one the force's words name."""
    if category:
        try:
            chosen = PoliceGrade.parse(category)
        except ValueError:
            p.add("category", "Select which of the police's grades this is")
            return None
        said = category_of(as_written) if as_written.strip() else None
        if said is not None and said != chosen:
            p.add(
                "category",
                f"The force's words say {said.label.lower()} but {chosen.label.lower()} is "
                "selected: select the grade the force gave, or correct its words",
            )
        return chosen
    found = category_of(as_written)
    if found is None:
        p.add(
            "category",
            f"“{as_written.strip()}” does not name one of the police's grades: select "
            "the grade it means (no apparent risk, very low, low, medium or high)",
        )
    return found


@transaction.atomic
def record_police_grade(
    viewer: Viewer,
    episode: Episode,
    as_written: str,
    category: str = "",
    graded_at: dt.datetime | None = None,
) -> PoliceGrading:
    """Record the grade the force gave the episode, exactly as given (its words, and the APP
    category they name or a person chose), beside the grade Visible had. When the force grades
    a child in scope below high, open a challenge to the force's trafficking SPOC with the
    engine's reasons and put an alert in the force's inbox (R-POLICE-GRADE); a grade of high
    closes an open challenge as regraded high."""
    child = episode.child
    policy.require_record_police_grade(viewer, episode)
    now = _now()
    locked = Episode.objects.select_for_update(no_key=True).get(pk=episode.pk)
    p = Problems()
    as_written = (as_written or "").strip()
    if len(as_written) > 200:
        p.add("as_written", "The grade as the force wrote it must be 200 characters or fewer")
    grade = _police_grade_category(p, as_written, (category or "").strip())
    if locked.police_force_id is None:
        p.add(
            "as_written",
            "Record which force the child was reported to first: the grade is that force's",
        )
    if graded_at is not None:
        if graded_at > now + dt.timedelta(minutes=5):
            p.add("graded_at", "When the force graded must be now or in the past")
        elif graded_at < locked.last_seen_at:
            p.add("graded_at", "When the force graded must be after the child was last seen")
    p.raise_if_any()
    assert grade is not None
    force = locked.police_force
    assert force is not None  # checked above
    before = locked.police_gradings.values_list("category", flat=True).first()
    grading = PoliceGrading.objects.create(
        episode=locked,
        force=force,
        as_written=as_written,
        category=grade.value,
        graded_at=graded_at,
        visible_grade=locked.grade,
        recorded_by_id=viewer.user_id,
        recorded_by_name=viewer.display_name,
        recorded_by_organisation=viewer.organisation.name if viewer.organisation else "",
        recorded_at=now,
    )
    record_for(
        viewer,
        AuditAction.CREATE,
        grading,
        child.pk,
        f"Police grade from {force.name}: {grade.label}"
        + (f" (“{as_written}”)" if as_written else ""),
        {
            "record": "police grade",
            "changes": {"category": [before, grade.value], "as_written": [None, as_written]},
            "visible_grade": locked.grade,
        },
    )
    if grade == PoliceGrade.HIGH:
        _close_police_grade_kept(viewer, locked, force, now)
    open_challenge = locked.police_challenges.filter(outcome="").first()
    if open_challenge is not None and grade == PoliceGrade.HIGH:
        _close_challenge(
            viewer,
            open_challenge,
            ChallengeAnswer.REGRADED,
            f"The force's new grade was recorded: {as_written or grade.label}",
            grade,
            now,
        )
    elif open_challenge is None:
        assessment = _assess(child, locked, now)[0]
        challenge = challenge_for(assessment, grade)
        if challenge is not None:
            _open_challenge(viewer, locked, grading, challenge, now)
    return grading


def _open_challenge(viewer: Viewer, episode: Episode, grading: PoliceGrading, challenge, now):
    child = episode.child
    force = grading.force
    opened = PoliceGradeChallenge.objects.create(
        episode=episode,
        police_grading=grading,
        force=force,
        reasons=challenge.as_dict(),
        proposed_grade=challenge.proposed_grade.value,
        opened_at=now,
    )
    Alert.objects.create(
        organisation=force,
        child=child,
        episode=episode,
        code=POLICE_GRADE_CHALLENGE,
        key=f"{child.pk}/{POLICE_GRADE_CHALLENGE}/{opened.pk}",
        text=f"Your force graded a child in scope {challenge.police_grade.label.lower()}: "
        "Visible's rules hold them at high. Answer the challenge: regrade, or keep the grade "
        "with your reasons",
        source=RULES["R-POLICE-GRADE"].source,
        due_at=now,
        raised_at=now,
    )
    record_for(
        viewer,
        AuditAction.CREATE,
        opened,
        child.pk,
        f"Challenged {force.name}'s grade ({challenge.police_grade.label}) to its trafficking "
        "single point of contact",
        {"record": "police grade challenge", "challenge": challenge.as_dict()},
    )
    return opened


def _close_challenge(
    viewer: Viewer,
    challenge: PoliceGradeChallenge,
    answer: str,
    reasons: str,
    regraded_to: PoliceGrade | None,
    now: dt.datetime,
) -> PoliceGradeChallenge:
    if answer == ChallengeAnswer.KEPT:
        outcome = ChallengeOutcome.KEPT
    elif regraded_to == PoliceGrade.HIGH:
        outcome = ChallengeOutcome.REGRADED_HIGH
    else:
        outcome = ChallengeOutcome.REGRADED_BELOW_HIGH
    won = PoliceGradeChallenge.objects.filter(pk=challenge.pk, outcome="").update(
        answer=answer,
        answer_reasons=reasons,
        regraded_to=regraded_to.value if regraded_to else "",
        answered_at=now,
        answered_by_id=viewer.user_id,
        answered_by_name=viewer.display_name,
        outcome=outcome,
    )
    challenge.refresh_from_db()
    if not won:
        raise Conflict(
            {
                "answer": [
                    f"This challenge was already answered by {challenge.answered_by_name}: "
                    f"{challenge.get_outcome_display().lower()}"
                ]
            }
        )
    Alert.objects.filter(
        code=POLICE_GRADE_CHALLENGE,
        key=f"{challenge.episode.child_id}/{POLICE_GRADE_CHALLENGE}/{challenge.pk}",
        resolved_at__isnull=True,
    ).update(
        resolved_at=now,
        resolved_by_name=viewer.display_name,
        resolution=f"Challenge answered: {challenge.get_outcome_display().lower()}",
    )
    record_for(
        viewer,
        AuditAction.END,
        challenge,
        challenge.episode.child_id,
        f"Challenge to {challenge.force.name}'s grade answered: "
        f"{challenge.get_outcome_display().lower()}",
        {
            "record": "police grade challenge",
            "changes": {
                "answer": [None, answer],
                "regraded_to": [None, challenge.regraded_to],
                "outcome": [None, outcome.value],
            },
            "answer_reasons": reasons,
        },
    )
    return challenge


@transaction.atomic
def answer_police_challenge(
    viewer: Viewer,
    challenge: PoliceGradeChallenge,
    answer: str,
    reasons: str,
    regraded_to: str = "",
) -> PoliceGradeChallenge:
    """The force's trafficking SPOC answers: the force regrades (to the grade given, recorded
    as the force's new grade) or keeps its grade, with reasons either way. The outcome follows:
    regraded high, regraded but still below high, or kept. The alert in the force's inbox
    closes."""
    policy.require_answer_challenge(viewer, challenge)
    now = _now()
    p = Problems()
    reasons = (reasons or "").strip()
    if answer not in ChallengeAnswer.values:
        p.add("answer", "Select whether the force changed its grade or kept it")
    if not reasons:
        p.add("answer_reasons", "Enter the force's reasons")
    new_grade = None
    if answer == ChallengeAnswer.REGRADED:
        try:
            new_grade = PoliceGrade.parse(regraded_to) if regraded_to else None
        except ValueError:
            new_grade = None
        if new_grade is None or new_grade == PoliceGrade.NOT_GIVEN:
            p.add("regraded_to", "Select the force's new grade")
        elif new_grade == challenge.police_grading.grade:
            p.add(
                "regraded_to",
                f"The new grade is the one challenged ({new_grade.label}): select another, or "
                "answer that the force kept its grade",
            )
    elif regraded_to:
        p.add("regraded_to", "Leave the new grade empty when the force kept its grade")
    p.raise_if_any()
    if not challenge.is_open:
        raise Conflict(
            {
                "answer": [
                    f"This challenge was already answered by {challenge.answered_by_name}: "
                    f"{challenge.get_outcome_display().lower()}"
                ]
            }
        )
    closed = _close_challenge(viewer, challenge, answer, reasons, new_grade, now)
    if closed.outcome == ChallengeOutcome.KEPT:
        _raise_police_grade_kept(viewer, closed, now)
    if new_grade is not None:
        episode = challenge.episode
        grading = PoliceGrading.objects.create(
            episode=episode,
            force=challenge.force,
            as_written=new_grade.label,
            category=new_grade.value,
            graded_at=now,
            visible_grade=episode.grade,
            recorded_by_id=viewer.user_id,
            recorded_by_name=viewer.display_name,
            recorded_by_organisation=viewer.organisation.name if viewer.organisation else "",
            recorded_at=now,
        )
        record_for(
            viewer,
            AuditAction.CREATE,
            grading,
            episode.child_id,
            f"Police grade from {challenge.force.name}: {new_grade.label} (after the challenge)",
            {
                "record": "police grade",
                "changes": {
                    "category": [challenge.police_grading.category, new_grade.value],
                    "as_written": [None, grading.as_written],
                },
                "challenge": closed.pk,
            },
        )
        if new_grade == PoliceGrade.HIGH:
            _close_police_grade_kept(viewer, episode, challenge.force, now)
    return closed


def _raise_police_grade_kept(
    viewer: Viewer, challenge: PoliceGradeChallenge, now: dt.datetime
) -> Alert | None:
    """The force kept its grade below high for a child in scope after Visible's challenge: the
    child's council is told (severity.POLICE_GRADE_KEPT), once for the challenge (by its key),
    naming the force, the grade kept and the SPOC's reason. Closed by
    _close_police_grade_kept when the force regrades the child high."""
    episode = challenge.episode
    child = episode.child
    # The grade the force holds now: its latest, unless that is 'not given'.
    latest = episode.police_gradings.first()
    kept = latest if latest is not None and latest.grade.below_high else challenge.police_grading
    if not kept.grade.below_high or not in_scope_reasons(_assess(child, episode, now)[0]):
        return None
    key = f"{child.pk}/{POLICE_GRADE_KEPT}/{challenge.pk}"
    if Alert.objects.filter(key=key).exists():
        return None
    force = challenge.force
    label = kept.grade.label.lower()
    words = kept.as_written.strip()
    said = f" (“{words}”)" if words and words.lower() != label else ""
    alert = Alert.objects.create(
        organisation=child.responsible_organisation,
        child=child,
        episode=episode,
        code=POLICE_GRADE_KEPT,
        key=key,
        text=f"{force.name} kept its grade of {label}{said} after Visible's challenge, though "
        "the child is in scope and Visible's rules hold them at high. The force's trafficking "
        f"lead gave this reason: “{challenge.answer_reasons}”. Decide whether to take it "
        "further with the force",
        source=RULES["R-POLICE-GRADE"].source,
        due_at=now,
        raised_at=now,
    )
    record_for(
        viewer,
        AuditAction.CREATE,
        alert,
        child.pk,
        f"Told {child.responsible_organisation.name} that {force.name} kept its grade "
        f"({kept.grade.label})",
        {"record": "alert", "code": POLICE_GRADE_KEPT, "challenge": challenge.pk},
    )
    return alert


def _close_police_grade_kept(
    viewer: Viewer, episode: Episode, force: Organisation, now: dt.datetime
) -> None:
    """The force regraded the child high: "the force kept its grade below high" no longer
    holds, so the council's alert closes, audited."""
    _close_episode_alerts(
        viewer, episode, POLICE_GRADE_KEPT, f"{force.name} regraded the child high", now
    )
