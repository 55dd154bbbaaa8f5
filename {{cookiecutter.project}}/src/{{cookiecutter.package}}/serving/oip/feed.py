"""A v2 inference request's inputs as the model's checked tensors, in either of the two forms it takes.

The model's own tensors: `input` [rows, numeric] and `categorical` [rows, categorical] of BYTES, each
with its columns in the manifest's order (GET /v2/models/{name} lists them as parameters.columns). Or
one tensor per feature, named by the feature, as MLServer's pandas codec sends a table (named.py).
Columns sent in another order are refused, not answered: when a tensor names its columns, and when
the categorical tensor's values belong to each other's columns.
"""

import json
from typing import Any

import numpy as np

from ...manifest import CATEGORICAL_INPUT, ONNX_INPUT
from ...runtime.columns import Columns, Feed, InputError
from ..http.bodies import Unprocessable
from ..plane import Plane
from . import named
from .datatypes import INPUT_DATATYPES
from .tensors import check_rows, tensor_values

# Feature names an error lists before "and N more".
SHOWN_NAMES = 10


def read_feed(plane: Plane, document: Any, body: bytes, raw: bytes) -> Feed:
    """The model's input tensors from a v2 inference request (`raw`: the binary extension's bytes)."""
    columns = plane.columns
    assert columns is not None, "requests are read only for a loaded model"
    tensors = _input_tensors(document, columns)
    if {tensor["name"] for tensor in tensors} != set(columns.inputs):
        return named.read_named(plane, tensors, columns, body, raw)
    rows: set[int] = set()
    numbers = strings = None
    for tensor in tensors:
        shape = _shape(plane, tensor, columns)
        rows.add(shape[0])
        values, raw = tensor_values(tensor, shape, body, raw)
        try:
            if tensor["name"] == ONNX_INPUT:
                numbers = columns.numbers(values)
            else:
                strings = columns.spell(values)
                _check_order(plane, columns, strings)
                columns.check_known(values, strings)
        except InputError as error:
            place = f"[{error.problem.row}, {error.problem.column}] ({error.name})"
            raise Unprocessable(f'inputs["{tensor["name"]}"]{place}: {error.problem.reason}') from None
    if len(rows) > 1:
        raise Unprocessable(f"the inputs hold different numbers of rows: {sorted(rows)}")
    if raw:
        raise Unprocessable(f"{len(raw)} bytes follow the binary inputs; binary_data_size leaves them unread")
    return columns.feed(numbers, strings)


def _input_tensors(document: Any, columns: Columns) -> list[dict[str, Any]]:
    """The input tensors, after checking the request's structure; every `parameters` is a dict."""
    if not isinstance(document, dict) or not isinstance(document.get("inputs"), list):
        raise Unprocessable('body must be a JSON object with an "inputs" list')
    if not isinstance(document.get("id", ""), str):
        raise Unprocessable('"id" must be a string')
    inputs = document["inputs"]
    names = sorted(str(item.get("name")) if isinstance(item, dict) else "" for item in inputs)
    if names != sorted(columns.inputs) and names != sorted(columns.names):
        raise Unprocessable(f'"inputs" must hold {_forms(columns)}')
    outputs = document.get("outputs")
    for item in [document, *inputs, *(outputs if isinstance(outputs, list) else [])]:
        _with_parameters(item)
    document.setdefault("outputs", None)
    return list(inputs)


def _forms(columns: Columns) -> str:
    expected = columns.inputs
    tensors = (
        f"exactly one tensor, named {expected[0]!r}"
        if len(expected) == 1
        else f"the tensors {' and '.join(map(repr, expected))}, once each"
    )
    shown = ", ".join(repr(name) for name in columns.names[:SHOWN_NAMES])
    more = len(columns.names) - SHOWN_NAMES
    return (
        f"{tensors}, or one tensor per feature, named by it: {shown}{f' and {more} more' if more > 0 else ''}"
    )


def _with_parameters(item: Any) -> None:
    """Give a dict item a `parameters` dict ({} when absent), or refuse any other type."""
    if not isinstance(item, dict):
        return
    parameters = item.setdefault("parameters", {})
    if parameters is None:
        item["parameters"] = {}
    elif not isinstance(parameters, dict):
        raise Unprocessable(f'"parameters" must be an object, not {type(parameters).__name__}')


def _shape(plane: Plane, tensor: dict[str, Any], columns: Columns) -> list[int]:
    numeric = tensor["name"] == ONNX_INPUT
    names = columns.numeric if numeric else columns.categorical
    datatype = tensor.get("datatype")
    if numeric and datatype not in INPUT_DATATYPES:
        raise Unprocessable(f"datatype {datatype!r} is not supported for {ONNX_INPUT!r}; use FP32")
    if not numeric and datatype != "BYTES":
        raise Unprocessable(f"datatype {datatype!r} is not supported for {CATEGORICAL_INPUT!r}; use BYTES")
    _check_columns(tensor, names)
    shape = tensor.get("shape")
    if not (isinstance(shape, list) and len(shape) == 2 and all(type(s) is int for s in shape)):
        raise Unprocessable(f"shape must be [rows, {len(names)}]")
    if shape[1] != len(names) or shape[0] < 1:
        raise Unprocessable(f"shape {shape} does not match [rows >= 1, {len(names)}]")
    check_rows(plane, shape[0])
    return shape


def _check_columns(tensor: dict[str, Any], names: list[str]) -> None:
    """A tensor that names its columns (parameters.columns) must name the model's, in its order."""
    given = tensor["parameters"].get("columns")
    if given is not None and given != names:
        shown = json.dumps(given) if isinstance(given, list) and len(str(given)) <= 200 else "other columns"
        raise Unprocessable(
            f'inputs["{tensor["name"]}"].parameters.columns is {shown}; this model reads {json.dumps(names)}'
            " in that order: send the columns so, or one tensor per feature, named by it",
        )


def _check_order(plane: Plane, columns: Columns, strings: np.ndarray) -> None:
    """Refuse categories sent in another column order: two columns or more each holding only categories
    that training saw in one other column, none of its own. (Codes two columns share cannot be told
    apart; a client that names its columns, or sends one tensor per feature, is safe from that too.)"""
    if len(columns.categorical) < 2 or not columns.has_unseen(strings):
        return
    unseen, present = columns.unseen(strings), strings != ""
    moved = []
    for column in np.flatnonzero(present.any(axis=0) & (unseen | ~present).all(axis=0)):
        values = set(strings[present[:, column], column])
        owner = next((k for k, known in enumerate(columns.known) if k != column and values <= known), None)
        if owner is not None:
            name, other = columns.categorical[column], columns.categorical[owner]
            moved.append(f"column {column} ({name}) holds only categories of {other}")
    if len(moved) >= 2:
        raise Unprocessable(
            f'inputs["{CATEGORICAL_INPUT}"]: {"; ".join(moved[:3])}. Its columns go in the order'
            f" {', '.join(columns.categorical)} (GET /v2/models/{plane.manifest.name} lists them);"
            " or send one tensor per feature, named by it",
        )
