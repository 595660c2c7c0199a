from typing import cast

from django.http import HttpRequest
from django.urls import reverse

from visible.access import missing as missing_policy
from visible.access import register as policy
from visible.agencies.viewer import Viewer, viewer_for
from visible.missing.models import Alert
from visible.national.policy import nav_items as national_nav
from visible.ssda903.policy import nav_items as ssda903_nav

from .request import ViewerRequest


def viewer(request: HttpRequest) -> dict:
    """Who is asking, and the navigation they get. Puts the viewer on the request (web/request.py)
    if staff_view has not already."""
    viewing = cast(ViewerRequest, request)
    if not hasattr(viewing, "viewer"):
        viewing.viewer = viewer_for(request.user)
    current = viewing.viewer
    items = []
    if current.is_authenticated:
        path = request.path
        kind = current.organisation.kind if current.organisation else ""
        if kind == "police" and current.role in policy.POLICE_ROLES:
            items.append(
                ("Reported missing", reverse("web:force-missing"), path.startswith("/police"))
            )
        if kind != "national_body":
            items.append(
                (
                    "Children",
                    reverse("web:children"),
                    path.startswith("/children") and not path.startswith("/children/new"),
                )
            )
        if policy.can_create(current):
            items.append(
                ("Add a child", reverse("web:child-new"), path.startswith("/children/new"))
            )
        if current.organisation and current.organisation.is_responsible_body:
            items.append(
                ("Missing now", reverse("web:missing-now"), path.startswith("/missing-now"))
            )
            open_alerts = Alert.objects.filter(
                organisation=current.organisation, resolved_at__isnull=True
            ).count()
            items.append(
                (f"Alerts ({open_alerts})", reverse("web:alerts"), path.startswith("/alerts"))
            )
        elif (
            current.organisation
            and Alert.objects.filter(
                organisation=current.organisation, code__in=missing_policy.STAFF_NOTICE_CODES
            ).exists()
        ):
            # A police force has no inbox of children's alerts, only notices about its own staff.
            open_alerts = Alert.objects.filter(
                organisation=current.organisation,
                resolved_at__isnull=True,
                code__in=missing_policy.STAFF_NOTICE_CODES,
            ).count()
            items.append(
                (f"Alerts ({open_alerts})", reverse("web:alerts"), path.startswith("/alerts"))
            )
        if policy.can_see_counts(current):
            items.append(("Counts", reverse("web:counts"), path.startswith("/counts")))
        if missing_policy.can_set_rules(current):
            items.append(
                ("Risk settings", reverse("web:risk-settings"), path.startswith("/risk-settings"))
            )
        items += ssda903_nav(current, path)
        items += _returns_nav(current, path)
        items += national_nav(current, path)
    return {
        "viewer": current,
        "nav_items": [
            {"label": label, "href": href, "active": active} for label, href, active in items
        ],
        # The roles that may report and act on missing episodes (access/missing.py), for
        # templates that show those buttons alongside the register's full view.
        "missing_acting_roles": missing_policy.ROLES_THAT_ACT,
    }


def _returns_nav(current: Viewer, path: str) -> list[tuple[str, str, bool]]:
    """The FOI return and the partnership reports, for the council roles that may make them."""
    from visible.returns import policy as returns_policy

    org = current.organisation
    if not (
        org and org.authority_id and returns_policy.can_make_foi_return(current, org.authority)
    ):
        return []
    return [
        ("FOI return", reverse("web:foi-return"), path.startswith("/returns/foi")),
        (
            "Partnership reports",
            reverse("web:partnerships"),
            path.startswith("/returns/partnerships"),
        ),
    ]
