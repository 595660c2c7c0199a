"""What a message may say about a child by default: what happened (in a few words of
Visible's own, never the alert's text, which can name the child), a reference the reader's
own systems know, and a link to the page in Visible, where they sign in to see the rest."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.children.models import Child
from visible.missing.models import Alert, Category, Episode
from visible.risk import Grade

REPORTED_MISSING = "reported_missing"
NOT_SENT = "notification_not_sent"  # the alert raised when a notification is given up
DIGEST = "digest"

# Visible's own words for each kind of alert: safe to send anywhere (no name, no detail).
WHAT = {
    "high_risk_missing": "Child graded high risk reported missing",
    "no_police_report": "Missing child not yet reported to the police",
    "potential_trafficking_victim": "Possible victim of trafficking missing soon after arriving",
    "nrm_rg_overdue": "NRM reasonable grounds decision overdue",
    "duty_to_notify": "Duty to Notify the Home Office not yet met",
    "return_interview_overdue": "Return interview overdue",
    "approaching_18": "Missing child approaching 18",
    "turned_18_while_missing": "Child turned 18 while missing",
    "long_missing": "Child missing for a long time",
    "forbidden_label": "A record describes a child with a forbidden label",
    "placed_in_your_area": "A child has been placed in your area",
    "break_glass": "Someone used break-glass access to a child's record",
    "break_glass_by_staff": "A member of your staff used break-glass access again",
    "transferred_in": "A child has been transferred to you",
    "nts_transfer_at_risk": "A National Transfer Scheme transfer is at risk of being late",
    "nts_transfer_overdue": "A National Transfer Scheme transfer is overdue",
    "long_term_missing_review": "A long-term missing review is due",
    "nts_packet_sent": "A transfer packet is waiting for your acknowledgement",
    "nts_transfer_declined": "A council declined the transfer of a child you referred",
    "nts_transfer_withdrawn": "A council withdrew its referral of a child to you",
    "arrival_item_overdue": "A newly arrived child's arrival checklist is overdue",
    "police_grade_kept": "A police force kept its grade below high for a child in scope",
    NOT_SENT: "A notification could not be sent",
}
# Alerts that are about the organisation's staff, not a child it can open (access/missing.py).
INBOX_ONLY = {"break_glass_by_staff", NOT_SENT}
# Told to a council or force that cannot open the child's record (it is not theirs yet, or will
# not be): the message links to their transfers list, where the transfer is.
TRANSFER_NOTICES = {"nts_packet_sent", "nts_transfer_withdrawn"}

REASONS = {
    "allocated_social_worker": "the child's allocated social worker",
    "on_call_manager": "the on-call manager of {organisation} on the rota now",
    "missing_coordinator": "a missing-children coordinator of {organisation}",
    "trafficking_spoc": "the trafficking single point of contact of {organisation}",
    "digest": "you asked for a daily digest",
    "assigned": "the alert is assigned to you",
}


# An escalation's reason: "escalated_" and the rota position (or "coordinators") it went to.
ESCALATED = "escalated_"
ESCALATION_TO = {
    "first_on_call": "first on call",
    "on_call_manager": "the on-call manager",
    "senior_manager": "the senior manager on call",
    "coordinators": "a missing-children coordinator",
    "office_coordinators": "a missing-children coordinator",
    "office_senior_managers": "a senior manager",
}


def is_escalation(reason: str) -> bool:
    return reason.startswith(ESCALATED)


def what_happened(kind: str, episode: Episode | None, high_risk: bool) -> str:
    if kind == REPORTED_MISSING and episode is not None:
        words = (
            "Child reported missing"
            if episode.category == Category.MISSING
            else "Child reported away from placement"
        )
        if episode.grade:
            words += f": {grade_words(episode.grade)}"
        return words
    words = WHAT.get(kind, "New alert in Visible")
    return f"{words} (high risk)" if high_risk else words


def grade_words(grade: str) -> str:
    """'high' -> 'graded high risk'; 'no_apparent_risk' -> 'graded no apparent risk'."""
    try:
        label = Grade.parse(grade).label.lower()
    except ValueError:
        label = grade.replace("_", " ")
    return f"graded {label}" if label.endswith("risk") else f"graded {label} risk"


def reference_for(
    child: Child | None,
    episode: Episode | None,
    alert: Alert | None,
    recipient_organisation: Organisation | None,
) -> str:
    """A reference the reader can look the child up by, without naming them: the police's own
    reference for a police reader, the council's case number for the council's staff, else
    Visible's number for the episode, the alert or the child."""
    police = recipient_organisation is not None and (
        recipient_organisation.kind == OrganisationKind.POLICE
    )
    if police and episode is not None and episode.police_reference:
        return f"police ref {episode.police_reference}"
    if (
        child is not None
        and child.council_id
        and not police
        and recipient_organisation is not None
        and child.responsible_organisation_id == recipient_organisation.pk
    ):
        return f"case {child.council_id}"
    if episode is not None:
        return f"Visible episode {episode.pk}"
    if alert is not None:
        return f"Visible alert {alert.pk}"
    if child is not None:
        return f"Visible child {child.pk}"
    return "Visible"


def link_for(kind: str, child: Child | None, episode: Episode | None) -> str:
    """The page to open (the reader signs in first; the page checks what they may see)."""
    if kind in INBOX_ONLY or kind == DIGEST or child is None:
        return absolute(reverse("web:alerts"))
    if kind in TRANSFER_NOTICES:
        return absolute(reverse("web:nts-transfers"))
    if episode is not None:
        return absolute(reverse("web:episode", args=[episode.pk]))
    return absolute(reverse("web:child", args=[child.pk]))


def alert_link(alert: Alert) -> str:
    """The alert's own page: what it is, its deadline and its escalation so far."""
    return absolute(reverse("web:alert-detail", args=[alert.pk]))


def absolute(path: str) -> str:
    return f"{settings.VISIBLE_BASE_URL}{path}"


def preferences_link() -> str:
    return absolute(reverse("web:notification-preferences"))


def when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local:%H:%M} on {local:%-d %B %Y}"


def reason_words(reason: str, organisation: Organisation | None) -> str:
    if is_escalation(reason):
        position = ESCALATION_TO.get(reason.removeprefix(ESCALATED), "on the rota")
        return (
            "nobody acknowledged the alert in time, and you are "
            f"{position} of {organisation.name if organisation else 'your organisation'}"
        )
    template = REASONS.get(reason, "")
    if not template:
        return ""
    return template.format(organisation=organisation.name if organisation else "your organisation")


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role
