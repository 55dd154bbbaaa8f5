"""HTTP/1.1 connections as uvicorn's httptools protocol runs them, with the bounds it lacks.

uvicorn bounds neither the request head (header count, bytes, time) nor a connection that never
sends a request, and its own concurrency limit refuses health probes too. This subclass adds those
bounds and answers in the app's `{"error": ...}` shape. It also counts the POST requests in
progress in this worker and marks those beyond the limit, which the app then sheds with a 503.
GET requests (probes, metrics, metadata) are never marked.
"""

import asyncio
import logging
from typing import Any, NamedTuple

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from ..settings import get_settings

log = logging.getLogger(__name__)

# Scope keys: OVERLOADED marks a request to shed; ADMITTED one this worker counts as in progress.
OVERLOADED = "overloaded"
ADMITTED = "admitted"
# How long a refused connection stays half-open, dropping input, so the client reads the answer.
LINGER_S = 1.0


class Limits(NamedTuple):
    max_headers: int
    max_header_bytes: int
    header_timeout_s: float
    max_concurrency: int


def settings_limits() -> Limits:
    settings = get_settings()
    return Limits(
        settings.max_headers, settings.max_header_bytes, settings.header_timeout_s, settings.max_concurrency
    )


class Admission:
    """POST requests this worker has admitted and not yet answered."""

    in_progress = 0


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request head that broke a limit."""


class GuardedProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, limits: Limits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits or settings_limits()
        self.inner_app, self.app = self.app, self._run_counted
        self.head_timer: asyncio.TimerHandle | None = None
        self.head_started = False
        self.messages = 0
        self.head_bytes = self.raw_head_bytes = self.header_count = 0
        self.refusal: tuple[int, str] | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # The first request head must arrive within the timeout; a connection that sends nothing closes.
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refusal is not None:
            return  # refused: drop what still arrives until the connection closes
        self._unset_keepalive_if_required()
        message = self.messages if self.head_started else -1
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # no upgrade is served (uvicorn runs with ws="none"): the request is plain HTTP
        except httptools.HttpParserError as error:
            self._refuse(*(self.refusal or (400, f"malformed HTTP request: {error}")))
            return
        if self.head_started and message == self.messages:
            # The head began in an earlier read and is still incomplete: count what it has cost.
            self.raw_head_bytes += len(data)
            if self.raw_head_bytes > self.limits.max_header_bytes:
                self._refuse(431, f"request headers exceed {self.limits.max_header_bytes} bytes")
                return
        if self.head_started and self.head_timer is None:
            self._arm_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_started = True
        self.messages += 1
        self.head_bytes = self.raw_head_bytes = self.header_count = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_count += 1
        self.head_bytes += len(name) + len(value)
        if self.header_count > self.limits.max_headers:
            self._stop(431, f"a request may carry at most {self.limits.max_headers} headers")
        if self.head_bytes + len(self.url) > self.limits.max_header_bytes:
            self._stop(431, f"request headers exceed {self.limits.max_header_bytes} bytes")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.head_started = False
        self._cancel_head_timer()
        if len(self.url) + self.head_bytes > self.limits.max_header_bytes:
            self._stop(431, f"request headers exceed {self.limits.max_header_bytes} bytes")
        if self.parser.get_method() == b"POST":
            self._admit()
        super().on_headers_complete()

    def _admit(self) -> None:
        if Admission.in_progress >= self.limits.max_concurrency:
            self.scope[OVERLOADED] = True  # type: ignore[literal-required]
        else:
            Admission.in_progress += 1
            self.scope[ADMITTED] = True  # type: ignore[literal-required]

    async def _run_counted(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.inner_app(scope, receive, send)
        finally:
            if ADMITTED in scope:
                Admission.in_progress -= 1

    def _stop(self, status: int, message: str) -> None:
        self.refusal = (status, message)
        raise _Refused

    def _refuse(self, status: int, message: str) -> None:
        """Answer `{"error": message}`, then drop input until the client closes or LINGER_S passes."""
        self.refusal = (status, message)
        self._cancel_head_timer()
        log.info("refused a request from %s: %s %s", self.client[0] if self.client else "?", status, message)
        if self.transport.is_closing():
            return
        body = orjson.dumps({"error": message})
        head = b"content-type: application/json\r\nconnection: close\r\ncontent-length: %d\r\n\r\n"
        self.transport.write(STATUS_LINE[status] + head % len(body) + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.head_started:
            self._refuse(408, f"the request head did not arrive within {self.limits.header_timeout_s}s")
        elif self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def _arm_head_timer(self) -> None:
        self.head_timer = self.loop.call_later(self.limits.header_timeout_s, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None
