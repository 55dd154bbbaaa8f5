"""Malformed requests to both APIs: each gets a 4xx whose message names the problem, never a 5xx."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest, read_manifest, write_manifest

from ...rows import categorical_inputs, numbers_of, typical_rows

MAX_ROWS = 8

# Each case: (request body bytes, or a function of a valid row giving JSON), status, words in the message.
Body = Callable[[dict[str, Any]], Any] | bytes


def without_first(row: dict[str, Any]) -> dict[str, Any]:
    return dict(list(row.items())[1:])


def replace_first(row: dict[str, Any], value: Any) -> dict[str, Any]:
    first = next(iter(row))
    return {**row, first: value}


PREDICT_CASES: list[tuple[str, Body, int, str]] = [
    ("missing-feature", without_first, 422, "missing features"),
    ("extra-feature", lambda row: {**row, "surprise": 1.0}, 422, "unknown features: surprise"),
    ("string-value", lambda row: replace_first(row, "1.5"), 422, "expected a number or null, got '1.5'"),
    ("boolean-value", lambda row: replace_first(row, True), 422, "expected a number or null, got true"),
    ("list-value", lambda row: replace_first(row, [1.0, 2.0]), 422, "expected a number or null, got a list"),
    ("overflow", lambda row: replace_first(row, 1e300), 422, "finite"),
    ("nan-literal", b'{"a": NaN}', 400, "NaN"),
    ("malformed-json", b'{"a": 1', 400, "not valid JSON"),
    ("empty-body", b"", 400, "empty"),
    ("not-an-object", lambda row: [row], 422, "JSON object"),
    ("empty-batch", lambda row: {"rows": []}, 422, "empty"),
    ("row-not-object", lambda row: {"rows": [1.0]}, 422, "rows[0]"),
    ("bad-row-in-batch", lambda row: {"rows": [row, without_first(row)]}, 422, "rows[1]"),
    ("oversize-batch", lambda row: {"rows": [row] * (MAX_ROWS + 1)}, 413, f"limit is {MAX_ROWS}"),
]

# OIP answers every malformed request 400, as its REST spec documents; /predict keeps 422 for those.
INFER_CASES: list[tuple[str, Callable[[list[float], int], Any] | bytes, int, str]] = [
    ("no-inputs", lambda data, n: {"outputs": []}, 400, '"inputs"'),
    ("wrong-input-name", lambda data, n: {"inputs": [tensor(data, n, name="x")]}, 400, '"inputs" must hold'),
    ("two-inputs", lambda data, n: {"inputs": [tensor(data, n)] * 2}, 400, '"inputs" must hold'),
    ("bad-datatype", lambda data, n: {"inputs": [tensor(data, n, datatype="BYTES")]}, 400, "datatype"),
    ("wrong-width", lambda data, n: {"inputs": [tensor(data, n, shape=[1, n + 1])]}, 400, "does not match"),
    ("shape-data-mismatch", lambda data, n: {"inputs": [tensor(data[:-1], n)]}, 400, "needs"),
    ("bad-shape", lambda data, n: {"inputs": [tensor(data, n, shape="1x2")]}, 400, "shape must be"),
    ("string-data", lambda data, n: {"inputs": [tensor(["a"] * n, n)]}, 400, "expected a number or null"),
    ("boolean-data", lambda data, n: {"inputs": [tensor([True] * n, n)]}, 400, "expected a number or null"),
    (
        "unknown-output",
        lambda data, n: {"inputs": [tensor(data, n)], "outputs": [{"name": "x"}]},
        400,
        "outputs",
    ),
    ("oversize-batch", lambda data, n: {"inputs": [tensor(data, n, shape=[MAX_ROWS + 1, n])]}, 413, "limit"),
    ("malformed-json", b'{"inputs": [', 400, "not valid JSON"),
    (
        "request-parameters-not-object",
        lambda data, n: {"inputs": [tensor(data, n)], "parameters": "binary_data_output"},
        400,
        '"parameters" must be an object',
    ),
    (
        "input-parameters-not-object",
        lambda data, n: {"inputs": [tensor(data, n, parameters="binary_data_size")]},
        400,
        '"parameters" must be an object',
    ),
    (
        "output-parameters-not-object",
        lambda data, n: {"inputs": [tensor(data, n)], "outputs": [{"name": "label", "parameters": [1]}]},
        400,
        '"parameters" must be an object',
    ),
    ("id-not-string", lambda data, n: {"id": 7, "inputs": [tensor(data, n)]}, 400, '"id" must be a string'),
    (
        "int8-fraction",
        lambda data, n: {"inputs": [tensor([1.5] * n, n, datatype="INT8")]},
        400,
        "do not fit INT8",
    ),
    (
        "uint8-out-of-range",
        lambda data, n: {"inputs": [tensor([300] * n, n, datatype="UINT8")]},
        400,
        "do not fit UINT8",
    ),
    (
        "fp16-out-of-range",
        lambda data, n: {"inputs": [tensor([1e6] * n, n, datatype="FP16")]},
        400,
        "do not fit FP16",
    ),
]


def tensor(data: list[Any], width: int, **changes: Any) -> dict[str, Any]:
    return {"name": "input", "datatype": "FP32", "shape": [1, width], "data": data, **changes}


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"max_batch_rows": MAX_ROWS, "max_body_bytes": 64 * 1024}


def send(client: TestClient, path: str, body: Any) -> Any:
    content = body if isinstance(body, bytes) else None
    if content is not None:
        return client.post(path, content=content, headers={"Content-Type": "application/json"})
    return client.post(path, json=body)


@pytest.mark.parametrize(
    ("case", "body", "status", "words"), PREDICT_CASES, ids=[c[0] for c in PREDICT_CASES]
)
def test_predict_rejects_bad_input_with_a_useful_message(
    client: TestClient, manifest: ModelManifest, case: str, body: Body, status: int, words: str
) -> None:
    payload = body if isinstance(body, bytes) else body(typical_rows(manifest)[0])
    response = send(client, "/predict", payload)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


@pytest.mark.parametrize(("case", "body", "status", "words"), INFER_CASES, ids=[c[0] for c in INFER_CASES])
def test_infer_rejects_bad_input_with_a_useful_message(
    client: TestClient, manifest: ModelManifest, case: str, body: Any, status: int, words: str
) -> None:
    width = len(manifest.features)
    values = numbers_of(manifest, typical_rows(manifest)[0])
    payload = body if isinstance(body, bytes) else body(values, width)
    if isinstance(payload, dict) and isinstance(payload.get("inputs"), list):
        # A model with categories needs them too; each case breaks the numbers or the request.
        payload["inputs"] += categorical_inputs(manifest)
    response = send(client, f"/v2/models/{manifest.name}/infer", payload)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


@pytest.mark.parametrize("path", ["/predict", "/v2/models/{name}/infer"])
def test_wrong_content_type_is_refused(client: TestClient, manifest: ModelManifest, path: str) -> None:
    response = client.post(
        path.format(name=manifest.name), content=b"a=1", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]


@pytest.mark.parametrize("path", ["/predict", "/v2/models/{name}/infer"])
def test_oversize_body_is_refused_before_it_is_read(
    client: TestClient, manifest: ModelManifest, path: str
) -> None:
    response = client.post(path.format(name=manifest.name), content=b" " * (64 * 1024 + 1))
    assert response.status_code == 413
    assert "exceeds 65536 bytes" in response.json()["error"]


def test_oversize_streamed_body_without_length_is_cut_off(client: TestClient) -> None:
    chunks = (b" " * 8192 for _ in range(10))
    response = client.post("/predict", content=chunks, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def make_first_feature_integer(model_dir: Path) -> None:
    manifest = read_manifest(model_dir)
    features = [manifest.features[0].model_copy(update={"dtype": "integer"}), *manifest.features[1:]]
    write_manifest(model_dir, manifest.model_copy(update={"features": features}))


@pytest.mark.parametrize("model_dir", [make_first_feature_integer], indirect=True, ids=["feature-0=integer"])
def test_an_integer_feature_takes_any_finite_number(client: TestClient, model_dir: Path) -> None:
    """Training's integer type documents the column (in the OpenAPI and /model); it refuses nothing."""
    manifest = read_manifest(model_dir)
    row = typical_rows(manifest)[0]
    for value in (2.5, -1.2345678901234567e-05, 2, 2.0, -0.0, None):
        response = client.post("/predict", json=replace_first(row, value))
        assert response.status_code == 200, (value, response.text)
    path = f"/v2/models/{manifest.name}/infer"
    data = [2.5, *numbers_of(manifest, row)[1:]]
    inputs = [tensor(data, len(data)), *categorical_inputs(manifest)]
    assert client.post(path, json={"inputs": inputs}).status_code == 200
    described = client.get("/openapi.json").json()["components"]["schemas"]["Row"]["properties"]
    assert "whole numbers" in described[manifest.feature_names[0]]["description"]


def test_null_is_a_missing_number_and_the_model_still_answers(
    client: TestClient, manifest: ModelManifest
) -> None:
    row = replace_first(typical_rows(manifest)[0], None)
    response = client.post("/predict", json=row)
    assert response.status_code == 200, response.text


def test_a_refused_value_names_its_row_and_feature(client: TestClient, manifest: ModelManifest) -> None:
    rows = typical_rows(manifest, 3)
    name = manifest.feature_names[-1]
    rows[2][name] = "high"
    response = client.post("/predict", json={"rows": rows})
    assert response.status_code == 422
    assert response.json()["error"] == f"rows[2].{name}: expected a number or null, got 'high'"
