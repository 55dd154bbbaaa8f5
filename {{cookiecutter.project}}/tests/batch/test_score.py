"""`score`: the model's answers for every row, whole or in shards, and nothing half-written on failure."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from {{ cookiecutter.package }}.batch.score import Job, run_job
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.shards import Shard

from ..rows import as_feed, onnx_outputs

MakeInput = Callable[..., Path]


def score(source: Path, output: Path, model: Path, **options: Any) -> pa.Table:
    job = replace(Job(source, output, None, None, ["id"], 16), **options)
    summary = run_job(job, model, threads=1)
    return read(summary.output)


def read(path: Path) -> pa.Table:
    return pq.read_table(path) if path.suffix == ".parquet" else pa_csv.read_csv(path)


def test_scores_are_the_models_answers_row_for_row(
    make_input: MakeInput, artifacts_dir: Path, manifest: ModelManifest, tmp_path: Path
) -> None:
    source = make_input(rows=50)
    scored = score(source, tmp_path / "scores.parquet", artifacts_dir)
    rows = pq.read_table(source).to_pylist()
    expected = onnx_outputs(artifacts_dir, as_feed(manifest, rows))
    assert scored.column("row").to_pylist() == list(range(50))
    assert scored.column("id").to_pylist() == [row["id"] for row in rows]
    if manifest.classes:
        got = np.column_stack([scored.column(f"probability_{label}") for label in manifest.classes])
        np.testing.assert_allclose(got, expected["probabilities"], rtol=1e-5, atol=1e-6)
        labels = [manifest.classes[index] for index in expected["label"]]
        assert scored.column("label").to_pylist() == labels
    else:
        np.testing.assert_allclose(scored.column("value"), expected["variable"].ravel(), rtol=1e-5)


def test_csv_and_parquet_inputs_and_outputs_score_alike(
    make_input: MakeInput, artifacts_dir: Path, tmp_path: Path
) -> None:
    from_parquet = score(make_input("in.parquet"), tmp_path / "a.parquet", artifacts_dir)
    from_csv = score(make_input("in.csv"), tmp_path / "b.csv", artifacts_dir)
    for name in from_parquet.column_names:
        left, right = from_parquet.column(name).to_pylist(), from_csv.column(name).to_pylist()
        if isinstance(left[0], float):
            np.testing.assert_allclose(left, right, rtol=1e-6)
        else:
            assert [str(value) for value in left] == [str(value) for value in right]


@pytest.mark.parametrize("count", [3, 12], ids=["3-shards", "more-shards-than-row-groups"])
def test_the_parts_of_n_shards_together_equal_one_run(
    make_input: MakeInput, artifacts_dir: Path, tmp_path: Path, count: int
) -> None:
    source = make_input(rows=120, group=12)
    whole = score(source, tmp_path / "whole.parquet", artifacts_dir)
    for index in range(count):
        score(source, tmp_path / "parts", artifacts_dir, shard=Shard(index, count))
    parts = sorted((tmp_path / "parts").iterdir())
    assert [part.name for part in parts] == [Shard(i, count).part_name + ".parquet" for i in range(count)]
    assert pa.concat_tables([pq.read_table(part) for part in parts]).equals(whole)


def test_a_directory_of_files_shards_by_file(
    make_input: MakeInput, artifacts_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    for index in range(3):
        make_input(f"in/day-{index}.parquet", rows=20)
    whole = score(tmp_path / "in", tmp_path / "whole.parquet", artifacts_dir)
    assert set(whole.column("file").to_pylist()) == {"day-0.parquet", "day-1.parquet", "day-2.parquet"}
    for index in range(2):
        score(tmp_path / "in", tmp_path / "parts", artifacts_dir, shard=Shard(index, 2))
    parts = [pq.read_table(part) for part in sorted((tmp_path / "parts").iterdir())]
    assert pa.concat_tables(parts).equals(whole)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_output_or_errors_file_that_is_the_input_is_refused_and_the_input_kept(
    make_input: MakeInput, artifacts_dir: Path, suffix: str
) -> None:
    """`--output` (or `--errors`) equal to `--input` replaced the input, with exit 0."""
    source = make_input(f"input{suffix}")
    before = source.read_bytes()
    with pytest.raises(Failure, match="overlap"):
        score(source, source, artifacts_dir)
    with pytest.raises(Failure, match="overlap"):
        score(source, source.with_name(f"scores{suffix}"), artifacts_dir, errors=source)
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
            score(input_path, output, artifacts_dir, errors=errors, shard=shard)
    assert list(tmp_path.rglob(".*")) == []  # no hidden temporary file left


def with_bad_number(make_input: MakeInput, manifest: ModelManifest, row: int) -> tuple[Path, str]:
    table = pq.read_table(make_input())
    name = manifest.feature_names[0]
    values = [str(value) if value is not None else None for value in table.column(name).to_pylist()]
    values[row] = "high"
    path = make_input().with_name("bad.csv")
    pa_csv.write_csv(table.set_column(table.schema.get_field_index(name), name, pa.array(values)), path)
    return path, name


def test_a_bad_value_stops_the_run_naming_row_and_column_and_writes_nothing(
    make_input: MakeInput, artifacts_dir: Path, manifest: ModelManifest, tmp_path: Path
) -> None:
    source, name = with_bad_number(make_input, manifest, row=37)
    output = tmp_path / "out" / "scores.parquet"
    with pytest.raises(
        Failure, match=rf"bad\.csv: row 37, column {name}: expected a number or null, got 'high'"
    ):
        score(source, output, artifacts_dir)
    assert list(output.parent.iterdir()) == []


def test_with_an_errors_file_bad_rows_go_there_and_the_rest_is_scored(
    make_input: MakeInput, artifacts_dir: Path, manifest: ModelManifest, tmp_path: Path
) -> None:
    source, name = with_bad_number(make_input, manifest, row=37)
    errors = tmp_path / "errors.csv"
    scored = score(source, tmp_path / "scores.parquet", artifacts_dir, errors=errors)
    assert 37 not in scored.column("row").to_pylist()
    assert scored.num_rows == 119
    assert read(errors).to_pylist() == [
        {"file": "bad.csv", "row": 37, "column": name, "error": "expected a number or null, got 'high'"}
    ]


def test_a_csv_file_is_not_split_by_rows(make_input: MakeInput, artifacts_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(Failure, match="split a CSV into files to shard it"):
        score(make_input("in.csv"), tmp_path / "parts", artifacts_dir, shard=Shard(0, 2))


def test_a_column_of_the_wrong_type_is_named(
    make_input: MakeInput, artifacts_dir: Path, manifest: ModelManifest, tmp_path: Path
) -> None:
    table = pq.read_table(make_input())
    name = manifest.feature_names[0]
    wrong = table.set_column(table.schema.get_field_index(name), name, pa.array([True] * table.num_rows))
    pq.write_table(wrong, tmp_path / "wrong.parquet")
    with pytest.raises(Failure, match=rf"column '{name}' holds bool \(first true\); the model takes numbers"):
        score(tmp_path / "wrong.parquet", tmp_path / "scores.parquet", artifacts_dir)


def test_kept_columns_keep_their_type_from_csv_as_from_parquet(
    make_input: MakeInput, artifacts_dir: Path, manifest: ModelManifest, tmp_path: Path
) -> None:
    """--keep copies a CSV column as pyarrow reads it (integers stay integers), feature columns too."""
    table = pq.read_table(make_input(rows=30))
    ids = pa.array(range(1000, 1030), pa.int64())
    table = table.set_column(table.schema.get_field_index("id"), "id", ids)
    pa_csv.write_csv(table, tmp_path / "in.csv")
    keep = ["id", *manifest.feature_names[:1]]
    scored = score(tmp_path / "in.csv", tmp_path / "scores.parquet", artifacts_dir, keep=keep)
    assert scored.schema.field("id").type == pa.int64()
    assert scored.column("id").to_pylist() == ids.to_pylist()
    if manifest.features:
        kept = scored.column(manifest.feature_names[0])
        assert pa.types.is_integer(kept.type) or pa.types.is_floating(kept.type), kept.type


@pytest.mark.parametrize("name", ["row", "label", "value", "id-twice"])
def test_keeping_a_column_the_output_has_already_is_one_line(
    make_input: MakeInput, artifacts_dir: Path, manifest: ModelManifest, tmp_path: Path, name: str
) -> None:
    """Keeping the true label beside the scores is what a labelled holdout invites: no traceback."""
    outputs = (
        {"row", "label", *(f"probability_{c}" for c in manifest.classes)}
        if manifest.classes
        else {"row", "value"}
    )
    if name not in outputs and name != "id-twice":
        pytest.skip(f"this model's output has no column {name!r}")
    keep = ["id", "id"] if name == "id-twice" else [name]
    message = "given twice" if name == "id-twice" else f"the output has a column {name!r} of its own"
    with pytest.raises(Failure, match=rf"^--keep {keep[0]}: {message}"):
        score(make_input(rows=5), tmp_path / "scores.parquet", artifacts_dir, keep=keep)


def test_kept_csv_ids_survive_as_written(make_input: MakeInput, artifacts_dir: Path, tmp_path: Path) -> None:
    """A CSV column is a number only when each value is written as that number prints: zip codes,
    hex and ids longer than int64 stay text, byte for byte."""
    table = pq.read_table(make_input(rows=4))
    ids = ["007", "0x1F", "1180591620717411303424", "42"]
    table = table.set_column(table.schema.get_field_index("id"), "id", pa.array(ids))
    table = table.append_column("count", pa.array(["1", "20", "", "-3"]))
    pa_csv.write_csv(table, tmp_path / "in.csv")
    scored = score(tmp_path / "in.csv", tmp_path / "scores.parquet", artifacts_dir, keep=["id", "count"])
    assert (scored.schema.field("id").type, scored.column("id").to_pylist()) == (pa.string(), ids)
    assert (scored.schema.field("count").type, scored.column("count").to_pylist()) == (
        pa.int64(),
        [1, 20, None, -3],
    )
    with pytest.raises(Failure, match=r"--keep column 'nope' not found; the columns are \["):
        score(tmp_path / "in.csv", tmp_path / "scores.parquet", artifacts_dir, keep=["nope"])


def test_a_keep_column_typed_differently_across_parquet_files_is_one_line(
    make_input: MakeInput, artifacts_dir: Path, tmp_path: Path
) -> None:
    table = pq.read_table(make_input(rows=4))
    (tmp_path / "in").mkdir()
    index = table.schema.get_field_index("id")
    pq.write_table(table.set_column(index, "id", pa.array([1, 2, 3, 4])), tmp_path / "in" / "a.parquet")
    pq.write_table(
        table.set_column(index, "id", pa.array(["x1", "x2", "x3", "x4"])), tmp_path / "in" / "b.parquet"
    )
    with pytest.raises(Failure, match=r"b.parquet: --keep column 'id' is int64 in the first file, but"):
        score(tmp_path / "in", tmp_path / "scores.parquet", artifacts_dir)
    assert not (tmp_path / "scores.parquet").exists()


@pytest.mark.slow
def test_a_run_stopped_by_sigterm_leaves_no_output(
    make_input: MakeInput, artifacts_dir: Path, tmp_path: Path
) -> None:
    source = make_input(rows=20_000, group=1000)
    output = tmp_path / "out" / "scores.parquet"
    env = {**os.environ, "APP_MODEL_DIR": str(artifacts_dir), "APP_SCORE_BATCH_ROWS": "1"}
    package = "{{ cookiecutter.package }}"
    command = [sys.executable, "-m", package, "score", "--input", str(source), "--output", str(output)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not any(output.parent.glob(".*tmp*")) and time.monotonic() < deadline:
            assert process.poll() is None, "score finished before it could be stopped"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        process.kill()
    assert list(output.parent.iterdir()) == []
