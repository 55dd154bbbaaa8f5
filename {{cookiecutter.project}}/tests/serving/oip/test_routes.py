"""OIP v2 routes: metadata, readiness and inference, in process and with Triton's client."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest

from ...rows import Row, as_feed, as_matrix, categorical_inputs, oip_inputs, onnx_outputs, typical_rows
from ...servers import LiveServer


def test_server_and_model_health_routes_answer(client: TestClient, manifest: ModelManifest) -> None:
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").json() == {"ready": True}
    assert client.get(f"/v2/models/{manifest.name}/ready").json() == {"name": manifest.name, "ready": True}
    assert client.get("/v2").json()["name"] == manifest.name


def test_model_metadata_describes_the_input_tensors_and_their_column_order(
    client: TestClient, manifest: ModelManifest
) -> None:
    body = client.get(f"/v2/models/{manifest.name}").json()
    assert body["versions"] == [manifest.version]
    tensors = {"input": manifest.feature_names}
    if manifest.categorical:
        tensors["categorical"] = [feature.name for feature in manifest.categorical]
    assert body["inputs"] == [
        {
            "name": name,
            "datatype": "FP32" if name == "input" else "BYTES",
            "shape": [-1, len(columns)],
            "parameters": {"columns": columns},
        }
        for name, columns in tensors.items()
    ]
    assert client.get("/model").json()["tensor_columns"] == tensors
    described = client.get("/openapi.json").json()["paths"]["/v2/models/{name}/infer"]["post"]["description"]
    assert all(f"`{name}` columns: {', '.join(columns)}." in described for name, columns in tensors.items())
    assert [output["name"] for output in body["outputs"]] == (manifest.onnx.outputs if manifest.onnx else [])
    versioned = client.get(f"/v2/models/{manifest.name}/versions/{manifest.version}")
    assert versioned.json() == body


def test_unknown_model_or_version_is_a_404(client: TestClient, manifest: ModelManifest) -> None:
    assert client.get("/v2/models/other").status_code == 404
    response = client.post(f"/v2/models/{manifest.name}/versions/0/infer", json={})
    assert response.status_code == 404
    assert manifest.version in response.json()["error"]


def test_infer_matches_the_onnx_model(
    client: TestClient, manifest: ModelManifest, artifacts_dir: Path
) -> None:
    rows = typical_rows(manifest, 3)
    request = {"id": "r1", "inputs": oip_inputs(manifest, rows)}
    response = client.post(f"/v2/models/{manifest.name}/versions/{manifest.version}/infer", json=request)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "r1"
    assert body["model_version"] == manifest.version
    expected = onnx_outputs(artifacts_dir, as_feed(manifest, rows))
    for output in body["outputs"]:
        reference = expected[output["name"]]
        assert output["shape"] == list(reference.shape)
        np.testing.assert_allclose(np.array(output["data"]).reshape(reference.shape), reference, rtol=1e-6)


def test_infer_returns_only_the_requested_outputs(
    client: TestClient, manifest: ModelManifest, infer_path: str
) -> None:
    matrix = as_matrix(manifest, typical_rows(manifest))
    wanted = manifest.onnx.outputs[-1] if manifest.onnx else ""
    request = {
        "inputs": [
            {
                "name": "input",
                "shape": list(matrix.shape),
                "datatype": "FP32",
                "data": matrix.ravel().tolist(),
            },
            *categorical_inputs(manifest),
        ],
        "outputs": [{"name": wanted}],
    }
    body = client.post(infer_path, json=request).json()
    assert [output["name"] for output in body["outputs"]] == [wanted]


@pytest.mark.slow
@pytest.mark.parametrize("binary", [False, True], ids=["tensors=json", "tensors=binary"])
def test_triton_http_client_gets_the_onnx_results(
    server: LiveServer, manifest: ModelManifest, artifacts_dir: Path, binary: bool
) -> None:
    import tritonclient.http as triton

    rows = typical_rows(manifest, 4)
    feed = as_feed(manifest, rows)
    expected = onnx_outputs(artifacts_dir, feed)
    client = triton.InferenceServerClient(url=f"127.0.0.1:{server.port}")
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready(manifest.name)
    assert client.get_model_metadata(manifest.name)["versions"] == [manifest.version]
    tensors = []
    for name, values in feed.items():
        tensor = triton.InferInput(name, list(values.shape), "FP32" if name == "input" else "BYTES")
        tensor.set_data_from_numpy(values, binary_data=binary)
        tensors.append(tensor)
    outputs = [triton.InferRequestedOutput(name, binary_data=binary) for name in expected]
    for requested in (outputs, None):
        result = client.infer(manifest.name, tensors, outputs=requested)
        for name, reference in expected.items():
            np.testing.assert_allclose(result.as_numpy(name), reference, rtol=1e-6)
    client.close()


def one_tensor_per_feature(manifest: ModelManifest, rows: list[Row]) -> list[dict[str, Any]]:
    """Each feature its own tensor, named by it, in reverse order: as MLServer's pandas codec sends."""
    tensors = [
        {"name": name, "datatype": "FP32", "shape": [len(rows)], "data": [row[name] for row in rows]}
        for name in manifest.feature_names
    ]
    tensors += [
        {
            "name": f.name,
            "datatype": "BYTES",
            "shape": [len(rows), 1],
            "data": [[row[f.name]] for row in rows],
        }
        for f in manifest.categorical
    ]
    return tensors[::-1]


def test_one_tensor_per_feature_in_any_order_answers_as_the_model_tensors(
    client: TestClient, manifest: ModelManifest, infer_path: str
) -> None:
    rows = typical_rows(manifest, 3)
    named = client.post(infer_path, json={"inputs": one_tensor_per_feature(manifest, rows)})
    assert named.status_code == 200, named.text
    assert (
        named.json()["outputs"]
        == client.post(infer_path, json={"inputs": oip_inputs(manifest, rows)}).json()["outputs"]
    )
    tensors = one_tensor_per_feature(manifest, rows)
    tensors[0]["shape"] = [3, 2]
    answer = client.post(infer_path, json={"inputs": tensors})
    assert answer.status_code == 400
    assert (
        f'inputs["{tensors[0]["name"]}"]: shape [3, 2] must be [rows] or [rows, 1]' in answer.json()["error"]
    )


def test_a_tensor_that_names_its_columns_in_another_order_is_refused(
    client: TestClient, manifest: ModelManifest, infer_path: str
) -> None:
    inputs = oip_inputs(manifest, typical_rows(manifest))
    for tensor in inputs:
        tensor["parameters"] = {"columns": client.get("/model").json()["tensor_columns"][tensor["name"]]}
    assert client.post(infer_path, json={"inputs": inputs}).status_code == 200
    if len(inputs[0]["parameters"]["columns"]) < 2:
        pytest.skip("one column has no order")
    inputs[0]["parameters"]["columns"] = inputs[0]["parameters"]["columns"][::-1]
    answer = client.post(infer_path, json={"inputs": inputs})
    assert answer.status_code == 400
    assert f"this model reads {json.dumps(manifest.feature_names)} in that order" in answer.json()["error"]


def test_categories_sent_in_another_column_order_are_refused_not_answered(
    client: TestClient, manifest: ModelManifest, infer_path: str
) -> None:
    """Two columns whose known categories do not overlap, swapped: each holds only the other's."""
    features = manifest.categorical
    pairs = [
        (i, j)
        for i in range(len(features))
        for j in range(i + 1, len(features))
        if not set(features[i].categories) & set(features[j].categories)
    ]
    if not pairs:
        pytest.skip("no two category columns with distinct categories")
    first, second = pairs[0]
    rows = typical_rows(manifest, 2)
    inputs = oip_inputs(manifest, rows)
    strings = next(tensor for tensor in inputs if tensor["name"] == "categorical")
    for row in strings["data"]:
        row[first], row[second] = row[second], row[first]
    answer = client.post(infer_path, json={"inputs": inputs})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (
        f"column {first} ({features[first].name}) holds only categories of {features[second].name}" in error
    )
    assert f"Its columns go in the order {', '.join(f.name for f in features)}" in error
