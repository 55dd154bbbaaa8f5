"""Floods on a real server, as the red teams of issues 10 and 16 sent them: a flood of headers, one huge
header, slow and idle connections, pipelining without reading, a body streamed past the limit. Each is
bounded by the connection layer (serving/http/connection.py)."""

import http.client
import socket
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ...servers import LiveServer, live_server

LINUX_PROC = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


def read_status(connection: socket.socket, timeout_s: float) -> int | str:
    """The status of the answer on connection, "closed" for a close without one, "reset" for a reset."""
    connection.settimeout(timeout_s)
    try:
        data = connection.recv(4096)
    except ConnectionResetError:
        return "reset"
    return int(data.split(b" ", 2)[1]) if data else "closed"


def send_headers(port: int, count: int) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    block = b"".join(b"X-%d: v\r\n" % index for index in range(1000))
    try:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
        for _ in range(count // 1000):
            connection.sendall(block)
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused while still sending, as it should be
    return connection


@pytest.fixture(scope="module")
def quiet_server(artifacts_dir: Path) -> Iterator[LiveServer]:
    """One server, logging only warnings, for the two floods: each measures from its own start (peak
    RSS reset, CPU time before), so neither cares which ran first."""
    with live_server(artifacts_dir, APP_LOG_LEVEL="warning") as server:
        yield server


@pytest.mark.slow
@LINUX_PROC
def test_a_flood_of_headers_leaves_memory_bounded(quiet_server: LiveServer) -> None:
    """25 connections with 200,000 headers each took 685 MiB before; now each gets a 431."""
    server = quiet_server
    server.reset_peak_rss()
    before = server.peak_rss_mib()
    with ThreadPoolExecutor(25) as pool:
        connections = list(pool.map(lambda _: send_headers(server.port, 200_000), range(25)))
    statuses = [read_status(connection, 5) for connection in connections]
    peak = server.peak_rss_mib()
    for connection in connections:
        connection.close()
    print(f"peak RSS under the header flood: {peak:.0f} MiB (before: {before:.0f} MiB)")
    assert peak - before < 50
    assert set(statuses) <= {431, "reset"}
    assert 431 in statuses


@pytest.mark.slow
@LINUX_PROC
def test_a_64_mb_header_costs_the_server_little_time(quiet_server: LiveServer) -> None:
    """One 64 MB header value took 6.8 s of CPU before; now the server stops reading at the limit."""
    server = quiet_server
    started = server.cpu_seconds()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        try:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nX-Big: ")
            for _ in range(64):
                connection.sendall(b"a" * (1 << 20))
        except (BrokenPipeError, ConnectionResetError):
            pass
        status = read_status(connection, 5)
    spent = server.cpu_seconds() - started
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:
        assert response.status == 200
    assert status in (431, "reset")
    assert spent < 1.0


@pytest.fixture(scope="module")
def impatient_server(artifacts_dir: Path) -> Iterator[LiveServer]:
    """One server with a 1 s header timeout and a 1 s keep-alive timeout, for the tests of each: a
    connection with a request under way is timed by the first, an idle kept-alive one by the second."""
    with live_server(
        artifacts_dir, APP_HEADER_TIMEOUT_S="1", APP_KEEPALIVE_TIMEOUT_S="1", APP_LOG_LEVEL="warning"
    ) as server:
        yield server


@pytest.mark.slow
def test_slow_and_idle_connections_are_closed(impatient_server: LiveServer) -> None:
    port = impatient_server.port
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
    for connection in slow:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
    time.sleep(0.5)
    for connection in slow:
        connection.sendall(b"a")
    slow_answers = [read_status(connection, 5) for connection in slow]
    idle_answers = [read_status(connection, 5) for connection in idle]
    assert slow_answers == [408] * 50
    assert idle_answers == ["closed"] * 50


@pytest.mark.slow
def test_a_kept_alive_connection_closes_after_the_keepalive_timeout(impatient_server: LiveServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", impatient_server.port, timeout=5)
    connection.request("GET", "/healthz")
    assert connection.getresponse().read() == b'{"status":"ok"}'
    started = time.monotonic()
    assert connection.sock is not None
    assert connection.sock.recv(1) == b""
    assert 0.5 < time.monotonic() - started < 3
    connection.close()


def pipeline_without_reading(port: int, seconds: float) -> None:
    """Pipeline GET /healthz on one connection for `seconds`, never reading an answer."""
    burst = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 1000
    with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                connection.sendall(burst)
        except (TimeoutError, OSError):
            pass  # the server stopped reading: the client's writes block


@pytest.mark.slow
@LINUX_PROC
def test_pipelining_without_reading_leaves_memory_bounded(server: LiveServer) -> None:
    """One connection pipelining for 15 s took the server from 98 to 1,832 MiB; 50 that never read
    took 2,476 MiB. Now each connection queues a bounded number of requests and stops reading."""
    server.reset_peak_rss()
    before = server.peak_rss_mib()
    with ThreadPoolExecutor(20) as pool:
        list(pool.map(lambda _: pipeline_without_reading(server.port, 1.0), range(20)))
    peak = server.peak_rss_mib()
    with urllib.request.urlopen(f"{server.url}/readyz", timeout=1) as response:
        assert response.status == 200
    print(f"peak RSS while 20 connections pipeline: {peak:.0f} MiB (before: {before:.0f} MiB)")
    assert peak - before < 60


@pytest.mark.slow
@LINUX_PROC
def test_a_body_streamed_past_the_limit_ends_the_connection(server: LiveServer) -> None:
    """After the 413 the server read and dropped 49.6 GB in 15 s; now it closes the connection."""
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    head = b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    started = server.cpu_seconds()
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(head)
        try:
            while sent < 2 << 30:
                connection.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server closed the connection
        status = read_status(connection, 5)
    spent = server.cpu_seconds() - started
    assert sent < 256 << 20
    assert status in (413, "reset", "closed")
    assert spent < 2.0
