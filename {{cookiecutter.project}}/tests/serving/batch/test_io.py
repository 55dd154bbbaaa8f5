"""Files in and out of `score`: no run destroys data, each bad path or file is one line, nothing is
left behind, and memory is bounded by bytes, not only by rows."""

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from {{ cookiecutter.package }}.batch import io
from {{ cookiecutter.package }}.batch.score import Job, run_job
from {{ cookiecutter.package }}.batch.shards import Shard
from {{ cookiecutter.package }}.errors import Failure

MakeInput = Callable[..., Path]


def run(
    source: Path,
    output: Path,
    model: Path,
    errors: Path | None = None,
    shard: Shard | None = None,
    keep: tuple[str, ...] = (),
) -> None:
    run_job(Job(source, output, errors, shard, list(keep), 16), model, threads=1)


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.rglob(".*"))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_output_or_errors_file_that_is_the_input_is_refused_and_the_input_kept(
    make_input: MakeInput, artifacts_dir: Path, suffix: str
) -> None:
    """`--output` (or `--errors`) equal to `--input` replaced the input, with exit 0."""
    source = make_input(f"input{suffix}")
    before = source.read_bytes()
    with pytest.raises(Failure, match="overlap"):
        run(source, source, artifacts_dir)
    with pytest.raises(Failure, match="overlap"):
        run(source, source.with_name(f"scores{suffix}"), artifacts_dir, errors=source)
    assert source.read_bytes() == before


def test_paths_that_overlap_are_refused(make_input: MakeInput, artifacts_dir: Path, tmp_path: Path) -> None:
    source = make_input()
    (tmp_path / "in").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "in")
    make_input("in/a.parquet")
    cases = [
        (source, tmp_path / "same.parquet", tmp_path / "same.parquet", None),  # errors = output
        (tmp_path / "in", tmp_path / "in" / "scores.parquet", None, None),  # output inside the input
        (tmp_path / "in", tmp_path / "alias" / "scores.parquet", None, None),  # the same, through a link
        (source, tmp_path, None, Shard(0, 2)),  # parts around the input
    ]
    for input_path, output, errors, shard in cases:
        with pytest.raises(Failure, match="overlap"):
            run(input_path, output, artifacts_dir, errors, shard)
    assert leftovers(tmp_path) == []


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


def test_a_long_dictionary_value_is_never_copied_into_every_row(
    make_input: MakeInput, artifacts_dir: Path, tmp_path: Path
) -> None:
    """One 1 MB string in a dictionary, in each of 16,384 rows, ran out of memory at 3.6 GB."""
    table = pq.read_table(make_input(rows=1000))
    long = pa.DictionaryArray.from_arrays(pa.array([0] * 1000, pa.int32()), pa.array(["y" * (1 << 20)]))
    pq.write_table(table.append_column("note", long), tmp_path / "long.parquet")
    with pytest.raises(Failure, match="holds a value of 1048576 bytes"):
        run(tmp_path / "long.parquet", tmp_path / "scores.parquet", artifacts_dir, keep=("note",))
