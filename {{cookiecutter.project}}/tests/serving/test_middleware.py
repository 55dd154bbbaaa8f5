"""Request limits on a real server: slow requests time out with a 503, ids reach the logs."""

import json
import time
from pathlib import Path

import pytest

from ..servers import live_server, read_response, start_request
from .rows import typical_rows


@pytest.mark.slow
def test_request_that_outlives_the_timeout_gets_a_503_saying_so(artifacts_dir: Path) -> None:
    with live_server(artifacts_dir, APP_REQUEST_TIMEOUT_S="0.5") as server:
        body = json.dumps(typical_rows(server.manifest)[0]).encode()
        started = time.monotonic()
        connection = start_request(server.port, "/predict", body, sent=len(body) // 2)
        with connection:
            status, payload = read_response(connection)
        assert status == 503
        assert "longer than 0.5s" in json.loads(payload)["error"]
        assert time.monotonic() - started < 5


@pytest.mark.slow
def test_logs_are_json_lines_carrying_the_request_id(artifacts_dir: Path) -> None:
    with live_server(artifacts_dir, APP_ACCESS_LOG="true") as server:
        connection = start_request(server.port, "/predict", b"{}", sent=2)
        connection.close()
        request = start_request(server.port, "/predict", b"[1]", sent=3)
        request.close()
        import urllib.request

        with urllib.request.urlopen(
            urllib.request.Request(f"{server.url}/healthz", headers={"X-Request-ID": "find-me-42"})
        ) as response:
            assert response.headers["X-Request-ID"] == "find-me-42"
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == "find-me-42" and line.get("path") == "/healthz" for line in lines)
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
