"""The fast lane answers the hot routes itself, with the same results and errors as the documented routes."""

from pathlib import Path

from {{ cookiecutter.package }}.manifest import read_manifest
from {{ cookiecutter.package }}.serving.fastlane import FastLane
from serving_fixtures import make_client, typical_rows


def test_fast_lane_serves_predict_and_both_infer_paths(artifacts_dir: Path) -> None:
    client = make_client(artifacts_dir)
    lanes = [m for m in client.app.user_middleware if m.cls is FastLane]  # type: ignore[attr-defined]
    served = {route.path for route, _ in lanes[0].kwargs["routes"]}
    assert served == {"/predict", "/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer"}


def test_fast_lane_counts_requests_under_the_route_template(artifacts_dir: Path) -> None:
    client = make_client(artifacts_dir)
    manifest = read_manifest(artifacts_dir)
    client.post("/predict", json=typical_rows(manifest)[0])
    client.post(f"/v2/models/{manifest.name}/infer", json={"inputs": []})
    text = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/predict",status="200"} 1.0' in text
    assert 'http_requests_total{method="POST",route="/v2/models/{name}/infer",status="422"} 1.0' in text


def test_fast_lane_leaves_other_methods_to_fastapi(artifacts_dir: Path) -> None:
    response = make_client(artifacts_dir).get("/predict")
    assert response.status_code == 405
