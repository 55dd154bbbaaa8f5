"""The HTTP contract of the app, in process: probes, /predict, /model and the OpenAPI document."""

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest
from serving_fixtures import as_matrix, make_client, onnx_outputs, typical_rows


@pytest.fixture(scope="module")
def client(artifacts_dir: Path) -> TestClient:
    return make_client(artifacts_dir, git_revision="abc1234")


def test_liveness_and_readiness_answer_once_the_model_is_loaded(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"ready": True}


def test_predict_single_row_matches_the_onnx_model(
    client: TestClient, manifest: ModelManifest, artifacts_dir: Path
) -> None:
    row = typical_rows(manifest)[0]
    response = client.post("/predict", json=row)
    assert response.status_code == 200
    expected = onnx_outputs(artifacts_dir, as_matrix(manifest, [row]))
    body = response.json()
    if manifest.classes:
        probabilities = expected["probabilities"][0]
        assert body["label"] == manifest.classes[int(probabilities.argmax())]
        assert list(body["probabilities"]) == manifest.classes
        np.testing.assert_allclose(list(body["probabilities"].values()), probabilities, rtol=1e-6)
    else:
        np.testing.assert_allclose(body["value"], expected["variable"].ravel()[0], rtol=1e-6)


def test_predict_batch_returns_one_prediction_per_row_in_order(
    client: TestClient, manifest: ModelManifest, artifacts_dir: Path
) -> None:
    rows = typical_rows(manifest, 5)
    response = client.post("/predict", json={"rows": rows})
    assert response.status_code == 200
    predictions = response.json()["predictions"]
    expected = onnx_outputs(artifacts_dir, as_matrix(manifest, rows))
    assert len(predictions) == 5
    if manifest.classes:
        got = np.array([list(prediction["probabilities"].values()) for prediction in predictions])
        np.testing.assert_allclose(got, expected["probabilities"], rtol=1e-6)
    else:
        got = np.array([prediction["value"] for prediction in predictions])
        np.testing.assert_allclose(got, expected["variable"].ravel(), rtol=1e-6)


def test_predict_accepts_integers_for_float_features(client: TestClient, manifest: ModelManifest) -> None:
    row = {name: round(value) for name, value in typical_rows(manifest)[0].items()}
    assert client.post("/predict", json=row).status_code == 200


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


def test_openapi_documents_every_feature_with_its_type(client: TestClient, manifest: ModelManifest) -> None:
    document = client.get("/openapi.json").json()
    row = document["components"]["schemas"]["Row"]
    assert set(row["properties"]) == set(manifest.feature_names)
    assert set(row["required"]) == set(manifest.feature_names)
    assert row["additionalProperties"] is False
    types = {name: schema["type"] for name, schema in row["properties"].items()}
    assert types == {f.name: "integer" if f.dtype == "integer" else "number" for f in manifest.features}
    body = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in body["oneOf"]} == {"Row", "Rows"}


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert "error" in response.json()
