"""Training: reproducible runs, a complete manifest, files of the user's own with categories and gaps."""

import json
from pathlib import Path

import joblib
import numpy as np
import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import read_manifest
from {{ cookiecutter.package }}.model.config import DataConfig, ModelConfig, TrainConfig
from {{ cookiecutter.package }}.model.estimators import pipeline_input
from {{ cookiecutter.package }}.model.holdout import read_holdout
from {{ cookiecutter.package }}.model.metrics import TASK_METRICS
from {{ cookiecutter.package }}.model.train import train_model


def test_same_data_and_seed_give_the_same_model(tmp_path: Path, model_config: ModelConfig) -> None:
    first = train_model(model_config.data, model_config.train, tmp_path / "a", name="m")
    again = train_model(model_config.data, model_config.train, tmp_path / "b", name="m")
    assert first.metrics == again.metrics
    assert first.data_fingerprint == again.data_fingerprint
    holdout = read_holdout(tmp_path / "a")
    assert np.array_equal(holdout.numbers, read_holdout(tmp_path / "b").numbers, equal_nan=True)
    names = [*first.feature_names, *(feature.name for feature in first.categorical)]
    frame = pipeline_input(holdout.numbers, holdout.strings, names)
    predictions = [joblib.load(tmp_path / run / "model.joblib").predict(frame) for run in ("a", "b")]
    assert np.array_equal(*predictions)


def test_manifest_describes_the_model(artifacts_dir: Path) -> None:
    manifest = read_manifest(artifacts_dir)
    assert manifest.name == "test-model"
    assert manifest.version == f"{manifest.created_at:%Y%m%d%H%M%S}-{manifest.data_fingerprint[:8]}"
    assert list(manifest.metrics) == list(TASK_METRICS[manifest.task])
    assert all(len(feature.summary.quantiles) == 11 for feature in manifest.features)
    assert all(
        feature.summary.min <= feature.summary.mean <= feature.summary.max for feature in manifest.features
    )
    assert (manifest.classes is None) == (manifest.task == "regression")
    assert {"scikit-learn", "numpy", "skl2onnx", "onnx", "onnxruntime", "python"} <= set(
        manifest.library_versions
    )
    assert json.loads((artifacts_dir / "metrics.json").read_text()) == manifest.metrics


def test_manifest_records_the_estimator_and_its_params(
    artifacts_dir: Path, model_config: ModelConfig
) -> None:
    manifest = read_manifest(artifacts_dir)
    assert manifest.estimator_class == type(joblib.load(artifacts_dir / "model.joblib")[-1]).__name__
    written = {key: None if value == "None" else value for key, value in model_config.train.params.items()}
    assert {key: manifest.params[key] for key in written} == written
    assert manifest.params["random_state"] == model_config.train.seed


def test_user_csv_trains_end_to_end(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 3))
    lines = ["a,b,c,y"] + [f"{r[0]},{r[1]},{r[2]},{int(r[0] + r[1] > 0)}" for r in x]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    data = DataConfig(source=str(tmp_path / "data.csv"), target="y")
    manifest = train_model(data, TrainConfig(estimator="gradient_boosting"), tmp_path / "out", name="m")
    assert manifest.task == "binary"
    assert manifest.feature_names == ["a", "b", "c"]
    assert manifest.metrics["accuracy"] > 0.8


def test_categories_and_missing_values_are_described(penguins_artifacts: Path) -> None:
    manifest = read_manifest(penguins_artifacts)
    assert manifest.estimator_class == "HistGradientBoostingClassifier"
    assert [feature.name for feature in manifest.categorical] == ["island", "sex"]
    sex = manifest.categorical[1]
    assert sex.categories == ["female", "male"]
    assert sum(sex.shares) + sex.missing == pytest.approx(1)
    assert sex.missing > 0
    assert any(feature.summary.missing > 0 for feature in manifest.features)
    holdout = read_holdout(penguins_artifacts)
    assert (holdout.numbers.shape[1], holdout.strings.shape[1]) == (5, 2)


def test_params_reach_the_estimator_and_the_manifest(tmp_path: Path) -> None:
    train = TrainConfig(estimator="random_forest", params={"n_estimators": 7, "max_depth": "None"})
    manifest = train_model(DataConfig(source="wine"), train, tmp_path, name="m")
    assert joblib.load(tmp_path / "model.joblib")[-1].n_estimators == 7
    assert (manifest.params["n_estimators"], manifest.params["max_depth"]) == (7, None)


def test_a_decision_threshold_is_for_binary_classifiers_only(tmp_path: Path) -> None:
    train = TrainConfig(decision_threshold=0.3)
    with pytest.raises(Failure, match=r"decision_threshold: only binary classifiers have one; wine makes"):
        train_model(DataConfig(source="wine"), train, tmp_path / "out", name="m")
    assert not (tmp_path / "out").exists()


def test_a_lower_threshold_trades_precision_for_recall(tmp_path: Path) -> None:
    data = DataConfig(source="breast_cancer")
    default = train_model(data, TrainConfig(), tmp_path / "a", name="m")
    eager = train_model(data, TrainConfig(decision_threshold=0.05), tmp_path / "b", name="m")
    assert (default.decision_threshold, eager.decision_threshold) == (0.5, 0.05)
    assert eager.metrics["recall"] >= default.metrics["recall"]
    assert eager.metrics["precision"] <= default.metrics["precision"]
    assert eager.metrics["roc_auc"] == default.metrics["roc_auc"]


def test_the_split_and_the_confusion_matrix_are_recorded(artifacts_dir: Path) -> None:
    manifest = read_manifest(artifacts_dir)
    evaluation = manifest.evaluation
    assert evaluation is not None
    assert evaluation.test.rows == len(read_holdout(artifacts_dir).y)
    if manifest.classes is None:
        assert evaluation.confusion == []
        return
    assert sum(evaluation.train.classes) == evaluation.train.rows
    assert [sum(row) for row in evaluation.confusion] == evaluation.test.classes
    hits = sum(evaluation.confusion[index][index] for index in range(len(manifest.classes)))
    assert hits / evaluation.test.rows == pytest.approx(manifest.metrics["accuracy"])
