"""Reading and writing tables in chunks with pyarrow, so memory stays bounded whatever the file size.

Outputs are written to a hidden file beside the target and renamed into place only when complete: a
run that fails leaves nothing behind, and one that is killed no partial output (a SIGKILL, which runs
no cleanup, leaves the hidden file).
"""

import csv
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..errors import Failure, first_line
from ..shards import WHOLE, Shard

SUFFIXES = (".csv", ".parquet")
# Parquet reads go through a small buffer instead of pre-buffering whole row groups: with
# pre-buffering, iter_batches keeps what it read and memory grows with the file (apache/arrow#39820).
READ_BUFFER = 1 << 20
# What one chunk's columns may take once decoded, as the Parquet metadata tells before any read: rows
# are counted, but 16,384 rows of 32 KB strings took 4.5 GB (the CronJob's limit is 1 Gi).
MAX_CHUNK_BYTES = 256 << 20


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of one input file: `start` is the index of the first within that file. `text`:
    the file is CSV, whose values are text to parse, where Parquet's are typed."""

    file: str
    start: int
    table: pa.RecordBatch
    text: bool = False


def input_files(path: Path) -> list[Path]:
    """A .csv or .parquet file, or the sorted such files of a directory (one format only)."""
    if path.is_dir():
        files = sorted(child for child in path.iterdir() if child.suffix.lower() in SUFFIXES)
        if not files:
            raise Failure(f"{path}: no .csv or .parquet files in this directory")
        if len({file.suffix.lower() for file in files}) > 1:
            raise Failure(f"{path}: holds both .csv and .parquet files; keep one format per directory")
        return files
    if not path.is_file():
        raise Failure(f"{path}: input not found")
    if path.suffix.lower() not in SUFFIXES:
        raise Failure(f"{path}: unsupported file type; use .csv or .parquet")
    return [path]


def read_chunks(path: Path, shard: Shard, columns: dict[str, pa.DataType], rows: int) -> Iterator[Chunk]:
    """The shard's rows of the input in chunks, with the given columns read as the given types (CSV:
    text, which the caller parses) or as stored (Parquet, which the caller checks). A Parquet chunk
    holds at most `rows` rows; a CSV chunk is one block of whole lines, `rows` x 64 bytes (1 MiB at
    least)."""
    files = input_files(path)
    if len(files) > 1:
        for file in (files[index] for index in shard.slice(len(files))):
            yield from _chunks(file, WHOLE, columns, rows)
        return
    if files[0].suffix.lower() == ".csv" and shard.count > 1:
        raise Failure(f"{path}: split a CSV into files to shard it; row ranges need Parquet row groups")
    yield from _chunks(files[0], shard, columns, rows)


def _chunks(file: Path, shard: Shard, columns: dict[str, pa.DataType], rows: int) -> Iterator[Chunk]:
    if file.suffix.lower() == ".csv":
        yield from _csv_chunks(file, columns, rows)
        return
    parquet = open_parquet(file, list(columns))
    groups = shard.slice(parquet.num_row_groups)
    start = sum(parquet.metadata.row_group(group).num_rows for group in range(groups.start))
    missing = [name for name in columns if name not in parquet.schema_arrow.names]
    if missing:
        raise Failure(f"{file}: columns not found: {', '.join(missing)}")
    _check_chunk_bytes(file, parquet, groups, list(columns), rows)
    for batch in parquet.iter_batches(batch_size=rows, row_groups=list(groups), columns=list(columns)):
        yield Chunk(file.name, start, batch)
        start += batch.num_rows


def open_parquet(file: Path, columns: list[str] | None = None) -> pq.ParquetFile:
    """The file, its text `columns` read as dictionaries: a string repeated in every row stays one."""
    try:
        schema = pq.read_schema(file)
        text = [name for name in columns or [] if name in schema.names and _is_text(schema.field(name).type)]
        return pq.ParquetFile(file, pre_buffer=False, buffer_size=READ_BUFFER, read_dictionary=text)
    except (OSError, pa.ArrowException) as error:
        raise Failure(f"{file}: not a readable Parquet file: {first_line(error)}") from None


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind))


def _check_chunk_bytes(
    file: Path, parquet: pq.ParquetFile, groups: range, columns: list[str], rows: int
) -> None:
    """Refuse a row group whose columns would take more than MAX_CHUNK_BYTES per chunk once decoded."""
    metadata = parquet.metadata
    positions = [parquet.schema_arrow.get_field_index(name) for name in columns]
    for group in groups:
        row_group = metadata.row_group(group)
        per_row = sum(row_group.column(i).total_uncompressed_size for i in positions) / max(
            row_group.num_rows, 1
        )
        if per_row * min(rows, row_group.num_rows) > MAX_CHUNK_BYTES:
            limit = MAX_CHUNK_BYTES >> 20
            raise Failure(
                f"{file}: row group {group} holds {per_row:,.0f} bytes a row in the columns read; a chunk"
                f" of {rows} rows may take {limit} MiB (lower APP_SCORE_BATCH_ROWS, or shorten the values)"
            )


def csv_head(file: Path, names: list[str], rows: int) -> pa.RecordBatch:
    """The CSV columns `names` of the file's first block, as text (what `--keep` infers its types from)."""
    with file.open(newline="", encoding="utf-8", errors="replace") as stream:
        header = next(csv.reader(stream), [])
    for name in names:
        if name not in header:
            raise Failure(f"{file}: --keep column {name!r} not found; the columns are {header}")
    text = dict.fromkeys(names, pa.string())
    with _reading_csv(file, rows) as read:
        reader = pa_csv.open_csv(file, read_options=read, convert_options=_convert(names, text))
        try:
            return reader.read_next_batch()
        except StopIteration:
            return pa.RecordBatch.from_pydict({name: pa.array([], pa.string()) for name in names})


def _csv_chunks(file: Path, columns: dict[str, pa.DataType], rows: int) -> Iterator[Chunk]:
    with _reading_csv(file, rows) as read:
        reader = pa_csv.open_csv(file, read_options=read, convert_options=_convert(list(columns), columns))
        start = 0
        for batch in reader:
            yield Chunk(file.name, start, batch, text=True)
            start += batch.num_rows


def _convert(names: list[str], types: dict[str, pa.DataType]) -> pa_csv.ConvertOptions:
    """Every column read as text, an empty cell as null: the caller reads other spellings of a missing
    value (pandas' "NA", "None"...) by the column's training type, as serving does."""
    return pa_csv.ConvertOptions(
        column_types=types, include_columns=names, strings_can_be_null=True, null_values=[""]
    )


@contextmanager
def _reading_csv(file: Path, rows: int) -> Iterator[pa_csv.ReadOptions]:
    """pyarrow's read options, and its errors as one line that names the file and the fix."""
    read = pa_csv.ReadOptions(block_size=max(1 << 20, rows * 64))
    try:
        yield read
    except (pa.ArrowInvalid, pa.ArrowKeyError) as error:
        # pyarrow's words for a line longer than its block: the header's, or a row's.
        if "straddling" in str(error) or ("Empty CSV" in str(error) and file.stat().st_size > 0):
            raise Failure(
                f"{file}: a line is longer than {read.block_size} bytes; is it a CSV file?"
            ) from None
        raise Failure(f"{file}: {first_line(error)}") from None


class AtomicWriter:
    """Writes record batches to a hidden file beside `path`; `commit` renames it into place."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        if path.suffix.lower() not in SUFFIXES:
            raise Failure(f"{path}: unsupported output type; use .csv or .parquet")
        if path.exists() and not path.is_file():
            raise Failure(f"{path}: exists and is not a file; name a file to write")
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # A name of its own for each writer, so two writers never share one.
            descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(descriptor)
        except OSError as error:
            raise Failure(f"{path}: cannot write here: {error.strerror or error}") from None
        self.temporary = Path(name)
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
        try:
            self.temporary.replace(self.path)
        except OSError as error:
            self.temporary.unlink(missing_ok=True)
            raise Failure(f"{self.path}: cannot write here: {error.strerror or error}") from None

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
