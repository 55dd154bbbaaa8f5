"""A user's file scores as scikit-learn scored it in training, over /predict, OIP and in batch: a text
category spelt like a missing value ("NA", "None"), a column of booleans with gaps, and integer codes
padded as some exports write them (" 6")."""

import csv
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.batch.score import Job, run_job
from {{ cookiecutter.package }}.manifest import PIPELINE_FILE, ModelManifest, read_manifest
from {{ cookiecutter.package }}.model.config import DataConfig, TrainConfig

# ONNX computes in float32; the export's own parity check allows as much.
TOLERANCE = 1e-4
REGIONS = ["EU", "NA", "None", "APAC", ""]


def user_rows(count: int = 240) -> list[dict[str, str]]:
    """CSV cells as a user's export writes them: gaps are empty cells, some codes padded."""
    rng = np.random.default_rng(17)
    rows = []
    for _ in range(count):
        region, premium = str(rng.choice(REGIONS)), str(rng.choice(["True", "False", ""]))
        job = int(rng.integers(1, 7))
        score = {"NA": 2.0, "None": -2.0}.get(region, 0.0) + (1.5 if premium == "True" else 0.0) + job / 3
        code = "" if rng.random() < 0.05 else str(rng.choice([str(job), f" {job}", f"{job} "]))
        churned = "yes" if score + rng.normal() > 2 else "no"
        age = str(rng.integers(18, 81))
        rows.append({"age": age, "premium": premium, "job": code, "region": region, "churned": churned})
    return rows


@pytest.fixture(scope="module", params=["csv", "parquet"])
def user_file(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(f"user-{request.param}")
    path = folder / "users.csv"
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(user_rows()[0]))
        writer.writeheader()
        writer.writerows(user_rows())
    if request.param == "csv":
        return path
    table = pd.DataFrame(user_rows())
    frame = pd.DataFrame(
        {
            "age": table["age"].astype("int64"),
            "premium": table["premium"].map({"True": True, "False": False, "": None}),
            "job": pd.to_numeric(table["job"].str.strip()).astype("Int64"),
            "region": table["region"],  # text, kept as written: "" is missing, "NA" a region
            "churned": table["churned"],
        }
    )
    frame.to_parquet(folder / "users.parquet", index=False)
    return folder / "users.parquet"


@pytest.fixture(scope="module")
def model_dir(user_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from {{ cookiecutter.package }}.model.export import export_model
    from {{ cookiecutter.package }}.model.train import train_model

    artifacts = tmp_path_factory.mktemp("user-model")
    data = DataConfig(source=str(user_file), target="churned", categorical=["job", "region"])
    train_model(data, TrainConfig(estimator="gradient_boosting"), artifacts, name="users")
    export_model(artifacts, tolerance=TOLERANCE)
    return artifacts


@pytest.fixture(scope="module")
def expected(model_dir: Path, user_file: Path) -> np.ndarray:
    """scikit-learn's probabilities for every training row, as training read them."""
    from {{ cookiecutter.package }}.model.data import load_dataset

    dataset = load_dataset(str(user_file), "churned", categorical=["job", "region"])
    pipeline = joblib.load(model_dir / PIPELINE_FILE)
    return np.asarray(pipeline.predict_proba(dataset.features.frame))


def json_rows() -> list[dict[str, Any]]:
    """The CSV's rows as a client sends them: numbers and booleans as JSON, codes and regions as text."""
    premium = {"True": True, "False": False, "": None}
    return [
        {
            "age": int(row["age"]),
            "premium": premium[row["premium"]],
            "job": row["job"],
            "region": row["region"],
        }
        for row in user_rows()
    ]


def test_text_categories_spelt_like_missing_values_are_categories(model_dir: Path) -> None:
    manifest = read_manifest(model_dir)
    region = next(feature for feature in manifest.categorical if feature.name == "region")
    assert region.categories == ["APAC", "EU", "NA", "None"]
    assert {feature.name: feature.dtype for feature in manifest.features}["premium"] == "boolean"
    job = next(feature for feature in manifest.categorical if feature.name == "job")
    assert job.categories == ["1", "2", "3", "4", "5", "6"], "a padded code is its code"


def test_predict_answers_as_scikit_learn_did_for_the_training_rows(
    client: TestClient, expected: np.ndarray
) -> None:
    response = client.post("/predict", json={"rows": json_rows()})
    assert response.status_code == 200, response.text
    served = [list(item["probabilities"].values()) for item in response.json()["predictions"]]
    np.testing.assert_allclose(served, expected, atol=TOLERANCE)


def test_oip_answers_as_scikit_learn_did_with_booleans_as_bool(
    client: TestClient, expected: np.ndarray, model_dir: Path
) -> None:
    manifest: ModelManifest = read_manifest(model_dir)
    rows = json_rows()
    datatypes = {"age": "INT64", "premium": "BOOL", "job": "BYTES", "region": "BYTES"}
    inputs = [
        {"name": name, "shape": [len(rows)], "datatype": datatype, "data": [row[name] for row in rows]}
        for name, datatype in datatypes.items()
    ]
    response = client.post(f"/v2/models/{manifest.name}/infer", json={"inputs": inputs})
    assert response.status_code == 200, response.text
    outputs = {output["name"]: output for output in response.json()["outputs"]}
    served = np.reshape(outputs["probabilities"]["data"], outputs["probabilities"]["shape"])
    np.testing.assert_allclose(served, expected, atol=TOLERANCE)


def test_batch_scores_the_training_file_as_scikit_learn_did(
    model_dir: Path, user_file: Path, expected: np.ndarray, tmp_path: Path
) -> None:
    job = Job(user_file, tmp_path / "scores.parquet", None, None, [], 64)
    run_job(job, model_dir, threads=1)
    scores = pq.read_table(tmp_path / "scores.parquet")
    served = np.column_stack([scores.column("probability_no"), scores.column("probability_yes")])
    np.testing.assert_allclose(served, expected, atol=TOLERANCE)
