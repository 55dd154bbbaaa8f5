"""Reading and writing tables in chunks with pyarrow, so memory stays bounded whatever the file size.

Outputs are written to a hidden file beside the target and renamed into place only when complete: a
run that fails, or is killed, leaves no partial output behind.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ...errors import CliError
from .shards import WHOLE, Shard

SUFFIXES = (".csv", ".parquet")
# Parquet reads go through a small buffer instead of pre-buffering whole row groups: with
# pre-buffering, iter_batches keeps what it read and memory grows with the file (apache/arrow#39820).
READ_BUFFER = 1 << 20


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of one input file: `start` is the index of the first within that file."""

    file: str
    start: int
    table: pa.RecordBatch


def input_files(path: Path) -> list[Path]:
    """A .csv or .parquet file, or the sorted such files of a directory (one format only)."""
    if path.is_dir():
        files = sorted(child for child in path.iterdir() if child.suffix.lower() in SUFFIXES)
        if not files:
            raise CliError(f"{path}: no .csv or .parquet files in this directory")
        if len({file.suffix.lower() for file in files}) > 1:
            raise CliError(f"{path}: holds both .csv and .parquet files; keep one format per directory")
        return files
    if not path.is_file():
        raise CliError(f"{path}: input not found")
    if path.suffix.lower() not in SUFFIXES:
        raise CliError(f"{path}: unsupported file type; use .csv or .parquet")
    return [path]


def read_chunks(path: Path, shard: Shard, columns: dict[str, pa.DataType], rows: int) -> Iterator[Chunk]:
    """The shard's rows of the input, `rows` at a time, with the given columns read as the given types
    (CSV) or as stored (Parquet, which the caller checks)."""
    files = input_files(path)
    if len(files) > 1:
        for file in (files[index] for index in shard.slice(len(files))):
            yield from _chunks(file, WHOLE, columns, rows)
        return
    if files[0].suffix.lower() == ".csv" and shard.count > 1:
        raise CliError(f"{path}: split a CSV into files to shard it; row ranges need Parquet row groups")
    yield from _chunks(files[0], shard, columns, rows)


def _chunks(file: Path, shard: Shard, columns: dict[str, pa.DataType], rows: int) -> Iterator[Chunk]:
    if file.suffix.lower() == ".csv":
        yield from _csv_chunks(file, columns, rows)
        return
    parquet = _open_parquet(file)
    groups = shard.slice(parquet.num_row_groups)
    start = sum(parquet.metadata.row_group(group).num_rows for group in range(groups.start))
    missing = [name for name in columns if name not in parquet.schema_arrow.names]
    if missing:
        raise CliError(f"{file}: columns not found: {', '.join(missing)}")
    for batch in parquet.iter_batches(batch_size=rows, row_groups=list(groups), columns=list(columns)):
        yield Chunk(file.name, start, batch)
        start += batch.num_rows


def _open_parquet(file: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(file, pre_buffer=False, buffer_size=READ_BUFFER)
    except (OSError, pa.ArrowInvalid) as error:
        raise CliError(f"{file}: not a readable Parquet file: {error}") from None


def _csv_chunks(file: Path, columns: dict[str, pa.DataType], rows: int) -> Iterator[Chunk]:
    # Columns are read as text, so that a value that is not a number fails its own row, not the file.
    convert = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(columns, pa.string()),
        include_columns=list(columns),
        strings_can_be_null=True,
    )
    read = pa_csv.ReadOptions(block_size=max(1 << 20, rows * 64))
    try:
        reader = pa_csv.open_csv(file, read_options=read, convert_options=convert)
        start = 0
        for batch in reader:
            yield Chunk(file.name, start, batch)
            start += batch.num_rows
    except (pa.ArrowInvalid, pa.ArrowKeyError) as error:
        raise CliError(f"{file}: {str(error).splitlines()[0]}") from None


class AtomicWriter:
    """Writes record batches to a hidden file beside `path`; `commit` renames it into place."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        if path.suffix.lower() not in SUFFIXES:
            raise CliError(f"{path}: unsupported output type; use .csv or .parquet")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        self.writer: Any = (
            pq.ParquetWriter(self.temporary, schema)
            if path.suffix.lower() == ".parquet"
            else pa_csv.CSVWriter(self.temporary, schema)
        )
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self.writer.write_batch(batch)
        self.rows += batch.num_rows

    def commit(self) -> None:
        self.writer.close()
        self.temporary.replace(self.path)

    def abort(self) -> None:
        self.writer.close()
        self.temporary.unlink(missing_ok=True)

    def __enter__(self) -> "AtomicWriter":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()
