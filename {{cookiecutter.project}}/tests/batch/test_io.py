"""Files in and out of `score`: read in chunks whose memory does not grow with the file, written to a
hidden file renamed into place only when complete, so that no failed or killed run leaves a partial
output or destroys an earlier one; each bad path or file is one line."""

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from {{ cookiecutter.package }}.batch import io
from {{ cookiecutter.package }}.batch.score import Job, run_job
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.shards import WHOLE

MakeInput = Callable[..., Path]
TABLE = pa.table(
    {
        "id": pa.array(range(40), pa.int64()),
        "amount": pa.array([None if i % 7 == 3 else i / 4 for i in range(40)], pa.float64()),
        "region": pa.array([None if i % 5 == 2 else f'region {i % 3}, "quoted"' for i in range(40)]),
    }
)


def run(source: Path, output: Path, model: Path, keep: tuple[str, ...] = ()) -> None:
    run_job(Job(source, output, None, None, list(keep), 16), model, threads=1)


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.rglob(".*"))


def write(path: Path, table: pa.Table, batch_rows: int = 16) -> None:
    with io.AtomicWriter(path, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=batch_rows):
            writer.write(batch)


def read(path: Path, types: dict[str, pa.DataType], rows: int = 16) -> list[io.Chunk]:
    return list(io.read_chunks(path, WHOLE, types, rows))


def test_a_parquet_file_round_trips_in_chunks_of_the_rows_asked_with_its_types(tmp_path: Path) -> None:
    write(tmp_path / "out.parquet", TABLE)
    chunks = read(tmp_path / "out.parquet", dict.fromkeys(TABLE.column_names, pa.string()), rows=16)
    assert [(chunk.file, chunk.start, chunk.table.num_rows, chunk.text) for chunk in chunks] == [
        ("out.parquet", 0, 16, False),
        ("out.parquet", 16, 16, False),
        ("out.parquet", 32, 8, False),
    ]
    # Text comes back as a dictionary (a value repeated in every row is held once), typed as written.
    read_back = pa.Table.from_batches([chunk.table for chunk in chunks])
    assert pa.types.is_dictionary(read_back.schema.field("region").type)
    assert read_back.cast(TABLE.schema).equals(TABLE)


def test_a_csv_file_round_trips_as_text_with_empty_cells_as_null(tmp_path: Path) -> None:
    write(tmp_path / "out.csv", TABLE)
    chunks = read(tmp_path / "out.csv", dict.fromkeys(TABLE.column_names, pa.string()))
    assert all(chunk.text and chunk.file == "out.csv" for chunk in chunks)
    read_back = pa.Table.from_batches([chunk.table for chunk in chunks])
    as_text = TABLE.cast(pa.schema([(name, pa.string()) for name in TABLE.column_names]))
    assert read_back.select(TABLE.column_names).equals(as_text)


def peak_reading(path: Path, rows: int) -> int:
    """The most bytes Arrow held at once while reading `rows` rows of 4 numbers, 1000 at a time."""
    values = np.random.default_rng(0).random((4, rows))
    table = pa.table({f"x{index}": column for index, column in enumerate(values)})
    pq.write_table(table, path, row_group_size=5000)
    before, peak = pa.total_allocated_bytes(), 0
    for chunk in io.read_chunks(path, WHOLE, dict.fromkeys(table.column_names, pa.float64()), 1000):
        assert chunk.table.num_rows <= 1000
        peak = max(peak, pa.total_allocated_bytes() - before)
    return peak


def test_reading_parquet_in_chunks_takes_the_memory_of_a_chunk_not_of_the_file(tmp_path: Path) -> None:
    """Pre-buffered reads kept each row group read, and memory grew with the file (apache/arrow#39820):
    reading 8 times the rows must peak no higher."""
    peaks = [peak_reading(tmp_path / f"{rows}.parquet", rows) for rows in (25_000, 200_000)]
    decoded = 200_000 * 4 * 8
    assert peaks[1] <= peaks[0] * 1.1 < decoded / 4, f"peaks {peaks} while reading {decoded} bytes"


def test_a_csv_file_is_read_block_by_block(tmp_path: Path) -> None:
    """A CSV chunk is one block of `rows` x 64 bytes, 1 MiB at least, whatever the file's size."""
    table = pa.table({"text": [f"{index:08d}" + "x" * 100 for index in range(30_000)]})
    pa_csv.write_csv(table, tmp_path / "in.csv")
    chunks = read(tmp_path / "in.csv", {"text": pa.string()}, rows=1000)
    assert len(chunks) >= 3
    assert all(chunk.table.nbytes <= 1.1 * (1 << 20) for chunk in chunks)
    assert [chunk.start for chunk in chunks[1:]] == list(np.cumsum([c.table.num_rows for c in chunks[:-1]]))
    assert pa.Table.from_batches([chunk.table for chunk in chunks]).equals(table)


def test_the_output_appears_only_once_complete(tmp_path: Path) -> None:
    target = tmp_path / "out" / "scores.parquet"
    with io.AtomicWriter(target, TABLE.schema) as writer:
        writer.write(TABLE.to_batches()[0])
        assert not target.exists()
        assert leftovers(tmp_path) == [writer.temporary.name]
    assert pq.read_table(target).equals(TABLE)
    assert leftovers(tmp_path) == []


def write_then_fail(target: Path) -> None:
    with io.AtomicWriter(target, TABLE.schema) as writer:
        writer.write(TABLE.to_batches()[0])
        raise RuntimeError("the run failed")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_write_that_fails_leaves_nothing_and_keeps_the_earlier_output(tmp_path: Path, suffix: str) -> None:
    earlier = tmp_path / f"earlier{suffix}"
    earlier.write_bytes(b"an earlier run's output")
    for target in (earlier, tmp_path / f"new{suffix}"):
        with pytest.raises(RuntimeError, match="the run failed"):
            write_then_fail(target)
    assert earlier.read_bytes() == b"an earlier run's output"
    assert sorted(path.name for path in tmp_path.iterdir()) == [earlier.name]


@pytest.mark.slow
def test_a_killed_write_leaves_no_output(tmp_path: Path) -> None:
    """SIGKILL runs no cleanup: the hidden file stays, but nothing is at the output's name."""
    target = tmp_path / "scores.parquet"
    code = (
        "import time\nfrom pathlib import Path\nimport pyarrow as pa\n"
        "from {{ cookiecutter.package }}.batch.io import AtomicWriter\n"
        "table = pa.table({'x': [1.0, 2.0]})\n"
        f"writer = AtomicWriter(Path({str(target)!r}), table.schema)\n"
        "writer.write(table.to_batches()[0])\n"
        "print('written', flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "written\n"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        process.kill()
    assert not target.exists()
    assert [path.name.startswith(f".{target.name}.") for path in tmp_path.iterdir()] == [True]


def test_an_input_is_a_file_or_a_directory_of_one_format(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    with pytest.raises(Failure, match=r"no \.csv or \.parquet files in this directory"):
        io.input_files(tmp_path / "in")
    for name in ("b.parquet", "a.parquet", "notes.txt"):
        (tmp_path / "in" / name).touch()
    assert io.input_files(tmp_path / "in") == [tmp_path / "in" / "a.parquet", tmp_path / "in" / "b.parquet"]
    (tmp_path / "in" / "c.csv").touch()
    with pytest.raises(Failure, match=r"holds both \.csv and \.parquet files"):
        io.input_files(tmp_path / "in")
    with pytest.raises(Failure, match="input not found"):
        io.input_files(tmp_path / "missing.csv")
    with pytest.raises(Failure, match="unsupported file type"):
        io.input_files(tmp_path / "in" / "notes.txt")
    with pytest.raises(Failure, match="unsupported output type"):
        io.AtomicWriter(tmp_path / "scores.json", TABLE.schema)


def test_an_output_that_is_a_directory_is_one_line_and_leaves_nothing(
    make_input: MakeInput, artifacts_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "out.parquet").mkdir()
    with pytest.raises(Failure, match="is not a file"):
        run(make_input(), tmp_path / "out.parquet", artifacts_dir)
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc (Linux)")
def test_an_output_that_cannot_be_written_is_one_line(make_input: MakeInput, artifacts_dir: Path) -> None:
    with pytest.raises(Failure, match="cannot write here"):
        run(make_input(), Path("/proc/self/scores.parquet"), artifacts_dir)


def test_an_input_that_is_not_parquet_is_one_line(artifacts_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "input.parquet").write_text("a,b\n1,2\n")
    with pytest.raises(Failure, match="not a readable Parquet file"):
        run(tmp_path / "input.parquet", tmp_path / "scores.parquet", artifacts_dir)


def test_a_csv_line_longer_than_a_block_is_named_as_such(artifacts_dir: Path, tmp_path: Path) -> None:
    """A 10 MB header line was reported as a missing column."""
    (tmp_path / "input.csv").write_text("x" * (10 << 20) + "\n1\n")
    with pytest.raises(Failure, match="a line is longer than"):
        run(tmp_path / "input.csv", tmp_path / "scores.csv", artifacts_dir)


def test_a_chunk_over_the_byte_limit_is_refused_from_the_metadata(
    make_input: MakeInput, artifacts_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16,384 rows of distinct 32 KB strings took 4.5 GB: rows were bounded, bytes were not."""
    table = pq.read_table(make_input(rows=64))
    notes = pa.array([f"{index:05d}" + "x" * 2000 for index in range(64)])
    pq.write_table(table.append_column("note", notes), tmp_path / "wide.parquet", row_group_size=64)
    monkeypatch.setattr(io, "MAX_CHUNK_BYTES", 16 * 2048)
    with pytest.raises(Failure, match="row group 0 holds"):
        run(tmp_path / "wide.parquet", tmp_path / "scores.parquet", artifacts_dir, keep=("note",))
