"""The connection layer: request heads bounded in count, bytes and time, idle connections closed, and
framing the server does not serve refused."""

import asyncio
import socket
import time

import pytest

from {{ cookiecutter.package }}.serving.http.connection import GuardedProtocol
from {{ cookiecutter.package }}.serving.http.transport import set_nodelay

from .connections import Scopes, Transport, error_of, head, post, run, settle


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


def test_a_transfer_coding_other_than_chunked_is_a_501() -> None:
    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(head("Transfer-Encoding: gzip, chunked", method="POST") + b"0\r\n\r\n")
        await settle()
        assert transport.status() == 501
        assert scopes == []

    run(test)


def test_an_upgrade_with_a_body_is_refused_and_one_without_is_served_as_http() -> None:
    upgrade = ("Connection: Upgrade", "Upgrade: h2c")

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(head(*upgrade) + head())
        await settle()
        assert transport.written.count(b"HTTP/1.1 204") == 2
        protocol.data_received(post(b"{}", *upgrade))
        await settle()
        assert transport.written.endswith(
            b'{"error":"a request asking for a protocol upgrade cannot carry a body; drop Upgrade"}'
        )

    run(test)


def test_every_accepted_connection_gets_tcp_nodelay() -> None:
    """uvicorn's supervisor binds with protocol 0, and asyncio then leaves Nagle's algorithm on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()), listener.accept()[0] as accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            transport = Transport()
            transport.get_extra_info = lambda name, default=None: accepted  # type: ignore[method-assign]
            set_nodelay(transport)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
