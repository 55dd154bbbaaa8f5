"""Arrow columns as the model's values, by the rules the server applies to requests (runtime/columns.py).

A category column is read through its distinct values: each is spelled (or refused) once by the same
function a request's value goes through (runtime/categories.py), so a row scores alike over HTTP and in
a file, and a column of long repeated strings stays one dictionary entry, not a copy per row.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import Failure, first_line
from ..runtime import categories
from ..runtime.categories import show
from ..runtime.columns import Columns, Problem

Problems = dict[int, Problem]
# A number Arrow's cast reads exactly as pandas does: ASCII digits, unpadded (categories.number reads
# the rest: padding, infinities, pandas' spellings of a missing value).
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
# The longest value of a --keep column kept as a dictionary: each output row holds a copy of it.
MAX_KEPT_BYTES = 4096


def numbers(table: pa.RecordBatch, columns: Columns, file: str, text: bool, problems: Problems) -> np.ndarray:
    """[rows, numeric] float64, NaN where missing. A CSV file's text is parsed, and a value that is no
    number is its row's problem; a Parquet column must hold numbers, as a /predict field must."""
    values = np.empty((table.num_rows, len(columns.numeric)), dtype=np.float64)
    for index, name in enumerate(columns.numeric):
        column, boolean = table.column(name), columns.boolean[index]
        if text and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            values[:, index] = _parse_numbers(column, index, boolean, problems)
        elif boolean and pa.types.is_boolean(column.type):
            values[:, index] = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        elif (
            pa.types.is_integer(column.type)
            or pa.types.is_floating(column.type)
            or pa.types.is_null(column.type)
        ):
            values[:, index] = column.to_numpy(zero_copy_only=False)
        else:
            raise Failure(
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
                raise Failure(
                    f"{file}: column {name!r} holds {column.type}; the model takes categories there:"
                    " store them as text, integers or booleans"
                ) from None
        distinct = _distinct(column.dictionary)
        texts = [categories.spell(value, columns.dtypes[index]) for value in distinct]
        codes = pc.fill_null(column.indices, len(distinct)).to_numpy(zero_copy_only=False)
        values[:, index] = np.array([*texts, ""], dtype=object)[codes]
        reasons = _reasons(columns, index, distinct, texts)
        refused = np.array([reason is not None for reason in reasons] + [False])[codes]
        for row in np.flatnonzero(refused):
            problems.setdefault(int(row), Problem(int(row), offset + index, str(reasons[codes[row]])))
    return values


def _distinct(dictionary: pa.Array) -> list[object]:
    """A dictionary's values as Python values, a float32 or float16 one as numpy's own, which category
    spelling reads by its own digits (0.1, not 0.10000000149011612), as training and OIP do."""
    if pa.types.is_floating(dictionary.type) and dictionary.type.bit_width < 64:
        return list(dictionary.to_numpy(zero_copy_only=False))
    return list(dictionary.to_pylist())


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
            raise Failure(
                f"{file}: --keep column {name!r} holds a value of {longest} bytes; at most {MAX_KEPT_BYTES}"
            )
    if column.type == kind or (pa.types.is_dictionary(column.type) and column.type.value_type == kind):
        return column
    if pa.types.is_string(column.type) and kind != pa.string() and kept_type(column) != kind:
        stray = next(
            value for value in pc.unique(column).to_pylist() if value and not _round_trips(value, kind)
        )
        raise Failure(
            f"{file}: --keep column {name!r} holds {kind} in the first rows, but {show(stray)} later;"
            " score a Parquet file, whose columns carry their types"
        )
    try:
        return pc.cast(column, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise Failure(
            f"{file}: --keep column {name!r} is {kind} in the first file, but {first_line(error)};"
            " give every file the same type for it"
        ) from None


def kept_type(column: pa.Array) -> pa.DataType:
    """A CSV --keep column's type: int64 or float64 when every value is written as that number prints
    (an id "007", "0x1F" or of 22 digits would not survive as a number), else text."""
    values = [value for value in pc.unique(column).to_pylist() if value is not None]
    for kind in (pa.int64(), pa.float64()):
        if values and all(_round_trips(value, kind) for value in values):
            return kind
    return pa.string()


def _round_trips(text: str, kind: pa.DataType) -> bool:
    """Whether `text` is a number of `kind` written as Python writes that number ("0x1F", "007" are not)."""
    try:
        if kind == pa.int64():
            return str(int(text)) == text and -(2**63) <= int(text) < 2**63
        # A whole float may be written without ".0", as pyarrow and pandas write 12.0.
        return kind == pa.float64() and text in (repr(float(text)), repr(float(text)).removesuffix(".0"))
    except ValueError:
        return False


def _parse_numbers(column: pa.Array, index: int, boolean: bool, problems: Problems) -> np.ndarray:
    """Text to float64 (null as NaN) by categories.number, pandas' rules; a value that is not a number
    becomes a problem of its row. Plain ASCII numbers take Arrow's vectorised cast."""
    if pc.all(pc.match_substring_regex(column, _PLAIN_NUMBER)).as_py() is not False:
        cast = pc.cast(column, pa.float64())
        return np.asarray(cast.to_numpy(zero_copy_only=False), dtype=np.float64)
    encoded = pc.dictionary_encode(column)
    parsed = [categories.number(text, boolean) for text in encoded.dictionary.to_pylist()]
    codes = pc.fill_null(encoded.indices, len(parsed)).to_numpy(zero_copy_only=False)
    values: np.ndarray = np.array([np.nan if value is None else value for value in parsed] + [np.nan])[codes]
    expected = "true, false, a number or null" if boolean else "a number or null"
    for row in np.flatnonzero(np.array([value is None for value in parsed] + [False])[codes]):
        text = encoded.dictionary[codes[row]].as_py()
        problems.setdefault(int(row), Problem(int(row), index, f"expected {expected}, got {show(text)}"))
    return values
