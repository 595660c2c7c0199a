"""The log's two formats, the fields a request or a job puts on every line, and tracebacks that
keep the code and withhold the data an exception's message quotes."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import IntegrityError, OperationalError

from visible.config.settings.base import logging_from
from visible.observability import context
from visible.observability.formatting import (
    WITHHELD,
    ContextFilter,
    JsonFormatter,
    TextFormatter,
    gunicorn_logging,
)


def record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.getLogger("visible.test").makeRecord(
        "visible.test", logging.ERROR, __file__, 1, message, args, exc_info, extra=extra
    )
    ContextFilter().filter(made)
    return made


def caught(error: BaseException):
    try:
        raise error
    except BaseException:
        import sys

        return sys.exc_info()


def test_a_json_line_has_the_time_in_utc_the_level_the_logger_and_the_scope_fields():
    with context.log_context(job_id="7d1c", job="sweep"):
        line = json.loads(JsonFormatter().format(record("Swept %s children", 12)))
    assert line["timestamp"].endswith("Z") and line["timestamp"][10] == "T"
    assert (line["level"], line["logger"], line["message"]) == (
        "ERROR",
        "visible.test",
        "Swept 12 children",
    )
    assert (line["job_id"], line["job"]) == ("7d1c", "sweep")
    assert "request_id" not in line and "traceback" not in line


def test_a_scope_ends_with_its_block_and_an_inner_one_adds_to_the_outer():
    with context.log_context(request_id="a" * 32):
        with context.log_context(job="import"):
            assert context.current() == {"request_id": "a" * 32, "job": "import"}
        assert context.current() == {"request_id": "a" * 32}
        assert context.request_id() == "a" * 32
    assert context.current() == {} and context.request_id() == ""


def test_each_thread_has_its_own_scope():
    seen: dict[str, dict] = {}
    both_inside = threading.Barrier(2)

    def job(job_id: str) -> None:
        with context.log_context(job_id=job_id):
            both_inside.wait(timeout=10)
            seen[job_id] = json.loads(JsonFormatter().format(record("Job ran")))

    threads = [threading.Thread(target=job, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen["one"]["job_id"] == "one" and seen["two"]["job_id"] == "two"


def test_only_ids_and_words_of_the_code_can_be_put_in_a_scope():
    with pytest.raises(ValueError, match="not child_name"):
        context.log_context(child_name="Dawit").__enter__()
    with pytest.raises(TypeError):
        context.log_context(user_id=["a list"]).__enter__()
    context.bind(user_id=5)  # outside any scope: nothing is left behind on the thread
    assert context.current() == {}


def save(name: str, upn: str) -> None:
    """Fails as code does, quoting its values in messages (the code's lines hold no values)."""
    try:
        raise IntegrityError(f'duplicate key value: Key (upn)=("{upn}")')
    except IntegrityError as cause:
        raise RuntimeError(f"Could not save {name}") from cause


def test_a_traceback_keeps_the_frames_and_withholds_a_message_that_quotes_data():
    name, upn = "Dawit Tekle", "A123456789012"
    try:
        save(name, upn)
    except RuntimeError:
        import sys

        exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record("Saving failed", exc_info=exc_info)))
    assert line["exc_type"] == "RuntimeError"
    trace = line["traceback"]
    assert "A123456789012" not in trace and "Dawit" not in trace
    assert f"django.db.utils.IntegrityError: {WITHHELD}" in trace
    assert "The above exception was the direct cause of the following exception" in trace
    assert trace.endswith(f"RuntimeError: {WITHHELD}")
    assert "in save" in trace and 'raise RuntimeError(f"Could not save {name}")' in trace


def test_the_message_of_an_error_about_the_system_is_kept():
    exc_info = caught(OperationalError("connection to server at 127.0.0.1 failed"))
    line = json.loads(JsonFormatter().format(record("Database down", exc_info=exc_info)))
    assert line["traceback"].endswith(
        "django.db.utils.OperationalError: connection to server at 127.0.0.1 failed"
    )


def test_the_text_format_is_one_readable_line_with_the_traceback_below():
    exc_info = caught(ValueError("bad date 31/02"))
    with context.log_context(request_id="b" * 32, user_id=3):
        text = TextFormatter(exception_messages=True).format(
            record("Import failed", exc_info=exc_info)
        )
    first, *rest = text.splitlines()
    assert first.endswith(f"ERROR   visible.test: Import failed  [request_id={'b' * 32} user_id=3]")
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "ValueError: bad date 31/02"  # the demo keeps every message


def test_a_log_format_other_than_json_or_text_is_refused_with_the_choices():
    with pytest.raises(ImproperlyConfigured, match="write json .* or text"):
        logging_from("xml", "INFO", False)


@pytest.mark.parametrize(
    ("environ", "formatter"),
    [
        ({"DJANGO_SETTINGS_MODULE": "visible.config.settings.production"}, "JsonFormatter"),
        ({}, "JsonFormatter"),
        ({"DJANGO_SETTINGS_MODULE": "visible.config.settings.dev"}, "TextFormatter"),
        ({"DJANGO_SETTINGS_MODULE": "x.dev", "VISIBLE_LOG_FORMAT": "json"}, "JsonFormatter"),
    ],
)
def test_gunicorn_writes_its_lines_in_the_applications_format(environ, formatter):
    config = gunicorn_logging(environ, "warning")
    assert config["formatters"]["visible"]["()"].endswith(formatter)
    assert config["loggers"]["gunicorn.error"] == {
        "level": "WARNING",
        "handlers": ["console"],
        "propagate": False,
    }
    assert config["loggers"]["gunicorn.access"]["handlers"] == []
