from typing import cast

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from visible.access import missing as missing_policy
from visible.access import register as policy
from visible.agencies.models import ADMINISTRATOR_ROLES, ROLES_THAT_EDIT_REGISTER, Role
from visible.agencies.viewer import Viewer, viewer_for
from visible.missing import triage
from visible.missing.models import Alert
from visible.national.policy import is_national_analyst
from visible.national.policy import nav_items as national_nav
from visible.organisations.policy import is_national_admin
from visible.rota.actions import can_see_rota
from visible.ssda903.policy import nav_items as ssda903_nav
from visible.sso.actions import may_manage as may_manage_sign_on

from .live import is_poll, poll_seconds
from .request import ViewerRequest


def viewer(request: HttpRequest) -> dict:
    """Who is asking, and the navigation they get. Puts the viewer on the request (web/request.py)
    if staff_view has not already."""
    viewing = cast(ViewerRequest, request)
    if not hasattr(viewing, "viewer"):
        viewing.viewer = viewer_for(request.user)
    current = viewing.viewer
    if is_poll(request):
        # A live page's poll renders only its own part: no navigation, no banner, no queries.
        return {"viewer": current, "nav_items": [], "missing_acting_roles": ()}
    items = []
    if current.is_authenticated:
        path = request.path
        kind = current.organisation.kind if current.organisation else ""
        # Administrators manage people and see no child: their navigation is people and teams.
        administrator = current.role in ADMINISTRATOR_ROLES
        mine = _allocation_view(request)
        if administrator and current.organisation:
            items.append((_("People"), reverse("web:people"), path.startswith("/people")))
            items.append((_("Teams"), reverse("web:teams"), path.startswith("/teams")))
        if kind == "police" and current.role in policy.POLICE_ROLES:
            items.append(
                (_("Reported missing"), reverse("web:force-missing"), path.startswith("/police"))
            )
        if is_national_admin(current):
            items.append(
                (
                    _("Organisations"),
                    reverse("web:organisations"),
                    path.startswith("/organisations"),
                )
            )
        if kind != "national_body" and not administrator:
            items.append(
                (
                    _("Children"),
                    reverse("web:children"),
                    path.startswith("/children")
                    and not path.startswith("/children/new")
                    and mine != "me",
                )
            )
        items += _allocation_nav(request, current, mine)
        if policy.can_create(current):
            items.append(
                (_("Add a child"), reverse("web:child-new"), path.startswith("/children/new"))
            )
        if current.organisation and current.organisation.is_responsible_body and not administrator:
            items.append(
                (_("Missing now"), reverse("web:missing-now"), path.startswith("/missing-now"))
            )
            open_alerts = Alert.objects.filter(
                organisation=current.organisation, resolved_at__isnull=True
            ).count()
            items.append(
                (
                    _("Alerts (%(count)s)") % {"count": open_alerts},
                    reverse("web:alerts"),
                    path.startswith("/alerts"),
                )
            )
        elif (
            current.organisation
            and Alert.objects.filter(
                organisation=current.organisation, code__in=_inbox_codes(current)
            ).exists()
        ):
            # A police force has no inbox of children's alerts, only notices about its own staff
            # and, for its trafficking SPOC, challenges to the force's grades.
            open_alerts = Alert.objects.filter(
                organisation=current.organisation,
                resolved_at__isnull=True,
                code__in=_inbox_codes(current),
            ).count()
            items.append(
                (
                    _("Alerts (%(count)s)") % {"count": open_alerts},
                    reverse("web:alerts"),
                    path.startswith("/alerts"),
                )
            )
        if policy.can_see_counts(current):
            items.append((_("Counts"), reverse("web:counts"), path.startswith("/counts")))
        # The on-call rota is reached from the Alerts page, where escalation is seen, so that a
        # manager's sections stay on one row (tests/e2e/test_navigation.py).
        if missing_policy.can_set_rules(current):
            items.append(
                (
                    _("Risk settings"),
                    reverse("web:risk-settings"),
                    path.startswith("/risk-settings"),
                )
            )
        items += _returns_section(current, path)
        items += national_nav(current, path) if is_national_analyst(current) else []
        if may_manage_sign_on(current, current.organisation):
            items.append(
                (
                    _("Single sign-on"),
                    reverse("web:sso-settings"),
                    path.startswith("/organisation/sign-in"),
                )
            )
    memberships = getattr(request, "memberships", None) or []
    here = request.get_full_path()
    return {
        "viewer": current,
        # A person in two organisations can switch (web/people/views.choose_organisation).
        "can_switch_organisation": len(memberships) > 1,
        # The service's sections only: the account's links are in the header (base.html).
        # "current": the section's own page (aria-current="page"), not a page within it.
        "nav_items": [
            {"label": label, "href": href, "active": active, "current": active and href == here}
            for label, href, active in items
        ],
        # The roles that may report and act on missing episodes (access/missing.py), for
        # templates that show those buttons alongside the register's full view.
        "missing_acting_roles": missing_policy.ROLES_THAT_ACT,
        "can_see_rota": can_see_rota(current),
        **_banner(viewing, current),
    }


def _inbox_codes(current: Viewer) -> set[str]:
    """The kinds of alert in a police force's (or other non-council's) inbox for this person."""
    codes = set(missing_policy.STAFF_NOTICE_CODES)
    if current.role == Role.TRAFFICKING_SPOC:
        codes |= missing_policy.SPOC_CODES
    return codes


def _banner(request: ViewerRequest, current: Viewer) -> dict:
    """The banner for a new critical or high alert, on every page of those who act on the
    inbox that holds it (web/missing/views.banner_for), and where the page's script asks for
    it again. Worked out only if the page shows it (a function the template calls)."""
    if not (current.is_authenticated and triage.can_be_interrupted(current)):
        return {}
    from .missing.views import banner_for

    return {
        "alert_banner": lambda: banner_for(request),
        "alert_banner_url": reverse("web:alert-banner"),
        "live_interval": poll_seconds(),
    }


def returns_entries(current: Viewer, path: str = "") -> list[tuple[str, str, bool]]:
    """What a council sends or makes from its register, each under the name its own page has:
    the SSDA903 import, the FOI return, the partnership reports and the national returns. One
    "Returns" section in the navigation (web/returns/hub.py lists them), so a manager's
    navigation stays one row."""
    return ssda903_nav(current, path) + _returns_nav(current, path) + national_nav(current, path)


def _returns_section(current: Viewer, path: str) -> list[tuple[str, str, bool]]:
    if not returns_entries(current):
        return []
    return [(_("Returns"), reverse("web:returns"), path.startswith("/returns"))]


def _returns_nav(current: Viewer, path: str) -> list[tuple[str, str, bool]]:
    """The FOI return and the partnership reports, for the council roles that may make them."""
    from visible.returns import policy as returns_policy

    org = current.organisation
    if not (
        org and org.authority_id and returns_policy.can_make_foi_return(current, org.authority)
    ):
        return []
    return [
        (_("FOI return"), reverse("web:foi-return"), path.startswith("/returns/foi")),
        (
            _("Partnership annual reports"),
            reverse("web:partnerships"),
            path.startswith("/returns/partnerships"),
        ),
    ]


def _allocation_view(request: HttpRequest) -> str:
    """'me' or 'team' on the children list's "My children" and "My team's children"."""
    if not request.path.startswith("/children/") or request.path != reverse("web:children"):
        return ""
    if request.GET.get("allocated") == "me":
        return "me"
    if request.GET.get("team") == "mine":
        return "team"
    return ""


def _allocation_nav(
    request: HttpRequest, current: Viewer, mine: str
) -> list[tuple[str, str, bool]]:
    """ "My children" for the council roles that work on the register. "My team's children" is
    on the children list's own sub-navigation (web/children/views.py), within "Children"."""
    org = current.organisation
    if not (org and org.is_responsible_body and current.role in ROLES_THAT_EDIT_REGISTER):
        return []
    return [(_("My children"), f"{reverse('web:children')}?allocated=me", mine == "me")]
