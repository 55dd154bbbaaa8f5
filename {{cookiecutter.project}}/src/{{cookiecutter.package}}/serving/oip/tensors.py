"""The OIP tensor codec: request inputs to the model's checked tensors, outputs to JSON or raw bytes.

A model takes its numeric features as one tensor, `input` [rows, numeric], and its categorical
features as another, `categorical` [rows, categorical] of BYTES; it has only those it has features for.
"""

from typing import Any

import numpy as np

from ...manifest import CATEGORICAL_INPUT, ONNX_INPUT
from ..features import Columns, Feed, InputError, as_values
from ..predictor import Outputs
from ..responses import ApiError, Reply, json_reply
from ..service import Service
from . import binary
from .datatypes import INPUT_DATATYPES, datatype_of, fits


def read_tensor(service: Service, document: Any, body: bytes, raw: bytes) -> tuple[Feed, list[str]]:
    """The model's input tensors and the output names a v2 inference request asks for."""
    assert service.reader is not None, "requests are read only for a loaded model"
    columns = service.reader.columns
    tensors = _input_tensors(document, columns.inputs)
    rows: set[int] = set()
    numbers = strings = None
    for tensor in tensors:
        shape = _shape(service, tensor, columns)
        rows.add(shape[0])
        values, raw = _values(tensor, shape, body, raw)
        try:
            if tensor["name"] == ONNX_INPUT:
                numbers = columns.numbers(values)
            else:
                strings = columns.strings(values)
        except InputError as error:
            place = f"[{error.problem.row}, {error.problem.column}] ({error.name})"
            raise ApiError(422, f'inputs["{tensor["name"]}"]{place}: {error.problem.reason}') from None
    if len(rows) > 1:
        raise ApiError(422, f"the inputs hold different numbers of rows: {sorted(rows)}")
    if raw:
        raise ApiError(422, f"{len(raw)} bytes follow the binary inputs; binary_data_size leaves them unread")
    return columns.feed(numbers, strings), _requested_outputs(service, document["outputs"])


def _input_tensors(document: Any, expected: list[str]) -> list[dict[str, Any]]:
    """The input tensors, after checking the request's structure; every `parameters` is a dict."""
    if not isinstance(document, dict) or not isinstance(document.get("inputs"), list):
        raise ApiError(422, 'body must be a JSON object with an "inputs" list')
    if not isinstance(document.get("id", ""), str):
        raise ApiError(422, '"id" must be a string')
    inputs = document["inputs"]
    names = [item.get("name") if isinstance(item, dict) else None for item in inputs]
    if sorted(map(str, names)) != sorted(expected):
        wanted = (
            f"exactly one tensor, named {expected[0]!r}"
            if len(expected) == 1
            else f"the tensors {' and '.join(map(repr, expected))}, once each"
        )
        raise ApiError(422, f'"inputs" must hold {wanted}')
    outputs = document.get("outputs")
    for item in [document, *inputs, *(outputs if isinstance(outputs, list) else [])]:
        if isinstance(item, dict):
            _with_parameters(item)
    document.setdefault("outputs", None)
    return list(inputs)


def _with_parameters(item: dict[str, Any]) -> None:
    """Give the item a `parameters` dict ({} when absent), or refuse any other type."""
    parameters = item.setdefault("parameters", {})
    if parameters is None:
        item["parameters"] = {}
    elif not isinstance(parameters, dict):
        raise ApiError(422, f'"parameters" must be an object, not {type(parameters).__name__}')


def _shape(service: Service, tensor: dict[str, Any], columns: Columns) -> list[int]:
    numeric = tensor["name"] == ONNX_INPUT
    width = len(columns.numeric if numeric else columns.categorical)
    datatype = tensor.get("datatype")
    if numeric and datatype not in INPUT_DATATYPES:
        raise ApiError(422, f"datatype {datatype!r} is not supported for {ONNX_INPUT!r}; use FP32")
    if not numeric and datatype != "BYTES":
        raise ApiError(422, f"datatype {datatype!r} is not supported for {CATEGORICAL_INPUT!r}; use BYTES")
    shape = tensor.get("shape")
    if not (isinstance(shape, list) and len(shape) == 2 and all(type(s) is int for s in shape)):
        raise ApiError(422, f"shape must be [rows, {width}]")
    if shape[1] != width or shape[0] < 1:
        raise ApiError(422, f"shape {shape} does not match [rows >= 1, {width}]")
    if shape[0] > service.settings.max_batch_rows:
        raise ApiError(413, f"batch has {shape[0]} rows; the limit is {service.settings.max_batch_rows}")
    return shape


def _values(tensor: dict[str, Any], shape: list[int], body: bytes, raw: bytes) -> tuple[np.ndarray, bytes]:
    """The tensor's values as [rows, columns], and the binary bytes left for the inputs after it."""
    count = shape[0] * shape[1]
    if "binary_data_size" in tensor["parameters"]:
        if "data" in tensor:
            raise ApiError(422, 'an input carries both "data" and binary_data_size; send its values once')
        values, raw = binary.read_binary_input(tensor, raw)
    else:
        data = tensor.get("data")
        values = _json_values(data if isinstance(data, list) else [], shape, body)
    if values.size != count:
        raise ApiError(422, f"data holds {values.size} values but shape {shape} needs {count}")
    datatype = tensor["datatype"]
    if datatype not in ("FP32", "BYTES") and not fits(values, datatype):
        raise ApiError(422, f"the data values do not fit {datatype}")
    return values.reshape(shape), raw


def _json_values(data: list[Any], shape: list[int], body: bytes) -> np.ndarray:
    """JSON data, flat or one list per row, as a flat array: plain numbers fast, anything else as objects.
    Nested data must hold shape[0] rows of shape[1] values: a ragged row would shift every value after it."""
    if data and all(isinstance(v, list) for v in data):
        lengths = {len(row) for row in data}
        if len(data) != shape[0] or lengths != {shape[1]}:
            found = ", ".join(str(length) for length in sorted(lengths)[:5])
            raise ApiError(
                422, f"data holds {len(data)} rows of {found} values; shape {shape} needs rows of {shape[1]}"
            )
        data = [value for row in data for value in row]
    return as_values(data, exact=b"true" in body or b"false" in body)


def _requested_outputs(service: Service, requested: Any) -> list[str]:
    available = service.predictor.output_names
    if requested is None:
        return available
    items = requested if isinstance(requested, list) else []
    # Each at most once: 58,000 copies of one name would have made a response of 1.25 GB.
    names = [item.get("name") for item in items[: len(available) + 1] if isinstance(item, dict)]
    if (
        not names
        or len(names) != len(items)
        or len(set(map(str, names))) != len(names)
        or any(name not in available for name in names)
    ):
        raise ApiError(422, f'"outputs" must name some of {available}, each at most once')
    return [str(name) for name in names]


def write_outputs(service: Service, outputs: Outputs, names: list[str], document: Any) -> Reply:
    """The response body, with raw tensor bytes after the JSON for outputs asked for in binary."""
    manifest = service.manifest
    tensors, parts = [], []
    for name in names:
        values = outputs[name]
        tensor: dict[str, Any] = {
            "name": name,
            "datatype": datatype_of(values),
            "shape": list(values.shape),
        }
        if binary.wants_binary(document, name):
            parts.append(binary.raw_bytes(values))
            tensor["parameters"] = {"binary_data_size": len(parts[-1])}
        else:
            tensor["data"] = values.ravel() if values.dtype.kind in "fiu" else values.ravel().tolist()
        tensors.append(tensor)
    response = {"model_name": manifest.name, "model_version": manifest.version, "outputs": tensors}
    if document.get("id") is not None:
        response["id"] = document["id"]
    return binary.join(response, parts) if parts else json_reply(response)
