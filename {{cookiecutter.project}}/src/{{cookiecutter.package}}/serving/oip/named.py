"""One input tensor per feature, named by the feature, as MLServer's pandas codec sends a table: the order
of the inputs is free, so no column can land in another's place.

Each tensor has shape [rows] or [rows, 1]. A numeric feature takes any numeric datatype (and BOOL when
its column held booleans in training); a categorical one BYTES, or numbers (integer codes as INT64, say),
spelled as training spelled them.
"""

from typing import Any

import numpy as np

from ...runtime.columns import Columns, Feed, InputError
from ..http.bodies import Unprocessable
from ..plane import Plane
from .datatypes import INPUT_DATATYPES
from .tensors import check_rows, tensor_values


def read_named(
    plane: Plane, tensors: list[dict[str, Any]], columns: Columns, body: bytes, raw: bytes
) -> Feed:
    """The model's tensors from one tensor per feature (each name once, as feed.py has checked)."""
    values: dict[str, np.ndarray] = {}
    # Binary inputs follow each other in request order, so the tensors are read in that order.
    for tensor in tensors:
        name = tensor["name"]
        rows = _rows(plane, tensor, _datatypes(columns, name))
        values[name], raw = tensor_values(tensor, [rows, 1], body, raw)
    counts = {len(column) for column in values.values()}
    if len(counts) > 1:
        raise Unprocessable(f"the inputs hold different numbers of rows: {sorted(counts)}")
    if raw:
        raise Unprocessable(f"{len(raw)} bytes follow the binary inputs; binary_data_size leaves them unread")
    try:
        numbers = columns.numbers(_stack([values[name] for name in columns.numeric], numeric=True))
        strings = columns.strings(_stack([values[name] for name in columns.categorical], numeric=False))
    except InputError as error:
        problem = error.problem
        raise Unprocessable(f'inputs["{error.name}"][{problem.row}]: {problem.reason}') from None
    return columns.feed(numbers, strings)


def _datatypes(columns: Columns, name: str) -> tuple[str, ...]:
    """The datatypes a feature's tensor may have: BYTES for a category, BOOL where training held booleans."""
    if name in columns.categorical:
        return (*INPUT_DATATYPES, "BYTES")
    return (*INPUT_DATATYPES, "BOOL") if columns.boolean[columns.numeric.index(name)] else INPUT_DATATYPES


def _rows(plane: Plane, tensor: dict[str, Any], allowed: tuple[str, ...]) -> int:
    """The rows of one feature's tensor, after checking its shape and datatype."""
    name, datatype, shape = tensor["name"], tensor.get("datatype"), tensor.get("shape")
    if datatype not in allowed:
        kind = "BYTES or a numeric type" if "BYTES" in allowed else "FP32 or another numeric type"
        kind += " (or BOOL)" if "BOOL" in allowed else ""
        raise Unprocessable(f'inputs["{name}"]: datatype {datatype!r} is not supported; use {kind}')
    if not (
        isinstance(shape, list)
        and len(shape) in (1, 2)
        and all(type(size) is int for size in shape)
        and shape[0] >= 1
        and shape[1:] in ([], [1])
    ):
        raise Unprocessable(f'inputs["{name}"]: shape {shape} must be [rows] or [rows, 1], one feature')
    check_rows(plane, shape[0])
    return int(shape[0])


def _stack(columns: list[np.ndarray], numeric: bool) -> np.ndarray:
    """[rows, 1] arrays side by side: numbers when all hold numbers, else one Python object per cell
    (always for categories, so that each keeps its own type: an int64 code is never made a float)."""
    if not columns:
        return np.empty((0, 0))
    if numeric and all(column.dtype.kind in "fiu" for column in columns):
        return np.hstack(columns)
    stacked = np.empty((len(columns[0]), len(columns)), dtype=object)
    for index, column in enumerate(columns):
        stacked[:, index] = column[:, 0]
    return stacked
