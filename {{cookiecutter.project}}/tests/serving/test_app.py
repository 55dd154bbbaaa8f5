"""The app in process: liveness and readiness, /model, request ids, and errors for unknown routes."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"git_revision": "abc1234"}


def test_liveness_and_readiness_answer_once_the_model_is_loaded(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"ready": True}


def test_model_returns_the_manifest_with_the_git_revision(
    client: TestClient, manifest: ModelManifest
) -> None:
    body = client.get("/model").json()
    assert body["git_revision"] == "abc1234"
    assert body["version"] == manifest.version
    assert [feature["name"] for feature in body["features"]] == manifest.feature_names


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "trace-42"}).headers["x-request-id"] == "trace-42"
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) >= 12
    assert generated != client.get("/healthz").headers["x-request-id"]


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert "error" in response.json()
