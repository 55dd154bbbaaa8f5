"""The connection layer: request heads bounded in count, bytes and time, idle connections closed,
and POSTs beyond the concurrency limit marked; driven byte by byte, without a socket."""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from {{ cookiecutter.package }}.serving.protocol import (
    OVERLOADED,
    Admission,
    GuardedProtocol,
    Limits,
)

LIMITS = Limits(max_headers=10, max_header_bytes=2048, header_timeout_s=0.2, max_concurrency=2)


class Transport(asyncio.Transport):
    """What the protocol writes, and whether it closed or half-closed the connection."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = self.eof = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def status(self) -> int | None:
        return int(self.written.split(b" ", 2)[1]) if self.written else None


Scopes = list[dict[str, Any]]
Test = Callable[[GuardedProtocol, Transport, Scopes], Awaitable[None]]


def run(test: Test, limits: Limits = LIMITS) -> None:
    """Run test against a connection whose app records each scope and answers 204."""
    scopes: Scopes = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scopes.append(scope)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def main() -> None:
        config = Config(app=app, http=GuardedProtocol, lifespan="off", log_config=None)
        config.load()
        protocol = GuardedProtocol(config=config, server_state=ServerState(), app_state={}, limits=limits)
        transport = Transport()
        protocol.connection_made(transport)
        await test(protocol, transport, scopes)
        protocol.connection_lost(None)

    asyncio.run(main())


def head(*headers: str, method: str = "GET", path: str = "/healthz") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: test", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def error_of(transport: Transport) -> str:
    message: str = json.loads(transport.written.partition(b"\r\n\r\n")[2])["error"]
    return message


def test_an_ordinary_request_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(head(*(f"X-{i}: v" for i in range(8))))
        await asyncio.sleep(0.01)
        assert transport.status() == 204
        assert len(scopes) == 1

    run(test)


def test_too_many_headers_get_a_431_and_the_app_never_runs() -> None:
    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(head(*(f"X-{i}: v" for i in range(11))))
        await asyncio.sleep(0.01)
        assert transport.status() == 431
        assert "at most 10 headers" in error_of(transport)
        assert transport.eof
        assert scopes == []

    run(test)


@pytest.mark.parametrize("reads", [1, 8], ids=["reads=1", "reads=8"])
def test_a_head_over_the_byte_limit_gets_a_431_however_it_arrives(reads: int) -> None:
    data = head("X-Big: " + "a" * 3000)

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        size = len(data) // reads + 1
        for start in range(0, len(data), size):
            protocol.data_received(data[start : start + size])
        await asyncio.sleep(0.01)
        assert transport.status() == 431
        assert "exceed 2048 bytes" in error_of(transport)
        assert scopes == []

    run(test)


def test_a_huge_header_costs_one_read_past_the_limit() -> None:
    """64 MB in 256 KiB reads: refused at the second read, and the rest is dropped unparsed."""
    chunk = b"a" * (256 * 1024)

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(b"GET / HTTP/1.1\r\nX-Big: ")
        started = time.process_time()
        for _ in range(256):
            protocol.data_received(chunk)
        assert time.process_time() - started < 0.5
        assert transport.status() == 431

    run(test)


def test_a_slow_head_gets_a_408_after_the_header_timeout() -> None:
    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(b"GET /healthz HTTP/1.1\r\nHost: te")
        await asyncio.sleep(0.1)
        assert transport.written == b""
        protocol.data_received(b"s")
        await asyncio.sleep(0.2)
        assert transport.status() == 408
        assert "did not arrive within 0.2s" in error_of(transport)

    run(test)


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout() -> None:
    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        await asyncio.sleep(0.3)
        assert transport.closed
        assert transport.written == b""

    run(test)


def test_the_header_timeout_restarts_for_each_request_on_a_kept_alive_connection() -> None:
    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        for _ in range(3):
            await asyncio.sleep(0.1)
            protocol.data_received(head())
        await asyncio.sleep(0.15)
        assert not transport.closed
        assert len(scopes) == 3

    run(test)


def test_pipelined_requests_are_not_taken_for_one_large_head() -> None:
    body = b"x" * 1500
    post = head(f"Content-Length: {len(body)}", method="POST", path="/predict") + body

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(post * 4 + head()[:20])
        for _ in range(5):
            await asyncio.sleep(0.01)
        protocol.data_received(head()[20:])
        await asyncio.sleep(0.05)
        assert transport.written.count(b"HTTP/1.1 204") == 5

    run(test, LIMITS._replace(max_concurrency=100))


def test_posts_beyond_the_concurrency_limit_are_marked_but_reads_never() -> None:
    post = head("Content-Length: 2", method="POST", path="/predict") + b"{}"

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        Admission.in_progress = LIMITS.max_concurrency
        try:
            protocol.data_received(post + head())
            await asyncio.sleep(0.05)
        finally:
            Admission.in_progress = 0
        assert [OVERLOADED in scope for scope in scopes] == [True, False]
        protocol.data_received(post)
        await asyncio.sleep(0.01)
        assert OVERLOADED not in scopes[-1]
        assert Admission.in_progress == 0

    run(test)
