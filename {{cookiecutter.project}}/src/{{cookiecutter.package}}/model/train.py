"""Build the pipeline, fit it, score it on the held-out rows and save what export and the gate need."""

import json
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.pipeline import Pipeline

from ..manifest import HOLDOUT_FILE, METRICS_FILE, PIPELINE_FILE, ModelManifest, Task, write_manifest
from .config import DataConfig, Estimator, TrainConfig
from .data import Dataset, fingerprint, load_dataset, split_dataset, summarize_features

LIBRARIES = ("scikit-learn", "numpy", "skl2onnx", "onnx", "onnxruntime")


def build_pipeline(estimator: Estimator, task: Task, seed: int) -> Pipeline:
    from sklearn import ensemble
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.preprocessing import StandardScaler

    regression = task == "regression"
    if estimator == "linear":
        model: Any = Ridge() if regression else LogisticRegression(max_iter=5000)
        return Pipeline([("scale", StandardScaler()), ("model", model)])
    if estimator == "random_forest":
        # Bounded depth keeps the ONNX graph small and single-row latency low.
        forest = ensemble.RandomForestRegressor if regression else ensemble.RandomForestClassifier
        return Pipeline([("model", forest(n_estimators=100, max_depth=10, random_state=seed, n_jobs=1))])
    # Classic gradient boosting rather than the histogram variant: skl2onnx 1.20 cannot convert
    # HistGradientBoosting* under protobuf 7, and on datasets this size the two score alike.
    boosting = ensemble.GradientBoostingRegressor if regression else ensemble.GradientBoostingClassifier
    return Pipeline([("model", boosting(n_estimators=100, max_depth=3, random_state=seed))])


def round_thresholds_down(model: Any) -> None:
    """Make tree splits exact in float32, the type ONNX compares in.

    scikit-learn splits at float64 midpoints, and rounding one to float32 can land on a training
    value and send that row the other way in ONNX. The largest float32 at or below each threshold
    splits every float32 input exactly as before, so predictions do not change.
    """
    # A forest keeps a list of trees; gradient boosting keeps one tree per stage and class.
    for tree in np.ravel(getattr(model, "estimators_", [])):
        tree.tree_.threshold[:] = float32_floor(tree.tree_.threshold)


def float32_floor(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    rounded = values.astype(np.float32)
    above = rounded > values
    rounded[above] = np.nextafter(rounded[above], np.float32(-np.inf))
    return rounded.astype(np.float64)


def score(
    pipeline: Pipeline, task: Task, x: npt.NDArray[np.float32], y: npt.NDArray[Any]
) -> dict[str, float]:
    if task == "regression":
        predicted = pipeline.predict(x)
        return {
            "r2": float(r2_score(y, predicted)),
            "rmse": float(root_mean_squared_error(y, predicted)),
            "mae": float(mean_absolute_error(y, predicted)),
        }
    probabilities = pipeline.predict_proba(x)
    labels = list(range(probabilities.shape[1]))
    positive = probabilities[:, 1] if task == "binary" else probabilities
    return {
        "accuracy": float(accuracy_score(y, pipeline.predict(x))),
        "f1": float(f1_score(y, pipeline.predict(x), average="macro")),
        "roc_auc": float(roc_auc_score(y, positive, multi_class="ovr", labels=labels)),
        "log_loss": float(log_loss(y, probabilities, labels=labels)),
    }


def project_name() -> str:
    """The installed distribution that owns this package: the project's name."""
    package = (__package__ or "").split(".")[0]
    try:
        # The package is the project name with "-" as "_", which distribution lookups treat as equal.
        return str(metadata.metadata(package)["Name"])
    except metadata.PackageNotFoundError:
        return package


def library_versions() -> dict[str, str]:
    versions = {name: metadata.version(name) for name in LIBRARIES}
    return {**versions, "python": platform.python_version()}


def train_model(data: DataConfig, train: TrainConfig, out: Path, name: str | None = None) -> ModelManifest:
    """Train on `data`, write model.joblib, holdout.npz, metrics.json and manifest.json into `out`."""
    dataset = load_dataset(data.source, data.target, data.task)
    split = split_dataset(dataset, train.test_size, train.seed)
    pipeline = build_pipeline(train.estimator, dataset.task, train.seed)
    # Plain float32 arrays, as serving will send: the pipeline then expects no column names.
    x_train, x_holdout = split.x_train.to_numpy(np.float32), split.x_test.to_numpy(np.float32)
    pipeline.fit(x_train, split.y_train.to_numpy())
    round_thresholds_down(pipeline[-1])
    metrics = score(pipeline, dataset.task, x_holdout, split.y_test.to_numpy())
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, out / PIPELINE_FILE)
    np.savez(out / HOLDOUT_FILE, x=x_holdout, y=split.y_test.to_numpy())
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    manifest = describe(dataset, split.x_train, train.estimator, metrics, name or project_name())
    write_manifest(out, manifest)
    return manifest


def describe(
    dataset: Dataset, x_train: pd.DataFrame, estimator: str, metrics: dict[str, float], name: str
) -> ModelManifest:
    created_at = datetime.now(UTC)
    data_fingerprint = fingerprint(dataset)
    return ModelManifest(
        name=name,
        version=f"{created_at:%Y%m%d%H%M%S}-{data_fingerprint[:8]}",
        task=dataset.task,
        estimator=estimator,
        target=dataset.target_name,
        features=summarize_features(x_train, dataset.kinds),
        classes=dataset.classes,
        metrics=metrics,
        data_source=dataset.source,
        data_fingerprint=data_fingerprint,
        library_versions=library_versions(),
        created_at=created_at,
    )
