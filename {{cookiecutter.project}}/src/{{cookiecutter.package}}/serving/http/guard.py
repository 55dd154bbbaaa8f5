"""One ASGI layer for every request: request id, body limits, timeouts, metrics, the access log, and
Connection: close on every answer while the server drains."""

import asyncio
import itertools
import logging
import os
import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..monitoring.logs import request_id
from ..monitoring.metrics import Metrics
from ..plane import Plane
from .responses import ApiError, error_reply, respond
from .shedding import was_shed

log = logging.getLogger(__name__)

# Generated ids: a random per-process prefix and a counter, unique across workers and far cheaper
# than a uuid4 per request.
_ID_PREFIX = os.urandom(6).hex()
_ID_COUNTER = itertools.count(1)
# Sent with answers that leave the connection unusable (an unread body) or while draining, so
# that kept-alive clients open their next connection to another pod.
CLOSE = {"connection": "close"}


class RequestGuard:
    """Pure ASGI rather than BaseHTTPMiddleware: it costs a few microseconds, not a task per request."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        max_body_bytes: int,
        timeout_s: float,
        access_log: bool,
        plane: Plane,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.timeout_s = timeout_s
        self.access_log = access_log
        # Read for its `draining` flag: while the server drains, every answer closes its connection.
        self.plane = plane
        self.counters: dict[tuple[str, str, int], Counter] = {}
        self.histograms: dict[str, Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given, length, encoding = _read_headers(scope["headers"])
        rid = given.decode("latin-1")[:128] if given else f"{_ID_PREFIX}-{next(_ID_COUNTER):x}"
        token = request_id.set(rid)
        response = _Response(send, rid.encode("latin-1"), close=self.plane.draining)
        try:
            if encoding is not None and encoding.strip().lower() != b"identity":
                name = encoding.decode("latin-1")[:40]
                message = f"Content-Encoding {name!r} is not supported; send the body uncompressed"
                await respond(error_reply(message), 415, CLOSE)(scope, receive, response.send)
            else:
                await self._guarded(scope, receive, response, length)
        finally:
            # Shed requests are counted apart (http_requests_shed_total), out of the canary's sums.
            if response.status != 503 or not was_shed(scope, response.status):
                self._record(scope, response.status, time.perf_counter() - started)
            request_id.reset(token)

    async def _guarded(
        self, scope: Scope, receive: Receive, response: "_Response", length: bytes | None
    ) -> None:
        limit = self.max_body_bytes
        too_large = f"request body exceeds {limit} bytes"
        if length is not None and (not length.isdigit() or int(length) > limit):
            await respond(error_reply(too_large), 413, CLOSE)(scope, receive, response.send)
            return
        received = 0
        waiting = False  # whether the app is waiting for the client when the time runs out

        async def counting_receive() -> Message:
            nonlocal received, waiting
            waiting = True
            message = await receive()
            waiting = False
            received += len(message.get("body", b""))
            if received > limit:
                raise ApiError(413, too_large)
            return message

        try:
            async with asyncio.timeout(self.timeout_s):
                await self.app(scope, counting_receive, response.send)
        except TimeoutError:
            if not response.started:
                await self._timed_out(scope, receive, response, waiting)

    async def _timed_out(self, scope: Scope, receive: Receive, response: "_Response", waiting: bool) -> None:
        """408 when the client was too slow to send its body (not a server error); 503 when we were."""
        if waiting:
            message = f"the request body did not arrive within {self.timeout_s}s"
            await respond(error_reply(message), 408, CLOSE)(scope, receive, response.send)
            return
        log.warning("request timed out after %ss", self.timeout_s)
        message = f"request took longer than {self.timeout_s}s and was abandoned; retry later"
        await respond(error_reply(message), 503)(scope, receive, response.send)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        key = (route, scope["method"], status)
        counter = self.counters.get(key)
        if counter is None:
            counter = self.counters[key] = self.metrics.requests.labels(route, scope["method"], str(status))
            self.histograms.setdefault(route, self.metrics.latency.labels(route))
        counter.inc()
        self.histograms[route].observe(seconds)
        # 503s (not ready, timed out) are expected states, logged where they arise; a 500 is a bug.
        if self.access_log or status == 500:
            level = logging.ERROR if status == 500 else logging.INFO
            extra = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "ms": round(seconds * 1000, 3),
            }
            log.log(level, "%s %s %s", scope["method"], scope["path"], status, extra=extra)


def _read_headers(headers: list[tuple[bytes, bytes]]) -> tuple[bytes | None, bytes | None, bytes | None]:
    """X-Request-ID, Content-Length and Content-Encoding, in one pass over the raw header list."""
    given = length = encoding = None
    for key, value in headers:
        if key == b"x-request-id":
            given = value
        elif key == b"content-length":
            length = value
        elif key == b"content-encoding":
            encoding = value
    return given, length, encoding


class _Response:
    """Wraps send to learn the status and whether the response began, and to echo the request id
    (and, while the server drains, to close the connection after the answer)."""

    def __init__(self, send: Send, rid: bytes, close: bool) -> None:
        self._send = send
        self.rid = rid
        self.close = close
        self.status = 500
        self.started = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.started = True
            headers = [*message.get("headers", []), (b"x-request-id", self.rid)]
            if self.close and all(name != b"connection" for name, _ in headers):
                headers.append((b"connection", b"close"))
            message["headers"] = headers
        await self._send(message)
