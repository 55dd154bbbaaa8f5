"""Pipelining and admission in the connection layer: a bounded queue per connection, answers in order,
and a slot for each POST whose body has arrived, released on every exit path."""

import asyncio
from typing import Any

import pytest

from {{ cookiecutter.package }}.serving.http.admission import Admission
from {{ cookiecutter.package }}.serving.http.connection import GuardedProtocol
from {{ cookiecutter.package }}.serving.http.shedding import ADMITTED, OVERLOADED
from {{ cookiecutter.package }}.serving.http.transport import MAX_PIPELINE

from .connections import LIMITS, App, Scopes, Transport, answer_204, head, post, run, settle


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


def test_a_connection_holds_one_slot_and_gives_it_back_when_it_drops() -> None:
    """Queued requests are not being served: 16 pipelined POSTs on each of 7 connections that never
    read would otherwise hold 100 slots. The one being served gives its slot back when the client goes."""
    admission = Admission(limit=100)
    never = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await never.wait()  # the first request never ends; the others queue behind it

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(post() * 5)
        await settle()
        assert admission.held == 1
        protocol.connection_lost(None)
        assert admission.held == 0

    run(test, admission=admission, app=app)


TINY = b"GET /healthz HTTP/1.1\r\n\r\n"


def gated_app() -> tuple[asyncio.Event, App]:
    """An app that answers 204 once the event is set: a model that is slow until the test says."""
    gate = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await gate.wait()
        await answer_204(scope, receive, send)

    return gate, app


async def until_answered(transport: Transport, count: int) -> None:
    """Wait until `count` 204s are written or the connection ended, however busy the machine."""
    for _ in range(3000):
        if transport.written.count(b"HTTP/1.1 204") == count or transport.eof:
            return
        await asyncio.sleep(0.01)


def test_a_connection_queues_a_bounded_number_of_pipelined_requests() -> None:
    """One read of 14,000 pipelined requests queued them all; now at most MAX_PIPELINE + a slice."""
    gate, app = gated_app()

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(TINY * 600)
        await settle()
        assert len(protocol.pipeline) <= MAX_PIPELINE + 4096 // len(TINY) + 1
        assert transport.paused
        gate.set()
        await until_answered(transport, 600)
        assert transport.written.count(b"HTTP/1.1 204") == 600

    run(test, app=app)


def test_a_head_held_back_behind_a_slow_queue_is_not_timed_out() -> None:
    """The head cut at the hold-back point waits on the server's queue, not on the client: no 408."""
    gate, app = gated_app()

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(TINY * 600)
        await asyncio.sleep(3 * LIMITS.header_timeout_s)  # the model is slow; the client sent everything
        gate.set()
        await until_answered(transport, 600)
        assert b"HTTP/1.1 408" not in transport.written
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


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_longer_than_a_slice_arrives_whole(chunked: bool) -> None:
    body = b"x" * 20000
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    payload = b"4e20\r\n" + body + b"\r\n0\r\n\r\n" if chunked else body
    received: list[int] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        size, more = 0, True
        while more:
            message = await receive()
            size, more = size + len(message.get("body", b"")), message.get("more_body", False)
        received.append(size)
        await answer_204(scope, receive, send)

    async def test(protocol: GuardedProtocol, transport: Transport, scopes: Scopes) -> None:
        protocol.data_received(head(framing, method="POST") + payload + head())
        await settle()
        assert received == [20000, 0]  # the POST, then the GET behind it
        assert transport.written.count(b"HTTP/1.1 204") == 2

    run(test, app=app)
