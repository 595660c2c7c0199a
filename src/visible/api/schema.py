"""OpenAPI helpers: the error responses each operation documents, the headers it reads and
sets. Every status an operation can answer is listed for it, so the schema is a contract the
schemathesis run in tests/api holds the API to."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from .errors import ErrorSerializer

DESCRIPTIONS = {
    400: "Bad input: each error names the field and says how to fix it, including a field the body may not "
    "carry (one that does not exist, or one that cannot be changed, such as id or version)",
    401: "No token, or a token that is not valid (expired, revoked or mistyped)",
    403: "The record is visible to your organisation, but your organisation or role cannot make this change",
    404: "No such record, or not one your organisation may see (the two look the same)",
    409: "Conflicts with the record as it is now (e.g. already ended, already open)",
    415: "The body must be JSON (Content-Type: application/json)",
    412: "If-Match does not match the record's current ETag: someone else changed it; nothing was saved",
    428: "If-Match is required: send the ETag from your last GET",
    429: "Rate limit reached: wait for the number of seconds in Retry-After",
    503: "The invitation email could not be handed to the mail server: nothing was saved; try again later",
}


def errors(*codes: int) -> dict:
    """Error responses for an operation; 401 and 429 are on every authenticated one."""
    wanted = sorted({401, 429, *codes})
    return {
        code: OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code]) for code in wanted
    }


IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag from your last GET of this record. Missing: 428; stale: 412.",
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Optional: the ETag from your last GET; if sent and stale, 412 and nothing is saved.",
)


def add_response_headers(result, generator, request, public):
    """Postprocessing hook: document ETag, Location and Retry-After where they are sent."""
    etag = {
        "schema": {"type": "string"},
        "description": "The record's version; send it back in If-Match",
    }
    location = {"schema": {"type": "string"}, "description": "The new record's URL"}
    retry = {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            if "429" in responses:
                responses["429"].setdefault("headers", {})["Retry-After"] = retry
            for code, response in responses.items():
                if method == "get" and code == "200" and path.rstrip("/").split("/")[-1] == "{id}":
                    response.setdefault("headers", {})["ETag"] = {**etag, "required": True}
                if method == "patch" and code == "200":
                    response.setdefault("headers", {})["ETag"] = {**etag, "required": True}
                if code == "201" and path.endswith("/people"):
                    response.setdefault("headers", {})["Location"] = {**location, "required": True}
                if code == "201" and path.endswith(("/children", "/episodes")):
                    response.setdefault("headers", {})["Location"] = {**location, "required": True}
                    response["headers"]["ETag"] = {**etag, "required": True}
    return result


def closed_request_bodies(result, generator, request, public):
    """Postprocessing hook: a request body takes only the fields it lists
    (``additionalProperties: false``), as serializers.WriteInput enforces with a 400."""
    from .serializers import WriteInput

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = {sub.__name__ for sub in subclasses(WriteInput)}
    for name, component in result.get("components", {}).get("schemas", {}).items():
        base = name.removeprefix("Patched").removesuffix("Request")
        if name.endswith("Request") and base in names and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
