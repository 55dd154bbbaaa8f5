"""OIP v2 routes: metadata, readiness and inference, in process and with Triton's client."""

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest

from ...servers import LiveServer
from ..rows import as_feed, as_matrix, categorical_inputs, oip_inputs, onnx_outputs, typical_rows


def test_server_and_model_health_routes_answer(client: TestClient, manifest: ModelManifest) -> None:
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").json() == {"ready": True}
    assert client.get(f"/v2/models/{manifest.name}/ready").json() == {"name": manifest.name, "ready": True}
    assert client.get("/v2").json()["name"] == manifest.name


def test_model_metadata_describes_the_input_tensor(client: TestClient, manifest: ModelManifest) -> None:
    body = client.get(f"/v2/models/{manifest.name}").json()
    assert body["versions"] == [manifest.version]
    expected = [{"name": "input", "datatype": "FP32", "shape": [-1, len(manifest.features)]}]
    if manifest.categorical:
        expected.append(
            {"name": "categorical", "datatype": "BYTES", "shape": [-1, len(manifest.categorical)]}
        )
    assert body["inputs"] == expected
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
