"""Admission against the real server: no sequence of connects, partial or bad heads, slow bodies,
drops and pipelined bursts leaves a slot held, so no client can switch the service off."""

import json
import os
import re
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from {{ cookiecutter.package }}.serving.http.admission import ADMISSION

from ...rows import typical_rows
from ...servers import LiveServer, live_server, read_response, start_request

LIMIT = 8
# A few seconds by default (make test); HYPOTHESIS_PROFILE=admission-long explores much further.
settings.register_profile(
    "admission", max_examples=15, stateful_step_count=8, deadline=None, database=None, derandomize=True
)
settings.register_profile("admission-long", max_examples=300, stateful_step_count=25, deadline=None)
BAD_HEADS = [
    b"POST http://a:99999/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n" + b"X-A: b\r\n" * 200 + b"\r\n{}",
    b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GARBAGE\r\n\r\n",
]


@pytest.fixture(scope="module")
def small_server(artifacts_dir: Path) -> Iterator[LiveServer]:
    with live_server(artifacts_dir, APP_MAX_CONCURRENCY=str(LIMIT), APP_LOG_LEVEL="warning") as server:
        yield server


def in_progress(server: LiveServer) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as response:
        match = re.search(r"^http_requests_in_progress (\S+)$", response.read().decode(), re.MULTILINE)
    assert match is not None
    return float(match.group(1))


def settled_in_progress(server: LiveServer) -> float:
    """The count once the server has answered what it can: polled briefly, as answers take a moment."""
    for _ in range(100):
        count = in_progress(server)
        if count == 0:
            return count
        time.sleep(0.02)
    return in_progress(server)


def post_request(body: bytes) -> bytes:
    head = (
        f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    )
    return head.encode() + b"\r\n\r\n" + body


class Clients(RuleBasedStateMachine):
    server: LiveServer
    body: bytes

    def __init__(self) -> None:
        super().__init__()
        self.idle: list[socket.socket] = []
        self.slow: list[tuple[socket.socket, int]] = []

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.server.port), timeout=10)

    @rule()
    def connect_and_wait(self) -> None:
        self.idle.append(self.connect())

    @rule(cut=st.integers(1, 60))
    def send_part_of_a_head(self, cut: int) -> None:
        connection = self.connect()
        connection.sendall(post_request(self.body)[:cut])
        self.idle.append(connection)

    @rule(bad=st.sampled_from(BAD_HEADS))
    def send_a_bad_request(self, bad: bytes) -> None:
        with self.connect() as connection:
            connection.sendall(bad)
            status, _ = read_response(connection)
        assert 400 <= status < 500 or status in (501, 503)

    @rule(share=st.floats(0, 0.99))
    def start_a_slow_body(self, share: float) -> None:
        sent = int(len(self.body) * share)
        self.slow.append((start_request(self.server.port, "/predict", self.body, sent), sent))

    @precondition(lambda self: self.slow)
    @rule(data=st.data())
    def finish_a_slow_body(self, data: st.DataObject) -> None:
        connection, sent = self.slow.pop(data.draw(st.integers(0, len(self.slow) - 1)))
        with connection:
            connection.sendall(self.body[sent:])
            status, _ = read_response(connection)
        assert status == 200

    @precondition(lambda self: self.idle or self.slow)
    @rule(data=st.data())
    def drop_a_connection(self, data: st.DataObject) -> None:
        pool = self.idle if self.idle and (not self.slow or data.draw(st.booleans())) else self.slow
        item = pool.pop(data.draw(st.integers(0, len(pool) - 1)))
        (item[0] if isinstance(item, tuple) else item).close()

    @rule(gets=st.integers(0, 12), posts=st.integers(0, LIMIT * 4), read=st.booleans())
    def pipeline_a_burst(self, gets: int, posts: int, read: bool) -> None:
        """One write of GETs then POSTs; then read every answer, or close at once as the attack did."""
        get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        with self.connect() as connection:
            connection.sendall(get * gets + post_request(self.body) * posts + b"GET /healthz HTTP/1.1\r\n")
            if read:
                connection.shutdown(socket.SHUT_WR)
                answers = b""
                while chunk := connection.recv(65536):
                    answers += chunk
                # Every request is answered, in order; POSTs past the limit in one burst are shed.
                statuses = re.findall(rb"HTTP/1.1 (\d+)", answers)
                assert len(statuses) == gets + posts
                assert set(statuses[:gets]) <= {b"200"}
                assert set(statuses[gets:]) <= {b"200", b"503"}

    @invariant()
    def slots_match_the_requests_in_progress(self) -> None:
        """Every complete body gets its answer at once, so no request stays in progress between steps:
        the count returns to 0 (after the answers of a burst), and a new POST is admitted."""
        assert settled_in_progress(self.server) == 0
        with start_request(self.server.port, "/predict", self.body, len(self.body)) as connection:
            assert read_response(connection)[0] == 200

    def teardown(self) -> None:
        for connection in [*self.idle, *(connection for connection, _ in self.slow)]:
            connection.close()
        assert settled_in_progress(self.server) == 0


@pytest.mark.slow
def test_no_sequence_of_clients_leaves_a_slot_held(small_server: LiveServer) -> None:
    Clients.server = small_server
    Clients.body = json.dumps(typical_rows(small_server.manifest)[0]).encode()
    Clients.TestCase.settings = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "admission"))
    Clients.TestCase().runTest()


@pytest.mark.slow
def test_slow_bodies_hold_no_slot(small_server: LiveServer) -> None:
    """100 connections sending a body byte every 9 s made 388 of 388 real POSTs get a 503."""
    body = json.dumps(typical_rows(small_server.manifest)[0]).encode()
    slow = [start_request(small_server.port, "/predict", body, 10) for _ in range(LIMIT * 4)]
    try:
        for _ in range(20):
            with start_request(small_server.port, "/predict", body, len(body)) as connection:
                assert read_response(connection)[0] == 200
    finally:
        for connection in slow:
            connection.close()


def test_a_full_house_that_makes_no_progress_is_not_ready(client: TestClient) -> None:
    """Every admitted request ends within the request timeout: slots all held with none given back
    for twice that long mean a wedged worker (or a leak), and readiness must say so."""
    slots = [ADMISSION.take(set()) for _ in range(ADMISSION.limit)]
    try:
        assert client.get("/readyz").status_code == 200  # full, but only just
        ADMISSION.progress -= 2 * ADMISSION.stall_s + 1
        readiness = client.get("/readyz")
        assert readiness.status_code == 503
        assert "cannot admit requests" in readiness.json()["reason"]
        assert client.get("/v2/health/ready").status_code == 503
    finally:
        for slot in slots:
            assert slot is not None
            slot.release()
    assert client.get("/readyz").status_code == 200
