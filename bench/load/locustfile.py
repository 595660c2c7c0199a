"""Signed-in social workers using Visible, for locust (run headless by bench/load/run.py).

Each simulated person signs in as a person does (the password page, then a code computed
from their authenticator's secret with pyotp), then, about three times a second, does one of:
open the register, search it by surname, look at Missing now, open a child's record, report
one of their children missing (the form, then the post, then the episode page it leads to),
or record the return of a child they reported (the post, then the episode page). The
benchmark's server runs the production settings behind a stand-in for the TLS proxy: every
request says X-Forwarded-Proto: https, and the Secure, __Host- cookies are sent back over
the plain loopback connection.

Every request is written to BENCH_LOAD_EVENTS (one JSON line each, with when it ended and
whether it was a sign-in), so run.py can measure the steady state after everyone has signed
in, apart from the sign-ins themselves.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import time
from zoneinfo import ZoneInfo

import pyotp
from locust import FastHttpUser, constant_pacing, events, task

ACCOUNTS = json.load(open(os.environ["BENCH_LOAD_ACCOUNTS"], encoding="utf-8"))
EVENTS_PATH = os.environ["BENCH_LOAD_EVENTS"]
PACING = float(os.environ.get("BENCH_LOAD_PACING", "0.333"))  # seconds per task at least
UK = ZoneInfo("Europe/London")
STAGES = 8  # runs per benchmark (two servers x four numbers of users)
_next_account = itertools.count()
_events: list[dict] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, context, **kw):
    _events.append(
        {
            "at": time.time(),
            "name": name,
            "ms": response_time,
            "ok": exception is None,
            "error": f"{type(exception).__name__}: {exception}"[:200] if exception else "",
            "sign_in": name.startswith("sign-in"),
        }
    )


@events.test_stop.add_listener
def _write(environment, **kw):
    with open(EVENTS_PATH, "w", encoding="utf-8") as handle:
        for event in _events:
            handle.write(json.dumps(event) + "\n")


def _when(instant: dt.datetime, prefix: str, date_name: str, time_name: str) -> dict[str, str]:
    local = instant.astimezone(UK)
    p = f"{prefix}-" if prefix else ""
    return {
        f"{p}{date_name}_0": str(local.day),
        f"{p}{date_name}_1": str(local.month),
        f"{p}{date_name}_2": str(local.year),
        f"{p}{time_name}": f"{local:%H:%M}",
    }


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class SocialWorker(FastHttpUser):
    wait_time = constant_pacing(PACING)

    def on_start(self) -> None:
        account = ACCOUNTS["accounts"][next(_next_account) % len(ACCOUNTS["accounts"])]
        self.account = account
        # Not missing now, so free to report: a slice of the account's children of its own
        # for each run (BENCH_LOAD_STAGE), as the runs before may have left some missing.
        stage = int(os.environ.get("BENCH_LOAD_STAGE", "0"))
        self.free = list(account["children"][stage % STAGES :: STAGES])
        random.shuffle(self.free)
        self.missing: list[tuple[int, int]] = []  # (child, episode) reported by this person
        self.origin = self.host.replace("http://", "https://")
        self.sign_in()

    # -- requests as a browser behind the TLS proxy makes them ---------------------------------

    def _headers(self, posting: bool = False) -> dict[str, str]:
        headers = {"X-Forwarded-Proto": "https"}
        if posting:
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + "/"
        return headers

    def _send_secure_cookies(self) -> None:
        # The proxy would carry them over TLS; here the loopback connection is plain HTTP.
        for cookie in self.client.cookiejar:
            cookie.secure = False

    def get(self, path: str, name: str):
        with self.client.get(
            path, headers=self._headers(), name=name, catch_response=True
        ) as response:
            self._send_secure_cookies()
            if response.status_code != 200:
                response.failure(f"GET {name}: {response.status_code}")
            return response

    def post(self, path: str, data: dict, name: str, expect_redirect_to: str = ""):
        with self.client.post(
            path,
            data=data,
            headers=self._headers(posting=True),
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._send_secure_cookies()
            where = response.headers.get("Location", "")
            signed_out = where.startswith("/sign-in") and not expect_redirect_to.startswith("/sign")
            if (
                response.status_code != 302
                or not where.startswith(expect_redirect_to)
                or signed_out
            ):
                response.failure(f"POST {name}: {response.status_code} {where}")
                return None
            return where

    def csrf(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name.endswith("csrf"):
                return cookie.value
        return ""

    # -- signing in ------------------------------------------------------------------------------

    def sign_in(self) -> None:
        page = self.get("/sign-in", "sign-in: page")
        token = CSRF.search(page.text or "")
        self.post(
            "/sign-in",
            {
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": self.account["username"],
                "password": self.account["password"],
            },
            "sign-in: password",
            expect_redirect_to="/sign-in/code",
        )
        code = pyotp.TOTP(self.account["secret"]).now()
        self.post(
            "/sign-in/code",
            {"csrfmiddlewaretoken": self.csrf(), "code": code},
            "sign-in: code",
            expect_redirect_to="/",  # home, which sends each person to their start page
        )

    # -- what social workers do --------------------------------------------------------------------

    @task(3)
    def register(self) -> None:
        self.get("/children/", "register")

    @task(3)
    def search(self) -> None:
        surname = random.choice(ACCOUNTS["surnames"])
        self.get(f"/children/?q={surname}", "search")

    @task(2)
    def missing_now(self) -> None:
        self.get("/missing-now/", "missing now")

    @task(4)
    def child_record(self) -> None:
        child = random.choice(self.account["children"])
        self.get(f"/children/{child}/", "child's record")

    @task(1)
    def report_missing(self) -> None:
        if not self.free:
            return
        child = self.free.pop()
        page = self.get(f"/children/{child}/report-missing", "report missing: form")
        token = CSRF.search(page.text or "")
        now = dt.datetime.now(dt.UTC)
        where = self.post(
            f"/children/{child}/report-missing",
            {
                "csrfmiddlewaretoken": token.group(1) if token else self.csrf(),
                "category": "M",
                **_when(now - dt.timedelta(minutes=10), "", "last_seen_date", "last_seen_time"),
                "last_seen_place": "Bus station (synthetic)",
                "with_whom": "",
                "clothing": "Grey coat",
                "circumstances": "Did not come back from college",
                "reported_by_name": "Carer (synthetic)",
                "reported_by_role": "carer",
                "police_force": "",
                "police_reference": "",
            },
            "report missing: send",
            expect_redirect_to="/episodes/",
        )
        if where:
            episode = int(re.search(r"/episodes/(\d+)/", where).group(1))
            self.missing.append((child, episode))
            self.get(f"/episodes/{episode}/", "report missing: episode page")
        else:
            self.free.insert(0, child)

    @task(1)
    def record_return(self) -> None:
        if not self.missing:
            return
        child, episode = self.missing.pop(0)
        now = dt.datetime.now(dt.UTC)
        where = self.post(
            f"/episodes/{episode}/return",
            {
                "csrfmiddlewaretoken": self.csrf(),
                **_when(now, "return", "returned_date", "returned_time"),
                "return-found_by": "self",
                "return-found_place": "Came back to the placement",
            },
            "record a return: send",
            expect_redirect_to=f"/episodes/{episode}/",
        )
        if where:  # (not reported again in this run: a new episode may not overlap the last)
            self.get(f"/episodes/{episode}/", "record a return: episode page")
