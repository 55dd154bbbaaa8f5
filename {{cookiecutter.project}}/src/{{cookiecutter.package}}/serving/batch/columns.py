"""Arrow columns as the model's values, by the rules the server applies to requests (serving/features.py).

A category column is read through its distinct values: each is spelled (or refused) once by the same
function a request's value goes through, so a row scores alike over HTTP and in a file, and a column
of long repeated strings stays one dictionary entry, not a copy per row.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import CliError, first_line
from .. import categories
from ..categories import show
from ..features import Columns, Problem

Problems = dict[int, Problem]
# The longest value of a --keep column kept as a dictionary: each output row holds a copy of it.
MAX_KEPT_BYTES = 4096


def numbers(table: pa.RecordBatch, columns: Columns, file: str, text: bool, problems: Problems) -> np.ndarray:
    """[rows, numeric] float64, NaN where missing. A CSV file's text is parsed, and a value that is no
    number is its row's problem; a Parquet column must hold numbers, as a /predict field must."""
    values = np.empty((table.num_rows, len(columns.numeric)), dtype=np.float64)
    for index, name in enumerate(columns.numeric):
        column = table.column(name)
        if text and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            values[:, index] = _parse_numbers(column, index, problems)
        elif (
            pa.types.is_integer(column.type)
            or pa.types.is_floating(column.type)
            or pa.types.is_null(column.type)
        ):
            values[:, index] = column.to_numpy(zero_copy_only=False)
        else:
            raise CliError(
                f"{file}: column {name!r} holds {_kind(column)}; the model takes numbers there, as"
                " /predict does: store the column as numbers (integers or floats, null where missing)"
            )
    return values


def strings(table: pa.RecordBatch, columns: Columns, file: str, problems: Problems) -> np.ndarray:
    """[rows, categorical] of str, "" where missing; a value that is no category (or, when strict, one
    training never saw) is its row's problem."""
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
                raise CliError(
                    f"{file}: column {name!r} holds {column.type}; the model takes categories there:"
                    " store them as text, integers or booleans"
                ) from None
        distinct = column.dictionary.to_pylist()
        texts = [categories.spell(value, columns.dtypes[index]) for value in distinct]
        codes = pc.fill_null(column.indices, len(distinct)).to_numpy(zero_copy_only=False)
        values[:, index] = np.array([*texts, ""], dtype=object)[codes]
        reasons = _reasons(columns, index, distinct, texts)
        refused = np.array([reason is not None for reason in reasons] + [False])[codes]
        for row in np.flatnonzero(refused):
            problems.setdefault(int(row), Problem(int(row), offset + index, str(reasons[codes[row]])))
    return values


def _reasons(
    columns: Columns, index: int, distinct: list[object], texts: list[str | None]
) -> list[str | None]:
    """Why each distinct value of a category column is refused, or None when it is not."""
    feature, known = columns.category_features[index], columns.known[index]
    reasons: list[str | None] = []
    for value, text in zip(distinct, texts, strict=True):
        if text is None:
            reasons.append(categories.problem(value, feature.dtype))
        elif columns.strict and text and text not in known:
            reasons.append(categories.unseen_problem(value, feature))
        else:
            reasons.append(None)
    return reasons


def _kind(column: pa.Array) -> str:
    """A column's type in words, with its first value: "text (first '12')"."""
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    words = "text" if pa.types.is_string(kind) or pa.types.is_large_string(kind) else str(column.type)
    present = pc.drop_null(column)
    return f"{words} (first {show(present[0].as_py())})" if len(present) else words


def kept(column: pa.Array, name: str, file: str, kind: pa.DataType) -> pa.Array:
    """A --keep column (its scored rows) as `kind`: refused when a dictionary value would be copied into
    every row (1 MB x 16,384), or when a CSV feature column, read as text, holds a value of another type."""
    if pa.types.is_dictionary(column.type) and len(column.dictionary):
        longest = pc.max(pc.binary_length(column.dictionary)).as_py() or 0
        if longest > MAX_KEPT_BYTES:
            raise CliError(
                f"{file}: --keep column {name!r} holds a value of {longest} bytes; at most {MAX_KEPT_BYTES}"
            )
    if column.type == kind or pa.types.is_dictionary(column.type):
        return column
    try:
        return pc.cast(column, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise CliError(
            f"{file}: --keep column {name!r} is {kind} in the first rows, but {first_line(error)};"
            " score a Parquet file, whose columns carry their types"
        ) from None


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
            problems.setdefault(row, Problem(row, index, f"expected a number or null, got {show(text)}"))
    return values
