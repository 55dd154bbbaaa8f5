"""The hot path in, for both APIs: a JSON body parsed, its numbers checked as one float32 array."""

from typing import Any

import numpy as np
import orjson

from .responses import ApiError

FLOAT32_MAX = float(np.finfo(np.float32).max)


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


NOT_A_NUMBER = "every feature value must be a single number (not a string, boolean, null, list or object)"


def to_array(table: list[Any], body: bytes) -> np.ndarray:
    """Numbers as an array; a mix of lists and numbers, or a boolean anywhere, is refused."""
    try:
        values = np.array(table)
    except ValueError:
        raise ApiError(422, NOT_A_NUMBER) from None
    # numpy would read true as 1.0; the bytes test keeps the exact scan off the usual path.
    if (b"true" in body or b"false" in body) and _has_boolean(table):
        raise ApiError(422, NOT_A_NUMBER)
    return values


def _has_boolean(table: list[Any]) -> bool:
    stack = list(table)
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            return True
        if isinstance(item, list | tuple):
            stack.extend(item)
    return False


def check_values(values: np.ndarray, integer_columns: np.ndarray | None = None) -> np.ndarray:
    """Return values as float32 after checking they are all finite numbers in range."""
    if values.dtype.kind not in "fiu":
        raise ApiError(422, NOT_A_NUMBER)
    with np.errstate(over="ignore"):  # overflow becomes inf, which the next line refuses
        as_float = values.astype(np.float32)
    if not np.isfinite(as_float).all():
        raise ApiError(422, f"feature values must be finite numbers within ±{FLOAT32_MAX:.3g}")
    if integer_columns is not None and integer_columns.any():
        columns = as_float[:, integer_columns]
        if (columns != np.round(columns)).any():
            raise ApiError(422, "integer features must have whole-number values")
    return as_float
