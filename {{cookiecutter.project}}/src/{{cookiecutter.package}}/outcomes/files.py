"""Outcome rows streamed from a CSV or Parquet file: the id and the one outcome column, a batch at a time.

Memory holds one batch whatever the file's size: CSV through the csv module, Parquet through pyarrow's
batch reader (the `batch` extra; the training environment has it too).
"""

import csv
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import Failure, first_line, require_regular_file
from .metrics import KINDS

ID = "prediction_id"
# (line or row number, the outcome as /v1/outcomes takes it); None: the row's outcome cell is empty.
Row = tuple[int, dict[str, Any] | None]


def outcome_column(path: Path, columns: list[str]) -> str:
    """The one column of label, value or business beside prediction_id; other columns are left alone."""
    kinds = [name for name in columns if name in KINDS]
    if ID not in columns or len(kinds) != 1:
        found = ", ".join(columns[:8]) or "none"
        raise Failure(f"{path}: needs the columns {ID} and one of {', '.join(KINDS)}; found {found}")
    return kinds[0]


def read_rows(path: Path, batch: int) -> Iterator[list[Row]]:
    """The file's outcomes in lists of at most `batch`."""
    require_regular_file(path)
    if not path.is_file():
        raise Failure(f"{path}: input not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            yield from _batches(_csv_rows(path), batch)
        except (csv.Error, UnicodeDecodeError) as error:
            raise Failure(f"{path}: not a readable CSV file ({first_line(error)})") from None
    elif suffix == ".parquet":
        yield from _parquet_batches(path, batch)
    else:
        raise Failure(f"{path}: unsupported file type; use .csv or .parquet")


def _csv_rows(path: Path) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file)
        header = next(reader, [])
        kind = outcome_column(path, header)
        id_at, kind_at = header.index(ID), header.index(kind)
        for row in reader:
            if len(row) != len(header):
                raise Failure(
                    f"{path}: line {reader.line_num} has {len(row)} fields, the header {len(header)}"
                )
            text = row[kind_at]
            outcome = text if kind == "label" else _number(text)
            yield reader.line_num, ({ID: row[id_at], kind: outcome} if text != "" else None)


def _number(text: str) -> float | str:
    """A CSV cell as a number; text that is none goes as written, and the server refuses it."""
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _parquet_batches(path: Path, batch: int) -> Iterator[list[Row]]:
    try:
        import pyarrow.parquet as pq
    except ModuleNotFoundError:
        raise Failure(f"{path}: reading Parquet needs pyarrow; install the `batch` extra") from None
    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow's errors share no base class of its own
        raise Failure(f"{path}: not a Parquet file ({error})") from None
    kind = outcome_column(path, parquet.schema_arrow.names)
    number = 1
    for table in parquet.iter_batches(batch_size=batch, columns=[ID, kind]):
        ids, outcomes = table.column(0).to_pylist(), table.column(1).to_pylist()
        rows: list[Row] = []
        for index, (pid, outcome) in enumerate(zip(ids, outcomes, strict=True)):
            value = _plain(outcome)
            rows.append((number + index, None if value is None else {ID: _plain(pid), kind: value}))
        number += len(rows)
        yield rows


def _plain(value: object) -> Any:
    """A Parquet value as JSON holds it: null and NaN are missing; a decimal is a number; a type JSON has
    no place for (a date, bytes) goes as text, which the server refuses."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if (
        value is None
        or isinstance(value, str | int | bool)
        or (isinstance(value, float) and math.isfinite(value))
    ):
        return value
    return str(value)


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
