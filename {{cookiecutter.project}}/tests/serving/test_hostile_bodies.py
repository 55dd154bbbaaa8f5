"""Bodies that once got a wrong, silent or oversized answer: each now gets a 4xx that says why."""

import json

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest

from ..rows import oip_inputs, typical_rows


def test_outputs_may_name_each_output_once(client: TestClient, manifest: ModelManifest) -> None:
    """58,000 copies of one output name got a 1.25 GB answer (795 times the request)."""
    name = "probabilities" if manifest.classes else "variable"
    request = {"inputs": oip_inputs(manifest, typical_rows(manifest)), "outputs": [{"name": name}] * 1000}
    response = client.post(f"/v2/models/{manifest.name}/infer", json=request)
    assert response.status_code == 400
    assert "each at most once" in response.json()["error"]
    assert len(response.content) < 300
    request["outputs"] = [{"name": name}]
    assert client.post(f"/v2/models/{manifest.name}/infer", json=request).status_code == 200


def test_ragged_nested_data_is_refused(client: TestClient, manifest: ModelManifest) -> None:
    """Shape [2, n] with rows of n+1 and n-1 values was reshaped silently, shifting row 2's values."""
    rows = typical_rows(manifest, 2)
    tensor = oip_inputs(manifest, rows)[0]
    first, second = tensor["data"]
    tensor["data"] = [[*first, second[0]], second[1:]]
    response = client.post(
        f"/v2/models/{manifest.name}/infer", json={"inputs": [tensor, *oip_inputs(manifest, rows)[1:]]}
    )
    assert response.status_code == 400
    assert "needs rows of" in response.json()["error"]


def test_an_input_with_data_and_binary_data_size_is_refused(
    client: TestClient, manifest: ModelManifest
) -> None:
    rows = typical_rows(manifest)
    tensors = oip_inputs(manifest, rows)
    tensors[0]["parameters"] = {"binary_data_size": 0}
    response = client.post(f"/v2/models/{manifest.name}/infer", json={"inputs": tensors})
    assert response.status_code == 400
    assert "both" in response.json()["error"]


def repeat_first_key(body: bytes) -> bytes:
    """The body with its first key written twice, the first copy holding another value."""
    document = body.decode()
    key = document[1 : document.index(":") + 1]
    return ("{" + key + " null, " + document[1:]).encode()


@pytest.mark.parametrize("batch", [False, True], ids=["row", "batch"])
def test_predict_refuses_a_repeated_key(client: TestClient, manifest: ModelManifest, batch: bool) -> None:
    row = typical_rows(manifest)[0]
    body = json.dumps({"rows": [row]} if batch else row).encode()
    headers = {"content-type": "application/json"}
    assert client.post("/predict", content=body, headers=headers).status_code == 200
    if batch:
        inner = json.dumps(row).encode()
        body = body.replace(inner, repeat_first_key(inner))
    else:
        body = repeat_first_key(body)
    response = client.post("/predict", content=body, headers=headers)
    assert response.status_code == 400
    assert "repeats the key" in response.json()["error"]


def test_infer_refuses_a_repeated_key_even_with_colons_in_strings(
    client: TestClient, manifest: ModelManifest
) -> None:
    request = {"id": "urn:a:b", "inputs": oip_inputs(manifest, typical_rows(manifest))}
    body = json.dumps(request).encode()
    path = f"/v2/models/{manifest.name}/infer"
    assert client.post(path, content=body, headers={"content-type": "application/json"}).status_code == 200
    twice = body.replace(b'"inputs":', b'"inputs": [], "inputs":', 1)
    response = client.post(path, content=twice, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "'inputs'" in response.json()["error"]


def test_a_trailing_slash_is_a_404_that_echoes_no_host(client: TestClient) -> None:
    """The 307 to the slash-less path built its Location from the client's Host header."""
    response = client.post("/predict/", json={}, headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "evil.example" not in str(response.headers)


def test_deeply_nested_parameters_are_no_server_error(client: TestClient, manifest: ModelManifest) -> None:
    depth = 1000
    request = {"inputs": oip_inputs(manifest, typical_rows(manifest)), "parameters": {"x": None}}
    body = json.dumps(request).replace('"x": null', '"x": ' + "[" * depth + "]" * depth)
    response = client.post(
        f"/v2/models/{manifest.name}/infer", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code in (200, 400)


def test_outcomes_refuse_what_would_cost_the_server_and_count_nothing(client: TestClient) -> None:
    """Outcome bodies that aim at memory or the parser: each refused whole, with a short 4xx, or item by
    item; no outcome is counted."""
    valid = json.dumps({"prediction_id": "A" * 56, "label": "1"})
    for body, status in [
        ('{"outcomes": [' + ",".join([valid] * 5000) + "]}", 413),
        (valid.replace('"1"', json.dumps("x" * 5_000_000)), 413),
        ("[" * 2000 + "]" * 2000, 400),
        (valid.replace('"1"', "[" * 500 + "]" * 500), 422),
    ]:
        response = client.post("/v1/outcomes", content=body, headers={"content-type": "application/json"})
        assert response.status_code == status, response.text[:200]
        assert len(response.content) < 2000
    counts = [
        line for line in client.get("/metrics").text.splitlines() if line.startswith("model_outcomes_total{")
    ]
    assert all(line.endswith(" 0.0") for line in counts)
