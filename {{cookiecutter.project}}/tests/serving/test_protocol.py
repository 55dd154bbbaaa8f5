"""The connection layer: request heads bounded in count, bytes and time, idle connections closed,
pipelining bounded and answered in order, and a slot for each POST whose body has arrived, released
on every exit path; driven byte by byte, without a socket."""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from {{ cookiecutter.package }}.serving.admission import Admission
from {{ cookiecutter.package }}.serving.connection import Limits
from {{ cookiecutter.package }}.serving.protocol import ADMITTED, MAX_PIPELINE, OVERLOADED, GuardedProtocol

LIMITS = Limits(max_headers=10, max_header_bytes=2048, header_timeout_s=0.2)


class Transport(asyncio.Transport):
    """What the protocol writes, and whether it closed or half-closed the connection."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = self.eof = self.paused = False

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
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def status(self) -> int | None:
        return int(self.written.split(b" ", 2)[1]) if self.written else None


Scopes = list[dict[str, Any]]
Test = Callable[[GuardedProtocol, Transport, Scopes], Awaitable[None]]
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def answer_204(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def run(
    test: Test, limits: Limits = LIMITS, admission: Admission | None = None, app: App = answer_204
) -> None:
    """Run test against a connection whose app records each scope, then runs `app` (answers 204)."""
    scopes: Scopes = []

    async def recording(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scopes.append(scope)
        await app(scope, receive, send)

    async def main() -> None:
        config = Config(app=recording, http=GuardedProtocol, lifespan="off", log_config=None)
        config.load()
        protocol = GuardedProtocol(
            config=config,
            server_state=ServerState(),
            app_state={},
            limits=limits,
            admission=admission or Admission(limit=100),
        )
        transport = Transport()
        protocol.connection_made(transport)
        await test(protocol, transport, scopes)
        protocol.connection_lost(None)

    asyncio.run(main())


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0.01)


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


def post(body: bytes = b"{}", *headers: str) -> bytes:
    return head(f"Content-Length: {len(body)}", *headers, method="POST", path="/predict") + body


def test_pipelined_requests_are_not_taken_for_one_large_head() -> None:
    body = b"x" * 1500

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(post(body) * 4 + head()[:20])
        await settle()
        protocol.data_received(head()[20:])
        await settle()
        assert transport.written.count(b"HTTP/1.1 204") == 5

    run(test)


def test_a_post_takes_a_slot_only_once_its_body_has_arrived() -> None:
    admission = Admission(limit=2)
    held: list[int] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        held.append(admission.held)
        await answer_204(scope, receive, send)

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        request = post(b'{"a": 1}')
        protocol.data_received(request[:-3])
        await settle()
        assert admission.held == 0  # a slow body holds no slot
        protocol.data_received(request[-3:])
        await settle()
        assert held == [1]
        assert admission.held == 0
        assert ADMITTED in scopes[0]

    run(test, admission=admission, app=app)


def test_posts_beyond_the_limit_are_marked_but_reads_never() -> None:
    admission = Admission(limit=2)
    admission.held = 2

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(post() + head())
        await settle()
        assert [OVERLOADED in scope for scope in scopes] == [True, False]
        admission.held = 0
        protocol.data_received(post())
        await settle()
        assert OVERLOADED not in scopes[-1]
        assert admission.held == 0

    run(test, admission=admission)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST http://a:99999/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
        head("Content-Length: 2", *(f"X-{i}: v" for i in range(20)), method="POST") + b"{}",
        b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["bad-url", "too-many-headers", "bad-chunk"],
)
def test_a_refused_post_never_holds_a_slot(request_bytes: bytes) -> None:
    """The leak of issue 16: a POST counted before its head was checked was never released."""
    admission = Admission(limit=100)

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(request_bytes)
        await settle()
        assert transport.status() == 400 or transport.status() == 431
        assert admission.held == 0

    run(test, admission=admission)


def test_slots_of_queued_requests_are_released_when_the_connection_drops() -> None:
    admission = Admission(limit=100)
    never = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await never.wait()  # the first request never ends; the others queue behind it

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(post() * 5)
        await settle()
        assert admission.held == 5
        protocol.connection_lost(None)
        assert admission.held == 0

    run(test, admission=admission, app=app)


def test_a_connection_queues_a_bounded_number_of_pipelined_requests() -> None:
    """One read of 14,000 pipelined requests queued them all; now at most MAX_PIPELINE + a slice."""
    tiny = b"GET /healthz HTTP/1.1\r\n\r\n"
    gate = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await gate.wait()
        await answer_204(scope, receive, send)

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(tiny * 600)
        await settle()
        assert len(protocol.pipeline) <= MAX_PIPELINE + 4096 // len(tiny) + 1
        assert transport.paused
        gate.set()
        for _ in range(3000):  # until every request is answered, however busy the machine
            if transport.written.count(b"HTTP/1.1 204") == 600:
                break
            await asyncio.sleep(0.01)
        assert transport.written.count(b"HTTP/1.1 204") == 600

    run(test, app=app)


def test_a_refusal_is_written_after_the_earlier_answers() -> None:
    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(head() + b"GARBAGE\r\n\r\n")
        await settle()
        assert transport.written.startswith(b"HTTP/1.1 204")
        assert transport.written.count(b"HTTP/1.1 400") == 1
        assert transport.eof

    run(test)


def test_an_answer_given_before_the_body_arrived_ends_the_connection() -> None:
    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(head("Transfer-Encoding: chunked", method="POST") + b"10\r\n")
        await settle()
        assert transport.status() == 204
        assert transport.eof
        protocol.data_received(b"a" * 4096)  # dropped, never parsed
        assert len(scopes) == 1

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
