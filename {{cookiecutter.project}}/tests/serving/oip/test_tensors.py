"""The OIP tensor codec: one input tensor's values from JSON (flat or one list per row) or raw bytes,
refused when they do not fill its shape or fit its datatype; the outputs asked for, as JSON or bytes."""

import json
from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.http.bodies import Unprocessable
from {{ cookiecutter.package }}.serving.http.responses import ApiError
from {{ cookiecutter.package }}.serving.oip.tensors import (
    check_rows,
    requested_outputs,
    tensor_values,
    write_outputs,
)
from {{ cookiecutter.package }}.serving.plane import Plane


def tensor(data: Any, datatype: str = "FP32", **parameters: Any) -> dict[str, Any]:
    return {"name": "input", "datatype": datatype, "data": data, "parameters": parameters}


def test_json_values_flat_or_by_row_fill_the_shape() -> None:
    for data in ([1, 2, 3, 4, 5, 6], [[1, 2, 3], [4, 5, 6]]):
        values, rest = tensor_values(tensor(data), [2, 3], b"", b"tail")
        assert values.tolist() == [[1, 2, 3], [4, 5, 6]]
        assert rest == b"tail", "JSON data leaves the binary bytes to the next input"


def test_values_that_do_not_fill_the_shape_are_refused() -> None:
    with pytest.raises(Unprocessable, match=r"^data holds 5 values but shape \[2, 3\] needs 6$"):
        tensor_values(tensor([1, 2, 3, 4, 5]), [2, 3], b"", b"")
    with pytest.raises(
        Unprocessable, match=r"^data holds 2 rows of 2, 4 values; shape \[2, 3\] needs rows of 3$"
    ):
        tensor_values(tensor([[1, 2], [3, 4, 5, 6]]), [2, 3], b"", b"")


def test_values_must_fit_the_declared_datatype() -> None:
    assert tensor_values(tensor([1, 2], "INT32"), [1, 2], b"", b"")[0].tolist() == [[1, 2]]
    with pytest.raises(Unprocessable, match="do not fit INT8"):
        tensor_values(tensor([1, 300], "INT8"), [1, 2], b"", b"")
    with pytest.raises(Unprocessable, match="do not fit INT64"):
        tensor_values(tensor([1.5, 2], "INT64"), [1, 2], b"", b"")


def test_binary_values_are_read_in_order_and_leave_the_rest() -> None:
    raw = np.array([1.0, 2.0], dtype="<f4").tobytes()
    item = {"name": "input", "datatype": "FP32", "parameters": {"binary_data_size": len(raw)}}
    values, rest = tensor_values(item, [1, 2], b"", raw + b"next")
    assert values.tolist() == [[1.0, 2.0]]
    assert rest == b"next"
    with pytest.raises(Unprocessable, match="both"):
        tensor_values({**item, "data": [1, 2]}, [1, 2], b"", raw)


def test_a_batch_over_the_row_limit_is_too_large(plane: Plane) -> None:
    check_rows(plane, 4)
    with pytest.raises(ApiError) as refused:
        check_rows(plane, 5)
    assert (refused.value.status, refused.value.message) == (413, "batch has 5 rows; the limit is 4")


def test_outputs_are_named_once_each_or_all_by_default(plane: Plane) -> None:
    available = plane.predictor.output_names
    assert requested_outputs(plane, None) == available
    assert requested_outputs(plane, [{"name": available[-1]}]) == [available[-1]]
    for requested in ([], [{"name": "nothing"}], [{"name": available[0]}] * 2, "all"):
        with pytest.raises(Unprocessable, match="must name some of"):
            requested_outputs(plane, requested)


def test_outputs_are_written_as_json_or_as_raw_bytes(plane: Plane, manifest: ModelManifest) -> None:
    name = plane.predictor.output_names[-1]
    values = np.array([[0.25], [0.5]], dtype=np.float32)
    document: dict[str, Any] = {"id": "7", "outputs": None, "parameters": {}}
    body, json_length, _ = write_outputs(plane, {name: values}, [name], document, ["a", "b"])
    assert json_length is None
    answer = json.loads(body)
    assert (answer["model_name"], answer["model_version"], answer["id"]) == (
        manifest.name,
        manifest.version,
        "7",
    )
    assert answer["outputs"] == [{"name": name, "datatype": "FP32", "shape": [2, 1], "data": [0.25, 0.5]}]
    assert answer["parameters"] == {"prediction_ids": ["a", "b"]}
    binary = {**document, "parameters": {"binary_data_output": True}}
    body, json_length, _ = write_outputs(plane, {name: values}, [name], binary, ["a", "b"])
    assert json_length is not None
    header = json.loads(body[:json_length])
    assert header["outputs"][0]["parameters"] == {"binary_data_size": 8}
    assert body[json_length:] == values.astype("<f4").tobytes()
