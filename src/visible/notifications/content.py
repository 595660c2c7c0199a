"""The words of a message about a child (reported missing, or an alert), made when it is
sent from the templates in templates/notifications/ (email) and the personalisation of
Visible's GOV.UK Notify templates (docs/notifications.md gives their text).

By default a message names no child and gives no detail about them: what happened in
Visible's own words, a reference and a link (references.py). Only an email sent through the
organisation's own mail server to a domain the child's organisation marks secure, when it
allows it (OrganisationSettings), also gives the child's name and the alert's details."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from visible.agencies.models import Membership

from . import references
from .channels import SMTP, Message
from .models import Channel, Detail, Notification, OrganisationSettings


def detail_allowed(notification: Notification) -> bool:
    """Whether this message may carry the child's name and the alert's details."""
    if (
        notification.channel != Channel.EMAIL
        or notification.provider != SMTP
        or notification.child is None
        or notification.kind == references.DIGEST
    ):
        return False
    found = OrganisationSettings.objects.filter(
        organisation_id=notification.child.responsible_organisation_id
    ).first()
    if found is None or not found.details_in_secure_email:
        return False
    domain = notification.address.rpartition("@")[2].strip().lower()
    return bool(domain) and domain in {d.lower() for d in found.secure_email_domains}


def _recipient_organisation(notification: Notification):
    membership = (
        Membership.objects.select_related("organisation")
        .filter(user_id=notification.recipient_id, is_active=True)
        .order_by("pk")
        .first()
    )
    return membership.organisation if membership else None


def personalisation(notification: Notification) -> dict[str, str]:
    """The fields of a message about a child: the same for Visible's email templates and for
    its Notify templates."""
    episode = notification.episode
    alert = notification.alert
    child = notification.child
    moment = (
        episode.reported_at
        if notification.kind == references.REPORTED_MISSING and episode is not None
        else (alert.raised_at if alert is not None else notification.created_at)
    )
    what = references.what_happened(notification.kind, episode, notification.high_risk)
    link = references.link_for(notification.kind, child, episode)
    if references.is_escalation(notification.reason) and alert is not None:
        what = f"Escalated to you, not acknowledged in time: {what}"
        link = references.alert_link(alert)
    return {
        "what": what,
        "reference": references.reference_for(
            child, episode, alert, _recipient_organisation(notification)
        ),
        "when": references.when(moment),
        "organisation": notification.organisation.name if notification.organisation else "",
        "link": link,
        "reason": references.reason_words(notification.reason, notification.organisation)
        or "on Visible's list of people to tell",
        "preferences_link": references.preferences_link(),
    }


def _full_details(notification: Notification) -> dict[str, str]:
    child = notification.child
    assert child is not None
    episode = notification.episode
    alert = notification.alert
    others = [
        name for name in child.other_names.values_list("name", flat=True) if name != child.full_name
    ]
    if child.preferred_name and child.preferred_name not in others:
        others.insert(0, child.preferred_name)
    found = {
        "child_name": child.full_name,
        "other_names": ", ".join(others),
        "age": str(child.age_on(timezone.localdate())),
        "alert_text": alert.text if alert is not None else "",
        "grade": references.grade_words(episode.grade).removeprefix("graded ")
        if episode is not None and episode.grade
        else "",
        "last_seen": references.when(episode.last_seen_at) if episode is not None else "",
        "last_seen_place": episode.last_seen_place if episode is not None else "",
    }
    return found


def build(notification: Notification) -> tuple[Message, str]:
    """The message for a notification about a child, and the detail it carries."""
    fields = personalisation(notification)
    if notification.channel == Channel.SMS:
        body = f"Visible: {fields['what']}. Ref {fields['reference']}. {fields['link']}"
        return (
            Message(
                to=notification.address,
                body=body,
                template="alert",
                personalisation={k: fields[k] for k in ("what", "reference", "link")},
                reference=f"visible-notification-{notification.pk}",
            ),
            Detail.REFERENCE,
        )
    full = detail_allowed(notification)
    context = fields | (_full_details(notification) if full else {})
    subject = render_to_string("notifications/email/alert_subject.txt", context).strip()
    body = render_to_string(
        "notifications/email/alert_body_full.txt" if full else "notifications/email/alert_body.txt",
        context,
    )
    return (
        Message(
            to=notification.address,
            subject=" ".join(subject.split()),
            body=body,
            template="alert",
            personalisation=fields,
            reference=f"visible-notification-{notification.pk}",
        ),
        Detail.FULL if full else Detail.REFERENCE,
    )
