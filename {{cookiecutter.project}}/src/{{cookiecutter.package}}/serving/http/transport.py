"""The connection layer's stateless pieces: limits, flow control, TCP_NODELAY, parser errors, refusals."""

import asyncio
import socket
from collections.abc import Callable
from typing import NamedTuple

import httptools
import orjson
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from ..settings import ServerSettings

# How long a connection stays half-closed after its last answer, so the client reads it; it drops
# up to LINGER_BYTES of input meanwhile (a client blocked in a write cannot read), then stops reading.
LINGER_S = 1.0
LINGER_BYTES = 1 << 20
# Requests queued behind the one being answered (pipelining) before the connection stops reading.
MAX_PIPELINE = 16
# Bytes parsed at a time beyond the rest of the body being received, so that one read of tiny
# pipelined requests queues at most MAX_PIPELINE + 228 of them, and a large body is parsed at once.
SLICE = 4096


class Limits(NamedTuple):
    max_headers: int
    max_header_bytes: int
    header_timeout_s: float


def limits_of(settings: ServerSettings) -> Limits:
    return Limits(settings.max_headers, settings.max_header_bytes, settings.header_timeout_s)


class Flow(FlowControl):
    """uvicorn's flow control, except that reading stays paused while the connection holds input back."""

    def __init__(self, transport: asyncio.Transport, holding: Callable[[], bool]) -> None:
        super().__init__(transport)
        self.holding = holding

    def resume_reading(self) -> None:
        if not self.holding():
            super().resume_reading()


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Send each answer at once. asyncio sets TCP_NODELAY only on sockets made with IPPROTO_TCP, and
    uvicorn's supervisor (--workers) binds with protocol 0: every answer written in two parts would
    wait for the client's delayed ACK, 40 ms on Linux."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def refusal_response(status: int, message: str) -> bytes:
    """A whole response, `{"error": message}`, that closes the connection."""
    body = orjson.dumps({"error": message})
    head = b"content-type: application/json\r\nconnection: close\r\ncontent-length: %d\r\n\r\n"
    return STATUS_LINE[status] + head % len(body) + body


def describe(error: httptools.HttpParserError) -> str:
    """The parser's reason, or the reason of the callback error it wraps (a bad URL, say)."""
    cause = error.__context__ if isinstance(error, httptools.HttpParserCallbackError) else error
    if isinstance(cause, httptools.HttpParserInvalidURLError):
        return "malformed HTTP request: the request target is not a valid URL"
    return f"malformed HTTP request: {cause if isinstance(cause, httptools.HttpParserError) else error}"


def has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


def content_length(headers: list[tuple[bytes, bytes]]) -> int:
    """The declared body length (0 when absent or not a number: the parser refuses those itself)."""
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.strip().isdigit() else 0
    return 0
