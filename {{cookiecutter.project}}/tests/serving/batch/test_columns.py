"""One set of rules for HTTP and batch scoring: the same rows, sent to /predict and scored from a file,
get the same answers bit for bit, missing values and numbers in category columns included."""

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.batch.score import Job, run_job
from {{ cookiecutter.package }}.serving.features import MISSING_SPELLINGS

from ..rows import Row, typical_rows

# What pandas (training) and the CSV reader take for a missing value, and over HTTP a string alike.
SPELLINGS = ["NA", "null", "NULL", "nan", "", None]


def over_http(client: TestClient, manifest: ModelManifest, rows: list[Row]) -> np.ndarray:
    response = client.post("/predict", json={"rows": rows})
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    if manifest.classes:
        return np.array([list(p["probabilities"].values()) for p in predictions], dtype=np.float32)
    return np.array([[p["value"]] for p in predictions], dtype=np.float32)


def from_file(manifest: ModelManifest, source: Path, model: Path, tmp_path: Path) -> np.ndarray:
    output = tmp_path / f"scores-{source.stem}.parquet"
    run_job(Job(source, output, None, None, [], 16), model, threads=1)
    scored = pq.read_table(output)
    names = [f"probability_{label}" for label in manifest.classes] if manifest.classes else ["value"]
    return np.column_stack([scored.column(name).to_numpy() for name in names])


def tricky_rows(manifest: ModelManifest) -> list[Row]:
    """Typical rows, then each spelling of a missing value in every category column, and a missing number."""
    rows = typical_rows(manifest, 2 * len(SPELLINGS))
    for index, row in enumerate(rows[len(SPELLINGS) :]):
        for feature in manifest.categorical:
            row[feature.name] = SPELLINGS[index]
        if manifest.features:
            row[manifest.features[index % len(manifest.features)].name] = None
    return rows


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_http_and_batch_answer_the_same_rows_bit_for_bit(
    client: TestClient, manifest: ModelManifest, artifacts_dir: Path, tmp_path: Path, suffix: str
) -> None:
    rows = tricky_rows(manifest)
    source = tmp_path / f"rows{suffix}"
    table = pa.Table.from_pylist(rows)
    pa_csv.write_csv(table, source) if suffix == ".csv" else pq.write_table(table, source)
    batch = from_file(manifest, source, artifacts_dir, tmp_path)
    assert np.array_equal(over_http(client, manifest, rows), batch)


def test_a_number_in_a_category_column_is_its_text_both_ways(
    client: TestClient, manifest: ModelManifest, artifacts_dir: Path, tmp_path: Path
) -> None:
    """A number was a category in batch but a 422 over HTTP; now both spell it as training does."""
    if not manifest.categorical:
        pytest.skip("the model has no category column")
    name = manifest.categorical[0].name
    numbers: list[Any] = [12, 12.0, 1.5, None]
    rows = [{**typical_rows(manifest)[0], name: number} for number in numbers]
    table = pa.Table.from_pylist(rows).set_column(
        list(rows[0]).index(name), name, pa.array([float("nan") if n is None else n for n in numbers])
    )
    pq.write_table(table, tmp_path / "numbers.parquet")
    http = over_http(client, manifest, rows)
    assert np.array_equal(http, from_file(manifest, tmp_path / "numbers.parquet", artifacts_dir, tmp_path))
    # In one request: onnxruntime may round differently for another number of rows.
    spelled = over_http(client, manifest, [{**rows[0], name: value} for value in (12, "12", 12.0, "12")])
    assert all(np.array_equal(spelled[0], answer) for answer in spelled)


def test_the_missing_spellings_are_those_pandas_reads_as_missing() -> None:
    """Training reads CSV files with pandas: a spelling it reads as missing must be missing here too."""
    parsers = importlib.import_module("pandas._libs.parsers")  # no stubs for pandas' C parser
    assert set(parsers.STR_NA_VALUES) == MISSING_SPELLINGS
