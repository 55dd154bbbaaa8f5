"""The app in process: liveness and readiness, /model, request ids, and errors for unknown routes."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.settings import Settings


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
    assert body["digest"] == manifest.digest
    assert [feature["name"] for feature in body["features"]] == manifest.feature_names
    assert "library_versions" not in body


def test_model_lists_library_versions_only_when_a_setting_allows(settings: Settings) -> None:
    client = TestClient(create_app(settings.model_copy(update={"expose_library_versions": True})))
    assert "scikit-learn" in client.get("/model").json()["library_versions"]


def test_documentation_pages_can_be_turned_off(client: TestClient, settings: Settings) -> None:
    assert client.get("/docs").status_code == 200
    quiet = TestClient(create_app(settings.model_copy(update={"api_docs": False})))
    assert quiet.get("/docs").status_code == 404
    assert quiet.get("/redoc").status_code == 404
    assert quiet.get("/openapi.json").status_code == 200


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "trace-42"}).headers["x-request-id"] == "trace-42"
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) >= 12
    assert generated != client.get("/healthz").headers["x-request-id"]


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert "error" in response.json()
