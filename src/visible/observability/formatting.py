"""How Visible's log lines are written (docs/operations.md, "Logs").

Production writes one JSON object per line (VISIBLE_LOG_FORMAT=json): the time in UTC (ISO
8601), the level, the logger, the message, the fields of the request or job it belongs to
(context.FIELDS), the request's method, status, duration and client address on the access
line, and for an error its exception type and traceback. The demo writes the same as readable
text (VISIBLE_LOG_FORMAT=text).

What keeps a child's name out of the logs is what is put in them: messages are written by the
code and carry ids, never a record's contents; the request's line has the URL's pattern, never
its path or query string. Two things written by others are also kept to that rule here:

- an exception's message is withheld from its traceback (the type and every frame are kept),
  because the message is often the data that failed: a database's `invalid input syntax for
  type date: "..."`, a unique key's `Key (...)=(...)`, Django's `Field 'id' expected a number
  but got '...'`. Only the messages of exception types that describe the code or the system,
  never data (SAFE_MESSAGE_TYPES), are kept; VISIBLE_LOG_EXCEPTION_MESSAGES=1 keeps them all
  (the demo's default: its people are synthetic).
- Django's own request lines (`Internal Server Error: /path`) name the matched route instead
  of the path.

Only the standard library: gunicorn's master imports this before any Django is loaded.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from types import TracebackType
from typing import Any

from . import context

# Fields of the request's own line (web/request_log.py), besides the context's.
ACCESS_FIELDS = ("method", "status", "duration_ms", "client_ip")
LINE_FIELDS = context.FIELDS + ACCESS_FIELDS
FORMATS = ("json", "text")

# Exception types (or their bases) whose messages are written by the code or describe the
# system, not the data being worked on: a missing attribute or module, a configuration or
# template error, a database that cannot be reached or a query that does not compile. Every
# other message is withheld: ValueError, TypeError, KeyError and the database's DataError and
# IntegrityError all routinely quote the value they were given.
SAFE_MESSAGE_TYPES = frozenset(
    {
        "AttributeError",
        "NameError",
        "ImportError",
        "NotImplementedError",
        "RecursionError",
        "ConnectionError",
        "TimeoutError",
        "ImproperlyConfigured",
        "TemplateDoesNotExist",
        "TemplateSyntaxError",
        "OperationalError",
        "InterfaceError",
        "ProgrammingError",
    }
)
WITHHELD = "(message withheld: it may quote data; see docs/operations.md)"


def message_is_safe(exc: BaseException) -> bool:
    return any(cls.__name__ in SAFE_MESSAGE_TYPES for cls in type(exc).__mro__)


def exception_name(exc: BaseException) -> str:
    cls = type(exc)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def exception_message(exc: BaseException, all_messages: bool = False) -> str:
    if not (all_messages or message_is_safe(exc)):
        return WITHHELD
    try:
        return str(exc)
    except Exception:  # a broken __str__ must not lose the log line
        return "(the message could not be read)"


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def format_exception(exc: BaseException, all_messages: bool = False) -> str:
    """A traceback as Python prints it, chained exceptions included, with each message
    withheld unless it is safe (or all_messages). Never the frames' local variables."""
    chain: list[tuple[BaseException, str]] = []  # latest first; each with its link to the next
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    parts = []
    for error, link_to_next in reversed(chain):
        if error.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        parts.append(f"{exception_name(error)}: {exception_message(error, all_messages)}\n")
        if link_to_next:
            parts.append(link_to_next)
    return "".join(parts).rstrip("\n")


def utc_timestamp(created: float) -> str:
    """A record's time in UTC, ISO 8601 to the millisecond: 2026-12-03T15:21:58.123Z."""
    moment = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ContextFilter(logging.Filter):
    """Puts the request's or job's fields (context.py) on every record the handler writes,
    and the matched route in place of the path in Django's request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = context.current()
        for name, value in fields.items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        request = getattr(record, "request", None)  # Django's log_response puts it there
        path = getattr(request, "path", None)
        if isinstance(path, str) and isinstance(record.args, tuple) and record.args:
            escaped = path.encode("unicode_escape").decode("ascii")  # as log_response passes it
            route = str(fields.get("route") or "(no route)")
            record.args = tuple(route if arg in (path, escaped) else arg for arg in record.args)
        return True


class _VisibleFormatter(logging.Formatter):
    def __init__(self, exception_messages: bool = False) -> None:
        super().__init__()
        self.exception_messages = exception_messages

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        found = {}
        for name in LINE_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                found[name] = value
        return found

    def error(self, record: logging.LogRecord) -> tuple[str, str] | None:
        """(exception type, traceback) of the record's exception, if it has one. Never the
        record's exc_text, which another handler may have written with the message."""
        exc_info = record.exc_info
        if not exc_info or exc_info[1] is None:
            return None
        exc = exc_info[1]
        if exc.__traceback__ is None and isinstance(exc_info[2], TracebackType):
            exc = exc.with_traceback(exc_info[2])
        return exception_name(exc), format_exception(exc, self.exception_messages)


class JsonFormatter(_VisibleFormatter):
    """One JSON object per line (VISIBLE_LOG_FORMAT=json, production's default)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(self.fields(record))
        line["process"] = record.process
        error = self.error(record)
        if error:
            line["exc_type"], line["traceback"] = error
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, default=str)


class TextFormatter(_VisibleFormatter):
    """A line a person reads (VISIBLE_LOG_FORMAT=text, the demo's default): the time, the
    level, the logger, the message, then the fields as name=value; a traceback below."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{name}={value}" for name, value in self.fields(record).items())
        text = (
            f"{utc_timestamp(record.created)} {record.levelname:<7} {record.name}: "
            f"{record.getMessage()}"
        )
        if fields:
            text += f"  [{fields}]"
        error = self.error(record)
        if error:
            text += "\n" + error[1]
        if record.stack_info:
            text += "\n" + record.stack_info
        return text


def formatter_class(log_format: str) -> str:
    if log_format not in FORMATS:
        raise ValueError(
            f"VISIBLE_LOG_FORMAT={log_format} is not a log format Visible writes: "
            "write json (one JSON object per line) or text"
        )
    name = "JsonFormatter" if log_format == "json" else "TextFormatter"
    return f"{__name__}.{name}"


def logging_config(
    log_format: str = "json", level: str = "INFO", exception_messages: bool = False
) -> dict[str, Any]:
    """The LOGGING setting: everything to standard error through one handler, in one format.
    Visible's own loggers, and Huey's (each job starting and how long it took: the worker's
    record of its work), at ``level`` (INFO: the request lines); other libraries at WARNING.
    Django's warnings about 4xx responses are left out (the request's own line has the
    status, and without the path); its errors, with their tracebacks, are kept."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": f"{__name__}.ContextFilter"}},
        "formatters": {
            "visible": {
                "()": formatter_class(log_format),
                "exception_messages": exception_messages,
            }
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "visible",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "visible": {"level": level.upper()},
            "huey": {"level": level.upper()},
            # Django's own handlers (a console when DEBUG, mail to ADMINS) are replaced by ours.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.request": {"level": "ERROR"},
        },
    }


def gunicorn_logging(environ: Any, level: str = "info") -> dict[str, Any]:
    """Gunicorn's logconfig_dict: its own lines (starting, workers booted or killed) in the
    same format as the application's, on standard error, at ``level``. Its access log stays
    off: the application writes the request's line, without the query string gunicorn's
    would carry. The format is VISIBLE_LOG_FORMAT's, else the settings' default (text for the
    demo's, json for any other)."""
    demo = environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".dev")
    config = logging_config(environ.get("VISIBLE_LOG_FORMAT") or ("text" if demo else "json"))
    config["loggers"] = {
        "gunicorn.error": {"level": level.upper(), "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    }
    return config
