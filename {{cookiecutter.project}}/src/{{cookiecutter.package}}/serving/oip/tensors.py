"""The OIP tensor codec: one input tensor's values from JSON or raw bytes, and the outputs to either."""

from typing import Any

import numpy as np

from ...runtime.columns import as_values
from ...runtime.predictor import Outputs
from ..http.bodies import Unprocessable
from ..http.responses import ApiError, Reply, json_reply
from ..ids import id_header
from ..plane import Plane
from . import binary
from .datatypes import datatype_of, fits


def check_rows(plane: Plane, rows: int) -> None:
    if rows > plane.settings.max_batch_rows:
        raise ApiError(413, f"batch has {rows} rows; the limit is {plane.settings.max_batch_rows}")


def tensor_values(
    tensor: dict[str, Any], shape: list[int], body: bytes, raw: bytes
) -> tuple[np.ndarray, bytes]:
    """The tensor's values as [rows, columns], and the binary bytes left for the inputs after it."""
    count = shape[0] * shape[1]
    if "binary_data_size" in tensor["parameters"]:
        if "data" in tensor:
            raise Unprocessable('an input carries both "data" and binary_data_size; send its values once')
        values, raw = binary.read_binary_input(tensor, raw)
    else:
        data = tensor.get("data")
        values = _json_values(data if isinstance(data, list) else [], shape, body)
    if values.size != count:
        raise Unprocessable(f"data holds {values.size} values but shape {shape} needs {count}")
    datatype = tensor["datatype"]
    if datatype not in ("FP32", "BYTES") and not fits(values, datatype):
        raise Unprocessable(f"the data values do not fit {datatype}")
    return values.reshape(shape), raw


def _json_values(data: list[Any], shape: list[int], body: bytes) -> np.ndarray:
    """JSON data, flat or one list per row, as a flat array: plain numbers fast, anything else as objects.
    Nested data must hold shape[0] rows of shape[1] values: a ragged row would shift every value after it."""
    if data and all(isinstance(v, list) for v in data):
        lengths = {len(row) for row in data}
        if len(data) != shape[0] or lengths != {shape[1]}:
            found = ", ".join(str(length) for length in sorted(lengths)[:5])
            raise Unprocessable(
                f"data holds {len(data)} rows of {found} values; shape {shape} needs rows of {shape[1]}"
            )
        data = [value for row in data for value in row]
    return as_values(data, exact=b"true" in body or b"false" in body)


def requested_outputs(plane: Plane, requested: Any) -> list[str]:
    available = plane.predictor.output_names
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
        raise Unprocessable(f'"outputs" must name some of {available}, each at most once')
    return [str(name) for name in names]


def write_outputs(plane: Plane, outputs: Outputs, names: list[str], document: Any, ids: list[str]) -> Reply:
    """The response body, with raw tensor bytes after the JSON for outputs asked for in binary, and the
    rows' prediction ids in its `parameters` (the spec keeps `id` for the request's)."""
    manifest = plane.manifest
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
    response: dict[str, Any] = {"model_name": manifest.name, "model_version": manifest.version}
    if document.get("id") is not None:
        response["id"] = document["id"]
    response["parameters"] = {"prediction_ids": ids}
    response["outputs"] = tensors
    headers = id_header(ids)
    return binary.join(response, parts, headers) if parts else json_reply(response, headers)
