"""The hot routes answered straight from ASGI: FastAPI documents them, this layer serves them.

FastAPI's per-request pipeline (exception middleware, router scan, Request and Response objects)
costs more than a single-row inference, and the throughput target is a FastAPI endpoint that does
nothing at all. Each API declares its hot routes where it defines them (`HotRoutes.post`), with the
handler both lanes call, so behaviour cannot drift apart and no hot route can fall back to FastAPI
unnoticed. A request marked to shed (shedding.py) is shed here, before any work.
"""

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from ...runtime.dataplane import ModelNotReady
from .responses import ApiError, Handler, Reply, error_reply, reply_headers
from .shedding import OVERLOADED, Shedder

log = logging.getLogger(__name__)

_INTERNAL_ERROR = error_reply("internal error; the server log has the request id")
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
# Told of each request a hot route answered 200, once the answer is sent: (the route's path template,
# its parameters, body, headers, reply).
Observer = Callable[[str, Mapping[str, str], bytes, Mapping[str, str], Reply], None]


class HotRoutes(list[tuple[APIRoute, Handler]]):
    """The routes the fast lane serves, each with the handler that answers it in both lanes."""

    def post(
        self, router: APIRouter, path: str, handler: Handler, **documented: Any
    ) -> Callable[[Endpoint], Endpoint]:
        """Like `router.post`: the FastAPI route documents (and, without the lane, serves) `path`; the
        fast lane serves it with `handler`."""

        def declare(endpoint: Endpoint) -> Endpoint:
            router.post(path, **documented)(endpoint)
            route = router.routes[-1]
            assert isinstance(route, APIRoute), "router.post adds an APIRoute"
            self.append((route, handler))
            return endpoint

        return declare


class FastLane:
    def __init__(
        self, app: ASGIApp, routes: HotRoutes, shedder: Shedder, observe: Observer | None = None
    ) -> None:
        self.app = app
        self.observe = observe
        # Starlette's own pattern of each route, applied as Starlette applies it (`match`, whose `$` also
        # matches before a final newline: /predict%0A is /predict in both lanes), so that no spelling of
        # a hot path escapes the lane and its shedding.
        self.routes = [(route.path_regex, route, handler) for route, handler in routes]
        self.shedder = shedder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            for pattern, route, handler in self.routes:
                match = pattern.match(scope["path"])
                if match:
                    scope["route"] = route
                    await self._serve(route, handler, match.groupdict(), scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self,
        route: APIRoute,
        handler: Handler,
        params: dict[str, str],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        status, reply, body, headers = 200, _INTERNAL_ERROR, b"", _headers(scope)
        try:
            body = await _read_body(receive)
            if OVERLOADED in scope:
                await self.shedder.shed(route.path, send)
                return
            reply = handler(body, headers, params)
        except ApiError as error:
            status, reply = error.status, error_reply(error.message)
        except ModelNotReady as error:
            status, reply = 503, error_reply(str(error))
        except Exception:
            log.exception("unexpected error while predicting")
            status = 500
        await send({"type": "http.response.start", "status": status, "headers": reply_headers(reply)})
        await send({"type": "http.response.body", "body": reply[0]})
        if status == 200 and self.observe is not None:
            self.observe(route.path, params, body, headers, reply)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ApiError(400, "client disconnected before sending the whole body")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


# The only headers the handlers and the shadow stage read (the last three tell how the request was routed,
# for the ids' counter); decoding the others would be wasted work on every request.
_WANTED = frozenset(
    {b"content-type", b"inference-header-content-length", b"x-shadow-reask", b"host", b"x-model-variant"}
)


def _headers(scope: Scope) -> dict[str, str]:
    """The wanted headers; of a header sent twice, the first, as Starlette's `Headers.get` reads it."""
    wanted = [(key.decode(), value.decode("latin-1")) for key, value in scope["headers"] if key in _WANTED]
    return dict(reversed(wanted))
