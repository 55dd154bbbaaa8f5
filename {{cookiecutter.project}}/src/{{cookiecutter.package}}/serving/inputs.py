"""The hot path in, for both APIs: a JSON body parsed, or a 4xx that names the problem.

What the values must be is serving/features.py's concern, shared with batch scoring."""

from typing import Any

import orjson

from .responses import ApiError


def decode_json(body: bytes, content_type: str | None) -> Any:
    """Parse a JSON body, or raise a 4xx that names the problem."""
    if content_type is not None and content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise ApiError(415, f"content type {content_type!r} is not supported; send application/json")
    if not body:
        raise ApiError(400, "request body is empty; send a JSON object")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        hint = " (NaN and Infinity are not JSON numbers)" if b"NaN" in body or b"Infinity" in body else ""
        raise ApiError(400, f"request body is not valid JSON{hint}: {error}") from None
