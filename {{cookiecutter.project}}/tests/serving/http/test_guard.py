"""Request limits: compressed bodies are refused, a body that stops arriving gets a 408 (the
client's fault, not the server's), and on a real server ids reach the logs."""

import asyncio
import json
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ...rows import typical_rows
from ...servers import live_server, read_response, start_request


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


def test_a_body_that_stops_arriving_gets_a_408_and_closes_the_connection(settings: ServerSettings) -> None:
    app = create_app(settings.model_copy(update={"request_timeout_s": 0.2}))
    scope = {"type": "http", "method": "POST", "path": "/predict", "headers": [], "query_string": b""}
    sent: list[Message] = []
    arriving: list[Message] = [{"type": "http.request", "body": b'{"a": ', "more_body": True}]

    async def receive() -> Message:
        if arriving:
            return arriving.pop()
        await asyncio.sleep(10)  # the rest of the body never comes
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]
    assert "did not arrive within 0.2s" in json.loads(sent[1]["body"])["error"]


@pytest.mark.slow
def test_a_slow_body_is_a_408_that_no_server_error_metric_counts(artifacts_dir: Path) -> None:
    with live_server(artifacts_dir, APP_REQUEST_TIMEOUT_S="0.5") as server:
        body = json.dumps(typical_rows(server.manifest)[0]).encode()
        started = time.monotonic()
        connection = start_request(server.port, "/predict", body, sent=len(body) // 2)
        with connection:
            status, payload = read_response(connection)
        assert status == 408
        assert "did not arrive within 0.5s" in json.loads(payload)["error"]
        assert time.monotonic() - started < 5
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as response:
            metrics = response.read().decode()
    assert 'http_requests_total{method="POST",route="/predict",status="408"} 1.0' in metrics
    assert 'status="5' not in metrics


@pytest.mark.slow
def test_logs_are_json_lines_carrying_the_request_id(artifacts_dir: Path) -> None:
    with live_server(artifacts_dir, APP_ACCESS_LOG="true") as server:
        connection = start_request(server.port, "/predict", b"{}", sent=2)
        connection.close()
        request = start_request(server.port, "/predict", b"[1]", sent=3)
        request.close()
        with urllib.request.urlopen(
            urllib.request.Request(f"{server.url}/healthz", headers={"X-Request-ID": "find-me-42"})
        ) as response:
            assert response.headers["X-Request-ID"] == "find-me-42"
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == "find-me-42" and line.get("path") == "/healthz" for line in lines)
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
