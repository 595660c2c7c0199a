"""Real-browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's
live server.

One browser per test session (per xdist worker), a fresh context and page per test. Data that
is not the point of a test is made with the same actions the web pages call
(children/actions.py), not through the browser, to keep the suite fast.

There is no browser download here: the tests use /usr/bin/chromium and FAIL (never skip) with
a clear message when it is missing; `make browser` installs it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import factories
from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, chromium_problem, session_cookie
from visible.dates import years_before

DEFAULT_TIMEOUT_MS = 10_000
FAILURE_DIR = Path(__file__).resolve().parents[2] / "var" / "e2e-failures"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last (in each xdist worker too). Once Playwright has started, an event
    loop runs in the main thread for the rest of the session, which async code in other tests
    (asyncio.run, async_to_sync) would trip over; and their flushes leave the reference tables
    empty for any non-transactional test after them."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright() -> Iterator[object]:
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django keeps database connections in an asgiref Local that is thread-local in sync code
    # but switches to context-variable storage while an event loop is running in the thread, as
    # Playwright's is from now on. Without this, the test code would get a second connection
    # object after Playwright starts, one without the serialized reference data that
    # serialized_rollback restores (so the authorities would vanish after the first flush).
    before = {alias: connections[alias] for alias in connections}
    # Playwright's sync API keeps an asyncio event loop running in the main thread; Django's ORM
    # would refuse to run there (SynchronousOnlyOperation). Allowed only while Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    for alias, connection in before.items():
        connections[alias] = connection
    yield manager
    manager.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(_playwright):
    problem = chromium_problem()
    if problem:
        pytest.fail(problem, pytrace=False)
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


def _failed(request) -> bool:
    report = getattr(request.node, "_e2e_report_call", None)
    return bool(report and report.failed)


class _InFlight:
    """How many connections the live server is serving right now."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()

    def wait_until_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count == 0, timeout=timeout)


def _in_flight(live_server) -> _InFlight:
    """Count the live server's connections as they are served (once per server).

    A page that polls (live pages, web/live.py) may have a request in the server when its test
    ends; answered after the flush that ends the test, it would commit an audit event into the
    next test's database (with a chain head the next test's restore puts back to 0: "duplicate
    key seq=1"). So a test's pages are closed and the server left to finish before the flush."""
    httpd = live_server.thread.httpd
    tracker = getattr(httpd, "_visible_in_flight", None)
    if tracker is None:
        tracker = _InFlight()
        serve = httpd.process_request_thread

        def counted(request, client_address):
            with tracker.changed:
                tracker.count += 1
            try:
                serve(request, client_address)
            finally:
                with tracker.changed:
                    tracker.count -= 1
                    tracker.changed.notify_all()

        httpd.process_request_thread = counted
        httpd._visible_in_flight = tracker
    return tracker


@pytest.fixture
def new_page(request, browser, live_server) -> Iterator[Callable]:
    """new_page(user=None, javascript=True) -> a Page in a fresh browser context, signed in as
    `user` when given (a session made server-side: signing in through the form is tested once,
    in test_sign_in.py)."""
    contexts = []
    in_flight = _in_flight(live_server)

    def _new(user=None, *, javascript: bool = True):
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=javascript,
            locale="en-GB",
            timezone_id="Europe/London",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        if user is not None:
            context.add_cookies([session_cookie(user, live_server.url)])
        return context.new_page()

    yield _new
    if _failed(request):
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        for index, context in enumerate(contexts):
            for number, page in enumerate(context.pages):
                try:
                    page.screenshot(
                        path=str(FAILURE_DIR / f"{stem}-{index}-{number}.png"), full_page=True
                    )
                except Exception:  # noqa: BLE001 - a screenshot is a debugging aid only
                    pass
    for context in contexts:
        context.close()
    if not in_flight.wait_until_idle(timeout=15):
        raise RuntimeError(
            f"the live server was still serving {in_flight.count} connection(s) 15 s after "
            "the test's pages closed; its database flush would race them"
        )


@pytest.fixture
def page(new_page):
    """An anonymous page in a fresh context."""
    return new_page()


# --- data ----------------------------------------------------------------------------------


@pytest.fixture
def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def days_ago(today) -> Callable[[int], dt.date]:
    return lambda n: today - dt.timedelta(days=n)


@pytest.fixture
def years_old(today) -> Callable[..., dt.date]:
    """A date of birth that makes the child `years` old today (`days` past the birthday)."""

    def _dob(years: int, days: int = 40) -> dt.date:
        return years_before(today, years) - dt.timedelta(days=days)

    return _dob


@pytest.fixture
def flag(days_ago):
    """flag(user, child, kind, start_days_ago=30, ended_days_ago=None) through
    children.actions (factories.record_flag, counted in days before today)."""

    def _flag(
        user,
        child,
        kind: str,
        start_days_ago: int = 30,
        ended_days_ago: int | None = None,
        evidence: str = "Referral from the police (synthetic test data)",
    ):
        ended = days_ago(ended_days_ago) if ended_days_ago is not None else None
        return factories.record_flag(
            user, child, kind, days_ago(start_days_ago), evidence, ended=ended
        )

    return _flag


@pytest.fixture
def place(days_ago):
    """place(user, child, authority_code, start_days_ago=30, place_code="U4") through
    children.actions (factories.record_placement)."""

    def _place(user, child, authority_code: str, start_days_ago: int = 30, place_code: str = "U4"):
        return factories.record_placement(
            user, child, authority_code, days_ago(start_days_ago), place_code=place_code
        )

    return _place
