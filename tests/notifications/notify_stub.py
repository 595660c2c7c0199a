"""A stand-in for GOV.UK Notify's API on this machine, for the notification tests and the
latency benchmark: the endpoints Visible's client (notifications-python-client) calls to send,
POST /v2/notifications/sms and /v2/notifications/email, checked as Notify checks them.

- The Authorization header is "Bearer <JWT>", signed HS256 with the API key's secret (its last
  36 characters), its ``iss`` the service id (the 36 before), its ``iat`` within 30 seconds of
  now: anything else is Notify's 403 AuthError.
- The template must be one of the service's (the texts docs/notifications.md asks operators to
  make, read from that file), and the personalisation must fill every ((placeholder)) in it,
  or Notify's 400 BadRequestError ("Missing personalisation: ...").
- A text message must go to a UK mobile number (400 "Not a UK mobile number").
- The answer is Notify's 201, with the new notification's id and the body as Notify would
  make it from the template (a list personalisation becoming bullet points).

``fail_next(count, status)`` makes the next requests fail as Notify does when it is down (500,
503) or busy (429), or refuses them (400).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt

DOCS = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"
SERVICE_ID = "6f1c4a2e-3b5d-4c7e-9a10-2b3c4d5e6f70"
SECRET = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
API_KEY = f"visible_test-{SERVICE_ID}-{SECRET}"  # a key made up for the tests, never Notify's
TEMPLATE_IDS = {
    "sms": "11111111-2222-4333-8444-555555555501",
    "email": "11111111-2222-4333-8444-555555555502",
    "digest": "11111111-2222-4333-8444-555555555503",
}
_PLACEHOLDER = re.compile(r"\(\(([^()]+)\)\)")
_MARKER = re.compile(r"<!-- notify-template: (\w+) (subject|body) -->\s*```text\n(.*?)```", re.S)


def templates_from_docs(path: Path = DOCS) -> dict[str, dict[str, str]]:
    """{"sms": {"body": ...}, "email": {"subject": ..., "body": ...}, "digest": {...}} as
    docs/notifications.md gives them."""
    found: dict[str, dict[str, str]] = {}
    for name, part, text in _MARKER.findall(path.read_text()):
        found.setdefault(name, {})[part] = text.rstrip("\n")
    return found


def placeholders(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def render(text: str, personalisation: dict) -> str:
    def fill(match: re.Match) -> str:
        value = personalisation[match.group(1)]
        if isinstance(value, list):
            return "\n".join(f"* {item}" for item in value)
        return str(value)

    return _PLACEHOLDER.sub(fill, text)


@dataclass
class Sent:
    kind: str  # sms or email
    to: str
    template: str  # sms, email or digest: which of the service's templates
    personalisation: dict
    reference: str
    subject: str
    body: str
    id: str
    at: float  # time.time() when the stand-in accepted it


@dataclass
class _State:
    templates: dict[str, dict[str, str]]
    sent: list[Sent] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)
    requests: int = 0
    arrived: threading.Condition = field(default_factory=threading.Condition)


def _error(status: int, kind: str, message: str) -> dict:
    return {"status_code": status, "errors": [{"error": kind, "message": message}]}


class _Handler(BaseHTTPRequestHandler):
    state: _State

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        kind = {"/v2/notifications/sms": "sms", "/v2/notifications/email": "email"}.get(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        with self.state.arrived:
            self.state.requests += 1
            failure = self.state.failures.pop(0) if self.state.failures else None
        if kind is None:
            return self._answer(404, _error(404, "NotFound", "Not found"))
        if failure is not None:
            status, message = failure
            return self._answer(status, _error(status, "Failure", message))
        problem = self._auth_problem()
        if problem:
            return self._answer(403, _error(403, "AuthError", problem))
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._answer(400, _error(400, "BadRequestError", "Not JSON"))
        try:
            data = json.loads(raw)
        except ValueError:
            return self._answer(400, _error(400, "BadRequestError", "Invalid JSON"))
        to_field = "phone_number" if kind == "sms" else "email_address"
        to = data.get(to_field)
        if not to:
            return self._answer(
                400, _error(400, "ValidationError", f"{to_field} is a required property")
            )
        template_name = next(
            (name for name, tid in TEMPLATE_IDS.items() if tid == data.get("template_id")), None
        )
        template = self.state.templates.get(template_name or "")
        if template is None or (kind == "sms") != (template_name == "sms"):
            return self._answer(400, _error(400, "BadRequestError", "Template not found"))
        personalisation = data.get("personalisation") or {}
        wanted = sorted(
            {p for text in template.values() for p in placeholders(text)} - set(personalisation)
        )
        if wanted:
            return self._answer(
                400,
                _error(400, "BadRequestError", f"Missing personalisation: {', '.join(wanted)}"),
            )
        if kind == "sms" and not re.fullmatch(r"(\+44|0)7\d{9}", to.replace(" ", "")):
            return self._answer(
                400, _error(400, "ValidationError", "phone_number Not a UK mobile number")
            )
        body = render(template["body"], personalisation)
        subject = render(template.get("subject", ""), personalisation)
        sent = Sent(
            kind,
            to,
            template_name or "",
            personalisation,
            data.get("reference") or "",
            subject,
            body,
            str(uuid.uuid4()),
            time.time(),
        )
        with self.state.arrived:
            self.state.sent.append(sent)
            self.state.arrived.notify_all()
        content = {"body": body}
        if kind == "sms":
            content["from_number"] = "Visible"
        else:
            content |= {"subject": subject, "from_email": "visible@notifications.service.gov.uk"}
        self._answer(
            201,
            {
                "id": sent.id,
                "reference": sent.reference or None,
                "content": content,
                "uri": f"https://api.notifications.service.gov.uk/v2/notifications/{sent.id}",
                "template": {"id": data["template_id"], "version": 1, "uri": ""},
            },
        )

    def _auth_problem(self) -> str:
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            return "Unauthorized: authentication token must be provided"
        token = header.removeprefix("Bearer ")
        try:
            claims = jwt.decode(
                token,
                key=SECRET,
                algorithms=["HS256"],
                options={"verify_signature": True, "verify_iat": False},
            )
        except jwt.InvalidTokenError:
            return "Invalid token: signature, api token not found"
        if claims.get("iss") != SERVICE_ID:
            return "Invalid token: service not found"
        if abs(int(claims.get("iat", 0)) - time.time()) > 30:
            return "Error: Your system clock must be accurate to within 30 seconds"
        return ""


class NotifyStub:
    """start() / stop(); ``url`` to point Visible at; ``sent`` as accepted; ``wait_for(n)``."""

    def __init__(self, templates: dict[str, dict[str, str]] | None = None) -> None:
        self.state = _State(templates if templates is not None else templates_from_docs())
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> NotifyStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def sent(self) -> list[Sent]:
        return list(self.state.sent)

    @property
    def requests(self) -> int:
        return self.state.requests

    def fail_next(self, count: int, status: int = 500, message: str = "Internal server error"):
        with self.state.arrived:
            self.state.failures.extend([(status, message)] * count)

    def wait_for(self, count: int, timeout: float = 10) -> list[Sent]:
        deadline = time.monotonic() + timeout
        with self.state.arrived:
            while len(self.state.sent) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"the Notify stand-in accepted {len(self.state.sent)} messages, not "
                        f"{count}, within {timeout} s"
                    )
                self.state.arrived.wait(left)
        return self.sent

    def settings(self) -> dict[str, object]:
        """The settings that point Visible at this stand-in."""
        return {
            "VISIBLE_NOTIFY_API_KEY": API_KEY,
            "VISIBLE_NOTIFY_BASE_URL": self.url,
            "VISIBLE_NOTIFY_SMS_TEMPLATE_ID": TEMPLATE_IDS["sms"],
            "VISIBLE_NOTIFY_EMAIL_TEMPLATE_ID": TEMPLATE_IDS["email"],
            "VISIBLE_NOTIFY_DIGEST_TEMPLATE_ID": TEMPLATE_IDS["digest"],
        }
