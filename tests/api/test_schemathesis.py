"""schemathesis against the published schema (/api/v1/schema.json), in process through WSGI,
with a council's valid token and a register to find: no server errors, and every response
has a status, headers, content type and body the schema documents for it. Invalid requests
the schema rules out must be refused with a 4xx.

positive_data_acceptance is left out: the schema describes the shape of a request, but the
register's rules (a date of birth in the past, a placement code in use on its start date, an
episode not overlapping another) are the actions', so a well-shaped request can still be a
documented 400."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from PIL import Image
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import as_viewer, make_api_client, missing_episode
from visible.children import actions as register
from visible.children.inputs import PlacementInput
from visible.sharing import actions as sharing_actions

MAX_EXAMPLES = 25


@pytest.fixture
def keep_test_connection():
    """As Django's test client does: a request ending must not close the test's connection
    (it is inside the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CONFIG = SchemathesisConfig.from_dict(
    {
        # A missing If-Match is answered 428 Precondition Required (RFC 6585), as documented.
        "checks": {
            "missing_required_header": {"expected-statuses": ["400", "401", "403", "404", "428"]}
        },
    }
)
# Loaded from the published URL through the application itself (no database needed for it).
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema.json", get_wsgi_application(), config=CONFIG
)
TOKEN: dict[str, str] = {}  # the current test's council token, set by register_to_find


@schema.auth(refresh_interval=None)
class CouncilToken:
    """The bearer scheme the schema declares, with a valid council token: schemathesis still
    tries requests without it (and expects 401) but never counts it as the thing under test."""

    def get(self, case, context) -> str:
        return TOKEN.get("value", "vis_sk_no-test-running")

    def set(self, case, data, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@dataclass
class Register:
    token: str
    ids: dict[str, list[int]]  # "children", "episodes", "flags": records that exist

    def aim(self, case) -> None:
        """Half the generated ids (the even ones) are pointed at records that exist, so that
        reads and writes get past the 404 and their success and refusal answers are checked too."""
        params = case.path_parameters or {}
        collection = case.path.split("/")[3]  # /api/v1/<collection>/{id}...
        for name, pool in (
            ("id", self.ids.get(collection)),
            ("flag_id", self.ids["flags"]),
            ("placement_id", self.ids["placements"]),
        ):
            value = params.get(name)
            if (
                pool
                and isinstance(value, int)
                and not isinstance(value, bool)
                and value > 0
                and value % 2 == 0
            ):
                params[name] = pool[(value // 2) % len(pool)]


@pytest.fixture
def register_to_find(council_a, sw_a, make_child) -> Register:
    """A council's case system, with children, a flag and an open episode to find."""
    viewer = as_viewer(sw_a)
    children = [make_child(sw_a, council_id=f"CR-{i}") for i in range(3)]
    flag = register.record_flag(
        viewer,
        children[0],
        "uasc",
        timezone.localdate() - dt.timedelta(days=20),
        "Arrived alone (synthetic)",
    )
    photo = io.BytesIO()
    Image.new("RGB", (30, 40), (30, 100, 180)).save(photo, format="PNG")
    register.set_photo(
        viewer, children[2], ContentFile(photo.getvalue(), name="synthetic.png"), None
    )
    placement = sharing_actions.record_placement(
        viewer,
        children[1],
        PlacementInput(
            place_code="U1",
            start_date=timezone.localdate() - dt.timedelta(days=30),
            authority=council_a.authority,
            postcode="CR0 1XX",
        ),
    )
    episode = missing_episode(sw_a, children[0], hours_ago=2)
    TOKEN["value"] = make_api_client(council_a).secret
    return Register(
        TOKEN["value"],
        {
            "children": [c.pk for c in children],
            "episodes": [episode.pk],
            "flags": [flag.pk],
            "placements": [placement.pk],
        },
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@override_settings(VISIBLE_API_RATE="100000/min", VISIBLE_API_TOKEN_RATE="100000/min")
def test_api_keeps_to_its_schema(case, register_to_find, keep_test_connection):
    register_to_find.aim(case)
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
