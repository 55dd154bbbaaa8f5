"""One datatype table: the OpenAPI documents what the reader accepts, and metadata matches answers."""

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.oip.datatypes import DATATYPES, INPUT_DATATYPES, fits

from ...rows import categorical_inputs


def tensor(datatype: str, rows: int, width: int) -> dict[str, object]:
    return {"name": "input", "datatype": datatype, "shape": [rows, width], "data": [1] * rows * width}


def documented_datatypes(client: TestClient) -> list[str]:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    enum: list[str] = schemas["TensorInput"]["properties"]["datatype"]["enum"]
    return enum


@pytest.mark.parametrize("datatype", list(DATATYPES))
def test_the_reader_accepts_exactly_the_documented_datatypes(
    client: TestClient, manifest: ModelManifest, infer_path: str, datatype: str
) -> None:
    body = {"inputs": [tensor(datatype, 1, len(manifest.features)), *categorical_inputs(manifest)]}
    response = client.post(infer_path, json=body)
    # The numbers take any documented numeric type; BYTES is documented for the `categorical` tensor,
    # BOOL for one feature's tensor where training held booleans (never the `input` tensor).
    assert documented_datatypes(client) == [*INPUT_DATATYPES, "BOOL", "BYTES"]
    if datatype in INPUT_DATATYPES:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 400
        assert "datatype" in response.json()["error"]


def infer_binary(
    client: TestClient, manifest: ModelManifest, path: str, values: np.ndarray, datatype: str
) -> dict[str, list[float]]:
    """The outputs for `values` sent as the binary `input` tensor of `datatype`."""
    raw = values.astype(DATATYPES[datatype][0]).tobytes()
    described: dict[str, object] = {"name": "input", "datatype": datatype, "shape": list(values.shape)}
    described["parameters"] = {"binary_data_size": len(raw)}
    header = json.dumps({"inputs": [described, *categorical_inputs(manifest, len(values))]}).encode()
    response = client.post(
        path, content=header + raw, headers={"Inference-Header-Content-Length": str(len(header))}
    )
    assert response.status_code == 200, response.text
    return {output["name"]: output["data"] for output in response.json()["outputs"]}


@pytest.mark.parametrize("datatype", INPUT_DATATYPES)
def test_binary_inputs_of_every_numeric_datatype_read_the_same_numbers(
    client: TestClient, manifest: ModelManifest, infer_path: str, datatype: str
) -> None:
    # Small whole numbers, which every numeric type holds exactly.
    values = np.arange(2 * len(manifest.features)).reshape(2, -1) % 7
    assert infer_binary(client, manifest, infer_path, values, datatype) == infer_binary(
        client, manifest, infer_path, values, "FP32"
    )


@pytest.mark.parametrize("datatype", ["FP16", "FP64"])
def test_nan_is_a_missing_value_in_every_float_datatype(
    client: TestClient, manifest: ModelManifest, infer_path: str, datatype: str
) -> None:
    """FP64's NaN was refused as a value that does not fit FP64."""
    values = np.ones((2, len(manifest.features)))
    values[0, 0] = np.nan
    assert infer_binary(client, manifest, infer_path, values, datatype) == infer_binary(
        client, manifest, infer_path, values, "FP32"
    )


def test_answers_carry_the_datatypes_the_model_metadata_announces(
    client: TestClient, manifest: ModelManifest, infer_path: str
) -> None:
    metadata = client.get(f"/v2/models/{manifest.name}").json()
    inputs = [tensor("FP32", 2, len(manifest.features)), *categorical_inputs(manifest, 2)]
    body = client.post(infer_path, json={"inputs": inputs}).json()
    announced = {output["name"]: output["datatype"] for output in metadata["outputs"]}
    assert {output["name"]: output["datatype"] for output in body["outputs"]} == announced


def test_json_numbers_past_int64_do_not_fit_int64() -> None:
    """numpy reads [2**63, 1] as float64, where 2**63 equals int64's maximum once rounded."""
    assert not fits(np.array([2**63, 1]), "INT64")
    assert fits(np.array([2**62, 1]), "INT64")
    assert fits(np.array([-(2**63), 1.0]), "INT64")


def test_bool_takes_true_false_and_null_but_no_numbers() -> None:
    assert fits(np.array([True, None, False], dtype=object), "BOOL")
    assert not fits(np.array([1, 0]), "BOOL")
