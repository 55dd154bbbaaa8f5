"""POST /predict in process: answers match the exported model, and the OpenAPI types every feature."""

from collections.abc import Callable

import numpy as np
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest

from ...rows import Row, typical_rows

Reference = Callable[[list[Row]], dict[str, np.ndarray]]


def test_predict_single_row_matches_the_onnx_model(
    client: TestClient, manifest: ModelManifest, reference: Reference
) -> None:
    row = typical_rows(manifest)[0]
    response = client.post("/predict", json=row)
    assert response.status_code == 200
    expected = reference([row])
    body = response.json()
    if manifest.classes:
        probabilities = expected["probabilities"][0]
        assert body["label"] == manifest.classes[int(expected["label"][0])]
        assert list(body["probabilities"]) == manifest.classes
        np.testing.assert_allclose(list(body["probabilities"].values()), probabilities, rtol=1e-6)
    else:
        np.testing.assert_allclose(body["value"], expected["variable"].ravel()[0], rtol=1e-6)


def test_predict_batch_returns_one_prediction_per_row_in_order(
    client: TestClient, manifest: ModelManifest, reference: Reference
) -> None:
    rows = typical_rows(manifest, 5)
    response = client.post("/predict", json={"rows": rows})
    assert response.status_code == 200
    predictions = response.json()["predictions"]
    expected = reference(rows)
    assert len(predictions) == 5
    if manifest.classes:
        got = np.array([list(prediction["probabilities"].values()) for prediction in predictions])
        np.testing.assert_allclose(got, expected["probabilities"], rtol=1e-6)
    else:
        got = np.array([prediction["value"] for prediction in predictions])
        np.testing.assert_allclose(got, expected["variable"].ravel(), rtol=1e-6)


def test_predict_accepts_integers_for_float_features(client: TestClient, manifest: ModelManifest) -> None:
    row = {name: round(v) if isinstance(v, float) else v for name, v in typical_rows(manifest)[0].items()}
    assert client.post("/predict", json=row).status_code == 200


def test_openapi_documents_every_feature_with_its_type(client: TestClient, manifest: ModelManifest) -> None:
    document = client.get("/openapi.json").json()
    row = document["components"]["schemas"]["Row"]
    names = [*manifest.feature_names, *(feature.name for feature in manifest.categorical)]
    assert set(row["properties"]) == set(names)
    assert set(row["required"]) == set(names)
    assert row["additionalProperties"] is False
    # A number is any number, whatever its column held in training: the description says which.
    numeric = {name: row["properties"][name]["anyOf"] for name in manifest.feature_names}
    assert numeric == {f.name: [{"type": "number"}, {"type": "null"}] for f in manifest.features}
    for number in manifest.features:
        held = "whole numbers" if number.dtype == "integer" else "numbers"
        assert row["properties"][number.name]["description"].startswith(f"Training held {held} from")
    for feature in manifest.categorical:
        options = row["properties"][feature.name]["anyOf"]
        assert {"enum": feature.categories, "type": "string"} in options
        assert {"type": "string"} in options
        assert {"type": "null"} in options
        if feature.dtype == "integer":
            assert {"type": "integer"} in options
    body = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in body["oneOf"]} == {"Row", "Rows"}
