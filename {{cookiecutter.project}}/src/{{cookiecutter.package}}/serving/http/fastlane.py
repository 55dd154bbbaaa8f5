"""The two hot routes answered straight from ASGI: FastAPI documents them, this layer serves them.

FastAPI's per-request pipeline (exception middleware, router scan, Request and Response objects)
costs more than a single-row inference, and the throughput target is a FastAPI endpoint that does
nothing at all. Both lanes call the same handler functions, so behaviour cannot drift apart.

Requests the connection layer marked as beyond the concurrency limit (it decides once the body has
arrived) are shed here: a 503 with Retry-After, before any work.
"""

import logging
import re

from fastapi.routing import APIRoute
from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from ..monitoring.metrics import Metrics
from .connection import OVERLOADED
from .responses import ApiError, Handler, error_reply, reply_headers

log = logging.getLogger(__name__)

_INTERNAL_ERROR = error_reply("internal error; the server log has the request id")
# Clients that honour Retry-After come back after a second, when the backlog has drained.
RETRY_AFTER_S = 1


def path_pattern(route: APIRoute) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path))


class FastLane:
    def __init__(
        self, app: ASGIApp, routes: list[tuple[APIRoute, Handler]], metrics: Metrics, max_concurrency: int
    ) -> None:
        self.app = app
        self.routes = [(path_pattern(route), route, handler) for route, handler in routes]
        self.shed_counters: dict[str, Counter] = {
            route.path: metrics.shed.labels(route.path) for route, _ in routes
        }
        message = f"server at capacity ({max_concurrency} requests in progress); retry in {RETRY_AFTER_S}s"
        self.shed_reply = error_reply(message)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            for pattern, route, handler in self.routes:
                match = pattern.fullmatch(scope["path"])
                if match:
                    scope["route"] = route
                    await self._serve(route, handler, match.groupdict(), scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _shed(self, route: APIRoute, send: Send) -> None:
        """503 with Retry-After, before any work; counted apart from http_requests_total."""
        self.shed_counters[route.path].inc()
        headers = [*reply_headers(self.shed_reply), (b"retry-after", str(RETRY_AFTER_S).encode())]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": self.shed_reply[0]})

    async def _serve(
        self,
        route: APIRoute,
        handler: Handler,
        params: dict[str, str],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        status, reply = 200, _INTERNAL_ERROR
        try:
            body = await _read_body(receive)
            if OVERLOADED in scope:
                await self._shed(route, send)
                return
            reply = handler(body, _headers(scope), params)
        except ApiError as error:
            status, reply = error.status, error_reply(error.message)
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
