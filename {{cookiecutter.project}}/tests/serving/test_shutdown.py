"""Graceful shutdown: on SIGTERM readiness fails first, requests in flight finish, the process exits."""

import json
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..servers import finish_request, live_server, start_request
from .rows import typical_rows


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_requests_in_flight_when_sigterm_arrives_all_succeed(artifacts_dir: Path) -> None:
    with live_server(artifacts_dir, APP_SHUTDOWN_TIMEOUT_S="10") as server:
        body = json.dumps({"rows": typical_rows(server.manifest, 4)}).encode()
        in_flight = [start_request(server.port, "/predict", body, sent=len(body) // 2) for _ in range(8)]
        time.sleep(0.2)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        answers = [finish_request(connection, body, sent=len(body) // 2) for connection in in_flight]
        assert [status for status, _ in answers] == [200] * 8
        assert all(len(json.loads(payload)["predictions"]) == 4 for _, payload in answers)
        server.process.wait(timeout=10)


@pytest.mark.slow
def test_readiness_fails_before_the_server_stops_serving(artifacts_dir: Path) -> None:
    with live_server(artifacts_dir, APP_DRAIN_DELAY_S="1.5", APP_SHUTDOWN_TIMEOUT_S="5") as server:
        row = json.dumps(typical_rows(server.manifest)[0]).encode()
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert status_of(f"{server.url}/readyz") == 503
        assert status_of(f"{server.url}/healthz") == 200
        request = urllib.request.Request(
            f"{server.url}/predict", data=row, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        started = time.monotonic()
        server.process.wait(timeout=10)
        assert time.monotonic() - started < 5
