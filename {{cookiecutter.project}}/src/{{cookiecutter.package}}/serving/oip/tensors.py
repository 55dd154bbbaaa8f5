"""The OIP tensor codec: the request's input to a checked float32 array, the outputs to JSON or raw bytes."""

from typing import Any

import numpy as np

from ...manifest import ONNX_INPUT
from ..inputs import check_values, to_array
from ..predictor import Outputs
from ..responses import ApiError, Reply, json_reply
from ..service import Service
from . import binary
from .datatypes import INPUT_DATATYPES, datatype_of, fits


def read_tensor(service: Service, document: Any, body: bytes, raw: bytes) -> tuple[np.ndarray, list[str]]:
    """The input rows and the output names a v2 inference request asks for."""
    tensor = _input_tensor(document)
    datatype = tensor.get("datatype")
    if datatype not in INPUT_DATATYPES:
        raise ApiError(422, f"datatype {datatype!r} is not supported; use FP32")
    shape = _shape(service, tensor.get("shape"))
    if "binary_data_size" in tensor["parameters"]:
        values = binary.read_binary_input(tensor, raw)
    else:
        data = tensor.get("data")
        values = to_array(data if isinstance(data, list) else [], body)
    if values.size != shape[0] * shape[1]:
        raise ApiError(422, f"data holds {values.size} values but shape {shape} needs {shape[0] * shape[1]}")
    if datatype != "FP32" and not fits(values, datatype):
        raise ApiError(422, f"the data values do not fit {datatype}")
    return check_values(values.reshape(shape)), _requested_outputs(service, document["outputs"])


def _input_tensor(document: Any) -> dict[str, Any]:
    """The one input tensor, after checking the request's structure; every `parameters` is a dict."""
    if not isinstance(document, dict) or not isinstance(document.get("inputs"), list):
        raise ApiError(422, 'body must be a JSON object with an "inputs" list')
    if not isinstance(document.get("id", ""), str):
        raise ApiError(422, '"id" must be a string')
    inputs = document["inputs"]
    if len(inputs) != 1 or not isinstance(inputs[0], dict) or inputs[0].get("name") != ONNX_INPUT:
        raise ApiError(422, f'"inputs" must hold exactly one tensor, named {ONNX_INPUT!r}')
    outputs = document.get("outputs")
    for item in [document, inputs[0], *(outputs if isinstance(outputs, list) else [])]:
        if isinstance(item, dict):
            _with_parameters(item)
    document.setdefault("outputs", None)
    return inputs[0]


def _with_parameters(item: dict[str, Any]) -> None:
    """Give the item a `parameters` dict ({} when absent), or refuse any other type."""
    parameters = item.setdefault("parameters", {})
    if parameters is None:
        item["parameters"] = {}
    elif not isinstance(parameters, dict):
        raise ApiError(422, f'"parameters" must be an object, not {type(parameters).__name__}')


def _shape(service: Service, shape: Any) -> list[int]:
    features = len(service.manifest.features)
    if not (isinstance(shape, list) and len(shape) == 2 and all(type(s) is int for s in shape)):
        raise ApiError(422, f"shape must be [rows, {features}]")
    if shape[1] != features or shape[0] < 1:
        raise ApiError(422, f"shape {shape} does not match [rows >= 1, {features}]")
    if shape[0] > service.settings.max_batch_rows:
        raise ApiError(413, f"batch has {shape[0]} rows; the limit is {service.settings.max_batch_rows}")
    return shape


def _requested_outputs(service: Service, requested: Any) -> list[str]:
    available = service.predictor.output_names
    if requested is None:
        return available
    items = requested if isinstance(requested, list) else []
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if not names or len(names) != len(items) or any(name not in available for name in names):
        raise ApiError(422, f'"outputs" must name some of {available}; got {requested!r}')
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
