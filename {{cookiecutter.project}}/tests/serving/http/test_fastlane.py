"""The fast lane answers the hot routes itself, with the same results and errors as the documented
routes, and sheds those the connection layer marked as beyond the concurrency limit."""

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.http.fastlane import FastLane
from {{ cookiecutter.package }}.serving.http.guard import RequestGuard
from {{ cookiecutter.package }}.serving.http.shedding import OVERLOADED
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ...rows import typical_rows


def test_fast_lane_serves_predict_and_both_infer_paths(settings: ServerSettings) -> None:
    guard = create_app(settings).front
    assert isinstance(guard, RequestGuard)
    assert isinstance(guard.app, FastLane)
    served = {route.path for _, route, _ in guard.app.routes}
    assert served == {"/predict", "/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer"}


def test_every_inference_route_is_hot_and_served_by_the_fast_lane(
    settings: ServerSettings, manifest: ModelManifest
) -> None:
    """A hot route the lane did not serve would fall back to FastAPI's slower pipeline unnoticed."""
    app = create_app(settings)
    guard = app.front
    assert isinstance(guard, RequestGuard)
    lane = guard.app
    assert isinstance(lane, FastLane)

    async def fallback(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError(f"POST {scope['path']} fell back to FastAPI")

    lane.app = fallback
    posts = {path for path, operations in app.openapi()["paths"].items() if "post" in operations}
    # Outcomes are no inference: FastAPI serves them, and the shadow stage never re-asks them.
    posts -= {"/v1/outcomes"}
    assert {route.path for _, route, _ in lane.routes} == posts
    client = TestClient(guard)
    for path in posts:
        response = client.post(path.format(name=manifest.name, version=manifest.version), json={})
        assert response.status_code in (400, 422), path


def test_every_spelling_fastapi_routes_to_a_hot_route_takes_the_lane(
    settings: ServerSettings, manifest: ModelManifest
) -> None:
    """Starlette's `$` also matches before a final newline, so FastAPI serves `/predict%0A` as /predict:
    the lane must take it too, or a client could step around its shedding."""
    guard = create_app(settings).front
    assert isinstance(guard, RequestGuard)
    assert isinstance(guard.app, FastLane)

    async def fallback(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError(f"POST {scope['path']!r} fell back to FastAPI")

    guard.app.app = fallback
    client = TestClient(guard)
    for _, route, _ in guard.app.routes:
        path = route.path.format(name=manifest.name, version=manifest.version)
        assert client.post(path + "%0A", json={}).status_code in (400, 422), path


def test_a_header_sent_twice_is_read_as_fastapi_reads_it_the_first(
    client: TestClient, settings: ServerSettings, manifest: ModelManifest
) -> None:
    body = json.dumps(typical_rows(manifest)[0])
    plain = TestClient(create_app(settings).framework, raise_server_exceptions=False)
    for first, second in [("application/json", "text/plain"), ("text/plain", "application/json")]:
        headers = [("content-type", first), ("content-type", second)]
        expected, got = (
            client.post("/predict", content=body, headers=headers),
            plain.post("/predict", content=body, headers=headers),
        )
        assert got.status_code == expected.status_code == (200 if first == "application/json" else 415)


def test_fast_lane_counts_requests_under_the_route_template(
    client: TestClient, manifest: ModelManifest
) -> None:
    client.post("/predict", json=typical_rows(manifest)[0])
    client.post(f"/v2/models/{manifest.name}/infer", json={"inputs": []})
    text = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/predict",status="200"} 1.0' in text
    assert 'http_requests_total{method="POST",route="/v2/models/{name}/infer",status="400"} 1.0' in text


def test_fast_lane_leaves_other_methods_to_fastapi(client: TestClient) -> None:
    response = client.get("/predict")
    assert response.status_code == 405


def test_documented_routes_answer_like_the_fast_lane(
    client: TestClient, settings: ServerSettings, manifest: ModelManifest
) -> None:
    row = typical_rows(manifest)[0]
    tensor = {"name": "input", "shape": [1, len(row)], "datatype": "FP32", "data": list(row.values())}
    requests = [
        ("/predict", row),
        ("/predict", {"rows": []}),
        (f"/v2/models/{manifest.name}/infer", {"inputs": [tensor]}),
        (f"/v2/models/{manifest.name}/versions/{manifest.version}/infer", {"inputs": [tensor], "id": "7"}),
    ]
    # FastAPI alone: the documented routes answer, without the layers in front of them.
    plain = TestClient(create_app(settings).framework, raise_server_exceptions=False)
    for path, body in requests:
        expected, got = client.post(path, json=body), plain.post(path, json=body)
        assert (got.status_code, unsigned(got.json())) == (expected.status_code, unsigned(expected.json()))
        assert ("x-prediction-id" in got.headers) == ("x-prediction-id" in expected.headers), path


def unsigned(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without its prediction ids, which differ from one answer to the next (their nonce)."""
    ids = answer.pop("prediction_ids", None) or answer.get("parameters", {}).pop("prediction_ids", None)
    assert ids is None or len(ids) == 1
    return answer


def test_requests_marked_as_overloaded_are_shed_and_counted_apart(
    settings: ServerSettings, manifest: ModelManifest
) -> None:
    app = create_app(settings)

    async def overloaded(scope: Any, receive: Any, send: Any) -> None:
        # What the connection layer does to a POST beyond the concurrency limit.
        if scope["type"] == "http" and scope["method"] == "POST":
            scope[OVERLOADED] = True
        await app(scope, receive, send)

    client = TestClient(overloaded)
    response = client.post("/predict", json=typical_rows(manifest)[0])
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "server at capacity" in response.json()["error"]
    assert client.get("/healthz").status_code == 200
    text = client.get("/metrics").text
    assert 'http_requests_shed_total{route="/predict"} 1.0' in text
    assert not re.search(r'http_requests_total\{[^}]*route="/predict"', text)
