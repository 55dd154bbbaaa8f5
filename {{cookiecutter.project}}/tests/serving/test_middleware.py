"""Request limits: compressed bodies are refused; on a real server slow requests time out and ids
reach the logs."""

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest

from ..servers import live_server, read_response, start_request
from .rows import typical_rows


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate, gzip"])
def test_compressed_body_is_refused_with_a_415(
    client: TestClient, manifest: ModelManifest, encoding: str
) -> None:
    body = json.dumps(typical_rows(manifest)[0]).encode()
    for path in ("/predict", f"/v2/models/{manifest.name}/infer"):
        response = client.post(path, content=body, headers={"Content-Encoding": encoding})
        assert response.status_code == 415
        assert "send the body uncompressed" in response.json()["error"]
    plain = client.post("/predict", content=body, headers={"Content-Encoding": "identity"})
    assert plain.status_code == 200


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
