"""Every answer the server writes: JSON bodies, OIP replies with binary tensors, errors as `{"error": ...}`.

Handlers build a Reply (the body bytes); `respond` sends one through Starlette, and the fast lane
sends it straight over ASGI with `reply_headers`. Both lanes therefore answer byte for byte alike.
"""

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from ...runtime.dataplane import ModelNotReady

JSON = "application/json"


class Reply(NamedTuple):
    """A response body, the length of its JSON header when binary tensor data follows it, and the
    reply's own headers beyond the content headers (names lower case)."""

    body: bytes
    json_length: int | None = None
    headers: tuple[tuple[bytes, bytes], ...] = ()


# (body, headers with lower-case names, path parameters) -> Reply: what the hot routes run.
Handler = Callable[[bytes, Mapping[str, str], dict[str, str]], Reply]


class ApiError(Exception):
    """A request the server refuses; the message tells the client what to change."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_reply(content: Any, headers: tuple[tuple[bytes, bytes], ...] = ()) -> Reply:
    return Reply(orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY), None, headers)


def error_reply(message: str) -> Reply:
    return json_reply({"error": message})


def reply_headers(reply: Reply) -> list[tuple[bytes, bytes]]:
    """The raw ASGI headers of a reply, for the fast lane: content headers, its own, and the length."""
    return [*_content_headers(reply), *reply.headers, (b"content-length", str(len(reply.body)).encode())]


def respond(reply: Reply, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """The reply as a Starlette response (which sets the length), for routes, handlers and middleware."""
    own = [*_content_headers(reply), *reply.headers]
    content = {key.decode(): value.decode() for key, value in own}
    return Response(reply.body, status, headers={**content, **(headers or {})})


def _content_headers(reply: Reply) -> list[tuple[bytes, bytes]]:
    json_length = reply.json_length
    if json_length is None:
        return [(b"content-type", b"application/json")]
    return [
        (b"content-type", b"application/octet-stream"),
        (b"inference-header-content-length", str(json_length).encode()),
    ]


async def _api_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return respond(error_reply(error.message), error.status)


async def _not_ready(_: Request, error: Exception) -> Response:
    return respond(error_reply(str(error)), 503)


async def _http_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return respond(error_reply(str(error.detail)), error.status_code, error.headers)


async def _validation_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    details = "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
    )
    return respond(error_reply(details), 422)


def install_handlers(app: FastAPI) -> None:
    """Answer FastAPI's own errors (404, 405, validation) in the same `{"error": ...}` shape, and a
    model that is not ready with a 503 (the fast lane does the same for the hot routes)."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ModelNotReady, _not_ready)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
