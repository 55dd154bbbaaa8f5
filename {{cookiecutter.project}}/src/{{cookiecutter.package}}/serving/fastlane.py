"""The two hot routes answered straight from ASGI: FastAPI documents them, this layer serves them.

FastAPI's per-request pipeline (exception middleware, router scan, Request and Response objects)
costs more than a single-row inference, and the throughput target is a FastAPI endpoint that does
nothing at all. Both lanes call the same handler functions, so behaviour cannot drift apart.
"""

import logging
import re
from collections.abc import Callable, Mapping

import orjson
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .problems import ApiError

log = logging.getLogger(__name__)

# A response body, and the length of its JSON header when binary tensor data follows it.
Reply = tuple[bytes, int | None]
# (body, headers with lower-case names, path parameters) -> Reply
Handler = Callable[[bytes, Mapping[str, str], dict[str, str]], Reply]
JSON_HEADERS = [(b"content-type", b"application/json")]
_INTERNAL_ERROR: Reply = (orjson.dumps({"error": "internal error; the server log has the request id"}), None)


def reply_headers(reply: Reply) -> list[tuple[bytes, bytes]]:
    content, json_length = reply
    if json_length is None:
        return [*JSON_HEADERS, (b"content-length", str(len(content)).encode())]
    return [
        (b"content-type", b"application/octet-stream"),
        (b"inference-header-content-length", str(json_length).encode()),
        (b"content-length", str(len(content)).encode()),
    ]


def reply_response(reply: Reply) -> Response:
    """The same reply for the documented FastAPI routes."""
    headers = {
        key.decode(): value.decode() for key, value in reply_headers(reply) if key != b"content-length"
    }
    return Response(reply[0], headers=headers)


def path_pattern(route: APIRoute) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path))


class FastLane:
    def __init__(self, app: ASGIApp, routes: list[tuple[APIRoute, Handler]]) -> None:
        self.app = app
        self.routes = [(path_pattern(route), route, handler) for route, handler in routes]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            for pattern, route, handler in self.routes:
                match = pattern.fullmatch(scope["path"])
                if match:
                    scope["route"] = route
                    await self._serve(handler, match.groupdict(), scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self, handler: Handler, params: dict[str, str], scope: Scope, receive: Receive, send: Send
    ) -> None:
        status, reply = 200, _INTERNAL_ERROR
        try:
            reply = handler(await _read_body(receive), _headers(scope), params)
        except ApiError as error:
            status, reply = error.status, (orjson.dumps({"error": error.message}), None)
        except Exception:
            log.exception("unexpected error while predicting")
            status = 500
        await send({"type": "http.response.start", "status": status, "headers": reply_headers(reply)})
        await send({"type": "http.response.body", "body": reply[0]})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ApiError(400, "client disconnected before sending the whole body")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


# The only headers the handlers read; decoding the others would be wasted work on every request.
_WANTED = frozenset({b"content-type", b"inference-header-content-length"})


def _headers(scope: Scope) -> dict[str, str]:
    return {key.decode(): value.decode("latin-1") for key, value in scope["headers"] if key in _WANTED}
