"""Graceful shutdown: on SIGTERM readiness fails first, requests in flight finish, kept-alive
clients are told to close, and the process exits 0."""

import http.client
import json
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..rows import typical_rows
from ..servers import finish_request, live_server, start_request


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


# The pod contract the drain relies on: within this long after SIGTERM (at most the drain delay,
# as the preStop sleep and APP_DRAIN_DELAY_S in k8s/base arrange), no load balancer opens new
# connections to the pod. Kept-alive connections, which kube-proxy pins to it, go on until closed.
ENDPOINT_REMOVAL_S = 1.0
DRAIN_DELAY_S = 2.0
# Each client's pause between answers: steady traffic on every connection (hundreds of requests a
# second in all) without eight threads spinning against the server for the whole drain.
CLIENT_PAUSE_S = 0.01


class KeptAliveClient(threading.Thread):
    """Posts on one kept-alive connection every CLIENT_PAUSE_S, opening a new one when told to close."""

    def __init__(self, port: int, body: bytes, connecting: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.body, self.connecting = port, body, connecting
        self.answers: list[tuple[int, bool, float]] = []
        self.errors: list[str] = []

    def run(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while connection is not None or self.connecting.is_set():
            connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                connection.request("POST", "/predict", self.body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(repr(error))
                return
            self.answers.append((response.status, response.will_close, time.monotonic()))
            if response.will_close:
                connection.close()
                connection = None
            time.sleep(CLIENT_PAUSE_S)


@pytest.mark.slow
def test_kept_alive_clients_lose_no_request_across_a_drain(artifacts_dir: Path) -> None:
    drain = str(DRAIN_DELAY_S)
    with live_server(artifacts_dir, APP_DRAIN_DELAY_S=drain, APP_SHUTDOWN_TIMEOUT_S="5") as server:
        body = json.dumps(typical_rows(server.manifest)[0]).encode()
        connecting = threading.Event()
        connecting.set()
        clients = [KeptAliveClient(server.port, body, connecting) for _ in range(8)]
        for client in clients:
            client.start()
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        sigterm = time.monotonic()
        time.sleep(ENDPOINT_REMOVAL_S)
        connecting.clear()
        for client in clients:
            client.join(timeout=30)
        exit_code = server.process.wait(timeout=30)
    answers = [answer for client in clients for answer in client.answers]
    assert [error for client in clients for error in client.errors] == []
    assert {status for status, _, _ in answers} == {200}
    assert all(closed for _, closed, at in answers if at > sigterm + 0.2)
    assert len([at for _, _, at in answers if at > sigterm]) > 8
    assert exit_code == 0
