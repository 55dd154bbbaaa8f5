"""One set of rules for HTTP and batch scoring: the same rows, sent to /predict and scored from a file,
get the same answers bit for bit (missing values, numbers in category columns, integer codes in every
spelling, files typed as training read them), and the same values are refused both ways."""

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.batch.score import Job, run_job
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import (
    MISSING_SPELLINGS,
    CategoricalFeature,
    ModelManifest,
    read_manifest,
)

from ..rows import Row, integer_coded, typical_rows

# What pandas (training) and the CSV reader take for a missing value, and over HTTP a string alike.
SPELLINGS = ["NA", "null", "NULL", "nan", "", None]


def over_http(client: TestClient, manifest: ModelManifest, rows: list[Row]) -> np.ndarray:
    response = client.post("/predict", json={"rows": rows})
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    if manifest.classes:
        return np.array([list(p["probabilities"].values()) for p in predictions], dtype=np.float32)
    return np.array([[p["value"]] for p in predictions], dtype=np.float32)


def from_file(
    manifest: ModelManifest, source: Path, model: Path, tmp_path: Path, errors: Path | None = None
) -> np.ndarray:
    output = tmp_path / f"scores-{source.stem}{source.suffix}.parquet"
    run_job(Job(source, output, errors, None, [], 16), model, threads=1)
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


def test_a_long_dictionary_value_is_never_copied_into_every_row(
    make_input: Callable[..., Path], artifacts_dir: Path, tmp_path: Path
) -> None:
    """One 1 MB string in a dictionary, in each of 16,384 rows, ran out of memory at 3.6 GB."""
    table = pq.read_table(make_input(rows=1000))
    long = pa.DictionaryArray.from_arrays(pa.array([0] * 1000, pa.int32()), pa.array(["y" * (1 << 20)]))
    pq.write_table(table.append_column("note", long), tmp_path / "long.parquet")
    job = Job(tmp_path / "long.parquet", tmp_path / "scores.parquet", None, None, ["note"], 16)
    with pytest.raises(Failure, match="holds a value of 1048576 bytes"):
        run_job(job, artifacts_dir, threads=1)


def test_the_missing_spellings_are_those_pandas_reads_as_missing() -> None:
    """Training reads CSV files with pandas: a spelling it reads as missing must be missing here too."""
    parsers = importlib.import_module("pandas._libs.parsers")  # no stubs for pandas' C parser
    assert set(parsers.STR_NA_VALUES) == MISSING_SPELLINGS


def codes_of(feature: CategoricalFeature) -> list[int]:
    """The feature's known integer codes, or codes training never saw when it has none."""
    return [int(code) for code in feature.categories if code.lstrip("-").isdigit()] or [1, 2, 3]


def typed_table(manifest: ModelManifest, rows: list[Row]) -> pa.Table:
    """Rows as a file training read holds them: int64 for integer numbers and integer codes."""
    columns = {
        feature.name: pa.array(
            [row[feature.name] for row in rows], pa.int64() if feature.dtype == "integer" else pa.float64()
        )
        for feature in manifest.features
    }
    columns.update(
        {f.name: pa.array([row[f.name] for row in rows], pa.int64()) for f in manifest.categorical}
    )
    return pa.table(columns)


# How a client may write the integer code n (JSON integer, whole float, text), all the category "n".
CODE_SPELLINGS: dict[str, Callable[[int], Any]] = {
    "integer": lambda n: n,
    "float": float,
    "text": str,
    "float-text": lambda n: f"{n}.0",
    "signed-zero-padded": lambda n: f"+0{n}",
    "exponent": lambda n: f"{n}e0",
    "beyond-float64": lambda n: f"{n}.0000000000000001",
}


@pytest.mark.parametrize("model_dir", [integer_coded], indirect=True, ids=["categories=integer"])
def test_integer_codes_in_every_spelling_score_as_the_typed_training_file_does(
    client: TestClient, model_dir: Path, tmp_path: Path
) -> None:
    """The Parquet file a model was trained on holds int64 codes and int64 numbers: scored as it is, it
    answers as /predict answers the codes in every spelling, and as a CSV file of the codes as text."""
    manifest = read_manifest(model_dir)
    rows = typical_rows(manifest, 6)
    for index, row in enumerate(rows):
        for number in manifest.features:
            row[number.name] = int(row[number.name]) if number.dtype == "integer" else row[number.name]
        for category in manifest.categorical:
            codes = codes_of(category)
            row[category.name] = None if index == 5 else codes[index % len(codes)]
    pq.write_table(typed_table(manifest, rows), tmp_path / "typed.parquet")
    batch = from_file(manifest, tmp_path / "typed.parquet", model_dir, tmp_path)
    for name, spell in CODE_SPELLINGS.items():
        spelled = [
            {**row, **{f.name: spell_code(spell, row[f.name]) for f in manifest.categorical}} for row in rows
        ]
        assert np.array_equal(over_http(client, manifest, spelled), batch), name
        if name == "float-text":
            pa_csv.write_csv(pa.Table.from_pylist(spelled), tmp_path / "text.csv")
            assert np.array_equal(from_file(manifest, tmp_path / "text.csv", model_dir, tmp_path), batch)


def spell_code(spell: Callable[[int], Any], code: int | None) -> Any:
    return None if code is None else spell(code)


@pytest.mark.parametrize("model_dir", [integer_coded], indirect=True, ids=["categories=integer"])
def test_a_boolean_is_no_integer_code_over_http_or_in_a_file(
    client: TestClient, model_dir: Path, tmp_path: Path
) -> None:
    manifest = read_manifest(model_dir)
    if not manifest.categorical:
        pytest.skip("the model has no category column")
    name = manifest.categorical[0].name
    rows = [{**typical_rows(manifest)[0], name: True}]
    response = client.post("/predict", json=rows[0])
    assert response.status_code == 422
    reason = 'expected an integer code (2 or "2") or null, got true'
    assert response.json()["error"] == f"body.{name}: {reason}"
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "booleans.parquet")
    errors = tmp_path / "errors.parquet"
    from_file(manifest, tmp_path / "booleans.parquet", model_dir, tmp_path, errors)
    assert pq.read_table(errors).to_pylist() == [
        {"file": "booleans.parquet", "row": 0, "column": name, "error": reason}
    ]


def test_numbers_as_text_are_refused_in_parquet_as_in_json_and_parsed_in_csv(
    client: TestClient, manifest: ModelManifest, artifacts_dir: Path, tmp_path: Path
) -> None:
    """Parquet and JSON are typed: "12" is no number in either. A CSV file is all text, parsed as
    training's pandas parsed it."""
    if not manifest.features:
        pytest.skip("the model has no numeric feature")
    name = manifest.feature_names[0]
    rows = typical_rows(manifest, 3)
    texts = [{**row, name: repr(row[name])} for row in rows]
    response = client.post("/predict", json={"rows": texts})
    assert response.status_code == 422
    assert f"rows[0].{name}: expected a number or null, got '" in response.json()["error"]
    pq.write_table(pa.Table.from_pylist(texts), tmp_path / "texts.parquet")
    with pytest.raises(
        Failure,
        match=rf"column '{name}' holds text \(first '.*'\); the model takes numbers there, as /predict",
    ):
        from_file(manifest, tmp_path / "texts.parquet", artifacts_dir, tmp_path)
    pa_csv.write_csv(pa.Table.from_pylist(texts), tmp_path / "texts.csv")
    csv = from_file(manifest, tmp_path / "texts.csv", artifacts_dir, tmp_path)
    assert np.array_equal(csv, over_http(client, manifest, rows))


@pytest.mark.parametrize("text", [" 12 ", "1_0", "٢٥", "nAn"])
def test_a_csv_number_follows_pandas_spelling_as_training_read_it(
    manifest: ModelManifest, artifacts_dir: Path, tmp_path: Path, text: str
) -> None:
    """Python's float() reads "1_0" as 10 and Arabic-Indic digits as 25; pandas, which read training's
    file, does not, so batch scoring refuses them; padding pandas drops, and so does batch scoring."""
    if not manifest.features:
        pytest.skip("the model has no numeric feature")
    name = manifest.feature_names[0]
    row = typical_rows(manifest, 1)[0]
    pa_csv.write_csv(pa.Table.from_pylist([{**row, name: text}]), tmp_path / "spelt.csv")
    pa_csv.write_csv(pa.Table.from_pylist([{**row, name: "12"}]), tmp_path / "plain.csv")
    errors = tmp_path / "errors.parquet"
    scored = from_file(manifest, tmp_path / "spelt.csv", artifacts_dir, tmp_path, errors)
    if text.strip() == "12":
        assert np.array_equal(scored, from_file(manifest, tmp_path / "plain.csv", artifacts_dir, tmp_path))
    else:
        assert pq.read_table(errors).column("error").to_pylist() == [
            f"expected a number or null, got {text!r}"
        ]
