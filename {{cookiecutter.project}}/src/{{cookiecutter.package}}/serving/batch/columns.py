"""Arrow columns as the model's values, by the rules the server applies to requests (serving/features.py).

A category column is read through its distinct values: each is spelled (or refused) once by the same
function a request's value goes through, so a row scores alike over HTTP and in a file, and a column
of long repeated strings stays one dictionary entry, not a copy per row.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import CliError
from ..features import Columns, Problem, category_problem, category_text

Problems = dict[int, Problem]
# The longest value of a --keep column kept as a dictionary: each output row holds a copy of it.
MAX_KEPT_BYTES = 4096


def numbers(table: pa.RecordBatch, columns: Columns, file: str, problems: Problems) -> np.ndarray:
    """[rows, numeric] float64, NaN where missing; a text value that is no number is its row's problem."""
    values = np.empty((table.num_rows, len(columns.numeric)), dtype=np.float64)
    for index, name in enumerate(columns.numeric):
        column = table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            values[:, index] = _parse_numbers(column, index, problems)
        elif (
            pa.types.is_integer(column.type)
            or pa.types.is_floating(column.type)
            or pa.types.is_null(column.type)
        ):
            values[:, index] = column.to_numpy(zero_copy_only=False)
        else:
            raise CliError(f"{file}: column {name!r} holds {column.type}; expected numbers")
    return values


def strings(table: pa.RecordBatch, columns: Columns, file: str, problems: Problems) -> np.ndarray:
    """[rows, categorical] of str, "" where missing; a value that is no category is its row's problem."""
    values = np.empty((table.num_rows, len(columns.categorical)), dtype=object)
    offset = len(columns.numeric)  # a problem's column counts through Columns.names
    for index, name in enumerate(columns.categorical):
        column = table.column(name)
        if pa.types.is_null(column.type):
            values[:, index] = ""
            continue
        if not pa.types.is_dictionary(column.type):
            try:
                column = pc.dictionary_encode(column)
            except pa.ArrowNotImplementedError:
                raise CliError(f"{file}: column {name!r} holds {column.type}; expected categories") from None
        distinct = column.dictionary.to_pylist()
        texts = [category_text(value) for value in distinct]
        codes = pc.fill_null(column.indices, len(distinct)).to_numpy(zero_copy_only=False)
        values[:, index] = np.array([*texts, ""], dtype=object)[codes]
        refused = np.array([text is None for text in texts] + [False])[codes]
        for row in np.flatnonzero(refused):
            reason = category_problem(distinct[codes[row]])
            problems.setdefault(int(row), Problem(int(row), offset + index, reason))
    return values


def kept(table: pa.RecordBatch, name: str, file: str) -> pa.Array:
    """A --keep column, refused when a dictionary value would be copied into every row (1 MB x 16,384)."""
    column = table.column(name)
    if pa.types.is_dictionary(column.type) and len(column.dictionary):
        longest = pc.max(pc.binary_length(column.dictionary)).as_py() or 0
        if longest > MAX_KEPT_BYTES:
            raise CliError(
                f"{file}: --keep column {name!r} holds a value of {longest} bytes; at most {MAX_KEPT_BYTES}"
            )
    return column


def _parse_numbers(column: pa.Array, index: int, problems: Problems) -> np.ndarray:
    """Text to float64 (null as NaN); a value that is not a number becomes a problem of its row."""
    try:
        return np.asarray(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    except pa.ArrowInvalid:
        pass
    values = np.full(len(column), np.nan)
    for row, text in enumerate(column.to_pylist()):
        if text is None:
            continue
        try:
            values[row] = float(text)
        except ValueError:
            problems.setdefault(row, Problem(row, index, f"expected a number or null, got {text!r}"))
    return values
