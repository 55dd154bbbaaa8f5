"""The app in process: request ids, errors for unknown routes, and the documentation pages."""

from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.settings import ServerSettings


def test_documentation_pages_can_be_turned_off(client: TestClient, settings: ServerSettings) -> None:
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
