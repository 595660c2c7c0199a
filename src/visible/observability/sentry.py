"""Error reports to Sentry, when VISIBLE_SENTRY_DSN is set (docs/operations.md, "Sentry").

Only the production settings call ``init_sentry``, and only with a DSN: otherwise sentry-sdk is
not even imported. A report is rebuilt from a short list of what may leave (``before_send``),
not cleaned of what is known to be sensitive, so a field a new SDK version adds stays behind:

- the exception's type and frames (file, function, line and the code around it), with its
  message only where the log would keep it (formatting.SAFE_MESSAGE_TYPES); no local variables
  (never captured, include_local_variables=False, and dropped if present);
- the request's method and a few headers that describe the browser, never its URL, query
  string, body, cookies or address; the route and the request's reference as tags;
- the user and organisation by number, from the log context (send_default_pii=False keeps the
  SDK's own user data, username and address included, out);
- the environment, the release, the server's name, the time; no breadcrumbs (which would
  carry log messages and SQL), no "extra" (where a log record's request object would go), no
  sessions, traces or client reports.
"""

from __future__ import annotations

from typing import Any

from . import context
from .formatting import SAFE_MESSAGE_TYPES, WITHHELD, message_is_safe

# What the browser says about itself; every other header (cookies, authorisation, forwarding
# addresses, referrer with its query string) stays behind.
SAFE_HEADERS = frozenset(
    {"host", "user-agent", "accept", "accept-language", "content-type", "content-length"}
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})
_EVENT_KEYS = (
    "event_id",
    "timestamp",
    "level",
    "platform",
    "logger",
    "environment",
    "release",
    "dist",
    "server_name",
    "sdk",
    "transaction",
    "transaction_info",
    "fingerprint",
)
_TAG_FIELDS = ("request_id", "job_id", "job", "route", "view", "organisation_id", "api_client")
_FRAME_KEYS = (
    "filename",
    "abs_path",
    "module",
    "function",
    "lineno",
    "colno",
    "in_app",
    "pre_context",
    "context_line",
    "post_context",
    "platform",
)


def init_sentry(dsn: str, *, environment: str, release: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        # What the SDK is asked to collect by itself: nothing personal. This is the structured
        # form of send_default_pii=False, which sentry-sdk 2.75 deprecates in its favour, and
        # stricter (that flag still let cookies, query strings and bodies through). What
        # guarantees it is before_send, which rebuilds the report whatever was collected.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(SAFE_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "graphql": {"document": False, "variables": False},
            "gen_ai": {"inputs": False, "outputs": False},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        include_local_variables=False,
        max_request_body_size="never",
        max_breadcrumbs=0,
        before_send=before_send,
        # Errors only: no traces, profiles, sessions, logs or metrics, and only the integrations
        # named here (with the SDK's defaults: logging, which reports records at ERROR).
        auto_enabling_integrations=False,
        integrations=[
            DjangoIntegration(
                transaction_style="url",  # the route's pattern, never the path
                middleware_spans=False,
                signals_spans=False,
                cache_spans=False,
            )
        ],
        auto_session_tracking=False,
        send_client_reports=False,
        enable_logs=False,
        enable_metrics=False,
    )


def before_send(event: Any, hint: Any) -> Any:
    """The report that may leave, built from the parts listed in this module's docstring."""
    fields = context.current()
    report: dict[str, Any] = {key: event[key] for key in _EVENT_KEYS if key in event}
    report["tags"] = {name: str(fields[name]) for name in _TAG_FIELDS if name in fields}
    if fields.get("user_id") is not None:
        report["user"] = {"id": str(fields["user_id"])}
    request = event.get("request")
    if isinstance(request, dict):
        method = request.get("method")
        headers = request.get("headers") or {}
        report["request"] = {
            "method": method if method in METHODS else "OTHER",
            "headers": {
                name: value for name, value in headers.items() if name.lower() in SAFE_HEADERS
            },
        }
    contexts = event.get("contexts") or {}
    report["contexts"] = {name: contexts[name] for name in ("trace", "runtime") if name in contexts}
    logentry = event.get("logentry")
    if isinstance(logentry, dict) and logentry.get("message"):
        report["logentry"] = {"message": logentry["message"]}  # the code's words, not its values
    exception = event.get("exception")
    if isinstance(exception, dict):
        safe = _safe_exception_names(hint)
        report["exception"] = {
            "values": [_exception(value, safe) for value in exception.get("values") or []]
        }
    return report


def _safe_exception_names(hint: Any) -> set[str]:
    """The type names, in the exception and its chain, whose messages the log would keep."""
    exc_info = (hint or {}).get("exc_info")
    error = exc_info[1] if exc_info else None
    names = set()
    seen: set[int] = set()
    while isinstance(error, BaseException) and id(error) not in seen:
        seen.add(id(error))
        if message_is_safe(error):
            names.add(type(error).__name__)
        error = error.__cause__ or error.__context__
    return names if exc_info else set(SAFE_MESSAGE_TYPES)


def _exception(value: dict[str, Any], safe: set[str]) -> dict[str, Any]:
    kept: dict[str, Any] = {key: value[key] for key in ("type", "module") if key in value}
    kept["value"] = value.get("value") if value.get("type") in safe else WITHHELD
    mechanism = value.get("mechanism")
    if isinstance(mechanism, dict):
        kept["mechanism"] = {key: mechanism[key] for key in ("type", "handled") if key in mechanism}
    stacktrace = value.get("stacktrace")
    if isinstance(stacktrace, dict):
        kept["stacktrace"] = {
            "frames": [
                {key: frame[key] for key in _FRAME_KEYS if key in frame}
                for frame in stacktrace.get("frames") or []
            ]
        }
    return kept
