"""HTTP/1.1 connections as uvicorn's httptools protocol runs them, with the bounds it lacks.

uvicorn bounds neither the request head nor pipelining, answers a bad request out of turn, and leaves
Nagle's algorithm on when its supervisor bound the socket (uvicorn issue 3149). This subclass adds
those bounds, answers in the app's `{"error": ...}` shape, and gives the POST it serves, once its body
has arrived, a slot of the worker, or past the limit the mark to shed it (serving/http/shedding.py).
"""

import asyncio
import logging
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .admission import ADMISSION, Admission, Slot
from .shedding import ADMITTED, admit
from .transport import (
    LINGER_BYTES,
    LINGER_S,
    MAX_PIPELINE,
    SLICE,
    Flow,
    Limits,
    content_length,
    describe,
    has_body,
    refusal_response,
    set_nodelay,
)

log = logging.getLogger(__name__)


class _Stop(Exception):
    """Raised from a parser callback to stop parsing a request that broke a rule."""


class GuardedProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, limits: Limits, admission: Admission = ADMISSION, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.admission = admission
        self.inner_app, self.app = self.app, self._run_counted
        self.head_timer: asyncio.TimerHandle | None = None
        self.head_started = False
        self.messages = self.running = 0
        self.head_bytes = self.raw_head_bytes = self.header_count = 0
        self.stop_reason: tuple[int, str] | None = None  # why a parser callback stopped the parse
        self.refusal: tuple[int, str] | None = None  # the refusal owed once earlier answers are out
        self.dropping, self.dropped = False, 0  # the last answer is written: what arrives is dropped
        self.sent_all = False  # the client half-closed: answer what it sent, then close
        self.held_back = bytearray()
        self.body_left = 0  # bytes of the Content-Length body being received still to come
        self.slots: set[Slot] = set()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        set_nodelay(transport)
        self.flow = Flow(transport, lambda: bool(self.held_back) or self.refusal is not None)
        # The first request head must arrive within the timeout; a connection that sends nothing closes.
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        for slot in list(self.slots):
            slot.release()
        super().connection_lost(exc)

    def eof_received(self) -> bool:  # type: ignore[override]  # asyncio's contract: True keeps the transport
        """Keep the connection for the answers still owed (uvicorn's would close it and lose them)."""
        self.sent_all = True
        self._abandon_body()
        if not self.running and not self.pipeline:
            self.transport.close()
        return True

    def data_received(self, data: bytes) -> None:
        if self.dropping:
            self.dropped += len(data)
            if self.dropped > LINGER_BYTES:
                self.transport.pause_reading()
            return
        if self.refusal is not None:
            return
        self._unset_keepalive_if_required()
        if self.held_back:
            self.held_back += data
            return
        self._parse(data)

    def _parse(self, data: bytes) -> None:
        """Feed the parser a slice at a time; past MAX_PIPELINE queued requests, hold the rest back."""
        start = 0
        while start < len(data):
            if len(self.pipeline) >= MAX_PIPELINE:
                self.held_back += data[start:]
                self.flow.pause_reading()
                # The server, not the client, is holding a head back now: its clock restarts once parsed.
                self._cancel_head_timer()
                return
            end = start + self.body_left + SLICE
            if not self._feed(data[start:end] if start or end < len(data) else data):
                return
            start = end

    def _feed(self, data: bytes) -> bool:
        """Parse data; False once the connection refused a request."""
        message = self.messages if self.head_started else -1
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            # No upgrade is served (ws="none"): parse on, as plain HTTP, from where the parser paused.
            rest = data[upgrade.args[0] :]
            return self._feed(rest) if rest else True
        except httptools.HttpParserError as error:
            self._refuse(*(self.stop_reason or (400, describe(error))))
            return False
        if self.head_started and message == self.messages:
            # The head began in an earlier slice and is still incomplete: count what it has cost.
            self.raw_head_bytes += len(data)
            if self.raw_head_bytes > self.limits.max_header_bytes:
                self._refuse(431, f"request headers exceed {self.limits.max_header_bytes} bytes")
                return False
        if self.head_started and self.head_timer is None:
            self._arm_head_timer()
        return True

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
        if name.lower() == b"transfer-encoding" and value.strip().lower() != b"chunked":
            # RFC 9112, section 6.1: a transfer coding the server does not understand is a 501.
            shown = value.decode("latin-1")[:40]
            self._stop(501, f"Transfer-Encoding {shown!r} is not supported; send the body plain or chunked")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.head_started = False
        self._cancel_head_timer()
        if len(self.url) + self.head_bytes > self.limits.max_header_bytes:
            self._stop(431, f"request headers exceed {self.limits.max_header_bytes} bytes")
        self.body_left = content_length(self.headers)
        if self.parser.should_upgrade() and has_body(self.headers):
            # llhttp would take the body for the upgraded protocol's bytes, and no upgrade is served.
            self._stop(400, "a request asking for a protocol upgrade cannot carry a body; drop Upgrade")
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self.body_left = max(0, self.body_left - len(body))  # chunked bodies declare no length
        super().on_body(body)

    def on_message_complete(self) -> None:
        self.body_left = 0
        super().on_message_complete()
        if not (self.pipeline and self.pipeline[0][0] is self.cycle):
            admit(self.cycle, self.admission, self.slots)  # being served; a queued one, when it starts

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        self.running += 1
        admit(cycle, self.admission, self.slots)
        super()._start_asgi_task(cycle, app)

    async def _run_counted(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.inner_app(scope, receive, send)
        finally:
            slot = scope.get(ADMITTED)
            if slot is not None:
                slot.release()
            self.running -= 1
            if not self.running and not self.pipeline:  # the last answer owed is out
                self._answer_refusal()
                if self.sent_all and not self.transport.is_closing():
                    self.transport.close()

    def on_response_complete(self) -> None:
        if not self.pipeline and self.cycle.more_body and not self.transport.is_closing():
            # Answered before its whole body arrived (413, 408): the rest of the body is never read.
            # (With requests queued behind it, its body has arrived: theirs were parsed after it.)
            self._end_connection()
            return
        super().on_response_complete()
        if self.held_back and len(self.pipeline) < MAX_PIPELINE and not self.transport.is_closing():
            data, self.held_back = bytes(self.held_back), bytearray()
            self._parse(data)
            self.flow.resume_reading()

    def _stop(self, status: int, message: str) -> None:
        self.stop_reason = (status, message)
        raise _Stop()

    def _refuse(self, status: int, message: str) -> None:
        """Answer `{"error": message}` once every earlier request on the connection is answered."""
        self.refusal = (status, message)
        self._cancel_head_timer()
        self.held_back.clear()
        self.flow.pause_reading()
        log.info("refused a request from %s: %s %s", self.client[0] if self.client else "?", status, message)
        self._abandon_body()
        if not self.running and not self.pipeline:
            self._answer_refusal()

    def _abandon_body(self) -> None:
        """The request whose body is arriving will never get the rest: its app sees a disconnect."""
        if self.cycle is not None and self.cycle.more_body and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()

    def _answer_refusal(self) -> None:
        if self.refusal is not None and not self.dropping and not self.transport.is_closing():
            self.transport.write(refusal_response(*self.refusal))
            self._end_connection()

    def _end_connection(self) -> None:
        """Half-close after the last answer, then drop input until the client closes or LINGER_S passes."""
        self.dropping = True
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
