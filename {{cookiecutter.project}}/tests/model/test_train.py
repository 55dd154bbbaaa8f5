"""Training: reproducible runs, a complete manifest, files of the user's own, exact tree splits."""

import json
from pathlib import Path

import joblib
import numpy as np
import pytest

from {{ cookiecutter.package }}.manifest import read_manifest
from {{ cookiecutter.package }}.model.config import (
    DataConfig,
    Estimator,
    ModelConfig,
    TrainConfig,
)
from {{ cookiecutter.package }}.model.data import load_dataset
from {{ cookiecutter.package }}.model.train import (
    build_pipeline,
    round_thresholds_down,
    train_model,
)

METRICS = {
    "binary": {"accuracy", "f1", "roc_auc", "log_loss"},
    "multiclass": {"accuracy", "f1", "roc_auc", "log_loss"},
    "regression": {"r2", "rmse", "mae"},
}


def test_same_data_and_seed_give_the_same_model(tmp_path: Path, model_config: ModelConfig) -> None:
    first = train_model(model_config.data, model_config.train, tmp_path / "a", name="m")
    again = train_model(model_config.data, model_config.train, tmp_path / "b", name="m")
    assert first.metrics == again.metrics
    assert first.data_fingerprint == again.data_fingerprint
    holdout = np.load(tmp_path / "a" / "holdout.npz")["x"]
    assert np.array_equal(holdout, np.load(tmp_path / "b" / "holdout.npz")["x"])
    predictions = [joblib.load(tmp_path / run / "model.joblib").predict(holdout) for run in ("a", "b")]
    assert np.array_equal(*predictions)


def test_manifest_describes_the_model(artifacts_dir: Path) -> None:
    manifest = read_manifest(artifacts_dir)
    assert manifest.name == "test-model"
    assert manifest.version == f"{manifest.created_at:%Y%m%d%H%M%S}-{manifest.data_fingerprint[:8]}"
    assert set(manifest.metrics) == METRICS[manifest.task]
    assert all(len(feature.summary.quantiles) == 11 for feature in manifest.features)
    assert all(
        feature.summary.min <= feature.summary.mean <= feature.summary.max for feature in manifest.features
    )
    assert (manifest.classes is None) == (manifest.task == "regression")
    assert {"scikit-learn", "numpy", "skl2onnx", "onnx", "onnxruntime", "python"} <= set(
        manifest.library_versions
    )
    assert json.loads((artifacts_dir / "metrics.json").read_text()) == manifest.metrics


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


@pytest.mark.parametrize("estimator", ["random_forest", "gradient_boosting"])
def test_float32_threshold_rounding_keeps_predictions(estimator: Estimator) -> None:
    dataset = load_dataset("diabetes")
    x = dataset.features.to_numpy(np.float32)
    pipeline = build_pipeline(estimator, "regression", seed=0).fit(x, dataset.target)
    before = pipeline.predict(x)
    round_thresholds_down(pipeline[-1])
    assert np.array_equal(pipeline.predict(x), before)
