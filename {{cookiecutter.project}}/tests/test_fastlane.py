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


def test_documented_routes_answer_like_the_fast_lane(artifacts_dir: Path) -> None:
    manifest = read_manifest(artifacts_dir)
    row = typical_rows(manifest)[0]
    tensor = {"name": "input", "shape": [1, len(row)], "datatype": "FP32", "data": list(row.values())}
    requests = [
        ("/predict", row),
        ("/predict", {"rows": []}),
        (f"/v2/models/{manifest.name}/infer", {"inputs": [tensor]}),
        (f"/v2/models/{manifest.name}/versions/{manifest.version}/infer", {"inputs": [tensor], "id": "7"}),
    ]
    fast = make_client(artifacts_dir)
    plain = make_client(artifacts_dir)
    plain.app.user_middleware = [m for m in plain.app.user_middleware if m.cls is not FastLane]  # type: ignore[attr-defined]
    for path, body in requests:
        expected, got = fast.post(path, json=body), plain.post(path, json=body)
        assert (got.status_code, got.json()) == (expected.status_code, expected.json()), path
