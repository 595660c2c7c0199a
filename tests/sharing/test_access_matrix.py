"""The access matrix (docs/access.md), every cell a test, generated from the URLconf.

Every URL pattern (the pages and the API, include()d ones too) is walked from
django.urls.get_resolver(), so a new route cannot escape: its arguments are filled from the
FILL table below with council A's objects, and a route with an argument the table does not
know fails test_every_route_is_known_to_the_matrix, naming it. Then:

- a route that names one of council A's records (a child, a flag, an episode, a share, a
  problems CSV...), tried by every role of every wrong organisation with every method it takes:
  refused (404, never revealing the record, or 403), exactly one ``denied`` event naming the
  route, and the same answer as for an id that does not exist;
- a route that names no record: allowed for the role, or refused with exactly one ``denied``
  event naming the route;
- signed out: every route sends to the sign-in page (the API: 401), except the few public ones;
- pages that list, search or count show the child to none of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import COUNCIL_A_CODE, as_viewer, make_council, make_user, report_missing
from tests.sharing.refusals import comparable
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.agencies.viewer import Viewer
from visible.api import tokens
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.children.inputs import (
    AgeAssessmentInput,
    ChildInput,
    GuardianInput,
    NrmReferralInput,
    PlacementInput,
)
from visible.dates import years_before
from visible.missing import actions as missing
from visible.missing.inputs import SafetyPlanInput
from visible.missing.models import Alert
from visible.national import actions as national
from visible.people import teams
from visible.reference.models import Authority
from visible.returns import actions as returns
from visible.rota import actions as rota_actions
from visible.sharing import actions as sharing
from visible.ssda903.models import ImportJob, ImportKind, ImportState, ProblemReport
from visible.transfers import actions as nts_actions

pytestmark = pytest.mark.django_db

# Pages that list, search or count: the child must not appear in them. The live pages' polls
# too (docs/alerts.md), and the banner every page asks for.
LIST_PAGES = [
    "web:children",
    "web:missing-now",
    "web:missing-now-live",
    "web:alerts",
    "web:alerts-live",
    "web:alert-banner",
    "web:counts",
    "web:force-missing",
    "web:force-missing-live",
    "web:foi-return",
    "web:national-home",
    "web:people",
    "web:teams",
]

OUTSIDERS = {
    "council B social worker": ("E10000016", Role.SOCIAL_WORKER),
    "council B missing coordinator": ("E10000016", Role.MISSING_COORDINATOR),
    "council B senior manager": ("E10000016", Role.SENIOR_MANAGER),
    "council B analyst": ("E10000016", Role.ANALYST),
    "another force's officer": ("Kent Police", Role.POLICE_OFFICER),
    "another force's trafficking SPOC": ("Kent Police", Role.TRAFFICKING_SPOC),
    "an unassigned guardian service": ("guardians", Role.GUARDIAN),
    "an NGO worker": ("ngo", Role.NGO_WORKER),
    "the national body's analyst": ("national", Role.ANALYST),
    # The administrator roles manage people and see no child by holding the role.
    "council B organisation administrator": ("E10000016", Role.ORGANISATION_ADMIN),
    "the national administrator": ("national", Role.NATIONAL_ADMIN),
    "someone with no organisation": (None, None),
}
NATIONAL_ANALYST = "the national body's analyst"
# Manages organisations (its pages name one by number), never sees a child (issue 13).
NATIONAL_ADMIN = "the national administrator"


# --- the URLconf, walked -------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # "web:child", "api:flag-end"; None for an unnamed pattern
    pattern: str  # the whole pattern, the include()s' prefixes with it
    callback: Callable

    @property
    def arguments(self) -> list[tuple[str, str]]:
        """Each argument with the literal path segment just before it ("children", "pk")."""
        found = []
        for match in re.finditer(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", self.pattern):
            before = self.pattern[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            found.append((before, match.group(1) or match.group(2)))
        return found

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def methods(self) -> list[str]:
        """The methods a class-based view declares; a function view is tried with GET and POST
        (405 says it takes the other only)."""
        view_class = getattr(self.callback, "view_class", None) or getattr(
            self.callback, "cls", None
        )
        if view_class is None:
            return ["get", "post"]
        return [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]

    def __str__(self) -> str:
        return f"{self.name or self.callback.__qualname__} (/{self.pattern})"


def all_routes() -> list[Route]:
    def walk(patterns, prefix: str, namespace: str):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(n for n in (namespace, entry.namespace) if n)
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            else:
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                yield Route(name, prefix + str(entry.pattern), entry.callback)

    return list(walk(get_resolver().url_patterns, "", ""))


# --- filling a route's arguments -----------------------------------------------------------


@dataclass(frozen=True)
class Id:
    """An argument that names a record of council A's: the matrix expects outsiders refused."""

    value: Callable[[dict], object]
    absent: object = None  # an id that names nothing (default: the real one + 1,000,000)
    seen_by: frozenset = field(
        default_factory=frozenset
    )  # outsiders who may open it (not council A's)
    existence_public: bool = (
        False  # its existence is no secret, so a refusal may differ from "no such id"
    )

    def missing(self, world: dict) -> object:
        return self.absent if self.absent is not None else int(self.value(world)) + 1_000_000


@dataclass(frozen=True)
class Arg:
    """An argument that is not a record's id (a format, a year...)."""

    value: Callable[[dict], object]


def _ids(key: str) -> Id:
    return Id(lambda w: w["ids"][key])


# Each argument of every route: (segment before it, name) first, then the name alone. A route
# with an argument not here fails test_every_route_is_known_to_the_matrix: add it, with an
# object of council A's in `world`, and the route is in the matrix.
FILL: dict[object, Id | Arg] = {
    ("children", "pk"): _ids("pk"),
    ("episodes", "pk"): Id(lambda w: w["episode"].pk),
    ("alerts", "pk"): Id(lambda w: w["alert"].pk),
    ("problems", "pk"): Id(lambda w: w["problems"].pk),
    ("uploads", "pk"): Id(lambda w: w["upload"].pk),
    # A national collection is the national body's, not a council's: its analyst may open it.
    ("collections", "pk"): Id(lambda w: w["collection"].pk, seen_by=frozenset({NATIONAL_ANALYST})),
    # Partnership areas are published (which councils work together is public): a council
    # outside one is told 403, where a number that names no area is 404.
    ("partnerships", "pk"): Id(lambda w: w["partnership"].pk, existence_public=True),
    # Council A's people and teams: its administrators' (a national administrator may open
    # only an organisation administrator's invitation, and council A's social worker is not one).
    ("people", "pk"): Id(lambda w: w["membership"].pk),
    ("teams", "pk"): Id(lambda w: w["team"].pk),
    # A shift on council A's on-call rota: its senior managers and administrators keep it.
    ("rota", "pk"): Id(lambda w: w["shift"].pk),
    # A challenge to the Met's grade of council A's child (R-POLICE-GRADE): the Met's.
    ("challenges", "pk"): Id(lambda w: w["challenge"].pk),
    ("police-challenges", "pk"): Id(lambda w: w["challenge"].pk),  # the API's answer
    # Council A's National Transfer Scheme transfer (to a council no outsider here is in).
    ("transfers", "pk"): Id(lambda w: w["nts_transfer"].pk),
    "name_pk": _ids("name_pk"),
    "flag_pk": _ids("flag_pk"),
    "flag_id": _ids("flag_pk"),
    "placement_pk": _ids("placement_pk"),
    "placement_id": _ids("placement_pk"),
    "referral_pk": _ids("referral_pk"),
    "assignment_pk": _ids("assignment_pk"),
    "share_pk": _ids("share_pk"),
    "glass_pk": _ids("glass_pk"),
    "code": Id(lambda w: COUNCIL_A_CODE, absent="E99999999", seen_by=frozenset({NATIONAL_ANALYST})),
    # Council A's organisation: only the national administrator opens its page.
    ("organisations", "pk"): Id(
        lambda w: w["child"].responsible_organisation_id, seen_by=frozenset({NATIONAL_ADMIN})
    ),
    "what": Arg(lambda w: "review"),  # which record of a long-term missing case
    "fmt": Arg(lambda w: "csv"),
    "year": Arg(lambda w: timezone.localdate().year - 1),
    "key": Arg(lambda w: "arrangements"),
    "item": Arg(lambda w: "grab_pack"),  # an arrival checklist item's code
    "uidb64": Arg(lambda w: "MQ"),
    "token": Arg(lambda w: "not-a-reset-token"),
    "rest": Arg(lambda w: "no/such/endpoint"),
}

# Routes anyone may open signed out.
PUBLIC = {
    "web:sign-in",
    "web:sign-out",
    "web:second-factor",
    "web:second-factor-set-up",
    "web:recovery-code",
    "web:password-reset",
    "web:password-reset-sent",
    "web:password-reset-confirm",
    "web:password-reset-complete",
    # Signing in with the organisation's own identity provider (docs/sso.md): the work email,
    # the way to the provider, and its answer.
    "web:sso-sign-in",
    "web:sso-go",
    "web:sso-callback",
    "web:invitation",
    # The footer's language switch (docs/welsh.md): a cookie and a way back, on every page.
    "web:set-language",
    "api:schema",
    "api:docs",
    "api:token",
    "healthz",
    "readyz",
}
# The health checks, for load balancers (tests/worker/test_health.py): /readyz answers 503
# while no worker has run the sweep, as in these tests. Neither names a record or a person.
HEALTH_CHECKS = {"healthz", "readyz"}
# Unnamed patterns that only say "no such address" (never a refusal of a record).
NO_SUCH_PAGE = {"visible.api.views_auth.not_found"}


def _not_ready(route: Route, response) -> bool:
    return route.name in HEALTH_CHECKS and response.status_code == 503


def _callback_path(route: Route) -> str:
    return f"{route.callback.__module__}.{route.callback.__name__}"


def fill(route: Route) -> dict[str, Id | Arg]:
    found = {}
    for before, name in route.arguments:
        filler = FILL.get((before, name)) or FILL.get(name)
        if filler is None:
            raise LookupError(
                f"{route}: the matrix does not know how to fill <{name}> (after '{before}/'); "
                "add it to FILL in tests/sharing/test_access_matrix.py"
            )
        found[name] = filler
    return found


def routes_with_ids() -> list[Route]:
    return [r for r in all_routes() if any(isinstance(f, Id) for f in fill(r).values())]


def routes_without_ids() -> list[Route]:
    return [
        r
        for r in all_routes()
        if not any(isinstance(f, Id) for f in fill(r).values())
        and _callback_path(r) not in NO_SUCH_PAGE
    ]


def url_of(route: Route, world: dict, *, absent: bool = False) -> str:
    kwargs = {
        name: (f.missing(world) if absent and isinstance(f, Id) else f.value(world))
        for name, f in fill(route).items()
    }
    if route.name is None:
        return (
            "/"
            + re.sub(r"\^|\\Z|\$", "", route.pattern).split("(?P", 1)[0]
            + str(kwargs.get("rest", ""))
        )
    return reverse(route.name, kwargs=kwargs)


@pytest.fixture
def world(sw_a, manager_a, council_b, met, spoc):
    """Council A's child with something in every part of the record, reported missing to the
    Met (so the Met, but no other force, may see them), with a grab pack shared with the Met."""
    today = timezone.localdate()
    viewer = as_viewer(sw_a)
    child = register.create_child(
        viewer,
        ChildInput(
            given_names="Dawit",
            family_name="Tekle",
            date_of_birth=years_before(today, 16),
            dob_basis="claimed",
            sex="M",
            gender="boy",
            nationality="ERI",
            first_language="tir",
            other_languages=[],
            interpreter_needed=True,
            looked_after_from=today - dt.timedelta(days=300),
            legal_status="V2",
        ),
        [("Dawit T", "alias")],
    )
    register.record_flag(
        viewer, child, "uasc", today - dt.timedelta(days=300), "Asylum claim (synthetic)"
    )
    placement = sharing.record_placement(
        viewer,
        child,
        PlacementInput(
            place_code="K2",
            start_date=today - dt.timedelta(days=200),
            authority=Authority.objects.get(code="E09000008"),
        ),
    )
    referral = register.record_nrm_referral(
        viewer,
        child,
        NrmReferralInput(
            referred_on=today - dt.timedelta(days=20),
            first_responder="Croydon children's services",
            first_responder_kind="local_authority",
        ),
    )
    register.record_age_assessment(
        viewer,
        child,
        AgeAssessmentInput(status="pending", status_from=today - dt.timedelta(days=250)),
    )
    assignment = register.assign_guardian(
        viewer,
        child,
        GuardianInput(
            kind="ictg",
            guardian_name="G (synthetic)",
            service="Guardians",
            start_date=today - dt.timedelta(days=30),
        ),
    )
    missing.save_safety_plan(viewer, child, SafetyPlanInput(description="Slim, 1.70 m"), None)
    episode, _ = report_missing(sw_a, child, force=met)
    share = sharing.share_grab_pack(viewer, child, met)
    glass_user = make_user("sw.b.glass", council_b, Role.SOCIAL_WORKER)
    glass = sharing.break_glass(
        as_viewer(glass_user), child, "Found in Kent at night, needs the record now"
    )
    glass.expires_at = timezone.now() - dt.timedelta(minutes=1)  # over: no access now
    glass.save()
    alert = (
        Alert.objects.filter(child=child, resolved_at__isnull=True)
        .exclude(code="break_glass")
        .first()
    )
    ids = {
        "pk": child.pk,
        "name_pk": child.other_names.first().pk,
        "flag_pk": child.flags.first().pk,
        "placement_pk": placement.pk,
        "referral_pk": referral.pk,
        "assignment_pk": assignment.pk,
        "share_pk": share.pk,
        "glass_pk": glass.pk,
    }
    # Council A's problems CSV from a refused SSDA903 upload, a partnership of council A alone,
    # and a national collection (the national body's).
    problems = ProblemReport.objects.create(
        organisation=sw_a.memberships.get().organisation,
        created_by_name=manager_a.username,
        csv_text="file,row,problem\r\n",
    )
    # ... and the upload's own page, that upload refused.
    upload = ImportJob.objects.create(
        organisation=sw_a.memberships.get().organisation,
        kind=ImportKind.SSDA903,
        collection_year=today.year - 1,
        requested_by_name=manager_a.username,
        role=Role.SENIOR_MANAGER,
        state=ImportState.REFUSED,
        problems=problems,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    partnership, _ = returns.define_partnership(
        Viewer.system("test"), "Croydon partnership (synthetic)", [COUNCIL_A_CODE]
    )
    body = Organisation.objects.create(
        name="National body of the world (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )
    analyst = make_user("analyst.world", body, Role.ANALYST)
    collection = national.open_collection(
        as_viewer(analyst),
        "Missing children (synthetic)",
        today - dt.timedelta(days=400),
        today - dt.timedelta(days=35),
        today + dt.timedelta(days=30),
    )
    # Council B's own child, to reach council A's records through (a mixed-up or guessed id).
    own_b = register.create_child(
        as_viewer(make_user("sw.b.world", council_b, Role.SOCIAL_WORKER)),
        ChildInput(
            given_names="Yonas",
            family_name="Synthetic",
            date_of_birth=years_before(today, 15),
            dob_basis="claimed",
            sex="M",
            gender="boy",
            nationality="ERI",
            first_language="tir",
            other_languages=[],
            interpreter_needed=True,
            looked_after_from=today - dt.timedelta(days=100),
            legal_status="V2",
        ),
        [],
    )
    # Council A's team, the child allocated to its social worker in it.
    team = teams.create_team(Viewer.system("test"), sw_a.memberships.get().organisation, "UASC")
    register.allocate(viewer, child, sw_a.pk, team)
    # A shift on council A's on-call rota, tomorrow night (rota/).
    tomorrow = today + dt.timedelta(days=1)
    [shift] = rota_actions.add_shifts(
        as_viewer(manager_a),
        rota_actions.ShiftInput(
            position="on_call_manager",
            person_id=sw_a.pk,
            start_date=tomorrow,
            start_time=dt.time(17),
            end_date=tomorrow + dt.timedelta(days=1),
            end_time=dt.time(9),
        ),
    )
    # The Met graded the child low: a challenge to the Met's trafficking SPOC.
    missing.record_police_grade(viewer, episode, "Low")
    # Council A's child referred under the National Transfer Scheme to Leeds (policed by West
    # Yorkshire Police): only the three parties may open it, none of them an outsider here.
    nts_transfer = nts_actions.refer(
        viewer, child, make_council("E08000035"), today - dt.timedelta(days=3)
    )
    return {
        "challenge": episode.police_challenges.get(),
        "nts_transfer": nts_transfer,
        "shift": shift,
        "membership": sw_a.memberships.get(),
        "team": team,
        "child": child,
        "episode": episode,
        "alert": alert,
        "ids": ids,
        "problems": problems,
        "upload": upload,
        "partnership": partnership,
        "collection": collection,
        "council_b_child": own_b,
    }


def _outsider(label: str):
    where, role = OUTSIDERS[label]
    if where is None:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.create_user(
            username="outsider.no-organisation", password="synthetic-pass-1"
        )
    if where.startswith("E"):
        from tests.factories import make_council

        organisation = make_council(where)
    elif where == "Kent Police":
        organisation = Organisation.objects.get(name="Kent Police")
    else:
        kind = {
            "guardians": OrganisationKind.GUARDIAN_SERVICE,
            "ngo": OrganisationKind.NGO,
            "national": OrganisationKind.NATIONAL_BODY,
        }[where]
        organisation, _ = Organisation.objects.get_or_create(
            name=f"{where} (synthetic)", defaults={"kind": kind}
        )
    return make_user(f"outsider.{role}.{organisation.pk}", organisation, role)


@dataclass
class Caller:
    """One outsider on both doors: signed in to the pages, and as an API client of the same
    organisation and role (the API has no sign-in). Someone with no organisation has no client."""

    who: str
    user: object
    web: object
    api: APIClient | None
    api_name: str

    def request(self, route: Route, method: str, url: str):
        if route.is_api:
            return (
                getattr(self.api, method)(url, {}, format="json")
                if method != "get"
                else self.api.get(url)
            )
        if (
            "_auth_user_id" not in self.web.session
        ):  # signed out by web:sign-out, or not yet signed in
            self.web.force_login(self.user)
        return getattr(self.web, method)(url)

    def username_for(self, route: Route) -> str:
        return self.api_name if route.is_api else self.user.username


def _caller(who: str, client) -> Caller:
    user = _outsider(who)
    membership = user.memberships.first()
    api, api_name = None, ""
    # An API client acts in a role its kind of organisation may give one (api/tokens.py): an
    # administrator has none, and meets the API only through the pages' refusals.
    if membership is not None and membership.role in tokens.ROLES_FOR_KIND.get(
        membership.organisation.kind, ()
    ):
        made = tokens.create_client(
            membership.organisation.name, membership.role, "Access matrix", by="test"
        )
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {made.secret}")
        api_name = made.client.actor_name
    return Caller(who, user, client, api, api_name)


def _last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


def _denials_after(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="denied", seq__gt=seq).order_by("seq"))


@pytest.fixture
def fast_api(settings):
    settings.VISIBLE_API_RATE = (
        "100000/min"  # the matrix makes hundreds of calls a minute per client
    )


def test_every_route_is_known_to_the_matrix():
    """A route whose arguments the matrix cannot fill, or an unnamed one, is a route no test
    tries: name it here so whoever added it teaches the matrix (FILL, PUBLIC, NO_SUCH_PAGE)."""
    routes = all_routes()
    unknown = []
    for route in routes:
        try:
            fill(route)
        except LookupError as error:
            unknown.append(str(error))
        if route.name is None and _callback_path(route) not in NO_SUCH_PAGE:
            unknown.append(
                f"{route}: an unnamed route; name it, or list it in NO_SUCH_PAGE if it only says "
                "'no such address'"
            )
    assert not unknown, "\n".join(unknown)
    names = {r.name for r in routes}
    assert PUBLIC <= names, f"PUBLIC names routes that no longer exist: {sorted(PUBLIC - names)}"
    with_ids, without = routes_with_ids(), routes_without_ids()
    assert {
        "web:name-remove",
        "web:share-end",
        "web:break-glass-review",
        "web:ssda903-problems",
        "web:ssda903-upload",
        "api:flag-end",
    } <= {r.name for r in with_ids}
    assert len(with_ids) + len(without) + len(NO_SUCH_PAGE) == len(routes)


def test_the_matrix_fails_loudly_for_an_argument_it_does_not_know():
    route = Route("web:new-thing", "children/<int:pk>/things/<int:thing_pk>/", lambda request: None)
    with pytest.raises(LookupError, match=r"<thing_pk>.*add it to FILL"):
        fill(route)


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
def test_every_route_with_an_id_refuses_outsiders_and_audits_it(client, world, who, fast_api):
    """Every route that names one of council A's records, with every method it takes, as
    every wrong organisation: 404 or 403, one denied event naming the route, the child's name
    nowhere, and the same answer for an id that names nothing."""
    caller = _caller(who, client)
    tried = 0
    for route in routes_with_ids():
        fillers = fill(route).values()
        if any(who in f.seen_by for f in fillers if isinstance(f, Id)):
            continue  # not council A's record, and this outsider's to open
        if route.is_api and caller.api is None:
            continue
        for method in route.methods:
            answers = []
            for absent in (False, True):
                url = url_of(route, world, absent=absent)
                before = _last_seq()
                response = caller.request(route, method, url)
                if response.status_code == 405:
                    break  # the route takes the other method only
                where = f"{who}: {method.upper()} {url} ({route.name})"
                assert response.status_code in (403, 404), f"{where} gave {response.status_code}"
                denied = _denials_after(before)
                assert len(denied) == 1, (
                    f"{where}: {len(denied)} denied events: {[str(e) for e in denied]}"
                )
                assert denied[0].detail_data.get("route") == route.name, (
                    f"{where}: {denied[0].detail_data}"
                )
                assert denied[0].actor_username == caller.username_for(route), where
                assert denied[0].summary, where
                assert "Tekle" not in response.content.decode(errors="replace"), (
                    f"{where} showed the child's name"
                )
                answers.append((response.status_code, comparable(response)))
                tried += 1
            if len(answers) == 2 and not any(
                getattr(f, "existence_public", False) for f in fillers
            ):
                assert answers[0] == answers[1], (
                    f"{who}: {method.upper()} {route}: council A's record and an id "
                    "that names nothing are answered differently"
                )
    assert tried >= len(routes_with_ids())


# The caller's own record that a route's first id may name, so that the next id (one of council
# A's) is reached through a record the caller may open: the mixed-up id the security review found
# answered 404 with nothing audited (another council's child's name, share, break-glass review).
OWN = {("children", "pk"): lambda w: w["council_b_child"].pk}


@pytest.mark.parametrize("who", ["council B senior manager", "council B social worker"])
def test_council_As_records_reached_through_ones_own_child_are_refused_and_audited(
    client, world, who, fast_api
):
    caller = _caller(who, client)
    tried = 0
    for route in routes_with_ids():
        ids = [
            (before, name) for before, name in route.arguments if isinstance(fill(route)[name], Id)
        ]
        if len(ids) < 2 or ids[0] not in OWN:
            continue
        kwargs = {name: f.value(world) for name, f in fill(route).items()}
        kwargs[ids[0][1]] = OWN[ids[0]](world)
        url = reverse(route.name, kwargs=kwargs)
        for method in route.methods:
            before = _last_seq()
            response = caller.request(route, method, url)
            if response.status_code == 405:
                continue
            where = f"{who}: {method.upper()} {url} ({route.name})"
            assert response.status_code in (403, 404), f"{where} gave {response.status_code}"
            denied = _denials_after(before)
            assert len(denied) == 1, (
                f"{where}: {len(denied)} denied events: {[str(e) for e in denied]}"
            )
            assert denied[0].detail_data.get("route") == route.name, (
                f"{where}: {denied[0].detail_data}"
            )
            assert denied[0].object_id == str(kwargs[ids[-1][1]]), (
                f"{where}: {denied[0]} names another record"
            )
            tried += 1
    assert (
        tried >= 9
    )  # names, flags (page and API), placements (page and API), NRM, guardians, shares, break-glass


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
def test_every_route_without_an_id_is_allowed_or_refused_and_audited(client, world, who, fast_api):
    caller = _caller(who, client)
    for route in routes_without_ids():
        if route.is_api and caller.api is None:
            continue
        url = url_of(route, world)
        for method in route.methods:
            before = _last_seq()
            response = caller.request(route, method, url)
            where = f"{who}: {method.upper()} {url} ({route.name})"
            assert response.status_code < 500 or _not_ready(route, response), (
                f"{where} gave {response.status_code}"
            )
            denied = _denials_after(before)
            if response.status_code in (403, 404):
                assert len(denied) == 1, f"{where}: refused with {len(denied)} denied events"
                assert denied[0].detail_data.get("route") == route.name, (
                    f"{where}: {denied[0].detail_data}"
                )
            elif response.status_code != 405:
                assert denied == [], (
                    f"{where}: answered {response.status_code} but recorded a refusal"
                )
            assert "Tekle" not in response.content.decode(errors="replace"), (
                f"{where} showed the child's name"
            )


def test_signed_out_every_route_sends_to_sign_in_or_is_public(client, world):
    sign_in = reverse("web:sign-in")
    api = APIClient()
    for route in all_routes():
        url = url_of(route, world)
        for method in route.methods:
            response = (
                getattr(api, method)(url, {}, format="json")
                if route.is_api and method != "get"
                else (api if route.is_api else client).get(url)
                if method == "get"
                else getattr(client, method)(url)
            )
            where = f"signed out: {method.upper()} {url} ({route.name})"
            assert response.status_code < 500 or _not_ready(route, response), (
                f"{where} gave {response.status_code}"
            )
            if (
                route.name in PUBLIC
                or _callback_path(route) in NO_SUCH_PAGE
                or response.status_code == 405
            ):
                continue
            if route.is_api:
                assert response.status_code == 401, f"{where} gave {response.status_code}"
            else:
                assert response.status_code == 302 and response["Location"].startswith(sign_in), (
                    f"{where} gave {response.status_code} {response.get('Location', '')}"
                )


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
def test_lists_searches_and_counts_never_show_the_child(client, world, who):
    client.force_login(_outsider(who))
    for name in LIST_PAGES:
        response = client.get(reverse(name))
        # 204: a poll with nothing to show.
        assert response.status_code in (200, 204, 403), f"{who}: {name} gave {response.status_code}"
        assert "Tekle" not in response.content.decode(), f"{who}: {name} showed the child"
    record = reverse("web:child", args=[world["child"].pk])
    for query in ("Tekle", "Dawit", "Tecle"):
        response = client.get(reverse("web:children") + f"?q={query}")
        assert f'href="{record}"' not in response.content.decode(), (
            f"{who}: a search for {query} found the child"
        )


def test_the_right_force_sees_the_episode_and_the_shared_pack_but_not_the_rest(
    client, world, officer
):
    client.force_login(officer)
    episode = world["episode"]
    assert client.get(reverse("web:episode", args=[episode.pk])).status_code == 200
    assert client.get(reverse("web:grab-pack", args=[episode.pk])).status_code == 200
    record = client.get(reverse("web:child", args=[world["child"].pk]))
    assert record.status_code == 200 and 'data-testid="limited-view"' in record.content.decode()
    for name in ("web:child-edit", "web:child-history", "web:transfer", "web:report-missing"):
        assert client.get(reverse(name, args=[world["child"].pk])).status_code in (403, 404), name


def test_a_row_of_another_childs_record_is_not_found_and_the_attempt_audited(
    client, sw_a, make_child
):
    """Ending a flag through a child whose record it is not (a guessed or mixed-up id): 404 on
    the page, as in the API, and the attempt in the audit log."""
    first, second = make_child(sw_a), make_child(sw_a)
    flag = register.record_flag(
        as_viewer(sw_a), second, "uasc", timezone.localdate(), "Asylum claim (synthetic)"
    )
    client.force_login(sw_a)
    before = AuditEvent.objects.filter(action="denied", object_type="flag").count()
    assert client.get(reverse("web:flag-end", args=[first.pk, flag.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="denied", object_type="flag").count() == before + 1
