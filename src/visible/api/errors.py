"""One shape for every error the API returns:

    {"status": 400, "title": "...", "detail": "...",
     "errors": [{"field": "date_of_birth", "message": "Date of birth must be today or in the past"}]}

``errors`` names each field that was wrong (``field`` is null for a problem with the request as
a whole) with the same words the web pages show, so an integrator can pass them on to a person.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from visible.agencies.viewer import Viewer
from visible.audit import refusals

TITLES = {
    400: "The request has mistakes in it",
    401: "Authentication needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflicts with the record as it is now",
    412: "The record has changed since you read it",
    415: "Unsupported media type",
    428: "If-Match header needed",
    429: "Too many requests",
    503: "Service unavailable",
}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record has changed since you read it (its ETag no longer matches If-Match). "
        "Nothing was saved: GET it again, check the other change, then send yours with the new ETag."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Send the record's ETag (from GET) in an If-Match header, so that a change made by "
        "someone else in the meantime is not overwritten."
    )
    default_code = "precondition_required"


class ActionRefused(exceptions.APIException):
    """An action's ValidationError: its field messages, with the status the API chose."""

    def __init__(
        self,
        error: DjangoValidationError,
        status_code: int = 400,
        detail: str = "Some details need correcting: see errors.",
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.field_errors = field_errors_of(error)
        self.extra: dict[str, Any] = {}


def field_errors_of(error: DjangoValidationError) -> list[dict[str, Any]]:
    found = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for e in errors:
                for message in e.messages:
                    found.append(
                        {"field": None if field == "__all__" else field, "message": message}
                    )
    else:
        found = [{"field": None, "message": m} for m in error.messages]
    return found


def _flatten(data: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested error detail as a flat list of (field path, message)."""
    if isinstance(data, dict):
        out = []
        for key, value in data.items():
            name = (
                None
                if key in ("non_field_errors", "detail")
                else (f"{prefix}.{key}" if prefix else str(key))
            )
            out += _flatten(value, name or prefix)
        return out
    if isinstance(data, list):
        out = []
        for i, value in enumerate(data):
            if isinstance(value, dict | list) and not all(isinstance(v, str) for v in value):
                out += _flatten(value, f"{prefix}[{i}]" if prefix else f"[{i}]")
            else:
                out += _flatten(value, prefix)
        return out
    return [{"field": prefix or None, "message": str(data)}]


def _viewer(request) -> Viewer:
    """The client's viewer (api/auth.py); an unauthenticated request is refused with 401 before
    any endpoint could refuse it for its role."""
    return getattr(request.user, "viewer", None) or refusals.viewer_of_request(request._request)


def body(
    status_code: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "status": status_code,
        "title": TITLES.get(status_code, "Error"),
        "detail": detail,
        "errors": errors or [],
    }


def exception_handler(exc: Exception, context: dict) -> Response | None:
    request = context.get("request")
    if request is not None and refusals.is_refusal(exc):
        # A 404 or 403 the endpoint did not record itself is recorded here (audit/refusals.py).
        refusals.audit_exception(_viewer(request), request._request, exc)
    if isinstance(exc, DjangoValidationError):
        exc = ActionRefused(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "Not allowed")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's handler500 logs it and answers 500
    code = response.status_code
    if isinstance(exc, ActionRefused):
        response.data = body(code, str(exc.detail), exc.field_errors) | exc.extra
    elif isinstance(exc, exceptions.ValidationError):
        response.data = body(
            code, "Some details need correcting: see errors.", _flatten(exc.detail)
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, dict | list):
            response.data = body(code, "See errors.", _flatten(detail))
        else:
            text = str(detail)
            if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
                text = f"Too many requests: the limit is per API client. Try again in {int(exc.wait) + 1} seconds."
            response.data = body(code, text)
    return response


# --- for the schema ------------------------------------------------------------------------


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text="The field that was wrong (dotted for nested ones); "
        "null for the request as a whole",
    )
    message = serializers.CharField(help_text="What was wrong and how to put it right")


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code, repeated")
    title = serializers.CharField()
    detail = serializers.CharField(help_text="What happened and what to do")
    errors = FieldErrorSerializer(many=True)
